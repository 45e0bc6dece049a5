"""Real programs on heavy libraries: plain Nuitka vs hinted vs PyInstaller --onedir.

    python benchmarks/corpus.py [--methods=hinted,pyinstaller,plain,...]
                                [--rows-from=FILE.jsonl] [--markdown] [program ...]

Makes its own environment, ``benchmarks/.venv-corpus``, with the libraries, Nuitka,
PyInstaller and this project (the test suite never needs them), and runs itself
there.  For each program of ``examples/corpus`` (default: all) it traces every
recorded run, builds the program each way after one throw-away warm-up build, runs
every binary on every recorded run and compares the output with the interpreted
run, verifies the hinted build (``nuitka_hints.py --verify-only``), and prints one
table with ratios, where each Nuitka build's time went (its phases, from its
log), and the library versions.  ``hinted-ccache`` and ``plain-ccache`` (not
run unless asked for) are compare.py's: ccache on, holding Nuitka's C runtime
from the warm-up build.  A build that fails is a row saying so, not the end of
the benchmark; rows are also appended to ``corpus.jsonl`` in the work folder as
they come.  ``hinted-onefile`` sizes the one compressed file of ``--mode=onefile``.

Inputs nobody recorded: ``hinted-held-out``, ``nocold-held-out`` and
``safe-held-out`` build from the record of each program's first run only
(``nocold``: with ``--hinted-cold=no``; ``reached``: with
``--hinted-cold=reached``, the default until 2026-12-05; ``safe``: with
``--hinted-safe``), and
replay its other runs as inputs nobody recorded (the *held-out* column, which
plain Nuitka and PyInstaller get too: nothing is recorded for them).

``--rows-from`` adds the rows of an earlier run's ``corpus.jsonl`` (plain and
PyInstaller builds do not depend on this project's code); ``--markdown`` prints
the table of those rows as Markdown and builds nothing.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "benchmarks", ".venv-corpus")
CORPUS = os.path.join(ROOT, "examples", "corpus")

# Program -> the argument lists of its recorded runs (two where it has branches).
PROGRAMS = {
    "pandas_report": [["csv"], ["json"]],
    "scipy_solve": [["BFGS"], ["Nelder-Mead"]],
    "sklearn_iris": [["logistic"], ["tree"]],
    "mpl_plot": [["line"], ["bar"]],
    "highlight": [["python"], ["json"]],
    "web_prep": [["GET"], ["POST"]],
    "async_db": [["5"], ["12"]],
    "pools": [[]],
    "polars_lazy": [["by-city"], ["running"]],
    "torch_step": [["1"], ["3"]],
    "arrow_parquet": [["zstd"], ["snappy"]],
}
LIBRARIES = ["pandas", "scipy", "scikit-learn", "matplotlib", "rich", "pygments", "jinja2",
             "pyyaml", "requests", "certifi", "polars", "torch==2.13.0", "pyarrow"]
TOOLS = ["pyinstaller", "zstandard"]  # zstandard: Nuitka compresses onefile binaries
HELD_OUT_METHODS = {"hinted-held-out": [], "nocold-held-out": ["--hinted-cold=no"],
                    "reached-held-out": ["--hinted-cold=reached"],
                    "safe-held-out": ["--hinted-safe"]}
METHODS = ("hinted", "pyinstaller", "plain", "hinted-onefile", *HELD_OUT_METHODS,
           "hinted-ccache", "plain-ccache")
DEFAULT_METHODS = METHODS[:3]  # the *-ccache ones need ccache installed
FIRST_RUN_HINTS = "first-run.json"  # the held-out methods' record: the first run only


def main(argv):
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    options = dict(arg[2:].partition("=")[::2] for arg in argv if arg.startswith("--"))
    names = [arg for arg in argv if not arg.startswith("--")]
    methods = options.pop("methods", ",".join(DEFAULT_METHODS)).split(",")
    earlier = options.pop("rows-from", None)
    markdown = options.pop("markdown", None) is not None
    unknown = [n for n in names if n not in PROGRAMS] + [m for m in methods if m not in METHODS]
    unknown += ["--" + name for name in options]
    if unknown:
        sys.exit("corpus.py: error: unknown %s: programs are %s, methods %s" % (
            ", ".join(unknown), ", ".join(PROGRAMS), ", ".join(METHODS)))
    rows = []
    if earlier:
        with open(earlier) as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    if markdown:
        print_markdown(rows)
        return 0
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        return run_in_corpus_environment(argv)
    sys.path.insert(0, ROOT)
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import compare

    work = tempfile.mkdtemp(prefix="nuitka-hints-corpus-")
    print("corpus: work folder %s" % work, flush=True)
    compare.warm_up(work, methods)
    for name in names or list(PROGRAMS):
        rows += measure(name, methods, work)
    print_table(rows)
    print("versions: Python %s, %s" % (sys.version.split()[0], ", ".join(
        "%s %s" % item for item in library_versions().items())))
    return 0 if all(row["identical"] for row in rows) else 1


def run_in_corpus_environment(argv):
    """Make benchmarks/.venv-corpus with all it needs, and run this script there."""
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--editable", ROOT,
                    *LIBRARIES, *TOOLS], check=True)
    return subprocess.call([python, os.path.abspath(__file__), *argv])


def measure(name, methods, work):
    """Trace the program's runs, then build, run and compare it each way."""
    import compare
    import nuitka_hints

    folder = os.path.join(work, name)
    os.makedirs(folder)
    script = os.path.join(folder, name + ".py")
    shutil.copy(os.path.join(CORPUS, name + ".py"), script)
    expected = [trace(script, args) for args in PROGRAMS[name]]
    if len(expected) < 2:  # no input to hold out
        methods = [method for method in methods if method not in HELD_OUT_METHODS]
    if any(method in HELD_OUT_METHODS for method in methods):
        trace(script, PROGRAMS[name][0], os.path.join(folder, FIRST_RUN_HINTS))
    import hints_file

    floor = compare.floor_size(hints_file.Hints.load(hints_file.hints_path(script)), folder)
    rows = []
    for method in methods:
        row = dict(example=name, method=method, floor=floor)
        try:
            binary, row["seconds"], row["phases"], hinted = build(method, script, folder)
        except SystemExit as failure:  # compare.build says why on stderr
            print("corpus: %s %s: %s" % (method, name, failure), flush=True)
            rows.append(dict(row, size=0, files=0, seconds=0, run_seconds=0, identical=False,
                             failed=True))
            continue
        row["size"], row["files"] = compare.shipped_size(binary, method == "hinted-onefile")
        outputs = [compare.run_binary(binary, args, folder, times=1)[0]
                   for args in PROGRAMS[name]]
        row["run_seconds"] = compare.run_binary(binary, PROGRAMS[name][0], folder)[1]
        if method in HELD_OUT_METHODS:
            row["identical"] = outputs[0] == expected[0]
        else:
            row["identical"] = outputs == expected
        if method not in ("hinted", "hinted-onefile", "hinted-ccache"):  # recorded: every run
            row.update(held_out(outputs[1:], expected[1:]) if outputs[1:] else {})
        if hinted:
            row["identical"] = nuitka_hints.verify(hinted, learn=False) == 0 and \
                row["identical"]
            row["stripped"] = stripped_bytes(hinted)
        if method == "hinted":
            compare.screenshot_report(hinted, name)
        rows.append(row)
        with open(os.path.join(work, "corpus.jsonl"), "a") as handle:
            handle.write(json.dumps(row) + "\n")
        compare.print_table(rows[-1:], header=False)
        if "held_out" in row:
            print("%-6s %-8s %-14s held-out %s %s" % (
                "", name, method, row["held_out"], row.get("held_out_why", "")), flush=True)
    return rows


