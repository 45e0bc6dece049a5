"""The tracer records every module a program imports and behaves like python."""

import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import ROOT, TAG

import hinted_mods


# -- capture paths ---------------------------------------------------------------

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
    summary = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), "--summary", traced.hints_file],
        capture_output=True, text=True)
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


# -- running like python -----------------------------------------------------------

EXIT_CASES = {
    "end of script": ("print('done')", 0),
    "sys.exit(3)": ("import sys\nsys.exit(3)", 3),
    "exception": ("raise ValueError('boom')", 1),
    "os._exit(4)": ("import os\nos._exit(4)", 4),
    "SIGKILL": ("import os\nos.kill(os.getpid(), 9)", 128 + 9),
    "KeyboardInterrupt": ("raise KeyboardInterrupt", 128 + 2),  # python dies by SIGINT
}


@pytest.mark.parametrize("case", sorted(EXIT_CASES))
def test_exit_status_is_the_programs(trace, case):
    source, status = EXIT_CASES[case]
    traced = trace(source)
    assert traced.result.returncode == status
    assert traced.hints["runs"][-1]["exit_status"] == status


def test_exception_prints_the_normal_traceback(trace, tmp_path):
    traced = trace("def f():\n    raise ValueError('boom')\nf()")
    plain = subprocess.run(
        [sys.executable, str(tmp_path / "prog.py")], capture_output=True, text=True
    )
    assert traced.result.stderr == plain.stderr
    assert "hinted_mods" not in traced.result.stderr


def test_argv_path_and_main_are_as_python_sets_them(trace, tmp_path):
    source = "import sys\nprint(sys.argv, sys.path[0], __name__, __file__)"
    traced = trace(source, "a b", "--fresh")
    plain = subprocess.run(
        [sys.executable, str(tmp_path / "prog.py"), "a b", "--fresh"],
        capture_output=True,
        text=True,
    )
    assert traced.result.stdout == plain.stdout
    assert traced.hints["runs"][0]["argv"] == [str(tmp_path / "prog.py"), "a b", "--fresh"]


def test_module_mode(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tool.py").write_text(
        "import sys, fractions\nprint(__name__, sys.argv[1:])\nsys.exit(5)\n"
    )
    output = tmp_path / "out.json"
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), "-o", str(output),
         "-m", "pkg.tool", "-x", "y"],
        cwd=str(tmp_path), capture_output=True, text=True,
    )
    assert result.returncode == 5
    assert result.stdout == "__main__ ['-x', 'y']\n"
    modules = json.loads(output.read_text())["modules"]
    assert {"pkg", "fractions"} <= set(modules)


def test_script_path_with_spaces_and_non_ascii(trace):
    traced = trace("import fractions\nprint('ok')", name="mein Skript ü.py")
    assert traced.result.stdout == "ok\n"
    assert os.path.basename(traced.hints_file) == "mein Skript ü-%s.json" % TAG
    assert "fractions" in traced.program_modules()


def test_missing_script_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), str(tmp_path / "nope.py")],
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith("nope.py not found")
    assert result.stderr.count("\n") == 1


# -- the hints file ------------------------------------------------------------------


def test_second_run_merges_and_fresh_replaces(trace):
    source = "import sys\nif sys.argv[1] == 'a': import fractions\nelse: import colorsys"
    trace(source, "a")
    traced = trace(source, "b")
    hints = traced.hints
    assert {"fractions", "colorsys"} <= traced.program_modules()
    assert [run["argv"][1:] for run in hints["runs"]] == [["a"], ["b"]]
    assert hints["modules"]["sys"]["runs"] == 2
    assert "fractions" in hints["packages"] and "colorsys" in hints["packages"]
    fresh = trace(source, "b", tracer_args=["--fresh"])
    assert "fractions" not in fresh.program_modules()
    assert len(fresh.hints["runs"]) == 1


