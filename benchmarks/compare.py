"""Plain Nuitka standalone vs hinted, side by side in one run, with ratios.

    python benchmarks/compare.py [--methods=plain,hinted,...] [--pythons=all|3.X,...]
                                 [hello] [pil] [numpy] [stdlib]   (default: all)
    python benchmarks/compare.py --demo                    (PIL, hinted build only)

For each example: trace it, build it plain (``--mode=standalone`` alone), hinted
(``nuitka_hints.py``: cold recorded modules as bytecode), hinted with every
recorded module compiled (``hinted-all``, ``--hinted-compile=all``), hinted with
unrecorded modules kept as bytecode (``hinted+bc``), and plain and hinted in
onefile mode (``plain-onefile``, ``hinted-onefile``: the one compressed file's
size; its run time includes unpacking).  Run the binaries (best of three wall
times) and compare their output with the interpreted run; hinted builds are also
verified (every recorded run replayed).  ``--pythons`` runs the benchmark once per
Python in that Python's environment (``.venv-3.X``, made by ``bash dev.sh test``;
this machine's ``python3`` uses ``.venv``) and prints one table with a Python
column.  A throw-away build first warms Nuitka's caches; ccache is disabled for
the timed builds, so neither build profits from the other's compiled C files and
a second benchmark run measures the same work.  ``plain-ccache`` and
``hinted-ccache`` (not run unless asked for) build with ccache on, holding only
what the warm-up build compiled: Nuitka's C runtime, the same for every program,
as on the machine of anyone who has built before and has ccache installed.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import hints_file  # noqa: E402
import nuitka_hints  # noqa: E402

# Libraries of the C library and the loader: the run loads them, no standalone
# dist ships them (each machine's own must be used).  Other system libraries
# (libcrypto, libffi, ...) are shipped, so they count.
NEVER_SHIPPED = ("ld-linux", "linux-vdso", "libc.", "libm.", "libpthread.", "libdl.",
                 "librt.", "libutil.", "libresolv.", "libnss", "libz.", "libstdc++.")

EXAMPLES = {
    "hello": ("hello.py", []),
    "pil": ("pil_demo.py", []),
    "numpy": ("numpy_demo.py", ["5"]),
    "stdlib": ("stdlib_demo.py", ["--format=csv", "stdlib_demo.py"]),
}
TIMED_OPTIONS = ["--disable-cache=ccache"]
# The same builds with ccache on, holding only what the warm-up build compiled:
# Nuitka's C runtime, the same for every program (needs ccache installed).
CCACHE_METHODS = ("plain-ccache", "hinted-ccache")
HINTED_VARIANTS = {
    "hinted-all": "--hinted-compile=all",
    "hinted+bc": "--hinted-unrecorded=bytecode",
}
ONEFILE_METHODS = ("plain-onefile", "hinted-onefile")  # one compressed file: sized alone
METHODS = ("plain", "hinted", *HINTED_VARIANTS, *ONEFILE_METHODS, *CCACHE_METHODS)
RATIOS = [(method, "plain") for method in ("hinted", *HINTED_VARIANTS)]
RATIOS += [("hinted-onefile", "plain-onefile"), ("hinted-ccache", "plain-ccache")]
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def main(argv):
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    options = dict(arg[2:].partition("=")[::2] for arg in argv if arg.startswith("--"))
    names = [arg for arg in argv if not arg.startswith("--")]
    demo = "demo" in options
    names = names or (["pil"] if demo else list(EXAMPLES))
    default = [method for method in METHODS if method not in CCACHE_METHODS]
    methods = ["hinted"] if demo else options.get("methods", ",".join(default)).split(",")
    pythons = options.get("pythons")
    pythons = None if pythons is None else PYTHONS if pythons == "all" else pythons.split(",")
    unknown = [n for n in names if n not in EXAMPLES] + [m for m in methods if m not in METHODS]
    unknown += ["--" + o for o in options if o not in ("demo", "methods", "pythons", "rows-to")]
    unknown += [p for p in pythons or () if p not in PYTHONS]
    if unknown:
        sys.exit("compare.py: error: unknown %s: examples are %s, methods %s, Pythons %s" % (
            ", ".join(unknown), ", ".join(EXAMPLES), ", ".join(METHODS), ", ".join(PYTHONS)))
    if pythons:
        rows = measure_on_pythons(pythons, names, methods)
    else:
        rows = measure_here(names, methods, options.get("rows-to"))
    print_table(rows)
    return 0 if rows and all(row["identical"] for row in rows) else 1


def measure_here(names, methods, rows_to=None):
    """Every example, every method, on this Python; rows also go to ``rows_to``."""
    work = tempfile.mkdtemp(prefix="nuitka-hints-bench-")
    try:
        warm_up(work, methods)
        rows = []
        for name in names:
            rows += measure(name, work, methods)
        if rows_to:
            with open(rows_to, "w") as handle:
                json.dump(rows, handle)
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure_on_pythons(pythons, names, methods):
    """This script once per Python, in its environment; all their rows."""
    rows = []
    for version in pythons:
        python = environment_python(version)
        rows_to = os.path.join(tempfile.mkdtemp(prefix="nuitka-hints-bench-"), "rows.json")
        print("benchmark: Python %s (%s)" % (version, python), flush=True)
        subprocess.call([python, os.path.abspath(__file__), "--methods=" + ",".join(methods),
                         "--rows-to=" + rows_to, *names])
        if not os.path.exists(rows_to):
            sys.exit("compare.py: error: the benchmark on Python %s failed (above)" % version)
        with open(rows_to) as handle:
            rows += json.load(handle)
    return rows


def environment_python(version):
    """The interpreter of the project's environment for ``version``."""
    for folder in (".venv-" + version, ".venv"):
        python = os.path.join(ROOT, folder, "bin", "python")
        if os.path.exists(python) and subprocess.run(
                [python, "-c", "import sys, nuitka; sys.exit(sys.version[:%d] != %r)" % (
                    len(version), version)], capture_output=True).returncode == 0:
            return python
    sys.exit("compare.py: error: no environment for Python %s with Nuitka: "
             "run 'bash dev.sh test' first (it makes .venv-%s)" % (version, version))


