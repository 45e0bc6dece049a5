"""The recorder: every module a program loads, in every process, the files it
reads, and where its CPU time goes."""

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from conftest import ROOT, Traced, installed_distribution, run_tracer

import hinted_mods
import hinted_recorder
import hinted_runtime
import hints_file


CAPTURE_CASES = {
    "statement": ("import fractions", "fractions"),
    "computed importlib": (
        "import importlib\nimportlib.import_module('email.' + 'mime' + '.text')",
        "email.mime.text",
    ),
    "dunder import": ("__import__('colorsys')", "colorsys"),
    "from C code": ("import time\ntime.strptime('2020', '%Y')", "_strptime"),
    "thread": (
        "import threading\n"
        "t = threading.Thread(target=lambda: __import__('difflib'))\n"
        "t.start(); t.join()",
        "difflib",
    ),
}


@pytest.mark.parametrize("case", sorted(CAPTURE_CASES))
def test_records_module_whatever_imported_it(trace, case):
    source, module = CAPTURE_CASES[case]
    traced = trace(source)
    assert traced.result.returncode == 0, traced.result.stderr
    assert module in traced.program_modules()


@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_records_imports_of_multiprocessing_children(trace, method):
    traced = trace(
        """
        import multiprocessing, sys

        def work(x):
            import fractions
            return str(fractions.Fraction(x, 2))

        if __name__ == "__main__":
            with multiprocessing.get_context(sys.argv[1]).Pool(1) as pool:
                print(pool.map(work, [1]))
        """,
        method,
    )
    assert traced.result.returncode == 0, traced.result.stderr
    assert traced.result.stdout == "['1/2']\n"
    assert "fractions" in traced.program_modules()
    assert traced.hints["runs"][0]["processes"] >= 2


def test_the_sampler_survives_pools_ending_under_it(trace):
    """Python 3.12 crashed (SIGSEGV) in 7 of 10 such runs when the sampler read
    the frames of the pool's ending threads."""
    source = """
        import multiprocessing

        if __name__ == "__main__":
            for _ in range(100):
                with multiprocessing.get_context("fork").Pool(1) as pool:
                    pool.map(abs, [-1])
            print("done")
        """
    for _ in range(3):
        traced = trace(source)
        assert traced.result.returncode == 0, traced.result.stderr
        assert traced.result.stdout == "done\n"


def test_a_lookup_is_recorded_apart_from_the_loads(trace):
    traced = trace(
        "import importlib.util, sys\n"
        "print(importlib.util.find_spec('sqlite3') is not None, 'sqlite3' in sys.modules)\n"
        "importlib.util.find_spec('colorsys')\n"
        "import colorsys\n"
    )
    assert traced.result.stdout == "True False\n", traced.result.stderr
    assert "sqlite3" not in traced.modules
    assert traced.hints["looked_up"] == {"sqlite3": 1}
    assert "colorsys" in traced.program_modules()  # looked up first, then loaded
    summary = run_tracer("--summary", traced.hints_name)
    assert "1 modules looked up but never loaded (left out of the build): sqlite3" \
        in summary.stdout


def test_an_optional_dependency_checked_but_unused_is_only_looked_up(trace, tmp_path):
    """A library that tests for an optional dependency with find_spec and imports
    it only when used (polars and torch, transformers and torch)."""
    package = tmp_path / "mylib"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import importlib.util\n"
        "HAS_EXTRA = importlib.util.find_spec('extra_dep') is not None\n"
        "def fast_sum(values):\n"
        "    if HAS_EXTRA and len(values) > 1000:\n"
        "        import extra_dep\n"
        "        return extra_dep.total(values)\n"
        "    return sum(values)\n")
    (tmp_path / "extra_dep.py").write_text("def total(values):\n    return sum(values)\n")
    traced = trace("import mylib\nprint(mylib.HAS_EXTRA, mylib.fast_sum([1, 2, 3]))\n")
    assert traced.result.stdout == "True 6\n", traced.result.stderr
    assert "mylib" in traced.program_modules()
    assert "extra_dep" not in traced.modules
    assert traced.hints["looked_up"] == {"extra_dep": 1}


def test_loaded_modules_keep_their_real_loader(trace):
    traced = trace(
        "import importlib, importlib.util, json\n"
        "importlib.reload(json)\n"
        "spec = importlib.util.find_spec('colorsys')\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "for m in (json, module):\n"
        "    print(type(m.__loader__).__name__, type(m.__spec__.loader).__name__)\n"
    )
    assert traced.result.stdout == "SourceFileLoader SourceFileLoader\n" * 2, \
        traced.result.stderr
    assert "colorsys" in traced.program_modules()


