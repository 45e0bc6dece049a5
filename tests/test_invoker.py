"""nuitka_hints.py: the Nuitka command it makes, and its one-line errors."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, TAG, TRACER_TEXT, installed_distribution, run_tracer

import hints_file
import nuitka_hints

NUITKA = __import__("importlib.metadata").metadata.version("nuitka")  # the one installed


@pytest.fixture
def traced_script(tmp_path):
    script = tmp_path / "app.py"
    script.write_text("import json\nprint(json.dumps([1]))\n")
    run_tracer(str(script), check=True)
    return script


def invoke(*args, python=sys.executable, flags=()):
    return subprocess.run([python, *flags, os.path.join(ROOT, "nuitka_hints.py"), *args],
                          capture_output=True, text=True)


def hinted(argv):
    """The build the invoker makes of these arguments."""
    return nuitka_hints.HintedBuild.from_arguments(argv)


def test_command_has_mode_my_opts_user_options_plugin_and_hints(traced_script):
    build = hinted(["--output-dir=x", str(traced_script)])
    command = build.command
    assert command[:4] == [sys.executable, "-m", "nuitka", "--mode=standalone"]
    assert command[4:4 + len(nuitka_hints.my_opts)] == nuitka_hints.my_opts
    assert command.index("--output-dir=x") > 3 + len(nuitka_hints.my_opts)
    assert "--user-plugin=%s" % nuitka_hints.PLUGIN_FILE in command
    assert "--hinted-json-file=%s" % hints_file.hints_path(str(traced_script)) in command
    assert command[-1] == str(traced_script)
    assert not [a for a in command if a.startswith("--nofollow-import-to")]  # the plugin's job


def test_my_opts_is_the_place_for_standard_options(traced_script, monkeypatch):
    monkeypatch.setattr(nuitka_hints, "my_opts", ["--lto=no"])
    assert "--lto=no" in hinted([str(traced_script)]).command


def test_pyw_script_gets_no_console(tmp_path):
    script = tmp_path / "gui.pyw"
    script.write_text("pass\n")
    run_tracer(str(script), check=True)
    assert "--windows-console-mode=disable" in hinted([str(script)]).command


@pytest.mark.parametrize("where", ["command line", "my_opts", "project comment"])
@pytest.mark.parametrize("mode", ["--mode=onefile", "--mode=app", "--mode=app-dist", "--onefile"])
def test_a_chosen_build_mode_is_kept(traced_script, monkeypatch, where, mode):
    options = []
    if where == "command line":
        options = [mode]
    elif where == "my_opts":
        monkeypatch.setattr(nuitka_hints, "my_opts", [mode])
    else:
        traced_script.write_text("# nuitka-project: %s\n" % mode + traced_script.read_text())
    build = hinted(options + [str(traced_script)])
    command = build.command
    assert "--mode=standalone" not in command


@pytest.mark.parametrize("mode", ["accelerated", "module", "package"])
def test_modes_that_are_not_programs_built_standalone_are_refused(traced_script, mode):
    result = invoke("--mode=%s" % mode, str(traced_script))
    assert result.returncode == 2
    assert result.stderr == (
        "nuitka-hints: error: --mode=%s is not for hinted compilation, which builds programs "
        "standalone: use --mode=standalone, onefile, app or app-dist\n" % mode)


@pytest.mark.parametrize("option, value", [("-o", "x.bin"), ("--output-dir", "out")])
def test_an_option_given_its_value_apart_is_refused_naming_the_spelling_nuitka_reads(
        traced_script, option, value):
    result = invoke(option, value, str(traced_script))
    assert result.returncode == 2
    long = {"-o": "--output-filename"}.get(option, option)
    assert result.stderr == (
        "nuitka-hints: error: %s takes its value after '=' (%s=VALUE): Nuitka reads an "
        "argument after it as the program to build\n" % (option, long))


@pytest.mark.parametrize("options, project, result", [
    ([], "", "app.dist/app.bin"),
    (["--output-dir=out"], "", "out/app.dist/app.bin"),
    (["--mode=onefile"], "", "app.bin"),
    (["--mode=app", "--output-dir=o", "--output-filename=x.bin"], "", "o/x.bin"),
    (["--output-filename=x.bin"], "", "app.dist/x.bin"),
    ([], "# nuitka-project: --mode=onefile\n# nuitka-project: --output-dir=p\n", "p/app.bin"),
    (["--output-dir=cli"], "# nuitka-project: --output-dir=p\n", "cli/app.dist/app.bin"),
], ids=["default", "output dir", "onefile", "app named", "standalone named", "project",
        "command line wins"])
def test_the_result_of_each_mode_is_found_as_nuitka_reads_the_options(
        tmp_path, options, project, result):
    script = tmp_path / "app.py"
    script.write_text(project + "pass\n")
    settings = nuitka_hints.nuitka_settings(options, str(script))
    assert settings.result() == os.path.join(*result.split("/"))


def test_explicit_hints_file(traced_script, tmp_path):
    other = tmp_path / "elsewhere.json"
    os.replace(hints_file.hints_path(str(traced_script)), other)
    build = hinted(["--hints=%s" % other, str(traced_script)])
    command = build.command
    assert "--hinted-json-file=%s" % other in command


def recorded_tkinter(script):
    """The hints of ``script`` as if a run had imported tkinter."""
    hints_name = hints_file.hints_path(str(script))
    data = json.load(open(hints_name))
    data["modules"]["tkinter"] = {"kind": "source", "file": "tkinter/__init__.py",
                                  "where": "stdlib", "runs": 1}
    data["packages"].append("tkinter")
    json.dump(data, open(hints_name, "w"))


def test_plugins_the_program_needs_are_enabled(traced_script):
    recorded_tkinter(traced_script)
    assert "--enable-plugins=tk-inter" in hinted([str(traced_script)]).command


def test_a_package_configuration_in_the_scripts_comments_counts_as_the_plugin_reads_it(
        traced_script):
    """A configuration that keeps tkinter out, named in a ``# nuitka-project:``
    comment: no tk-inter plugin, as the plugin decides from Nuitka's own parse."""
    recorded_tkinter(traced_script)
    (traced_script.parent / "mine.yml").write_text(
        "- module-name: 'json'\n  anti-bloat:\n    - no-follow:\n        'tkinter': 'not here'\n")
    traced_script.write_text("# nuitka-project: --user-package-configuration-file="
                             "{MAIN_DIRECTORY}/mine.yml\n" + traced_script.read_text())
    assert not [o for o in hinted([str(traced_script)]).command if "tk-inter" in o]