def test_two_tracers_finishing_together_lose_nothing(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("import sys, time\n__import__(sys.argv[1])\ntime.sleep(0.5)\n")
    tracer = os.path.join(ROOT, "hinted_mods.py")
    processes = [
        subprocess.Popen([sys.executable, tracer, str(script), module])
        for module in ("fractions", "colorsys", "difflib", "shlex")
    ]
    assert [p.wait(timeout=60) for p in processes] == [0, 0, 0, 0]
    hints = hinted_mods.load_hints(hinted_mods.hints_path(str(script))).data
    assert len(hints["runs"]) == 4
    assert {"fractions", "colorsys", "difflib", "shlex"} <= set(hints["modules"])
    assert [n for n in os.listdir(tmp_path) if "parts" in n or n.startswith(".tmp")] == []


def test_unreadable_hints_file_is_kept_and_the_run_saved_beside(trace):
    first = trace("import fractions")
    with open(first.hints_file, "w") as handle:
        handle.write("{broken")
    traced = trace("import colorsys")
    assert traced.result.returncode == 2
    assert "not valid JSON" in traced.result.stderr
    assert open(first.hints_file).read() == "{broken"
    rescued = traced.result.stderr.split("saved to ")[1].split(",")[0]
    with open(rescued) as handle:
        assert "colorsys" in json.load(handle)["modules"]
    assert not [n for n in os.listdir(os.path.dirname(rescued)) if ".parts-" in n]


def test_an_output_folder_that_cannot_be_made_is_one_clear_line(trace, tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    output = tmp_path / "taken" / "hints.json"
    traced = trace("print('ran')", tracer_args=["-o", str(output)])
    assert traced.result.returncode == 2
    assert traced.result.stdout == ""  # stopped before the program ran
    assert traced.result.stderr.startswith("hinted_mods: error: cannot write beside %s (" % output)
    assert traced.result.stderr.endswith(
        "): give -o FILE in a folder you can write to\n")
    assert traced.result.stderr.count("\n") == 1


def test_file_carries_schema_tag_python_and_runs(trace):
    hints = trace("pass").hints
    assert hints["schema"] == hinted_mods.SCHEMA
    assert hints["tag"] == TAG
    assert hints["python"]["version"].startswith("%d.%d" % sys.version_info[:2])
    (run,) = hints["runs"]
    assert run["exit_status"] == 0 and run["duration"] >= 0


def test_every_site_packages_folder_counts_as_installed():
    import site

    roots = hinted_mods.Tracer({}, ("script", "prog.py"), [])._roots()
    for path in [site.getusersitepackages()] + site.getsitepackages():
        assert roots[os.path.normcase(path)] == "site-packages"


def test_tag_names_python_os_and_bitness():
    tag = hinted_mods.platform_tag()
    version, system, bits = tag.split("-")
    assert version == "%d%d" % sys.version_info[:2]
    assert system in ("linux", "windows", "macos", sys.platform)
    assert bits in ("32", "64")


# -- the reader API ------------------------------------------------------------------


def write_hints(path, **changes):
    data = {"schema": 1, "tag": TAG, "modules": {}, "packages": [], "runs": []}
    data.update(changes)
    path.write_text(json.dumps(data))
    return str(path)


def test_reader_still_loads_schema_1_files(tmp_path):
    name = write_hints(tmp_path / "old.json", schema=1, modules={"a": {"kind": "source"}})
    hints = hinted_mods.load_hints(name)
    assert hints.libraries == {} and "a" in hints


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/maps")
def test_shared_libraries_loaded_are_recorded(trace):
    traced = trace("import _json, os\nos._exit(0)")  # no atexit: still recorded
    libraries = traced.hints["libraries"]
    assert any(name.endswith(".so") and "_json" in name for name in libraries) or \
        traced.modules["_json"]["kind"] == "builtin"
    assert any("libc" in name for name in libraries)


def test_reader_accepts_a_good_file(tmp_path):
    name = write_hints(tmp_path / "h.json", modules={"a": {"kind": "source"}})
    hints = hinted_mods.load_hints(name)
    assert "a" in hints and hints.program_modules() == ["a"]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "not found: run python hinted_mods.py"),
        ("{not json", "is not valid JSON"),
        (dict(tag="27-amiga-16"), "was recorded for 27-amiga-16 but this Python is"),
        (dict(schema=99), "has schema 99, this nuitka-hints reads schema 1, 2, 3"),
        ([1, 2], "is not a nuitka-hints file"),
    ],
    ids=["missing", "corrupt", "other tag", "unknown schema", "not hints"],
)
def test_reader_errors_are_one_clear_line(tmp_path, content, message):
    path = tmp_path / ("prog-%s.json" % TAG)
    if isinstance(content, dict):
        write_hints(path, **content)
    elif content is not None:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(hinted_mods.HintsError) as error:
        hinted_mods.load_hints(str(path), script="prog.py")
    text = str(error.value)
    assert message in text and str(path) in text and "\n" not in text


# -- summary, combine, excludes --------------------------------------------------------


