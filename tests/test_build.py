"""End to end: trace a program, build it with nuitka_hints.py (a real Nuitka
standalone build), run the binary.  One build is shared by all tests here."""

import json
import shutil
import os
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import ROOT, TAG, TRACER_TEXT, installed_distribution, run_tracer

import hinted_decisions
import hints_file
import nuitka_hints

pytestmark = pytest.mark.build

PROGRAM = """\
import importlib
import sys
import time

import helper
import pygments.token                   # installed, only imported
import pygments.util                    # installed; the run spends its time here

end = time.process_time() + 0.3
while time.process_time() < end:
    pygments.util.get_int_opt({"size": "3"}, "size")

name = "plugin_" + sys.argv[1]          # computed: invisible to static analysis
plugin = importlib.import_module(name)
print(helper.greet(plugin.NAME))
if len(sys.argv) > 2:                   # never taken in the recorded run
    import bz2
    import rarely_used
    print(bz2.compress(b"x"), rarely_used.VALUE)
"""

FILES = {
    "helper.py": "def greet(name):\n    return 'hello from ' + name\n",
    "plugin_alpha.py": "NAME = 'alpha'\n",
    "rarely_used.py": "VALUE = 1\n",
}


@pytest.fixture(scope="module")
def traced_app(tmp_path_factory):
    """app.py and its helpers, traced once with the argument 'alpha'."""
    work = tmp_path_factory.mktemp("e2e")
    (work / "app.py").write_text(PROGRAM)
    for name, text in FILES.items():
        (work / name).write_text(text)
    traced = run_tracer("app.py", "alpha", cwd=str(work))
    assert traced.returncode == 0, traced.stderr
    return work, traced.stdout


@pytest.fixture(scope="module")
def built(traced_app):
    """The hinted build of app.py: (workdir, dist, report root, traced stdout, build log)."""
    work, traced_stdout = traced_app
    build = invoke(work, "--output-dir=out", "--report=report.xml", "app.py")
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    report = ElementTree.parse(str(work / "report.xml")).getroot()
    return work, work / "out" / "app.dist", report, traced_stdout, build.stdout + build.stderr


def invoke(work, *args):
    """nuitka_hints.py with ``args`` in ``work``; output captured."""
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "nuitka_hints.py"), *args],
        cwd=str(work), capture_output=True, text=True, timeout=1800,
    )


def run_binary(dist, *args):
    binary = dist / ("app.exe" if sys.platform == "win32" else "app.bin")
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60)


def test_binary_prints_what_the_interpreted_run_printed(built):
    work, dist, _, traced_stdout, _ = built
    result = run_binary(dist, "alpha")
    assert result.returncode == 0, result.stderr
    assert result.stdout == traced_stdout == "hello from alpha\n"


def test_module_loaded_by_computed_name_is_in_the_build(built):
    _, _, report, _, _ = built
    included = {m.get("name") for m in report.iter("module")}
    assert {"plugin_alpha", "helper"} <= included


def test_compiled_to_c_are_the_programs_modules_and_the_hot_ones(built):
    work, _, report, _, _ = built
    hints = hints_file.Hints.load(str(work / ("app-%s.json" % TAG)))
    hot = hints.hot_modules(hinted_decisions.HOT_SHARE, hinted_decisions.HOT_SAMPLES)
    assert "pygments.util" in hot
    compiled = {m.get("name"): m.get("kind").startswith("Compiled") for m in report.iter("module")}
    installed = [n for n in hints.program_modules()
                 if hints.modules[n].get("where") == "site-packages"]
    assert {name: compiled[name] for name in installed} == {name: name in hot for name in installed}
    assert not all(compiled[name] for name in installed)  # pygments, pygments.token
    assert compiled["helper"] and "helper" not in hot  # the program's own: always compiled


def test_never_taken_imports_are_not_compiled_but_in_the_cold_tier(built):
    work, dist, report, _, _ = built
    included = {m.get("name") for m in report.iter("module")}
    assert "rarely_used" not in included
    assert "bz2" not in included and "_bz2" not in included
    with open(work / "out" / "app.hints-report.json") as handle:
        cold = json.load(handle)["cold"]
    assert {name: cold["why"][name] for name in ("bz2", "rarely_used", "_bz2")} == {
        "bz2": "imported by __main__, which is in the build",
        "rarely_used": "imported by __main__, which is in the build",
        "_bz2": "imported by bz2"}
    bz2_extension, = [f for f in cold["extensions"] if f.startswith("_bz2")]  # the stdlib's
    assert bz2_extension in cold["extensions_in_archive"] and bz2_extension not in os.listdir(dist)


