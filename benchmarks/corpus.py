"""Real programs on heavy libraries: plain Nuitka vs hinted vs PyInstaller --onedir.

    python benchmarks/corpus.py [--methods=hinted,pyinstaller,plain,...] [program ...]

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
they come.
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
}
LIBRARIES = ["pandas", "scipy", "scikit-learn", "matplotlib", "rich", "pygments", "jinja2",
             "pyyaml", "requests", "certifi", "polars", "torch==2.13.0"]
TOOLS = ["pyinstaller"]
METHODS = ("hinted", "pyinstaller", "plain", "hinted-ccache", "plain-ccache")
DEFAULT_METHODS = METHODS[:3]  # the *-ccache ones need ccache installed


def main(argv):
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        return run_in_corpus_environment(argv)
    sys.path.insert(0, ROOT)
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    methods = list(DEFAULT_METHODS)
    names = []
    for arg in argv:
        if arg.startswith("--methods="):
            methods = arg.partition("=")[2].split(",")
        else:
            names.append(arg)
    unknown = [n for n in names if n not in PROGRAMS] + [m for m in methods if m not in METHODS]
    if unknown:
        sys.exit("corpus.py: error: unknown %s: programs are %s, methods %s" % (
            ", ".join(unknown), ", ".join(PROGRAMS), ", ".join(METHODS)))
    import compare

    work = tempfile.mkdtemp(prefix="nuitka-hints-corpus-")
    print("corpus: work folder %s" % work, flush=True)
    compare.warm_up(work, methods)
    rows = []
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
    expected = []
    for args in PROGRAMS[name]:
        traced = subprocess.run(
            [sys.executable, os.path.join(ROOT, "hinted_mods.py"), script, *args],
            cwd=folder, capture_output=True, text=True)
        if traced.returncode != 0:
            sys.exit("corpus.py: error: tracing %s %s failed:\n%s" % (name, args, traced.stderr))
        expected.append(traced.stdout)
    import hints_file

    floor = compare.floor_size(hints_file.Hints.load(hints_file.hints_path(script)), folder)
    rows = []
    for method in methods:
        row = dict(example=name, method=method, floor=floor)
        try:
            binary, row["seconds"], row["phases"] = build(method, script, folder)
        except SystemExit as failure:  # compare.build says why on stderr
            print("corpus: %s %s: %s" % (method, name, failure), flush=True)
            rows.append(dict(row, size=0, files=0, seconds=0, run_seconds=0, identical=False,
                             failed=True))
            continue
        row["size"], row["files"] = compare.folder_size(os.path.dirname(binary))
        outputs = [compare.run_binary(binary, args, folder, times=1)[0]
                   for args in PROGRAMS[name]]
        row["run_seconds"] = compare.run_binary(binary, PROGRAMS[name][0], folder)[1]
        row["identical"] = outputs == expected
        if method == "hinted":
            hinted = nuitka_hints.HintedBuild.from_arguments(
                ["--output-dir=%s" % os.path.join(folder, method), script])
            row["identical"] = nuitka_hints.verify(hinted, learn=False) == 0 and \
                row["identical"]
            compare.screenshot_report(hinted, name)
        rows.append(row)
        with open(os.path.join(work, "corpus.jsonl"), "a") as handle:
            handle.write(json.dumps(row) + "\n")
        compare.print_table(rows[-1:], header=False)
    return rows


def build(method, script, folder):
    """Build ``script`` by ``method`` into ``folder``/``method``: (binary, seconds,
    phases)."""
    import compare

    out = os.path.join(folder, method)
    stem = os.path.splitext(os.path.basename(script))[0]
    if method == "pyinstaller":
        command, binary = compare.pyinstaller_for(script, out,
                                                  os.path.join(folder, "pyinstaller-work"))
        seconds, phases = compare.build(command, folder, "%s %s" % (method, stem))
        return binary, seconds, phases
    command, binary, _ = compare.build_for(method, script, out)
    seconds, phases = compare.build(command, folder, "%s %s" % (method, stem))
    return binary, seconds, phases


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
