"""The tracer's command line: it runs the program as python would (argv, exit
status, streams) and says what is wrong in one line."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, TAG, TRACER_COMMAND, run_tracer

import hinted_mods
import hinted_tracer
import hints_file


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
    result = run_tracer("-o", str(output), "-m", "pkg.tool", "-x", "y", cwd=str(tmp_path))
    assert result.returncode == 5
    assert result.stdout == "__main__ ['-x', 'y']\n"
    modules = json.loads(output.read_text())["modules"]
    assert {"pkg", "fractions"} <= set(modules)


def test_script_path_with_spaces_and_non_ascii(trace):
    traced = trace("import fractions\nprint('ok')", name="mein Skript ü.py")
    assert traced.result.stdout == "ok\n"
    assert os.path.basename(traced.hints_name) == "mein Skript ü-%s.json" % TAG
    assert "fractions" in traced.program_modules()


def test_missing_script_is_a_clear_error(tmp_path):
    result = run_tracer(str(tmp_path / "nope.py"))
    assert result.returncode == 2
    assert result.stderr.strip().endswith("nope.py not found")
    assert result.stderr.count("\n") == 1


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


def test_stdin_and_stdout_are_recorded_as_passed_through(trace):
    traced = trace("import sys\nprint(sys.stdin.read().upper(), end='')", input="abc\n")
    assert traced.result.stdout == "ABC\n"
    (run,) = traced.hints["runs"]
    assert run["stdin"] == {"text": "abc\n"}
    assert run["stdout"] == {"text": "ABC\n"}


def test_binary_stdout_is_recorded_as_base64(trace):
    traced = trace("import sys\nsys.stdout.buffer.write(bytes([255, 0, 10]))", text=False)
    stdout = traced.hints["runs"][0]["stdout"]
    assert hints_file.stream_bytes(stdout) == bytes([255, 0, 10]) and "base64" in stdout


def test_recorded_streams_are_bounded(trace):
    traced = trace("print('x' * (2 << 20))")
    assert len(traced.result.stdout) == (2 << 20) + 1  # all of it passed through
    stdout = traced.hints["runs"][0]["stdout"]
    assert stdout["truncated"] is True
    assert len(stdout["text"]) == hinted_tracer.MAX_RECORDED_STREAM


def test_terminal_stdout_stays_a_terminal(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("import sys\nprint('tty', sys.stdout.isatty())\n")
    primary, secondary = os.openpty()
    process = subprocess.Popen([*TRACER_COMMAND, str(script)], stdout=secondary,
                               stdin=subprocess.DEVNULL)
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
    run = hints_file.Hints.load(hints_file.hints_path(str(script))).runs[0]
    assert run["stdout"] == {"text": "tty True\n"}
    assert "stdin" in run and run["stdin"] == {"text": ""}


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
    result = run_tracer(*args, cwd=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == "hinted_mods: error: %s\n" % message


@pytest.mark.parametrize("argv, expected", [
    (["app.py", "--fresh", "-o", "x"], ({}, ("script", "app.py"), ["--fresh", "-o", "x"])),
    (["--fresh", "-o", "/out/h.json", "app.py"],
     ({"fresh": True, "output": "/out/h.json"}, ("script", "app.py"), [])),
    (["--exclude=a,b", "--exclude", "c", "-m", "pkg.mod", "-x"],
     ({"exclude": ["a", "b", "c"]}, ("module", "pkg.mod"), ["-x"])),
    (["--exclude=-", "--no-profile", "-m", "pytest"],
     ({"runner_excluded": False, "profile": False}, ("module", "pytest"), [])),
    (["--summary", "h.json", "ignored"], ({"summary": "h.json"}, None, [])),
], ids=["program's own options", "ours first", "excludes and -m", "flags", "summary"])
def test_the_command_line_splits_ours_from_the_programs(argv, expected):
    """In-process: everything after the script or ``-m module`` is the program's."""
    assert hinted_mods._split_command_line(argv) == expected


def test_without_fork_the_program_runs_in_a_new_interpreter(tmp_path):
    """The path of systems without fork (Windows), run here by hiding ``os.fork``."""
    script = tmp_path / "prog.py"
    script.write_text("import colorsys, sys\nprint('ran')\nsys.exit(3)\n")
    code = ("import os, sys; sys.path.insert(0, %r); del os.fork; import hinted_mods; "
            "hinted_mods.main([%r])" % (ROOT, str(script)))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 3 and result.stdout == "ran\n", result.stderr
    hints = hints_file.Hints.load(hints_file.hints_path(str(script)))
    assert "colorsys" in hints.program_modules() and "json" not in hints.program_modules()
    assert hints.runs[0]["exit_status"] == 3 and "stdout" not in hints.runs[0]