def warm_up(work, methods):
    """One throw-away build, so that the first timed build is not the cold one.

    It also fills a ccache of this benchmark run's own (``work``/ccache) with
    Nuitka's C runtime, for the ``*-ccache`` methods.
    """
    if any(method in CCACHE_METHODS for method in methods) and not shutil.which("ccache"):
        sys.exit("benchmark: error: the %s methods need ccache: install it "
                 "(apt-get install ccache)" % ", ".join(CCACHE_METHODS))
    os.environ["NUITKA_CACHE_DIR_CCACHE"] = os.path.join(work, "ccache")
    script = os.path.join(work, "warm_up.py")
    with open(script, "w") as handle:
        handle.write("print('warm')\n")
    print("benchmark: warming Nuitka's caches with a throw-away build ...", flush=True)
    build([sys.executable, "-m", "nuitka", "--mode=standalone", script], work, "warm-up")


def measure(name, work, methods):
    """Trace, build each way, run; one table row per build method."""
    script_name, args = EXAMPLES[name]
    folder = os.path.join(work, name)
    shutil.copytree(os.path.join(ROOT, "examples"), folder)
    script = os.path.join(folder, script_name)
    traced = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), script] + args,
        cwd=folder, capture_output=True, text=True,
    )
    if traced.returncode != 0:
        sys.exit("compare.py: error: tracing %s failed:\n%s" % (script_name, traced.stderr))
    expected = traced.stdout
    floor = floor_size(hints_file.Hints.load(hints_file.hints_path(script)), folder)
    rows = []
    for method in methods:
        command, binary, hinted = build_for(method, script, os.path.join(folder, method))
        seconds, _ = build(command, folder, "%s %s" % (method, name))
        if method in ONEFILE_METHODS:
            size, files = os.path.getsize(binary), 1
        else:
            size, files = folder_size(os.path.dirname(binary))
        output, run_seconds = run_binary(binary, args, folder)
        identical = output == expected
        if hinted:  # and every recorded run replays the same
            identical = nuitka_hints.verify(hinted, learn=False) == 0 and identical
        if method == "hinted":
            screenshot_report(hinted, name)
        rows.append(dict(example=name, method=method, size=size, files=files, floor=floor,
                         seconds=seconds, run_seconds=run_seconds, identical=identical,
                         python="%d.%d" % sys.version_info[:2]))
        print_table(rows[-1:], header=False)
    return rows