def stripped_bytes(hinted):
    """What stripping the dist's shared objects saved, from the build's report."""
    import hinted_report

    with open(hinted_report.report_paths(hinted.settings.dist_folder())[0]) as handle:
        return json.load(handle)["slimmed"]["stripped"]["saved"]


def trace(script, args, output=None):
    """Run ``script`` under the tracer (into ``output``, or the default hints
    file): what it printed."""
    to = ["-o", output] if output else []
    traced = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), *to, script, *args],
        cwd=os.path.dirname(script), capture_output=True, text=True)
    if traced.returncode != 0:
        sys.exit("corpus.py: error: tracing %s %s failed:\n%s" % (
            os.path.basename(script), args, traced.stderr))
    return traced.stdout


def held_out(outputs, expected):
    """The held-out column: how many of the runs nobody recorded printed what the
    interpreted run did, and the last line of the first one that did not."""
    import hinted_runtime

    differing = [output for output, wanted in zip(outputs, expected) if output != wanted]
    verdict = {"held_out": "%d/%d same" % (len(outputs) - len(differing), len(outputs))}
    if differing:
        lines = [line.strip() for line in differing[0].splitlines() if line.strip()]
        own = [line for line in lines if not line.startswith(hinted_runtime.LEFT_OUT_START)]
        verdict["held_out_why"] = (own[-1][:200] if own else "no output") + (
            " (and the binary's line naming the families left out)" if own != lines else "")
    return verdict


def build(method, script, folder):
    """Build ``script`` by ``method`` into ``folder``/``method``: (binary, seconds,
    phases, the ``HintedBuild`` of a hinted method)."""
    import compare
    import nuitka_hints

    out = os.path.join(folder, method)
    label = "%s %s" % (method, os.path.splitext(os.path.basename(script))[0])
    hinted = None
    if method == "pyinstaller":
        command, binary = compare.pyinstaller_for(script, out,
                                                  os.path.join(folder, "pyinstaller-work"))
    elif method in HELD_OUT_METHODS:
        hinted = nuitka_hints.HintedBuild.from_arguments(
            [*compare.TIMED_OPTIONS, *HELD_OUT_METHODS[method],
             "--hints=%s" % os.path.join(folder, FIRST_RUN_HINTS), "--output-dir=%s" % out,
             script])
        command, binary = hinted.command, hinted.settings.result()
    else:
        command, binary, hinted = compare.build_for(method, script, out)
    seconds, phases = compare.build(command, folder, label)
    return binary, seconds, phases, hinted