def test_a_lazily_loaded_module_is_recorded_when_used(trace):
    traced = trace(
        "import importlib.util, sys\n"
        "spec = importlib.util.find_spec('fractions')\n"
        "spec.loader = importlib.util.LazyLoader(spec.loader)\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['fractions'] = module\n"
        "spec.loader.exec_module(module)\n"
        "print(module.Fraction(1, 2))\n"
    )
    assert traced.result.stdout == "1/2\n", traced.result.stderr
    assert "fractions" in traced.program_modules()


def test_a_test_runners_packages_are_recorded_in_a_program(trace):
    """Only a traced test runner leaves the runner out: a program may use them."""
    traced = trace("import unittest.mock\nprint(unittest.mock.sentinel.x)\n")
    assert traced.result.stdout == "sentinel.x\n"
    assert {"unittest", "unittest.mock"} <= traced.program_modules()


def test_records_namespace_package(trace, tmp_path):
    package = tmp_path / "nspkg" / "inner"
    package.mkdir(parents=True)
    (package / "leaf.py").write_text("VALUE = 42\n")
    traced = trace("import nspkg.inner.leaf\nprint(nspkg.inner.leaf.VALUE)")
    assert traced.result.stdout == "42\n"
    modules = traced.modules
    assert modules["nspkg"]["kind"] == "namespace"
    assert modules["nspkg"]["file"] == "nspkg"
    assert modules["nspkg.inner.leaf"] == {
        "kind": "source",
        "file": "nspkg/inner/leaf.py",
        "where": "program",
        "runs": 1,
    }


def test_module_kinds_and_files_are_relative(trace):
    traced = trace("import json, _json, math, sys")
    modules = traced.modules
    assert modules["json"]["file"] == "json/__init__.py"
    assert modules["json"]["where"] == "stdlib"
    assert modules["_json"]["kind"] in ("extension", "builtin")
    assert modules["sys"] == {"kind": "builtin", "startup": True, "runs": 1}


def test_own_modules_are_not_reported(trace):
    traced = trace("import sys; print(sorted(sys.modules)[:1])")
    assert "hinted_mods" not in traced.modules
    assert "json" not in traced.modules  # the tracer's JSON writing is not the program's


def test_startup_set_is_only_what_python_itself_loads(trace, tmp_path):
    """The tracer loads nothing before the program: else the program's own imports
    of those modules would be invisible."""
    traced = trace("pass")
    plain = subprocess.run(
        [sys.executable, "-c", "import sys; print(' '.join(sys.modules))"],
        capture_output=True, text=True, cwd=str(tmp_path),
    )
    startup = {n for n, m in traced.modules.items() if m.get("startup")}
    assert startup - set(plain.stdout.split()) <= {"atexit"}


def test_modules_loaded_before_a_crash_are_kept(trace):
    traced = trace("import fractions\nimport os\nos.kill(os.getpid(), 9)")
    assert traced.result.returncode == 128 + signal.SIGKILL
    assert "fractions" in traced.program_modules()
    assert traced.hints["runs"][0]["exit_status"] == 137


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/maps")
def test_shared_libraries_loaded_are_recorded(trace):
    traced = trace("import _json, os\nos._exit(0)")  # no atexit: still recorded
    libraries = traced.hints["libraries"]
    assert any(name.endswith(".so") and "_json" in name for name in libraries) or \
        traced.modules["_json"]["kind"] == "builtin"
    assert any("libc" in name for name in libraries)


