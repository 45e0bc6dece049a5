"""End to end: what the binary needs beyond what the interpreted runs loaded, and
builds that must not stop on Nuitka's own decisions (real builds, real binaries).

One program per failure class found on programs nobody here wrote: Nuitka's
runtime parsing metadata the interpreter never parsed, a path only the binary
takes, metadata of a distribution whose package is never imported, a module
Nuitka fails on, and Nuitka's configuration keeping out what the record holds.
"""

import json
import os
import subprocess

import pytest

from conftest import TAG, installed_distribution, run_tracer
from test_build import invoke

import hints_file

pytestmark = pytest.mark.build

NEEDS_PROGRAM = """\
import importlib.metadata as metadata
import json
import os
import sys

import hintsdemo
from shapes import matcher

group, distribution = sys.argv[1:3]  # computed: read from the metadata at run time
print(json.dumps(sorted(entry.name for entry in metadata.entry_points(group=group))))
print(metadata.distribution(distribution).read_text("METADATA").splitlines()[-1])
spelling = os.environ.get("SPELLING", "Hints-Demo")  # of hints_demo; computed: not at build time
print(metadata.distribution(spelling).read_text("METADATA").split()[-1])
print(matcher.called(matcher.Call(hintsdemo.NAME)))
print(hintsdemo.checkers.found())  # modules found by listing their folder, as pylint does
if "__compiled__" in globals():  # only the binary takes this path
    try:
        import json.tool  # noqa: F401  (caught: the program goes on either way)
    except ImportError:
        pass
if len(sys.argv) > 3:
    __import__(sys.argv[3])  # a module no recorded run imported
"""

# A match statement whose or-pattern binds a name: Nuitka 4.3 fails on it
# (AssertionError in ReformulationMatchStatements), as on pylint.checkers.utils.
MATCHER = """\
class Call:
    def __init__(self, func):
        self.func = func


class Attribute:
    pass


def called(node):
    match node:
        case Call(func=func) | (Attribute() as func):
            return func
        case _:
            return None
"""

HINTSDEMO = {
    "__init__.py": "from . import checkers\nNAME = 'demo'\n",
    "checkers/__init__.py": (
        "import importlib, os\n"
        "def found():\n"
        "    here = os.path.dirname(__file__)\n"
        "    names = sorted(n[:-3] for n in os.listdir(here) if n.endswith('.py')\n"
        "                   and n != '__init__.py'\n"
        "                   and os.path.isfile(os.path.join(here, '..', '__init__.py')))\n"
        "    return [importlib.import_module(__name__ + '.' + n).CHECK for n in names]\n"),
    "checkers/spelling.py": "CHECK = 'spelling'\n",
    "checkers/unused.py": "CHECK = 'unused'\n",
}
HINTSDEMO_ENTRY_POINTS = "[hintsdemo.plugins]\nalpha = hintsdemo:NAME\nbeta = hintsdemo:NAME\n"
ONLYMETA = {"__init__.py": "raise ImportError('never imported')\n"}
ONLYMETA_METADATA = "Metadata-Version: 2.1\nName: onlymeta\nVersion: 1.0\nSummary: read, " \
    "never imported\n"


@pytest.fixture(scope="module")
def needs_build(tmp_path_factory):
    """The program traced once, then built with --verify: (work, traced, build)."""
    work = tmp_path_factory.mktemp("needs")
    (work / "app.py").write_text(NEEDS_PROGRAM)
    (work / "shapes").mkdir()
    (work / "shapes" / "__init__.py").write_text("")
    (work / "shapes" / "matcher.py").write_text(MATCHER)
    with installed_distribution("hintsdemo", "2.0", HINTSDEMO,
                                {"entry_points.txt": HINTSDEMO_ENTRY_POINTS},
                                distribution="hints_demo"), \
            installed_distribution("onlymeta", "1.0", ONLYMETA,
                                   {"METADATA": ONLYMETA_METADATA}):
        traced = run_tracer("app.py", "hintsdemo.plugins", "onlymeta", cwd=str(work))
        assert traced.returncode == 0, traced.stderr
        build = invoke(work, "--verify", "--output-dir=out", "app.py")
        yield work, traced, build


def last_verdict(output):
    """What the last replay of every recorded run came to."""
    return [line for line in output.splitlines()
            if line.startswith("nuitka-hints: verify: ")][-1][len("nuitka-hints: verify: "):]


def binary(work):
    return str(work / "out" / "app.dist" / "app.bin")


def report(work):
    with open(work / "out" / "app.hints-report.json") as handle:
        return json.load(handle)