def test_a_rebuild_round_enables_the_plugins_of_what_was_just_learned(traced_script,
                                                                      monkeypatch):
    """The learning loop's own functions stand in for the replays and the build
    (no binary here); the command the second build gets is the real one."""
    build = hinted([str(traced_script)])
    replays = iter([[{"module": "tkinter", "how": "not found", "importer": "__main__",
                      "run": 1}], []])
    monkeypatch.setattr(nuitka_hints, "replay_all",
                        lambda hinted, hints: (0, next(replays)))
    commands = []
    monkeypatch.setattr(nuitka_hints, "build",
                        lambda hinted: commands.append(hinted.command) or 0)
    assert nuitka_hints.verify(build, rounds=1) == nuitka_hints.OK
    assert len(commands) == 1 and "--enable-plugins=tk-inter" in commands[0]


def test_a_lookup_left_out_is_not_found_in_the_binary_as_in_python(tmp_path):
    """Nuitka's "actively excluded" helper raises on a lookup; Python answers None."""
    flag = "--no-deployment-flag=excluded-module-usage"
    script = tmp_path / "probe.py"
    script.write_text("import importlib.util\nimportlib.util.find_spec('sqlite3')\n")
    run_tracer(str(script), check=True)
    assert flag in hinted([str(script)]).command
    script.write_text("import json\n")
    run_tracer("--fresh", str(script), check=True)
    assert flag not in hinted([str(script)]).command