def build_for(method, script, out):
    """The timed build of ``script`` by ``method`` (one of METHODS) into ``out``:
    (its command, where its binary lands, the ``HintedBuild`` of a hinted method)."""
    options = [] if method in CCACHE_METHODS else list(TIMED_OPTIONS)
    options += ["--output-dir=%s" % out, script]
    if method.startswith("plain"):
        mode = "--mode=onefile" if method in ONEFILE_METHODS else "--mode=standalone"
        command = [sys.executable, "-m", "nuitka", mode, *options]
        return command, nuitka_hints.nuitka_settings(command[3:-1], script).result(), None
    hinted_options = {"hinted": [], "hinted-ccache": [], "hinted-onefile": ["--mode=onefile"],
                      **{variant: [option] for variant, option in HINTED_VARIANTS.items()}}
    hinted = nuitka_hints.HintedBuild.from_arguments(hinted_options[method] + options)
    return hinted.command, hinted.settings.result(), hinted


def screenshot_report(hinted, name):
    """The build report page as Chromium draws it: benchmarks/report-<example>.png."""
    browser = shutil.which("chromium")
    if browser is None:
        return
    import hinted_report

    dist = hinted.settings.dist_folder()
    page = hinted_report.report_paths(dist)[1]
    target = os.path.join(ROOT, "benchmarks", "report-%s.png" % name)
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--no-first-run",
                    "--window-size=1280,1400", "--screenshot=%s" % target,
                    "file://" + os.path.abspath(page)], capture_output=True, timeout=120)
    print("benchmark: the report page of %s: %s (screenshot %s)" % (name, page, target))


def build(command, cwd, label):
    """Run a build (``run_logged``); stop the benchmark if it fails.  Returns its
    wall time and where it went (``phases``)."""
    seconds, stamped, status = run_logged(command, cwd, label)
    if status != 0:
        sys.stderr.write("".join(line for _, line in stamped)[-4000:])
        sys.exit("compare.py: error: build %s failed (exit %d)" % (label, status))
    return seconds, phases(stamped, seconds)


def run_logged(command, cwd, label):
    """Run a build with its output, each line stamped with the seconds since the
    start, in a log file; return (wall time, [(seconds, line)], exit status)."""
    log = os.path.join(cwd, "build-%s.log" % label.replace(" ", "-"))
    print("benchmark: building %s ..." % label, flush=True)
    environment = dict(nuitka_hints.nuitka_environment(), PYTHONUNBUFFERED="1")
    started = time.perf_counter()
    stamped = []
    with open(log, "w") as handle:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, env=environment, text=True)
        for line in process.stdout:
            stamped.append((time.perf_counter() - started, line))
            handle.write("%7.2f %s" % stamped[-1])
        status = process.wait()
    return time.perf_counter() - started, stamped, status


# Nuitka's progress messages that end each phase of a build.
PHASE_ENDS = (
    ("python", "Completed Python level compilation and optimization."),
    ("C code", "Running C compilation via Scons."),
    ("C compile", "Backend C linking"),
)


def phases(stamped, seconds):
    """Seconds of each phase of a Nuitka build, from its stamped log lines:
    ``python`` (start-up, following imports, optimizing), ``C code`` (generating
    it), ``C compile``, and ``link, dist`` (linking, finding and copying shared
    libraries and data files, plugins' last words).  Empty for other tools."""
    ends = {}
    for phase, message in PHASE_ENDS:
        ends[phase] = next((t for t, line in stamped if message in line), None)
    if None in ends.values():
        return {}
    result, previous = {}, 0.0
    for phase, end in list(ends.items()) + [("link, dist", seconds)]:
        result[phase], previous = end - previous, end
    return result