def test_the_binary_behaves_as_the_interpreted_run(needs_build):
    work, traced, build = needs_build
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    assert traced.stdout == '["alpha", "beta"]\nSummary: read, never imported\n2.0\ndemo\n' \
        "['spelling', 'unused']\n"
    result = subprocess.run([binary(work), "hintsdemo.plugins", "onlymeta"],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, traced.stdout), result.stderr
    assert last_verdict(build.stdout) == "1 of 1 recorded runs behave the same"


def test_metadata_nuitka_parses_at_run_time_needs_no_learning(needs_build):
    """Nuitka's runtime reads its own distributions' names from their metadata
    (email.parser), which the interpreted run never parsed: kept from the start."""
    hints = hints_file.Hints.load(str(needs_build[0] / ("app-%s.json" % TAG)))
    assert "email.parser" not in hints.modules
    work, _, build = needs_build
    kept = {item["module"]: item for item in report(work)["kept"]}
    assert kept["email.parser"]["why"] == "imported by Nuitka's compiled runtime"
    assert "email.parser" not in hints_file.Hints.load(
        str(work / ("app-%s.json" % TAG))).learned


def test_metadata_of_a_distribution_never_imported_ships_as_its_files(needs_build):
    work, _, _ = needs_build
    assert (work / "out" / "app.dist" / "onlymeta-1.0.dist-info" / "METADATA").is_file()
    assert not (work / "out" / "app.dist" / "onlymeta").exists()


def test_a_folder_the_program_lists_looks_the_same_in_the_dist(needs_build):
    """Its modules as source files (the compiled ones are imported), and the
    __init__.py of the packages it is in."""
    work, _, build = needs_build
    package = work / "out" / "app.dist" / "hintsdemo"
    assert sorted(os.listdir(package / "checkers")) == ["__init__.py", "spelling.py", "unused.py"]
    assert (package / "__init__.py").is_file()
    log = build.stdout + build.stderr
    assert "Shipped 4 module source files of folders the runs listed, so that their listing " \
        "is the same in the binary: hintsdemo/__init__.py, hintsdemo/checkers/__init__.py, " \
        "hintsdemo/checkers/spelling.py, hintsdemo/checkers/unused.py." in log


def test_a_module_nuitka_fails_on_is_left_to_python_and_named(needs_build):
    work, _, build = needs_build
    assert "nuitka-hints: Nuitka failed on module shapes.matcher (AssertionError at %s:11)" \
        % (work / "shapes" / "matcher.py") in build.stdout
    assert "--hinted-source=shapes.matcher" in build.stdout
    assert (work / "out" / "app.dist" / "shapes" / "matcher.py").read_text() == MATCHER
    overruled = {item["module"]: item["why"] for item in report(work)["overruled"]}
    assert overruled["shapes.matcher"].startswith("Nuitka fails on it: its source ships")


def test_an_import_only_the_binary_tries_is_learned_and_built_in(needs_build):
    """Caught by the program, so the output is the same either way: only the binary
    can say it lacked the module."""
    work, _, build = needs_build
    cold = "argparse (imported by json.tool; from the cold tier), gettext (imported by " \
        "argparse; from the cold tier), json.tool (imported by __main__; from the cold tier)"
    assert "verify run 1/1 (app.py hintsdemo.plugins onlymeta): same\n" \
        "    the binary lacked (imports caught or not): %s\n" % cold in build.stdout
    assert "nuitka-hints: round 2: the binary lacked 3 module(s) no recorded run imported: " \
        "%s; learned into" % cold in build.stdout
    hints = hints_file.Hints.load(str(work / ("app-%s.json" % TAG)))
    assert hints.learned["json.tool"] == {"importer": "__main__", "runs": [1], "reports": []}
    kept = {item["module"]: item for item in report(work)["kept"]}
    assert kept["json.tool"]["why"] == \
        "learned from the binary, which lacked it (run 1; imported by __main__)"


def test_a_shipped_binary_reports_what_it_lacked_when_asked(needs_build, tmp_path):
    work, _, _ = needs_build
    args = [binary(work), "hintsdemo.plugins", "onlymeta", "colorsys"]  # reached by nothing
    quiet = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert quiet.returncode == 1 and "colorsys" in quiet.stderr
    assert os.listdir(tmp_path) == []  # nothing written unless asked
    misses = tmp_path / "misses.txt"
    asked = subprocess.run(args, capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, NUITKA_HINTS_MISSES=str(misses)))
    assert asked.returncode == 1
    hints_name = str(work / ("app-%s.json" % TAG))
    learned = run_tracer("--learn", hints_name, str(misses))
    assert learned.returncode == 0, learned.stderr
    assert "learned 1 module(s) the binary lacked: colorsys (imported by __main__)" \
        in learned.stdout
    entry = hints_file.Hints.load(hints_name).learned["colorsys"]
    assert entry == {"importer": "__main__", "runs": [], "reports": [str(misses)]}