def test_missing_script(tmp_path):
    result = invoke(str(tmp_path / "nope.py"))
    assert result.returncode == 2
    assert result.stderr == "nuitka-hints: error: script %s not found: give the script " \
        "to build as the last argument\n" % (tmp_path / "nope.py")


def test_missing_hints_print_the_tracer_command(tmp_path):
    script = tmp_path / "app.py"
    script.write_text("pass\n")
    result = invoke(str(script))
    assert result.returncode == 2
    assert "app-%s.json not found: run %s %s first" % (TAG, TRACER_TEXT, script) \
        in result.stderr
    assert result.stderr.count("\n") == 1


def test_nuitka_not_installed(traced_script):
    result = invoke(str(traced_script), flags=["-S"])  # no site-packages
    assert result.returncode == 2
    assert "Nuitka is not installed for" in result.stderr
    assert result.stderr.endswith("-m pip install 'nuitka>=4.3,<4.4'\n")


def test_nuitka_too_old(traced_script, monkeypatch, capsys):
    monkeypatch.setattr(hints_file, "SUPPORTED_NUITKA", ((99, 0), (99, 1)))
    assert nuitka_hints.main([str(traced_script)]) == 2
    error = capsys.readouterr().err
    assert error == "nuitka-hints: error: Nuitka %s is too old, nuitka-hints %s needs 99.0 " \
        "or newer: run %s -m pip install 'nuitka>=99.0,<99.1'\n" % (
            NUITKA, hints_file.__version__, sys.executable)


def test_a_newer_nuitka_than_tested_builds_after_one_warning(monkeypatch, capsys):
    monkeypatch.setattr(hints_file, "SUPPORTED_NUITKA", ((4, 0), (4, 1)))
    nuitka_hints.check_nuitka()
    assert capsys.readouterr().out == "nuitka-hints: warning: Nuitka %s is newer than the " \
        "versions nuitka-hints %s is tested with (>=4.0,<4.1); building anyway\n" \
        % (NUITKA, hints_file.__version__)