def test_drop_reason_names_the_evidence_in_the_report(built):
    _, _, report, _, _ = built
    reasons = {
        usage.get("name"): usage.get("exclusion_reason")
        for usage in report.iter("module_usage")
        if usage.get("finding") == "excluded"
    }
    assert "not imported in any of 1 recorded run" in reasons["rarely_used"]


def test_plugin_reports_what_it_kept_and_dropped(built):
    *_, build_output = built
    assert "hinted-compilation: Kept" in build_output
    assert "modules never imported in recorded runs (" in build_output
    assert "; most from:" in build_output
    assert "Standard plugins" not in build_output  # this program needs none


def test_untraced_path_runs_from_the_cold_tier(built):
    work, dist, _, _, _ = built
    result = run_binary(dist, "alpha", "more")
    interpreted = subprocess.run([sys.executable, "app.py", "alpha", "more"], cwd=str(work),
                                 capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, interpreted.stdout, "")


def test_verify_only_replays_the_recorded_runs(built):
    work = built[0]
    result = invoke(work, "--verify-only", "--output-dir=out", "app.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verify run 1/1 (app.py alpha): same" in result.stdout
    assert "1 of 1 recorded runs behave the same" in result.stdout


def test_verify_names_the_module_missing_from_edited_hints_and_learns_it(traced_app):
    """Hints edited to lack the computed-name module: the build lacks it too;
    verify names it with both fixes, learns it and builds again (two builds)."""
    work, _ = traced_app
    hints = json.loads((work / ("app-%s.json" % TAG)).read_text())
    del hints["modules"]["plugin_alpha"]
    hints["packages"].remove("plugin_alpha")  # (else its "distribution" is in the cold tier)
    (work / "lacking.json").write_text(json.dumps(hints))
    learning = invoke(work, "--verify", "--hints=lacking.json", "--output-dir=lacking", "app.py")
    assert learning.returncode == 0, learning.stdout[-3000:] + learning.stderr[-3000:]
    assert "verify run 1/1 (app.py alpha): differs" in learning.stdout
    assert "the binary lacks module 'plugin_alpha'" in learning.stdout
    assert "%s app.py alpha" % TRACER_TEXT in learning.stdout
    assert "--hinted-keep=plugin_alpha" in learning.stdout
    assert "nuitka-hints: round 2: the binary lacked 1 module(s) no recorded run imported: " \
        "plugin_alpha (imported by __main__); learned into %s, building again" \
        % (work / "lacking.json") in learning.stdout
    verdicts = [line for line in learning.stdout.splitlines()
                if line.startswith("nuitka-hints: verify: ")]
    assert verdicts == ["nuitka-hints: verify: 0 of 1 recorded runs behave the same, 1 differ",
                        "nuitka-hints: verify: 1 of 1 recorded runs behave the same"]


def test_bytecode_policy_makes_an_unrecorded_path_work(traced_app):
    work, _ = traced_app
    build = invoke(work, "--hinted-unrecorded=bytecode", "--hinted-strip=no",
                   "--output-dir=bytecode", "app.py")
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    result = run_binary(work / "bytecode" / "app.dist", "alpha", "more")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith(" 1")  # rarely_used.VALUE
    with open(work / "bytecode" / "app.hints-report.json") as handle:  # and nothing stripped
        assert json.load(handle)["slimmed"]["stripped"] == "not asked (--hinted-strip=no)"
    assert stripped_sizes(work / "bytecode" / "app.dist") == []


def stripped_sizes(dist):
    """(dist size, installed size) of each standard-library extension module in
    the dist that is smaller than the file it was copied from; skips where this
    Python's extension modules came stripped already (a Linux distribution's)."""
    dynload = sysconfig.get_paths()["platstdlib"].replace(sys.prefix, sys.base_prefix)
    installed = {name.partition(".")[0]: os.path.join(dynload, "lib-dynload", name)
                 for name in os.listdir(os.path.join(dynload, "lib-dynload"))}
    probe = os.path.join(str(dist), "..", "strip-probe.so")
    subprocess.run(["strip", "--strip-unneeded", "-o", probe, installed["_json"]], check=True)
    if os.path.getsize(probe) == os.path.getsize(installed["_json"]):
        pytest.skip("this Python's extension modules ship stripped already")
    pairs = [(os.path.getsize(dist / name), os.path.getsize(installed[name[:-3]]))
             for name in os.listdir(dist) if name.endswith(".so") and name[:-3] in installed]
    assert pairs, "no extension module of the standard library in %s" % dist
    return [(size, original) for size, original in pairs if size < original]


def test_the_libraries_the_dist_ships_are_stripped_and_the_summary_says_so(built):
    work, dist, _, _, build_output = built
    with open(work / "out" / "app.hints-report.json") as handle:
        stripped = json.load(handle)["slimmed"]["stripped"]
    assert stripped["files"] > 0 and stripped["saved"] > 0 and stripped["failed"] == []
    assert "stripped %d (-%.1f MB)" % (stripped["files"], stripped["saved"] / 1e6) in build_output
    assert stripped_sizes(dist)  # the dist's copies, smaller; the installed files as they were


def test_needed_standard_plugin_is_enabled_and_the_binary_works(tmp_path):
    """tkinter needs Nuitka's tk-inter plugin, which Nuitka does not enable by itself."""
    pytest.importorskip("_tkinter")
    (tmp_path / "tkapp.py").write_text("import tkinter\nprint('tk', tkinter.TkVersion)\n")
    traced = run_tracer("tkapp.py", cwd=str(tmp_path))
    assert traced.returncode == 0, traced.stderr
    build = invoke(tmp_path, "--output-dir=out", "tkapp.py")
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-3000:]
    assert "--enable-plugins=tk-inter" in log
    assert "Standard plugins the program needs, enabled: tk-inter." in log
    name = "tkapp.exe" if sys.platform == "win32" else "tkapp.bin"
    binary = tmp_path / "out" / "tkapp.dist" / name
    result = subprocess.run([str(binary)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == traced.stdout


def trace_and_build(work, name, source, *build_args, trace_args=(), input=None):
    """Write ``name``.py, trace it with ``trace_args``, build it; (traced, build)."""
    (work / (name + ".py")).write_text(source)
    traced = run_tracer(name + ".py", *trace_args, cwd=str(work), input=input)
    assert traced.returncode == 0, traced.stderr
    build = invoke(work, *build_args, name + ".py")
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return traced, build


POOLS = """\
import concurrent.futures
import multiprocessing


def square(x):
    return x * x


if __name__ == "__main__":
    multiprocessing.freeze_support()
    for method in ("fork", "spawn"):
        with multiprocessing.get_context(method).Pool(2) as pool:
            print(method, pool.map(square, range(4)))
    with concurrent.futures.ProcessPoolExecutor(2) as executor:
        print("executor", list(executor.map(square, range(3))))
"""


def test_multiprocessing_pools_build_and_behave_the_same(tmp_path):
    """Nuitka's multiprocessing plugin wants all of multiprocessing: the plugin gives
    way instead of stopping the build on the disagreement."""
    traced, build = trace_and_build(tmp_path, "pools", POOLS, "--verify", "--output-dir=out")
    log = build.stdout + build.stderr
    assert "FATAL" not in log
    assert "1 of 1 recorded runs behave the same" in log
    assert "other plugins require: the multiprocessing plugin" in log
    result = subprocess.run([str(tmp_path / "out" / "pools.dist" / "pools.bin")],
                            capture_output=True, text=True, timeout=120)
    assert result.stdout == traced.stdout == (
        "fork [0, 1, 4, 9]\nspawn [0, 1, 4, 9]\nexecutor [0, 1, 4]\n")


LOOKUP = """\
import importlib.util
print("sqlite3 found:", importlib.util.find_spec("sqlite3") is not None)
"""


def test_a_module_only_looked_up_is_left_out_unless_kept(tmp_path):
    """Left out, the binary answers the lookup as Python does for a missing module."""
    traced, build = trace_and_build(tmp_path, "lookup", LOOKUP, "--output-dir=out")
    hints = hints_file.Hints.load(str(tmp_path / ("lookup-%s.json" % TAG)))
    assert "sqlite3" not in hints.modules and hints.looked_up == {"sqlite3": 1}
    assert "Left out 1 modules the runs looked up but never loaded (keep one with " \
        "--hinted-keep=NAME): sqlite3." in build.stdout + build.stderr
    verify = invoke(tmp_path, "--verify-only", "--output-dir=out", "lookup.py")
    assert verify.returncode == 1
    assert "0 of 1 recorded runs behave the same, 1 differ" in verify.stdout
    assert "which the binary lacks: sqlite3" in verify.stdout

    def run(out):
        dist = tmp_path / out / "lookup.dist"
        result = subprocess.run([str(dist / "lookup.bin")], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout, [f for f in os.listdir(dist) if f.startswith("_sqlite3")]

    assert run("out") == ("sqlite3 found: False\n", [])
    kept = invoke(tmp_path, "--hinted-keep=sqlite3", "--verify", "--output-dir=kept", "lookup.py")
    assert kept.returncode == 0, kept.stdout[-3000:] + kept.stderr[-3000:]
    output, shipped = run("kept")
    assert output == traced.stdout == "sqlite3 found: True\n" and shipped


ECHO = """\
# nuitka-project: --mode=onefile
import sys
print(sys.argv[1:], sys.stdin.read().upper())
"""


def test_onefile_from_a_project_comment_is_built_and_verified(tmp_path):
    """The single file that ships is what verify replays, with arguments and stdin."""
    traced, build = trace_and_build(
        tmp_path, "echo", ECHO, "--verify", "--output-filename=echo-one.bin",
        trace_args=("x", "y z"), input="some input\n")
    log = build.stdout + build.stderr
    assert "--mode=standalone" not in log
    assert "1 of 1 recorded runs behave the same" in log
    binary = tmp_path / "echo-one.bin"
    assert binary.is_file()
    result = subprocess.run([str(binary), "x", "y z"], input="some input\n",
                            capture_output=True, text=True, timeout=60)
    assert result.stdout == traced.stdout == "['x', 'y z'] SOME INPUT\n\n"


WHERE = """\
import os, sys
here = os.path.dirname(os.path.abspath(__file__))
print("folder", here)
with open(os.path.join(here, "greeting.txt")) as handle:
    print(handle.read().strip())
"""


def test_app_mode_runs_from_its_unpacking_folder_and_verify_says_so(tmp_path):
    """--mode=app is onefile on Linux: __file__ is in a new folder each run."""
    (tmp_path / "greeting.txt").write_text("hello from the data file\n")
    traced, build = trace_and_build(
        tmp_path, "where", WHERE, "--mode=app", "--verify",
        "--include-data-files=greeting.txt=greeting.txt")
    log = build.stdout + build.stderr
    assert "1 of 1 recorded runs behave the same" in log
    assert "same output except where it shows the program's own location: %r in the recorded " \
        "run" % str(tmp_path) in log
    result = subprocess.run([str(tmp_path / "where.bin")], capture_output=True, text=True,
                            cwd="/", timeout=60)
    folder, greeting = result.stdout.splitlines()
    assert greeting == "hello from the data file" and result.returncode == 0
    assert folder != "folder %s" % tmp_path and "onefile_" in folder
    assert traced.stdout == "folder %s\nhello from the data file\n" % tmp_path


DATA_PACKAGE = {
    "__init__.py": (
        "import importlib.resources, os\n"
        "def read_both():\n"
        "    a = importlib.resources.files(__name__).joinpath('a.txt').read_text().strip()\n"
        "    with open(os.path.join(os.path.dirname(__file__), 'sub', 'b.dat')) as f:\n"
        "        return a, f.read().strip()\n"
    ),
    "a.txt": "read through importlib.resources\n",
    "sub/b.dat": "read next to __file__\n",
    "never.txt": "no run reads this\n",
}
DATA_PROGRAM = """\
import importlib.metadata
import hintdata
print(hintdata.read_both(), importlib.metadata.version("hintdata"))
"""
# Nuitka's package configuration, as its standard one lists a package's data files.
DATA_CONFIGURATION = """\
- module-name: 'hintdata'
  data-files:
    - patterns:
        - '*.txt'
"""


@pytest.fixture
def installed_data_package():
    with installed_distribution("hintdata", "1.5", DATA_PACKAGE):
        yield


def test_data_files_the_runs_read_are_shipped_and_the_others_left_out(
        tmp_path, installed_data_package):
    (tmp_path / "config.yml").write_text(DATA_CONFIGURATION)
    configuration = "--user-package-configuration-file=config.yml"
    traced, build = trace_and_build(tmp_path, "data", DATA_PROGRAM, "--verify", configuration,
                                    "--hinted-cold=no", "--output-dir=hinted")  # (it ships
    # the rest of the families the runs read from: never.txt, as a *.txt beside a.txt)
    expected = "('read through importlib.resources', 'read next to __file__') 1.5\n"
    assert traced.stdout == expected
    log = build.stdout + build.stderr
    assert "1 of 1 recorded runs behave the same" in log
    assert "Added 1 data files the runs read that Nuitka's configuration does not list: " \
        "hintdata/sub/b.dat." in log
    assert "Left out 1 data files" in log
    package = tmp_path / "hinted" / "data.dist" / "hintdata"
    assert (package / "a.txt").is_file() and (package / "sub" / "b.dat").is_file()
    assert not (package / "never.txt").exists()

    plain = subprocess.run(  # Nuitka alone: its configuration does not list sub/b.dat
        [sys.executable, "-m", "nuitka", "--mode=standalone", configuration,
         "--include-distribution-metadata=hintdata", "--output-dir=plain", "data.py"],
        cwd=str(tmp_path), capture_output=True, text=True, env=nuitka_hints.nuitka_environment())
    assert plain.returncode == 0, plain.stdout[-3000:] + plain.stderr[-3000:]
    result = subprocess.run([str(tmp_path / "plain" / "data.dist" / "data.bin")],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "sub/b.dat" in result.stderr
    assert (tmp_path / "plain" / "data.dist" / "hintdata" / "never.txt").is_file()


def test_the_build_writes_a_report_that_matches_the_dist_and_the_hints(built):
    work, dist, _, _, build_output = built
    with open(work / "out" / "app.hints-report.json") as handle:
        report = json.load(handle)
    on_disk = [os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(dist) for n in names]
    assert report["dist"]["size"] == sum(on_disk) and report["dist"]["files"] == len(on_disk)
    assert sum(sum(kinds.values()) for kinds in report["dist"]["by_package"].values()) == \
        sum(on_disk)
    beside = report["dist"]["by_package"]["(extension modules beside the binary)"]
    assert beside["extension"] > 0 and beside["library"] == 0  # _json.so and the like
    hints = hints_file.Hints.load(str(work / ("app-%s.json" % TAG)))
    assert [run["argv"] for run in report["runs"]] == [run["argv"] for run in hints.runs]
    first = report["left_out"][:2]  # the untaken branch of the program's own code
    assert {item["module"] for item in first} == {"bz2", "rarely_used"}
    assert all(item["by_program"] and item["imported_by"] == "__main__" and item["cold"]
               for item in first)
    kept = {item["module"]: item for item in report["kept"]}
    assert kept["helper"]["how"] == "compiled" and "1 of 1 recorded runs" in kept["helper"]["why"]
    assert kept["pygments.token"]["how"] == "bytecode"
    assert report["modules"]["compiled"] == sum(1 for k in kept.values() if k["how"] == "compiled")
    page = work / "out" / "app.hints.html"
    assert "nuitka-hints: dist %.1f MB in %d files" % (sum(on_disk) / 1e6, len(on_disk)) \
        in build_output and "report %s" % os.path.join("out", "app.hints.html") in build_output
    html = page.read_text()
    assert len(html) < 1_000_000  # self-contained: nothing loaded from elsewhere
    assert "src=" not in html and "href=" not in html and "://" not in html


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_the_report_page_draws_in_a_real_browser(built):
    work = built[0]
    verify = invoke(work, "--verify-only", "--output-dir=out", "app.py")
    assert "verify results added to the report" in verify.stdout
    page = work / "out" / "app.hints.html"
    browser = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--no-first-run", "--enable-logging=stderr",
         "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    dom = browser.stdout
    assert "CONSOLE" not in browser.stderr, browser.stderr  # no script error
    assert dom.count('class="bar ') >= 2  # the picture, drawn by the page
    assert '<tr class="program" data-module="rarely_used">' in dom
    assert '<td class="same">same</td>' in dom  # verify's row