def test_summary_lists_runs_and_packages(trace):
    traced = trace("import email.mime.text")
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), "--summary", traced.hints_file],
        capture_output=True, text=True,
    )
    assert result.returncode == 0
    assert "1 recorded run(s)" in result.stdout
    assert any(line.split()[:1] == ["email"] for line in result.stdout.splitlines())


def test_combine_loses_nothing(trace, tmp_path):
    a = trace("import fractions", name="a.py")
    b = trace("import colorsys", name="b.py")
    out = tmp_path / "all.json"
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), "--combine", "-o", str(out),
         a.hints_file, b.hints_file],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    combined = json.loads(out.read_text())
    assert set(a.modules) | set(b.modules) == set(combined["modules"])
    assert len(combined["runs"]) == 2


def test_test_runner_is_excluded_from_a_test_suite_trace(tmp_path):
    (tmp_path / "test_it.py").write_text("import fractions\ndef test_it():\n    pass\n")
    output = tmp_path / "suite.json"
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), "-o", str(output),
         "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_it.py"],
        cwd=str(tmp_path), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    modules = json.loads(output.read_text())["modules"]
    assert "fractions" in modules and "test_it" in modules  # the code under test
    assert not [n for n in modules if n.partition(".")[0] in ("pytest", "_pytest", "pluggy")]


# -- stdin and stdout are recorded for replay ----------------------------------------


def test_stdin_and_stdout_are_recorded_as_passed_through(trace):
    traced = trace("import sys\nprint(sys.stdin.read().upper(), end='')", input="abc\n")
    assert traced.result.stdout == "ABC\n"
    (run,) = traced.hints["runs"]
    assert run["stdin"] == {"text": "abc\n"}
    assert run["stdout"] == {"text": "ABC\n"}


def test_binary_stdout_is_recorded_as_base64(trace):
    traced = trace("import sys\nsys.stdout.buffer.write(bytes([255, 0, 10]))", text=False)
    stdout = traced.hints["runs"][0]["stdout"]
    assert hinted_mods.stream_bytes(stdout) == bytes([255, 0, 10]) and "base64" in stdout


def test_recorded_streams_are_bounded(trace):
    traced = trace("print('x' * (2 << 20))")
    assert len(traced.result.stdout) == (2 << 20) + 1  # all of it passed through
    stdout = traced.hints["runs"][0]["stdout"]
    assert stdout["truncated"] is True
    assert len(stdout["text"]) == hinted_mods.MAX_RECORDED_STREAM


def test_terminal_stdout_stays_a_terminal(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("import sys\nprint('tty', sys.stdout.isatty())\n")
    primary, secondary = os.openpty()
    process = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), str(script)],
        stdout=secondary, stdin=subprocess.DEVNULL,
    )
    os.close(secondary)
    assert process.wait(timeout=60) == 0
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 1024)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    assert b"tty True" in shown
    run = hinted_mods.load_hints(hinted_mods.hints_path(str(script))).runs[0]
    assert run["stdout"] == {"text": "tty True\n"}
    assert "stdin" in run and run["stdin"] == {"text": ""}


def test_combine_keeps_the_files_tag_and_python_facts(tmp_path):
    """Hints from another machine keep their tag and facts when combined here."""
    facts = {"version": "3.12.1", "implementation": "cpython", "platform": "win32",
             "machine": "AMD64", "bits": 64}
    inputs = []
    for name, module in (("a.json", "fractions"), ("b.json", "colorsys")):
        inputs.append(write_hints(tmp_path / name, tag="312-windows-64", python=facts,
                                  modules={module: {"kind": "source", "runs": 1}},
                                  runs=[{"argv": [name], "exit_status": 0, "duration": 0.1}]))
    out = tmp_path / "all.json"
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), "--combine", "-o", str(out),
         *inputs],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    combined = json.loads(out.read_text())
    assert combined["tag"] == "312-windows-64"
    assert combined["python"] == facts
    assert set(combined["modules"]) == {"fractions", "colorsys"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bogus", "prog.py"], "unknown option --bogus: see hinted_mods.py --help"),
        (["-m"], "-m needs a module name, e.g. -m pytest"),
        (["-o"], "option -o needs a value"),
        ([], "no script given: python hinted_mods.py script.py [args...]"),
        (["--combine", "a.json"], "--combine needs -o OUT.json naming the combined file"),
        (["--combine", "-o", "out.json"], "--combine needs at least one hints file to read"),
    ],
    ids=["unknown option", "-m alone", "-o alone", "nothing", "combine no -o", "combine no input"],
)
def test_command_line_errors_are_one_clear_line(tmp_path, args, message):
    result = subprocess.run([sys.executable, os.path.join(ROOT, "hinted_mods.py"), *args],
                            cwd=str(tmp_path), capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == "hinted_mods: error: %s\n" % message


def test_combine_refuses_different_tags(tmp_path):
    a = write_hints(tmp_path / "a.json", tag="311-linux-64")
    b = write_hints(tmp_path / "b.json", tag="312-windows-64")
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), "--combine", "-o",
         str(tmp_path / "out.json"), a, b],
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert "cannot combine hints of different tags (311-linux-64, 312-windows-64)" in result.stderr
    assert not (tmp_path / "out.json").exists()