def test_verify_without_learning_names_what_the_binary_lacked(needs_build):
    """A run (edited in) that imports a module the build left out."""
    work, _, _ = needs_build
    hints = json.loads((work / ("app-%s.json" % TAG)).read_text())
    hints["runs"][0]["argv"].append("wave")  # (colorsys was learned above)
    (work / "edited.json").write_text(json.dumps(hints))
    result = invoke(work, "--verify-only", "--no-learn", "--hints=edited.json",
                    "--output-dir=out", "app.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nuitka-hints: the binary lacked 1 module(s) no recorded run imported: wave " \
        "(imported by __main__); --verify without --no-learn learns them" in result.stdout
    assert json.loads((work / "edited.json").read_text()) == hints  # unchanged


CONFLICTED = {
    "__init__.py": (
        "import pydoc  # Nuitka's configuration below removes this import\n"
        "try:\n"
        "    import dill\n"
        "except ImportError:\n"
        "    dill = None\n"
        "def describe():\n"
        "    return 'dill %s' % (dill is not None)\n"
    ),
}
# Nuitka's package configuration of the package, as its standard one has for
# torch (no-auto-follow: dill) and pandas (an import of pydoc removed).
CONFLICTED_CONFIGURATION = """\
- module-name: 'conflicted'
  anti-bloat:
    - description: 'keep dill out, remove pydoc'
      no-auto-follow:
        'dill': 'ignore'
      replacements_plain:
        'import pydoc': ''
"""
CONFLICTED_PROGRAM = """\
import conflicted
print(conflicted.describe())
"""


def test_the_build_gives_way_to_nuitkas_configuration_instead_of_stopping(tmp_path):
    """dill recorded: its plugin, dill-compat, would insist on dill where the
    configuration refuses it (FATAL); pydoc recorded: forcing it in where
    anti-bloat's error mode forbids it stops the build too."""
    pytest.importorskip("dill")
    (tmp_path / "config.yml").write_text(CONFLICTED_CONFIGURATION)
    (tmp_path / "conflicted_app.py").write_text(CONFLICTED_PROGRAM)
    with installed_distribution("conflicted", "1.0", CONFLICTED):
        traced = run_tracer("conflicted_app.py", cwd=str(tmp_path))
        assert traced.returncode == 0, traced.stderr
        hints = hints_file.Hints.load(str(tmp_path / ("conflicted_app-%s.json" % TAG)))
        assert {"dill", "pydoc"} <= set(hints.modules)
        build = invoke(tmp_path, "--verify", "--user-package-configuration-file=config.yml",
                       "--noinclude-custom-mode=pydoc:error", "--output-dir=out",
                       "conflicted_app.py")
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-4000:]
    assert "FATAL" not in log and "--enable-plugins=dill-compat" not in log
    assert "Not enabling the dill-compat plugin although the runs imported dill: Nuitka's " \
        "configuration of conflicted keeps dill out of the build." in log
    assert last_verdict(build.stdout) == "1 of 1 recorded runs behave the same"
    assert traced.stdout == "dill True\n"
    with open(tmp_path / "out" / "conflicted_app.hints-report.json") as handle:
        overruled = {item["module"]: item["why"] for item in json.load(handle)["overruled"]}
    assert overruled == {
        "dill": "Nuitka's configuration of conflicted keeps dill out of the build",
        "pydoc": "Nuitka's anti-bloat keeps pydoc out (mode 'error')"}


@pytest.mark.every_python
def test_a_real_application_finds_its_extensions_by_name(tmp_path):
    """Python-Markdown loads extensions named on its command line through entry
    points; Nuitka's runtime parses metadata to list them (with email.parser, and
    importlib.metadata._adapters on 3.13: on every Python)."""
    pytest.importorskip("markdown")
    (tmp_path / "doc.md").write_text("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    (tmp_path / "markdown_cli.py").write_text(
        "import sys\nfrom markdown.__main__ import run\nsys.argv[0] = 'markdown_py'\nrun()\n")
    for extensions in (["-x", "toc", "-x", "tables"], ["-x", "fenced_code"]):
        traced = run_tracer("markdown_cli.py", *extensions, "doc.md", cwd=str(tmp_path))
        assert traced.returncode == 0, traced.stderr
    build = invoke(tmp_path, "--verify", "--output-dir=out", "markdown_cli.py")
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    assert last_verdict(build.stdout) == "2 of 2 recorded runs behave the same"
    assert "round 2" not in build.stdout  # right the first time
    result = subprocess.run(
        [str(tmp_path / "out" / "markdown_cli.dist" / "markdown_cli.bin"), "-x", "tables",
         "doc.md"], capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert "<table>" in result.stdout, result.stderr