@pytest.mark.parametrize("command", ["hinted_mods.py", "nuitka_hints.py"])
def test_both_commands_say_their_version_nuitkas_and_pythons(command):
    result = subprocess.run([sys.executable, os.path.join(ROOT, command), "--version"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout == "nuitka-hints %s, Nuitka %s, Python %s (%s)\n" % (
        hints_file.__version__, NUITKA, sys.version.split()[0], sys.executable)


def test_the_version_is_written_once_and_the_package_metadata_reads_it():
    from importlib.metadata import version

    assert version("nuitka-hints") == hints_file.__version__
    with open(os.path.join(ROOT, "pyproject.toml")) as handle:
        assert "version = {attr = \"hints_file.__version__\"}" in handle.read()


def test_nuitka_exit_status_is_returned(traced_script):
    result = invoke("--no-such-nuitka-option", str(traced_script))
    assert result.returncode not in (0, None)
    assert "no-such-nuitka-option" in result.stderr
    assert result.stdout.startswith("nuitka-hints: running ")


def executable(tmp_path, body):
    path = tmp_path / "fake.bin"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def run_entry(status, stdout="", argv=("app.py",)):
    return {"argv": list(argv), "exit_status": status, "duration": 0.1, "cwd": "/",
            "stdout": {"text": stdout}, "stdin": {"text": ""}}


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as the binary")
def test_replay_compares_exit_status_the_shell_way_and_stdout(tmp_path):
    killed = executable(tmp_path, "echo partial\nkill -9 $$\n")
    assert nuitka_hints.replay(killed, run_entry(137, "partial\n"), "app.py") == ("same", [])
    verdict, problems = nuitka_hints.replay(killed, run_entry(0, "partial\n"), "app.py")
    assert verdict == "differs" and problems == ["exit status 137, recorded 0"]


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as the binary")
def test_replay_names_the_missing_module_and_both_fixes(tmp_path):
    failing = executable(
        tmp_path, "echo \"ModuleNotFoundError: No module named 'yaml.cyaml'\" >&2\nexit 1\n")
    verdict, problems = nuitka_hints.replay(failing, run_entry(0, "", ("app.py", "-x")), "app.py")
    assert verdict == "differs"
    assert "the binary lacks module 'yaml.cyaml'; either" in problems
    assert "  trace a run that takes this path: %s app.py -x" % TRACER_TEXT in problems
    assert "  or keep it: add --hinted-keep=yaml.cyaml to the build" in problems


def test_the_invokers_own_options_are_taken_out_and_the_rest_go_to_nuitka_in_order():
    own, others = nuitka_hints.split_options([
        "--verify", "--output-dir=out", "--hints=a.json", "--hints=b.json", "--hinted-cold=no",
        "--learn-rounds=2", "--verify=yes", "--lto=no"])
    assert own == {"--verify": True, "--hints": "b.json", "--learn-rounds": "2"}
    assert others == ["--output-dir=out", "--hinted-cold=no", "--verify=yes", "--lto=no"]


def test_a_difference_is_explained_by_what_the_binary_says_it_left_out():
    """The binary's own line (a module caught or a data file looked for) is the
    explanation when no ImportError names a module."""
    stderr = "warning: x\n%sunidecode.x004, which the program imported\n" % (
        nuitka_hints.hinted_runtime.LEFT_OUT_START)
    assert nuitka_hints.diagnose(stderr, run_entry(0), "app.py") == [
        "this build left out unidecode.x004, which the program imported"]
    assert nuitka_hints.diagnose("", run_entry(0), "app.py") == []


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as the binary")
def test_replay_names_looked_up_modules_as_a_likely_cause(tmp_path):
    answers = executable(tmp_path, "echo 'sqlite3 available: False'\n")
    run = run_entry(0, "sqlite3 available: True\n")
    verdict, problems = nuitka_hints.replay(answers, run, "app.py", {"sqlite3": 1})
    assert verdict == "differs"
    assert problems[1:] == [
        "the runs looked up modules they never loaded, which the binary lacks: sqlite3;",
        "  if the output depends on their being there, add --hinted-keep=sqlite3",
    ]


def test_a_program_showing_its_own_location_is_explained_not_failed(tmp_path):
    """A binary runs from its dist folder or a onefile's unpacking folder, by design."""
    script = str(tmp_path / "where.py")
    recorded = "folder %s\nfile '%s'\nargv0 where.py\n" % (tmp_path, script)
    elsewhere = executable(tmp_path, "echo 'folder /tmp/onefile_1_2/x'\n"
                                     "echo \"file '/tmp/onefile_1_2/where.py'\"\n"
                                     "echo 'argv0 /opt/where.bin'\n")
    verdict, notes = nuitka_hints.replay(elsewhere, run_entry(0, recorded, ("where.py",)), script)
    assert verdict == "same"
    assert notes[0].startswith("same output except where it shows the program's own location: "
                               "'%s' in the recorded run, '/tmp/onefile_1_2/x' in the binary" %
                               tmp_path)


@pytest.mark.parametrize("got", [
    b"folder /elsewhere\nanswer 41\n",  # the location moved, and something else changed
    b"folder /elsewhere\n",  # a line less
    b"folder '/x' and more\nanswer 42\n",  # the location took a quote with it
    b"folder /elsewhere FAILED\nanswer 42\n",  # the location took more words with it
])
def test_only_a_moved_location_is_forgiven(got):
    expected = b"folder /src/app\nanswer 42\n"
    assert nuitka_hints.differs_only_in_location(expected, got, ["app.py", "/src/app"]) is None
    assert nuitka_hints.differs_only_in_location(
        expected, b"folder /elsewhere\nanswer 42\n", ["app.py", "/src/app"]) == (
            "/src/app", "/elsewhere")


def test_metadata_is_asked_for_the_packages_the_runs_import(tmp_path):
    """Nuitka ships a distribution's metadata only with its package: pip's, read
    but never imported, is not asked for (Nuitka would stop the build).  That of
    a package imported whose metadata no run read is, for an input nobody
    recorded; with --hinted-cold=no only the metadata the runs read is."""
    script = tmp_path / "meta.py"
    script.write_text("import importlib.metadata, hintmeta, hintunread\n"
                      "print(importlib.metadata.version('hintmeta'), "
                      "importlib.metadata.version('pip'))\n")
    with installed_distribution("hintmeta", "2.0", {"__init__.py": ""}), \
            installed_distribution("hintunread", "1.0", {"__init__.py": ""}):
        run_tracer(str(script), check=True)
        command = hinted([str(script)]).command
        smallest = hinted(["--hinted-cold=no", str(script)]).command
    assert "--include-distribution-metadata=hintmeta" in command
    assert "--include-distribution-metadata=hintunread" in command
    assert not [option for option in command if option.endswith("=pip")]
    assert "--include-distribution-metadata=hintmeta" in smallest
    assert "--include-distribution-metadata=hintunread" not in smallest


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as the binary")
def test_replay_names_the_missing_data_file_and_both_fixes(tmp_path):
    failing = executable(tmp_path, "echo \"FileNotFoundError: [Errno 2] No such file or "
                                   "directory: '/tmp/onefile_1_2/hintdata/data/names.txt'\" "
                                   ">&2\nexit 1\n")
    with installed_distribution("hintdata", "1.0", {"__init__.py": "", "data/names.txt": "a"}):
        verdict, problems = nuitka_hints.replay(failing, run_entry(0, ""), "app.py")
    assert verdict == "differs"
    assert "the binary lacks data file 'hintdata/data/names.txt'; either" in problems
    assert "  or keep it: add --hinted-keep-data=hintdata/data/names.txt to the build" in problems


def trace_script(script, *args, fresh=False):
    run_tracer(*(["--fresh"] if fresh else []), str(script), *args, check=True)


def test_a_changed_program_stops_the_build_until_traced_again(traced_script, capsys):
    run_tracer(str(traced_script), "second run", check=True)
    traced_script.write_text("import json, decimal\nprint(json.dumps([1]))\n")
    build = hinted([str(traced_script)])
    with pytest.raises(nuitka_hints.StaleHintsError) as stopped:
        nuitka_hints.check_stale(build, "error")
    message = str(stopped.value).splitlines()
    assert message[1] == "  app.py changed since runs 1, 2"
    suggested = message[3:5]
    assert suggested == ["  %s %s" % (TRACER_TEXT, traced_script),
                         "  %s %s 'second run'" % (TRACER_TEXT, traced_script)]
    assert message[-1] == "or build anyway with --hinted-stale=warn"
    nuitka_hints.check_stale(build, "warn")
    assert "app.py changed since runs 1, 2" in capsys.readouterr().out
    result = invoke("--hinted-stale=error", str(traced_script))
    assert result.returncode == 2 and "app.py changed" in result.stderr
    for line in suggested:  # as the user pastes them
        replaced = run_suggested(line)
        assert "this run replaces run" in replaced.stderr
    nuitka_hints.check_stale(hinted([str(traced_script)]), "error")  # clear now
    hints = hints_file.Hints.load(hints_file.hints_path(str(traced_script)))
    assert [run["argv"][1:] for run in hints.runs] == [[], ["second run"]]
    assert capsys.readouterr().out == ""


def run_suggested(line):
    """A command the build suggested, run as a user pastes it into a shell."""
    result = subprocess.run(["bash", "-c", line.strip()], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def test_pruning_the_stale_runs_as_suggested_clears_them(traced_script):
    traced_script.write_text("import json\nprint(json.dumps([2]))\n")
    trace_script(traced_script, "after the change")  # run 1 is stale, run 2 current
    build = hinted([str(traced_script)])
    with pytest.raises(nuitka_hints.StaleHintsError) as stopped:
        nuitka_hints.check_stale(build, "error")
    message = str(stopped.value).splitlines()
    assert message[2:4] == ["trace the stale run again (each new run replaces the one it "
                            "repeats):", "  %s %s" % (TRACER_TEXT, traced_script)]
    prune = next(line for line in message if line.startswith("or drop the stale runs: "))
    run_suggested(prune[len("or drop the stale runs: "):])
    nuitka_hints.check_stale(hinted([str(traced_script)]), "error")


def test_a_changed_or_removed_distribution_stops_the_build(tmp_path):
    script = tmp_path / "uses.py"
    script.write_text("import hintver\nprint(hintver.V)\n")
    with installed_distribution("hintver", "1.0", {"__init__.py": "V = 1\n"}):
        trace_script(script)
    build = hinted([str(script)])
    with installed_distribution("hintver", "2.0", {"__init__.py": "V = 2\n"}):
        with pytest.raises(nuitka_hints.StaleHintsError, match="  hintver 1.0 -> 2.0 since run 1"):
            nuitka_hints.check_stale(build, "error")
    with pytest.raises(nuitka_hints.StaleHintsError, match="hintver 1.0 is no longer installed"):
        nuitka_hints.check_stale(build, "error")


def test_an_older_hints_file_is_refused_before_nuitka_runs(traced_script):
    hints_name = hints_file.hints_path(str(traced_script))
    data = json.load(open(hints_name))
    data["schema"] = 6
    json.dump(data, open(hints_name, "w"))
    result = invoke(str(traced_script))
    assert result.returncode == 2 and result.stderr.strip().endswith(
        "has schema 6, this nuitka-hints reads schema 7: trace again with --fresh")


def test_the_re_trace_commands_write_the_hints_file_the_build_reads(traced_script, tmp_path):
    other = tmp_path / "elsewhere.json"
    os.replace(hints_file.hints_path(str(traced_script)), other)
    traced_script.write_text("print('changed')\n")
    build = hinted(["--hints=%s" % other, str(traced_script)])
    with pytest.raises(nuitka_hints.StaleHintsError) as stopped:
        nuitka_hints.check_stale(build, "error")
    suggested = "  %s -o %s %s" % (TRACER_TEXT, other, traced_script)
    assert suggested in str(stopped.value).splitlines()
    run_suggested(suggested)
    nuitka_hints.check_stale(hinted(["--hints=%s" % other, str(traced_script)]), "error")


def test_a_module_run_is_checked_where_it_ran(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "tool.py").write_text("print('tool')\n")
    output = tmp_path / "tool.json"
    run_tracer("-o", str(output), "-m", "pkg.tool", cwd=str(tmp_path), check=True)
    hints = hints_file.Hints.load(str(output))
    assert hints.staleness(str(tmp_path / "pkg")) == {1: []}  # the script's folder is pkg/
    (tmp_path / "pkg" / "tool.py").write_text("print('changed')\n")
    assert hints.staleness(str(tmp_path / "pkg")) == {1: ["pkg/tool.py changed"]}


def test_the_re_trace_command_of_a_module_run_names_the_hints_file(tmp_path):
    """``hinted-mods -m`` writes ``<module>-<tag>.json`` by default, not the script's."""
    (tmp_path / "tool.py").write_text("print('tool')\n")
    script = tmp_path / "app.py"
    script.write_text("import tool\n")
    output = hints_file.hints_path(str(script))
    run_tracer("-o", output, "-m", "tool", cwd=str(tmp_path), check=True)
    (tmp_path / "tool.py").write_text("print('changed')\n")
    with pytest.raises(nuitka_hints.StaleHintsError) as stopped:
        nuitka_hints.check_stale(hinted([str(script)]), "error")
    suggested = [line for line in str(stopped.value).splitlines() if " -m " in line]
    assert suggested == ["  cd %s && %s -o %s -m tool" % (tmp_path, TRACER_TEXT, output)]
    run_suggested(suggested[0])
    nuitka_hints.check_stale(hinted([str(script)]), "error")


def test_an_unknown_stale_policy_is_one_clear_line(traced_script):
    result = invoke("--hinted-stale=sometimes", str(traced_script))
    assert result.returncode == nuitka_hints.ERROR
    assert result.stderr == ("nuitka-hints: error: --hinted-stale=sometimes: "
                             "choose error, warn, ignore\n")


def test_a_cold_tier_choice_no_release_has_is_refused_naming_the_choices(traced_script):
    """'yes' was the cold tier's choice before 'distributions' and 'reached';
    Nuitka's parser refuses it, before any build, naming the choices."""
    result = invoke("--hinted-cold=yes", str(traced_script))
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(
        "error: option --hinted-cold: invalid choice: 'yes' "
        "(choose from 'distributions', 'reached', 'no')")
    assert not (traced_script.parent / "app.dist").exists()


def test_nuitkas_output_is_relayed_and_each_streams_lines_kept_whole(capfd):
    """stderr's line is written in two pieces with a stdout line between them."""
    program = ("import sys, time\n"
               "sys.stderr.write(\"Problem at '\"); sys.stderr.flush(); time.sleep(0.3)\n"
               "print('between', flush=True); time.sleep(0.3)\n"
               "sys.stderr.write(\"a.py:1'\\n\"); sys.exit(3)\n")
    status, output = nuitka_hints._run_streamed([sys.executable, "-c", program])
    assert status == 3
    assert [line for line in output.splitlines() if line] == ["between", "Problem at 'a.py:1'"]
    relayed = capfd.readouterr()
    assert (relayed.out, relayed.err) == ("between\n", "Problem at 'a.py:1'\n")


@pytest.mark.parametrize("mode", ["standalone", "onefile"])
def test_an_untrained_build_is_taken_away_where_nuitka_put_it(traced_script, mode):
    """(--hinted-pgo: an instrumented binary must not be left to ship.)"""
    out = traced_script.parent / "out"
    settings = nuitka_hints.nuitka_settings(["--mode=%s" % mode, "--output-dir=%s" % out],
                                            str(traced_script))
    result = settings.result()
    os.makedirs(os.path.dirname(result))
    open(result, "w").close()
    nuitka_hints.remove_result(settings)
    assert not os.path.exists(result) and os.path.isdir(out)  # the rest of the build stays


def test_the_compiler_flags_of_a_build_come_after_the_users_own(monkeypatch, capfd):
    monkeypatch.setenv("CFLAGS", "-O1 -g")
    monkeypatch.delenv("LDFLAGS", raising=False)
    program = "import os; print(os.environ['CFLAGS'], '|', os.environ['LDFLAGS'])"
    status, output = nuitka_hints._run_streamed(
        [sys.executable, "-c", program], {"CFLAGS": "-fprofile-use=p", "LDFLAGS": "-fx"})
    assert (status, output.strip()) == (0, "-O1 -g -fprofile-use=p | -fx")


# What Nuitka 4.3.3 printed failing on pylint.checkers.utils (paths shortened).


@pytest.mark.parametrize("rounds", ["-1", "x", ""])
def test_a_bad_number_of_learning_rounds_is_one_clear_line(traced_script, rounds):
    result = invoke("--verify", "--learn-rounds=%s" % rounds, str(traced_script))
    assert result.returncode == 2
    assert result.stderr == "nuitka-hints: error: --learn-rounds=%s: give a whole number of " \
        "builds, 0 for none\n" % rounds