def run_binary(binary, args, cwd, times=3):
    """The binary's output, and its best wall time of ``times`` runs."""
    best = None
    for _ in range(times):
        started = time.perf_counter()
        result = subprocess.run([binary] + args, cwd=cwd, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        best = seconds if best is None else min(best, seconds)
    output = result.stdout if result.returncode == 0 else "exit %d: %s" % (
        result.returncode, result.stderr)
    return output, best


def floor_size(hints, program_dir):
    """What the interpreted run really loaded: module files, shared libraries and
    the data files it read.

    Left out: the C library and the loader (libc, libm, ld-linux, ...), which no
    standalone dist ships, and the interpreter (libpython), which Nuitka links
    into the binary in its own form.  So a dist is at least floor + the Python
    runtime; the table shows the difference in MB.  Shared objects count as a
    hinted build ships them: stripped (``stripped_size``).
    """
    roots = hints_file.sys_path_roots(program_dir)
    entries = [e for e in hints.modules.values() if e.get("file") and e["kind"] != "namespace"]
    entries += [dict(entry, file=name) for name, entry in hints.libraries.items()]
    entries += [{"where": where, "file": name}
                for where, names in (hints.data_files or {}).items() for name in names]
    files = set()
    for entry in entries:
        if entry.get("where") == hints_file.ABSOLUTE:
            path = entry["file"]
        elif entry.get("where"):
            path = hints.locate(entry["where"], entry["file"], roots)
        else:
            continue
        if path and os.path.isfile(path) and \
                not os.path.basename(path).startswith(NEVER_SHIPPED + ("libpython",)):
            files.add(os.path.realpath(path))
    return sum(stripped_size(path) for path in files)


def stripped_size(path):
    """The size of a file as the hinted dist ships it: an ELF shared object after
    ``strip --strip-unneeded`` (on a copy), any other file as it is."""
    import hinted_dist

    if not (shutil.which("strip") and ".so" in os.path.basename(path) and
            hinted_dist.is_elf(path)):
        return os.path.getsize(path)
    with tempfile.TemporaryDirectory() as folder:
        copy = os.path.join(folder, os.path.basename(path))
        size = os.path.getsize(path)
        return size if hinted_dist.stripped_copy(path, copy) else min(os.path.getsize(copy), size)


def pyinstaller_for(script, out, work):
    """PyInstaller ``--onedir`` of ``script`` into ``out`` (its work files in
    ``work``): (the command, where the binary lands)."""
    stem = os.path.splitext(os.path.basename(script))[0]
    command = [sys.executable, "-m", "PyInstaller", "--onedir", "--noconfirm",
               "--log-level=WARN", "--distpath", out, "--workpath", work, "--specpath", work,
               script]
    return command, os.path.join(out, stem, stem)


def shipped_size(binary, onefile):
    """(bytes, files) of what ships: the binary's folder, or a onefile binary alone."""
    if onefile:
        return os.path.getsize(binary), 1
    return folder_size(os.path.dirname(binary))


def folder_size(folder):
    size = files = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            size += os.lstat(os.path.join(directory, name)).st_size
            files += 1
    return size, files


def print_table(rows, header=True):
    line = "%-6s %-8s %-14s %10s %7s %11s %9s %11s %11s %9s  %s"
    if header:
        print()
        print(line % ("python", "example", "method", "dist size", "files", "build time",
                      "floor", "over floor", "dist/floor", "run time", "output identical"))
    for row in rows:
        print(line % (row.get("python", ""), row["example"], row["method"],
                      "%.1f MB" % (row["size"] / 1e6), row["files"], "%.0f s" % row["seconds"],
                      "%.1f MB" % (row["floor"] / 1e6),
                      "%+.1f MB" % ((row["size"] - row["floor"]) / 1e6),
                      "%.2f" % (row["size"] / row["floor"]) if row["floor"] else "",
                      "%.0f ms" % (row["run_seconds"] * 1000),
                      "yes" if row["identical"] else "NO"), flush=True)
    by_example = {}
    for row in rows:
        key = (row.get("python", ""), row["example"])
        by_example.setdefault(key, {})[row["method"]] = row
    for (python, example), methods in by_example.items():
        if not header:
            continue
        for method, base in RATIOS:
            if method in methods and base in methods:
                row, other = methods[method], methods[base]
                print("%-6s %-8s %s/%s: size %.2f, files %.2f, build time %.2f, "
                      "run time %.2f" % (
                          python, example, method, base, row["size"] / other["size"],
                          row["files"] / other["files"], row["seconds"] / other["seconds"],
                          row["run_seconds"] / other["run_seconds"]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