def test_test_runner_is_excluded_from_a_test_suite_trace(tmp_path):
    (tmp_path / "test_it.py").write_text("import fractions\ndef test_it():\n    pass\n")
    output = tmp_path / "suite.json"
    result = run_tracer("-o", str(output), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "test_it.py", cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    modules = json.loads(output.read_text())["modules"]
    assert "fractions" in modules and "test_it" in modules  # the code under test
    assert not [n for n in modules if n.partition(".")[0] in ("pytest", "_pytest", "pluggy")]


def test_a_test_runners_files_are_not_the_programs(tmp_path):
    """What pytest alone read, listed or imported (its configuration, its cache,
    the folders it collects from, the standard modules only it loads) is not
    recorded, nor the tests' inputs (in a tests folder); what the code under
    test reads is."""
    (tmp_path / ".env").write_text("API_TOKEN=secret\n")
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '-q'\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "input.txt").write_text("42\n")
    (tmp_path / "app.py").write_text(
        "import os\n\n\ndef answer():\n    here = os.path.dirname(__file__)\n"
        "    with open(os.path.join(here, 'data', 'input.txt')) as f:\n"
        "        return int(f.read())\n")
    (tmp_path / "tests" / "files").mkdir(parents=True)
    (tmp_path / "tests" / "files" / "case.txt").write_text("42\n")  # the tests' input
    (tmp_path / "test_app.py").write_text(
        "import app, os\n\n\ndef test_answer():\n    assert app.answer() == 42\n"
        "    assert os.listdir(os.path.join(os.path.dirname(__file__), 'data'))\n"
        "    with open(os.path.join('tests', 'files', 'case.txt')) as f:\n"
        "        assert int(f.read()) == app.answer()\n")
    output = tmp_path / "suite.json"
    result = run_tracer("-o", str(output), "-m", "pytest", "test_app.py", cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    hints = json.loads(output.read_text())
    assert hints["data_files"] == {"program": {"data/input.txt": 1}}
    assert hints["listed_directories"] == {"program": {"data": 1}}
    assert "readline" not in hints["modules"] and "app" in hints["modules"]


RUNNER_PLUGIN = {  # a pytest plugin, as Faker's: loaded by its entry point, lists a folder
    "__init__.py": "import os\nfrom runnerplug import helper\n"
                   "FOUND = os.listdir(os.path.dirname(helper.__file__))\n",
    "helper.py": "",
}


@pytest.mark.parametrize("started", ["installed", "copied into the project"])
def test_what_the_runner_loads_is_the_runners_unless_the_project_names_it(tmp_path, started):
    """An installed pytest plugin's imports and listings are the runner's, not
    the program's; a module the runner imported first (argparse) is recorded
    when the project's own code names it, or a module it names imports it (what
    logging imports); a module a test asks for through the runner's API
    (``pytest.importorskip``) is recorded.  Also when the tracer's own files lie
    in the project (copied beside it, as they may be), below the program."""
    command = []
    if started == "copied into the project":
        tools = tmp_path / "tools"
        tools.mkdir()
        for name in hinted_runtime.OUR_MODULES:
            shutil.copy(os.path.join(ROOT, name + ".py"), tools)
        command = [sys.executable, str(tools / "hinted_mods.py")]
    (tmp_path / "app.py").write_text(
        "def main():\n    import argparse, logging\n    return argparse.ArgumentParser()\n")
    (tmp_path / "test_app.py").write_text(
        "import sys\nimport pytest\nimport app\n\n\ndef test_it():\n    assert app.main()\n"
        "    pytest.importorskip('colorsys')\n"
        "    assert 'runnerplug' in sys.modules  # the plugin ran\n")
    output = tmp_path / "suite.json"
    with installed_distribution("runnerplug", "1.0", RUNNER_PLUGIN, metadata={
            "entry_points.txt": "[pytest11]\nrunnerplug = runnerplug\n",
            "RECORD": "runnerplug/__init__.py,,\nrunnerplug/helper.py,,\n"}):  # pytest's
        # own finder, put before the recorder's, loads the modules RECORD lists
        arguments = ["-o", str(output), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                     "test_app.py"]
        result = subprocess.run(command + arguments, cwd=str(tmp_path), capture_output=True,
                                text=True) if command else run_tracer(*arguments,
                                                                      cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    hints = json.loads(output.read_text())
    modules = hints["modules"]
    assert "app" in modules and "test_app" in modules
    assert "argparse" in modules and "colorsys" in modules
    assert {"logging", "threading", "_weakrefset"} <= set(modules)  # what logging imports
    assert not [name for name in modules if name.startswith("runnerplug")]
    assert not [folder for folders in hints.get("listed_directories", {}).values()
                for folder in folders if "runnerplug" in folder]


def test_a_module_pytests_finder_loaded_is_the_programs_when_the_project_reaches_its_package(
        tmp_path):
    """pytest's finder, before the recorder's, loads every module of a plugin's
    distribution: one a package of it imports by a computed name is the
    program's when the project's code reaches that package."""
    files = {"__init__.py": "import importlib\nhelper = importlib.import_module("
                            "'reachedplug.' + 'helper')\n", "helper.py": "VALUE = 1\n"}
    (tmp_path / "test_app.py").write_text(
        "import reachedplug\n\n\ndef test_it():\n    assert reachedplug.helper.VALUE\n")
    output = tmp_path / "suite.json"
    with installed_distribution("reachedplug", "1.0", files, metadata={
            "entry_points.txt": "[pytest11]\nreachedplug = reachedplug\n",
            "RECORD": "reachedplug/__init__.py,,\nreachedplug/helper.py,,\n"}):
        result = run_tracer("-o", str(output), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "test_app.py", cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert {"reachedplug", "reachedplug.helper"} <= set(json.loads(output.read_text())["modules"])


SPIN = "def spin(seconds):\n    import time\n    end = time.process_time() + seconds\n" \
       "    while time.process_time() < end:\n        pass\n"


def profile_of(traced, run=0):
    assert traced.result.returncode == 0, traced.result.stderr
    return traced.hints["runs"][run]["profile"]


def test_profile_counts_cpu_time_by_module(trace, tmp_path):
    (tmp_path / "busy.py").write_text(SPIN)
    (tmp_path / "idle.py").write_text("VALUE = 1\n")
    profile = profile_of(trace("import busy, idle\nbusy.spin(0.3)\n"))
    assert profile["samples"] >= 20  # ITIMER_PROF ticks with the kernel's clock
    assert profile["modules"]["busy"] >= 0.8 * profile["samples"]
    assert "idle" not in profile["modules"]


def test_summary_shows_where_the_cpu_time_went(trace, tmp_path):
    (tmp_path / "busy.py").write_text(SPIN)
    traced = trace("import busy\nbusy.spin(0.2)\n")
    result = run_tracer("--summary", traced.hints_name)
    assert "CPU samples:" in result.stdout and "in 1 of 1 run(s)" in result.stdout
    profile_part = result.stdout.split("CPU samples:")[1]
    busy_line = [line.split() for line in profile_part.splitlines() if "busy" in line]
    assert busy_line and float(busy_line[0][1].rstrip("%")) >= 80


def test_profile_covers_forked_children_ending_with_os_exit(trace, tmp_path):
    (tmp_path / "busy.py").write_text(SPIN)
    profile = profile_of(trace(
        """
        import os, busy
        pid = os.fork()
        if pid == 0:
            busy.spin(0.3)
            os._exit(0)
        os.waitpid(pid, 0)
        """
    ))
    assert profile["modules"]["busy"] >= 0.5 * profile["samples"]


def test_program_that_execs_is_not_killed_by_the_sampling_timer(trace):
    """Interval timers survive exec, the signal handler does not."""
    traced = trace(
        """
        import os, sys
        busy = "import time; end = time.process_time() + 0.2\\n" \\
               "while time.process_time() < end: pass\\nraise SystemExit(7)"
        os.execv(sys.executable, [sys.executable, "-c", busy])
        """
    )
    assert traced.result.returncode == 7, traced.result.stderr
    assert "profile" in traced.hints["runs"][0]


def test_no_profile_option_records_none(trace):
    traced = trace("import colorsys\n", tracer_args=["--no-profile"])
    assert traced.result.returncode == 0, traced.result.stderr
    assert "profile" not in traced.hints["runs"][0]
    assert hints_file.Hints.load(traced.hints_name).hot_modules(0.01, 10) is None


def test_program_started_with_sigprof_ignored_is_not_sampled(trace):
    traced = trace(
        "import signal\nprint(signal.getsignal(signal.SIGPROF) == signal.SIG_IGN)\n",
        preexec_fn=lambda: signal.signal(signal.SIGPROF, signal.SIG_IGN),
    )
    assert traced.result.stdout == "True\n", traced.result.stderr
    assert "profile" not in traced.hints["runs"][0]


def test_program_too_short_to_sample_still_has_a_profile(trace):
    profile = profile_of(trace("pass\n"))
    assert profile["modules"] == {} and isinstance(profile["samples"], int)


def test_files_read_and_folders_listed_are_recorded_by_root(trace):
    traced = trace(
        """
        import email, glob, importlib.resources, multiprocessing, os, pathlib, sys
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "input.txt"), "w") as out:  # written: not data
            out.write("x")
        open(os.path.join(here, "input.txt")).read()
        open(os.path.join(here, "checked.txt"), "w").close()
        os.path.isfile(os.path.join(here, "checked.txt"))  # checked it is there: needed too
        open(os.path.join(here, "named.txt"), "w").close()
        open(sys.argv[1]).read()  # the run's input, named on its command line
        pathlib.Path(os.path.dirname(email.__file__), "architecture.rst").read_bytes()
        importlib.resources.files("json").joinpath("tool.py").read_text()  # source, as data
        glob.glob(os.path.join(os.path.dirname(email.__file__), "mime", "*.txt"))
        open("/etc/hostname").close()  # outside every root: nothing to ship

        def child():
            import wsgiref.util
            pathlib.Path(os.path.dirname(wsgiref.util.__file__), "__init__.py").read_text()
            import zoneinfo
            os.listdir(os.path.dirname(zoneinfo.__file__))

        if __name__ == "__main__":
            process = multiprocessing.get_context("fork").Process(target=child)
            process.start()
            process.join()
        """,
        "named.txt",
    )
    assert traced.result.returncode == 0, traced.result.stderr
    assert traced.hints["data_files"] == {
        "program": {"checked.txt": 1, "input.txt": 1},
        "stdlib": {"email/architecture.rst": 1, "json/tool.py": 1, "wsgiref/__init__.py": 1}}
    assert traced.hints["listed_directories"] == {"stdlib": {"email/mime": 1, "zoneinfo": 1}}
    again = trace("print(1)")  # merged: counts add up, folders stay
    assert again.hints["data_files"]["program"] == {"checked.txt": 1, "input.txt": 1}


def test_a_file_checked_through_pathlib_imported_after_the_recorder_is_recorded(tmp_path):
    """The recorder's ``os.stat`` is not bound as a method where a class keeps it
    (Python 3.10's pathlib; no .pth file loads pathlib first with -S), and stays in
    the ``os.supports_*`` sets shutil asks."""
    (tmp_path / "conf.ini").write_text("[a]\n")
    (tmp_path / "app.py").write_text(
        "import os, pathlib, shutil\n"
        "print(pathlib.Path(__file__).with_name('conf.ini').is_file(),\n"
        "      os.stat in os.supports_follow_symlinks)\n")
    traced = subprocess.run(
        [sys.executable, "-S", hinted_mods.__file__, str(tmp_path / "app.py")],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert (traced.returncode, traced.stdout) == (0, "True True\n"), traced.stderr
    with open(hints_file.hints_path(str(tmp_path / "app.py"))) as handle:
        assert json.load(handle)["data_files"] == {"program": {"conf.ini": 1}}


def test_a_folder_holding_site_packages_is_the_import_systems_not_a_listing(trace):
    """importlib.metadata lists every sys.path folder; in a venv site-packages lies
    inside the venv's own "stdlib" folder: neither is the program's listing."""
    traced = trace("import importlib.metadata\nlen(list(importlib.metadata.distributions()))\n"
                   "import os\nos.listdir(os.path.dirname(os.__file__) + '/json')\n")
    listed = traced.hints["listed_directories"]
    assert listed.get("stdlib", {}) == {"json": 1}
    assert "site-packages" not in listed


def test_a_modules_source_read_as_data_is_recorded_an_import_is_not(trace):
    """astroid (pylint) reads the standard library's sources to analyse them, and
    linecache reads them for a warning's line: data the program reads."""
    traced = trace("import json\nimport linecache, os\nlinecache.getline(os.__file__, 1)\n")
    stdlib = traced.hints["data_files"].get("stdlib", {})
    assert "os.py" in stdlib
    assert "json/__init__.py" not in stdlib and "json/decoder.py" not in stdlib  # imported


@pytest.mark.parametrize("how", ["script", "-m"])
def test_how_each_module_was_asked_for_is_recorded(trace, tmp_path, how):
    """By an import statement, or by a name the program computed; also run as
    ``python hinted_mods.py -m module`` (runpy gives the tracer's globals the
    module's ``__file__``)."""
    source = ("import importlib, colorsys\nfrom json import decoder\n"
              "importlib.import_module('fractions')\n__import__('difflib')\n"
              "importlib.import_module('email.mime.text')\n")
    if how == "script":
        traced = trace(source)
    else:
        (tmp_path / "asking.py").write_text(source)
        traced = Traced(run_tracer("-o", str(tmp_path / "h.json"), "-m", "asking",
                                   cwd=str(tmp_path)), str(tmp_path / "h.json"))
    assert traced.result.returncode == 0, traced.result.stderr
    modules = traced.modules
    assert "by_name" not in modules["colorsys"] and "by_name" not in modules["json.decoder"]
    assert modules["fractions"]["by_name"] is True and modules["difflib"]["by_name"] is True
    assert modules["email.mime.text"]["by_name"] is True
    assert "by_name" not in modules["email.mime"]  # loaded on the way, not asked for


def test_the_recorders_opcode_of_an_import_statement_is_this_pythons():
    import opcode

    assert hinted_recorder.IMPORT_NAME_OPCODE[sys.version_info[:2]] == opcode.opmap["IMPORT_NAME"]