def print_table(rows):
    """compare.py's table and its ratios to plain, then the ratios to PyInstaller."""
    import compare

    built = [row for row in rows if not row.get("failed")]
    compare.print_table(built)
    for row in rows:
        if row.get("failed"):
            print("%-6s %-8s %-10s BUILD FAILED" % ("", row["example"], row["method"]))
    by_program = {}
    for row in built:
        by_program.setdefault(row["example"], {})[row["method"]] = row
    for name, methods in by_program.items():
        for method in ("hinted", "hinted-ccache"):
            if method in methods and "pyinstaller" in methods:
                hinted, other = methods[method], methods["pyinstaller"]
                print("%-8s %s/pyinstaller: size %.2f, files %.2f, build time %.2f" % (
                    name, method, hinted["size"] / other["size"],
                    hinted["files"] / other["files"], hinted["seconds"] / other["seconds"]))
    print_phases(built)


def print_markdown(rows):
    """The table of ``rows`` as Markdown: a line per program, its floor, the methods
    side by side, the ratios of hinted to plain, to PyInstaller and to the floor;
    then the medians and the held-out counts."""
    by_program = {}
    for row in rows:
        by_program.setdefault(row["example"], {})[row["method"]] = row
    methods = [m for m in METHODS if any(m in of for of in by_program.values())]

    def cell(row):
        if row is None:
            return "not built"
        if row.get("failed"):
            return "**build failed**"
        verdict = "same" if row["identical"] else "**differs**"
        held = ", held-out %s" % row["held_out"] if "held_out" in row else ""
        stripped = " (strip: -%.1f MB)" % (row["stripped"] / 1e6) if row.get("stripped") else ""
        return "%.1f MB%s, %d files, %.0f s, %s%s" % (
            row["size"] / 1e6, stripped, row["files"], row["seconds"], verdict, held)

    def ratio(of, base):
        hinted, other = of.get("hinted"), of.get(base)
        if not (hinted and other and hinted["size"] and other["size"]):
            return None
        return hinted["size"] / other["size"], hinted["seconds"] / other["seconds"]

    print("| program | floor | %s | hinted / plain: size, build | hinted / PyInstaller: "
          "size, build | hinted / floor |" % " | ".join(methods))
    print("| --- | --- | %s--- | --- | --- |" % ("--- | " * len(methods)))
    ratios = {"plain": [], "pyinstaller": []}
    for name in sorted(by_program, key=list(PROGRAMS).index):
        of = by_program[name]
        floor = next(iter(of.values()))["floor"]
        cells = []
        for base in ratios:
            pair = ratio(of, base)
            broken = " (%s differs)" % base if pair and not of[base]["identical"] else ""
            cells.append("%.2f, %.2f%s" % (*pair, broken) if pair else "")
            if pair:
                ratios[base].append(pair)
        hinted = of.get("hinted")
        to_floor = "%.2f" % (hinted["size"] / floor) if hinted and hinted["size"] else ""
        print("| %s | %.1f MB | %s | %s | %s |" % (
            name, floor / 1e6, " | ".join(cell(of.get(m)) for m in methods), " | ".join(cells),
            to_floor))
    print()
    for base, pairs in ratios.items():
        if pairs:
            print("- hinted / %s, median of %d programs: size %.2f (%.2f-%.2f), build %.2f; "
                  "smaller in %d of %d" % (
                      base, len(pairs), median([p[0] for p in pairs]),
                      min(p[0] for p in pairs), max(p[0] for p in pairs),
                      median([p[1] for p in pairs]), sum(p[0] < 1 for p in pairs), len(pairs)))
    for method in methods:
        of_method = [of[method] for of in by_program.values() if method in of]
        print("- %s: %d of %d replay every recorded run the same" % (
            method, sum(row["identical"] for row in of_method), len(of_method)), end="")
        held = [row for row in of_method if "held_out" in row]
        if held:
            print("; every input nobody recorded the same in %d of %d%s" % (
                sum(row["held_out"].split("/")[0] == row["held_out"].split("/")[1].split()[0]
                    for row in held), len(held),
                "".join("\n  - %s: %s" % (row["example"], row["held_out_why"])
                        for row in held if row.get("held_out_why"))), end="")
        print()


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def print_phases(rows):
    """Where each Nuitka build's time went, by phase (compare.phases)."""
    import compare

    names = [phase for phase, _ in compare.PHASE_ENDS] + ["link, dist"]
    line = "%-14s %-14s %11s" + " %11s" * len(names)
    print()
    print(line % ("program", "method", "build time", *names))
    for row in rows:
        if row.get("phases"):
            print(line % (row["example"], row["method"], "%.0f s" % row["seconds"],
                          *("%.1f s" % row["phases"][name] for name in names)))


def library_versions():
    from importlib.metadata import version

    names = [requirement.partition("==")[0] for requirement in ["nuitka", *LIBRARIES, *TOOLS]]
    return {name: version(name) for name in names}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
