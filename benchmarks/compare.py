"""Plain Nuitka standalone vs hinted, side by side in one run, with ratios.

    python benchmarks/compare.py [hello] [pil] [numpy] [stdlib]   (default: all)
    python benchmarks/compare.py --demo                    (PIL, hinted build only)

For each example: trace it, build it plain (``--mode=standalone`` alone), hinted
(``nuitka_hints.py``: cold recorded modules as bytecode), hinted with every
recorded module compiled (``hinted-all``, ``--hinted-compile=all``) and hinted
with unrecorded modules kept as bytecode (``hinted+bc``); run the binaries (best
of three wall times) and compare their output with the interpreted run; hinted
builds are also verified (every recorded run replayed).  A throw-away build
first warms Nuitka's caches; ccache is disabled for the timed builds, so neither
build profits from the other's compiled C files and a second benchmark run
measures the same work.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import hinted_mods  # noqa: E402
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
HINTED_VARIANTS = {
    "hinted-all": "--hinted-compile=all",
    "hinted+bc": "--hinted-unrecorded=bytecode",
}


def main(argv):
    demo = "--demo" in argv
    names = [a for a in argv if a != "--demo"] or (["pil"] if demo else list(EXAMPLES))
    unknown = [n for n in names if n not in EXAMPLES]
    if unknown:
        sys.exit("compare.py: error: unknown example %s: choose from %s" % (
            ", ".join(unknown), ", ".join(EXAMPLES)))
    work = tempfile.mkdtemp(prefix="nuitka-hints-bench-")
    try:
        warm_up(work)
        rows = []
        for name in names:
            rows += measure(name, work, plain=not demo)
        print_table(rows)
        return 0 if all(row["identical"] for row in rows) else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def warm_up(work):
    """One throw-away build, so that the first timed build is not the cold one."""
    script = os.path.join(work, "warm_up.py")
    with open(script, "w") as handle:
        handle.write("print('warm')\n")
    print("benchmark: warming Nuitka's caches with a throw-away build ...", flush=True)
    build([sys.executable, "-m", "nuitka", "--mode=standalone", script], work, "warm-up")


def measure(name, work, plain):
    """Trace, build plain and hinted, run; one table row per build method."""
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
    floor = floor_size(hinted_mods.load_hints(hinted_mods.hints_path(script)), folder)
    commands = {"hinted": nuitka_hints.build_command(TIMED_OPTIONS + [script])}
    if plain:
        commands = {
            "plain": [sys.executable, "-m", "nuitka", "--mode=standalone", *TIMED_OPTIONS,
                      script],
            **commands,
        }
        for method, option in HINTED_VARIANTS.items():
            commands[method] = nuitka_hints.build_command([option] + TIMED_OPTIONS + [script])
    rows = []
    for method, command in commands.items():
        out = os.path.join(folder, method)
        command = command[:-1] + ["--output-dir=%s" % out, script]
        seconds = build(command, folder, "%s %s" % (method, name))
        binary = nuitka_hints.built_binary(command)
        size, files = folder_size(os.path.dirname(binary))
        output, run_seconds = run_binary(binary, args, folder)
        identical = output == expected
        if method != "plain":  # and every recorded run replays the same
            identical = nuitka_hints.verify(command) == 0 and identical
        rows.append(dict(example=name, method=method, size=size, files=files, floor=floor,
                         seconds=seconds, run_seconds=run_seconds, identical=identical))
        print_table(rows[-1:], header=False)
    return rows


def build(command, cwd, label):
    """Run a build with its output in a log file; return its wall time."""
    log = os.path.join(cwd, "build-%s.log" % label.replace(" ", "-"))
    print("benchmark: building %s ..." % label, flush=True)
    started = time.perf_counter()
    with open(log, "w") as handle:
        status = subprocess.call(command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT,
                                 env=nuitka_hints.nuitka_environment())
    seconds = time.perf_counter() - started
    if status != 0:
        with open(log) as handle:
            sys.stderr.write(handle.read()[-4000:])
        sys.exit("compare.py: error: build %s failed (exit %d)" % (label, status))
    return seconds


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
    """What the interpreted run really loaded: module files and shared libraries.

    Left out: the C library and the loader (libc, libm, ld-linux, ...), which no
    standalone dist ships, and the interpreter (libpython), which Nuitka links
    into the binary in its own form.  So a dist is at least floor + the Python
    runtime; the table shows the difference in MB.
    """
    paths = sysconfig.get_paths()
    roots = {
        "stdlib": [paths["stdlib"], paths["platstdlib"]],
        "site-packages": [paths["purelib"], paths["platlib"]],
        "program": [program_dir],
        "absolute": [""],
    }
    entries = [e for e in hints.modules.values() if e.get("file") and e["kind"] != "namespace"]
    entries += [dict(entry, file=name) for name, entry in hints.libraries.items()]
    files = set()
    for entry in entries:
        for root in roots.get(entry.get("where"), []):
            path = os.path.join(root, entry["file"])
            if os.path.isfile(path) and \
                    not os.path.basename(path).startswith(NEVER_SHIPPED + ("libpython",)):
                files.add(os.path.realpath(path))
                break
    return sum(os.path.getsize(path) for path in files)


def folder_size(folder):
    size = files = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            size += os.path.getsize(os.path.join(directory, name))
            files += 1
    return size, files


def print_table(rows, header=True):
    line = "%-8s %-10s %10s %7s %11s %9s %11s %9s  %s"
    if header:
        print()
        print(line % ("example", "method", "dist size", "files", "build time", "floor",
                      "over floor", "run time", "output identical"))
    for row in rows:
        print(line % (row["example"], row["method"], "%.1f MB" % (row["size"] / 1e6),
                      row["files"], "%.0f s" % row["seconds"], "%.1f MB" % (row["floor"] / 1e6),
                      "%+.1f MB" % ((row["size"] - row["floor"]) / 1e6),
                      "%.0f ms" % (row["run_seconds"] * 1000),
                      "yes" if row["identical"] else "NO"), flush=True)
    by_example = {}
    for row in rows:
        by_example.setdefault(row["example"], {})[row["method"]] = row
    for example, methods in by_example.items():
        if not header or "plain" not in methods:
            continue
        plain = methods["plain"]
        for method in ["hinted"] + list(HINTED_VARIANTS):
            if method in methods:
                row = methods[method]
                print("%-8s %s/plain: size %.2f, files %.2f, build time %.2f, run time %.2f" % (
                    example, method, row["size"] / plain["size"], row["files"] / plain["files"],
                    row["seconds"] / plain["seconds"], row["run_seconds"] / plain["run_seconds"]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