# -- CPU profile -------------------------------------------------------------------

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
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), "--summary", traced.hints_file],
        capture_output=True, text=True,
    )
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
    assert hinted_mods.load_hints(traced.hints_file).hot_modules(0.01) is None


def test_program_started_with_sigprof_ignored_is_not_sampled(trace):
    traced = trace(
        "import signal\nprint(signal.getsignal(signal.SIGPROF) == signal.SIG_IGN)\n",
        preexec_fn=lambda: signal.signal(signal.SIGPROF, signal.SIG_IGN),
    )
    assert traced.result.stdout == "True\n", traced.result.stderr
    assert "profile" not in traced.hints["runs"][0]


def test_program_too_short_to_sample_still_has_a_profile(trace):
    profile = profile_of(trace("pass\n"))
    assert profile["modules"] == {} and profile["samples"] >= 0


def test_hot_modules_are_those_above_the_share_in_some_run(tmp_path):
    def run(samples, modules):
        return {"argv": ["a.py"], "exit_status": 0, "duration": 0.1,
                "profile": {"samples": samples, "modules": modules}}

    data = {"schema": 2, "tag": TAG, "modules": {}, "packages": [],
            "runs": [run(100, {"a": 50, "b": 1}), run(1000, {"b": 5, "c": 10})]}
    hints = hinted_mods.Hints(data)
    assert hints.hot_modules(0.01) == {"a", "b", "c"}
    assert hints.hot_modules(0.02) == {"a"}
    data["runs"].append({"argv": ["a.py"], "exit_status": 0, "duration": 0.1})
    assert hints.hot_modules(0.01) is None  # a run without a profile: nothing is known cold


def test_files_read_and_folders_listed_are_recorded_by_root(trace):
    traced = trace(
        """
        import email, glob, importlib.resources, multiprocessing, os, pathlib, sys
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "input.txt"), "w") as out:  # written: not data
            out.write("x")
        open(os.path.join(here, "input.txt")).read()
        open(os.path.join(here, "named.txt"), "w").close()
        open(sys.argv[1]).read()  # the run's input, named on its command line
        pathlib.Path(os.path.dirname(email.__file__), "architecture.rst").read_bytes()
        importlib.resources.files("json").joinpath("tool.py").read_text()  # a module's file
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
        "program": {"input.txt": 1}, "stdlib": {"email/architecture.rst": 1}}
    assert traced.hints["listed_directories"] == {"stdlib": {"email/mime": 1, "zoneinfo": 1}}
    again = trace("print(1)")  # merged: counts add up, folders stay
    assert again.hints["data_files"]["program"] == {"input.txt": 1}


def test_older_hints_files_have_no_data_file_record(tmp_path):
    data = {"schema": 3, "tag": TAG, "modules": {}, "packages": [], "runs": []}
    hints = hinted_mods.Hints(data)
    assert hints.data_files is None and hints.distributions_read() == []


def test_prune_stale_drops_the_runs_of_an_older_program_and_keeps_a_backup(trace, tmp_path):
    trace("print('old')\n", "first")
    traced = trace("print('new')\n", "second")
    summary = subprocess.run([sys.executable, os.path.join(ROOT, "hinted_mods.py"),
                              "--summary", traced.hints_file], capture_output=True, text=True)
    assert "prog.py first  [stale: prog.py changed]" in summary.stdout
    assert "prog.py second  [current]" in summary.stdout
    pruned = subprocess.run([sys.executable, os.path.join(ROOT, "hinted_mods.py"),
                             "--prune-stale", traced.hints_file], capture_output=True, text=True)
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("dropped run 1 (%s first): prog.py changed\n"
                                    % (tmp_path / "prog.py"))
    assert [run["argv"][1:] for run in traced.hints["runs"]] == [["second"]]
    backup = json.load(open(traced.hints_file.replace(".json", ".before-prune.json")))
    assert len(backup["runs"]) == 2
