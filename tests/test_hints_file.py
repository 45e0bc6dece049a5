"""The hints file: merged, locked, atomic writes; the reader's checks; summary,
combine and prune-stale."""

import json
import os
import subprocess
import sys
import sysconfig

import pytest

from conftest import TAG, TRACER_COMMAND, TRACER_TEXT, run_tracer

import hinted_recorder
import hinted_tracer
import hints_file


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
    processes = [
        subprocess.Popen([*TRACER_COMMAND, str(script), module])
        for module in ("fractions", "colorsys", "difflib", "shlex")
    ]
    assert [p.wait(timeout=60) for p in processes] == [0, 0, 0, 0]
    hints = hints_file.Hints.load(hints_file.hints_path(str(script))).data
    assert len(hints["runs"]) == 4
    assert {"fractions", "colorsys", "difflib", "shlex"} <= set(hints["modules"])
    assert [n for n in os.listdir(tmp_path) if "parts" in n or n.startswith(".tmp")] == []


def test_unreadable_hints_file_is_kept_and_the_run_saved_beside(trace):
    first = trace("import fractions")
    with open(first.hints_name, "w") as handle:
        handle.write("{broken")
    traced = trace("import colorsys")
    assert traced.result.returncode == 2
    assert "not valid JSON" in traced.result.stderr
    with open(first.hints_name) as handle:
        assert handle.read() == "{broken"
    rescued = traced.result.stderr.split("saved to ")[1].split(",")[0]
    with open(rescued) as handle:
        assert "colorsys" in json.load(handle)["modules"]
    assert not [n for n in os.listdir(os.path.dirname(rescued)) if ".parts-" in n]


def test_a_run_into_another_pythons_file_is_saved_beside_as_this_pythons_own(trace):
    first = trace("import fractions")
    with open(first.hints_name) as handle:
        data = json.load(handle)
    data["tag"] = "cp39-other"
    with open(first.hints_name, "w") as handle:
        json.dump(data, handle)
    traced = trace("import colorsys")
    assert traced.result.returncode == 2
    rescued = traced.result.stderr.split("saved to ")[1].split(",")[0]
    assert traced.result.stderr.endswith(
        "was recorded for cp39-other but this Python is %s: trace the program with this "
        "Python; this run was saved to %s, a hints file of this Python's own (build from it "
        "with --hints=%s)\n" % (TAG, rescued, rescued))
    assert hints_file.Hints.load(rescued).tag == TAG
    with open(first.hints_name) as handle:
        assert json.load(handle) == data


def test_file_carries_schema_tag_python_and_runs(trace):
    hints = trace("pass").hints
    assert hints["schema"] == hints_file.SCHEMA == 7
    assert hints["tag"] == TAG
    assert hints["python"]["version"].startswith("%d.%d" % sys.version_info[:2])
    (run,) = hints["runs"]
    assert run["exit_status"] == 0 and 0 < run["duration"] < 60


def test_every_site_packages_folder_counts_as_installed():
    import site

    roots = hinted_tracer.Tracer({}, ("script", "prog.py"), [])._roots()
    for path in [site.getusersitepackages()] + site.getsitepackages():
        assert roots[os.path.normcase(path)] == "site-packages"


@pytest.mark.skipif(sys.platform != "linux", reason="the tags of the machines it is tested on")
def test_tag_names_python_os_and_bitness():
    expected = {(3, 10): "310-linux-64", (3, 11): "311-linux-64", (3, 12): "312-linux-64",
                (3, 13): "313-linux-64"}.get(sys.version_info[:2])  # the machines tested on
    if expected is None or sys.maxsize <= 2**32:
        pytest.skip("the tags of the 64-bit Pythons 3.10 to 3.13 this is tested on")
    assert hints_file.platform_tag() == expected


def a_run(argv):
    """A recorded run, as the tracer writes one (against nothing)."""
    return {"argv": argv, "exit_status": 0, "duration": 0.1,
            "against": {"program_files": {}, "distributions": {}}}


def write_hints(path, **changes):
    data = dict(hints_file.Hints.new({}, [], {}, {}, {}, {}).data, **changes)
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.parametrize("changes, lacks", [
    ({"schema": 6}, "has schema 6, this nuitka-hints reads schema 7: trace again with --fresh"),
    ({"learned_files": None}, "lacks learned_files: trace again with --fresh"),
    ({"runs": [{"argv": ["a.py"]}]}, "runs\\[0\\] lacks \"against\": remove runs\\[0\\], or trace "
     "again with --fresh")])
def test_a_file_an_older_tracer_wrote_is_refused_saying_trace_again(tmp_path, changes, lacks):
    """What the build decides by must be in the file: no half-support."""
    name = write_hints(tmp_path / "old.json", **changes)
    if changes.get("learned_files", 1) is None:
        data = json.loads(open(name).read())
        del data["learned_files"]
        open(name, "w").write(json.dumps(data))
    with pytest.raises(hints_file.HintsFileError, match=lacks):
        hints_file.Hints.load(name)


def test_reader_accepts_a_good_file(trace):
    hints = hints_file.Hints.load(trace("import colorsys").hints_name)
    assert hints.data["schema"] == 7
    assert "colorsys" in hints and "colorsys" in hints.program_modules()
    assert hints.staleness() == {1: []} and hints.data_files == {}
    assert set(hints.data) == {"schema", *hints_file.KEYS}  # what the reader requires


def every_kind_of_entry():
    """A hints file's data with an entry of each kind the readers look into."""
    run = dict(a_run(["demo.py", "x"]), module=False, cwd="/home/me", stdin={"text": "in\n"},
               stdout={"base64": "AA==", "truncated": True},
               profile={"samples": 120, "modules": {"json": 14}},
               against={"program_files": {"demo.py": "sha256:0", "gone.py": None},
                        "distributions": {"pillow": "13.0.0"}})
    return hints_file.Hints.new(
        {"json": {"kind": "source", "file": "json/__init__.py", "where": "stdlib", "runs": 1,
                  "by_name": True}, "sys": {"kind": "builtin", "startup": True}},
        [run], {"libz.so": {"where": "site-packages"}}, {"sqlite3": 1},
        {"program": {"settings.ini": 1}}, {"stdlib": {"email/mime": 1}},
        learned={"email.parser": {"importer": "email", "runs": [1], "reports": []}},
        learned_files={"site-packages": {"conf/relaxed.yaml": {"runs": [],
                                                               "reports": ["field.txt"]}}}).data


def test_a_file_with_every_kind_of_entry_loads(tmp_path):
    path = tmp_path / "h.json"
    path.write_text(json.dumps(every_kind_of_entry()))
    assert hints_file.Hints.load(str(path)).data == every_kind_of_entry()


GONE = object()  # damage that deletes the entry

# Where a hints file is damaged, what it is there then, and the one line that says so.
DAMAGED = [
    (["tag"], 311, "tag is 311, should be a string: trace again with --fresh"),
    (["python"], "3.11", "python is a string, should be an object: trace again with --fresh"),
    (["modules"], [], "modules is a list, should be an object: trace again with --fresh"),
    (["packages"], {}, "packages is an object, should be a list: trace again with --fresh"),
    (["libraries"], [], "libraries is a list, should be an object: trace again with --fresh"),
    (["looked_up"], 1, "looked_up is 1, should be an object: trace again with --fresh"),
    (["data_files"], None, "data_files is null, should be an object: trace again with --fresh"),
    (["listed_directories"], "stdlib",
     "listed_directories is a string, should be an object: trace again with --fresh"),
    (["learned"], [], "learned is a list, should be an object: trace again with --fresh"),
    (["learned_files"], True,
     "learned_files is true, should be an object: trace again with --fresh"),
    (["runs"], None, "runs is null, should be a list: trace again with --fresh"),
    (["modules", "json"], "source", 'modules["json"] is a string, should be an object: '
     'remove modules["json"], or trace again with --fresh'),
    (["modules", "json", "kind"], 5, 'modules["json"]["kind"] is 5, should be a string: '
     'remove modules["json"], or trace again with --fresh'),
    (["modules", "sys", "kind"], GONE,
     'modules["sys"] lacks "kind": remove modules["sys"], or trace again with --fresh'),
    (["modules", "json", "runs"], 1.5, 'modules["json"]["runs"] is 1.5, should be a whole '
     'number: remove modules["json"], or trace again with --fresh'),
    (["packages", 0], None, "packages[0] is null, should be a string: remove packages[0], "
     "or trace again with --fresh"),
    (["libraries", "libz.so"], "site-packages", 'libraries["libz.so"] is a string, should be '
     'an object: remove libraries["libz.so"], or trace again with --fresh'),
    (["looked_up", "sqlite3"], "1", 'looked_up["sqlite3"] is a string, should be a whole '
     'number: remove looked_up["sqlite3"], or trace again with --fresh'),
    (["data_files", "program"], ["settings.ini"], 'data_files["program"] is a list, should be '
     'an object: remove data_files["program"], or trace again with --fresh'),
    (["listed_directories", "stdlib", "email/mime"], {}, 'listed_directories["stdlib"]'
     '["email/mime"] is an object, should be a whole number: remove listed_directories'
     '["stdlib"]["email/mime"], or trace again with --fresh'),
    (["learned", "email.parser", "runs"], 1, 'learned["email.parser"]["runs"] is 1, should be '
     'a list: remove learned["email.parser"], or trace again with --fresh'),
    (["learned", "email.parser", "importer"], GONE, 'learned["email.parser"] lacks '
     '"importer": remove learned["email.parser"], or trace again with --fresh'),
    (["learned_files", "site-packages", "conf/relaxed.yaml", "reports", 0], 7,
     'learned_files["site-packages"]["conf/relaxed.yaml"]["reports"][0] is 7, should be a '
     'string: remove learned_files["site-packages"]["conf/relaxed.yaml"]["reports"][0], or '
     'trace again with --fresh'),
    (["runs", 0], "demo.py", "runs[0] is a string, should be an object: remove runs[0], or "
     "trace again with --fresh"),
    (["runs", 0, "argv"], "demo.py x", 'runs[0]["argv"] is a string, should be a list: '
     'remove runs[0], or trace again with --fresh'),
    (["runs", 0, "against"], GONE,
     'runs[0] lacks "against": remove runs[0], or trace again with --fresh'),
    (["runs", 0, "against", "program_files"], [], 'runs[0]["against"]["program_files"] is a '
     'list, should be an object: remove runs[0], or trace again with --fresh'),
    (["runs", 0, "against", "distributions", "pillow"], 13, 'runs[0]["against"]'
     '["distributions"]["pillow"] is 13, should be a string: remove runs[0]["against"]'
     '["distributions"]["pillow"], or trace again with --fresh'),
    (["runs", 0, "profile", "samples"], "120", 'runs[0]["profile"]["samples"] is a string, '
     'should be a whole number: remove runs[0], or trace again with --fresh'),
    (["runs", 0, "stdout", "base64"], None, 'runs[0]["stdout"]["base64"] is null, should be '
     'a string: remove runs[0], or trace again with --fresh'),
]


def damaged(path, where, value):
    """A hints file with every kind of entry, damaged at ``where`` (keys and indexes)."""
    data = every_kind_of_entry()
    inner = data
    for step in where[:-1]:
        inner = inner[step]
    if value is GONE:
        del inner[where[-1]]
    else:
        inner[where[-1]] = value
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.parametrize("where, value, message", DAMAGED,
                         ids=["/".join(map(str, where)) for where, _, _ in DAMAGED])
def test_a_damaged_file_is_one_line_naming_the_entry_and_what_to_do(
        tmp_path, where, value, message):
    """Not a traceback in the build: what is wrong where, and how to put it right."""
    name = damaged(tmp_path / "h.json", where, value)
    with pytest.raises(hints_file.HintsFileError) as error:
        hints_file.Hints.load(name)
    assert str(error.value) == "%s: %s" % (name, message)


@pytest.mark.parametrize("where, value, message", [
    case for case in DAMAGED if case[0] in (["modules"], ["modules", "json", "kind"],
                                            ["runs", 0, "against"])], ids=["key", "module", "run"])
def test_summary_of_a_damaged_file_is_one_line(tmp_path, where, value, message):
    name = damaged(tmp_path / "h.json", where, value)
    result = run_tracer("--summary", name)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "hinted_mods: error: %s: %s\n" % (name, message)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "not found: run %s" % TRACER_TEXT),
        ("{not json", "is not valid JSON"),
        (dict(tag="27-amiga-16"), "was recorded for 27-amiga-16 but this Python is"),
        (dict(schema=99), "has schema 99, this nuitka-hints reads schema 7: upgrade"),
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
    with pytest.raises(hints_file.HintsError) as error:
        hints_file.Hints.load(str(path), script="prog.py")
    text = str(error.value)
    assert message in text and str(path) in text and "\n" not in text


def test_summary_lists_runs_and_packages(trace):
    traced = trace("import email.mime.text")
    result = run_tracer("--summary", traced.hints_name)
    assert result.returncode == 0
    assert "1 recorded run(s)" in result.stdout
    assert any(line.split()[:1] == ["email"] for line in result.stdout.splitlines())


def test_summary_into_a_closed_pipe_ends_quietly(trace):
    """`--summary | head`: no BrokenPipeError traceback."""
    traced = trace("import email.mime.text")
    summary = subprocess.Popen([*TRACER_COMMAND, "--summary", traced.hints_name],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    summary.stdout.close()  # before the summary starts to write
    assert summary.wait(timeout=60) == 0
    assert summary.stderr.read() == b""


def test_summary_warns_of_a_file_linked_out_of_its_folder(trace, tmp_path, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # outside the program's folder
    (elsewhere / "secret.txt").write_text("not the program's")
    (tmp_path / "linked.txt").symlink_to(elsewhere / "secret.txt")
    traced = trace("print(open('linked.txt').read())")
    assert traced.hints["data_files"]["program"] == {"linked.txt": 1}
    summary = run_tracer("--summary", traced.hints_name)
    assert summary.returncode == 0, summary.stderr
    assert "warning: %s: recorded file 'linked.txt' of program is a symbolic link to %s" % (
        traced.hints_name, elsewhere / "secret.txt") in summary.stdout


def test_combine_loses_nothing(trace, tmp_path):
    a = trace("import fractions", name="a.py")
    b = trace("import colorsys", name="b.py")
    out = tmp_path / "all.json"
    result = run_tracer("--combine", "-o", str(out), a.hints_name, b.hints_name)
    assert result.returncode == 0, result.stderr
    combined = json.loads(out.read_text())
    assert set(a.modules) | set(b.modules) == set(combined["modules"])
    assert len(combined["runs"]) == 2


def test_combine_keeps_the_files_tag_and_python_facts(tmp_path):
    """Hints from another machine keep their tag and facts when combined here."""
    facts = {"version": "3.12.1", "implementation": "cpython", "platform": "win32",
             "machine": "AMD64", "bits": 64}
    inputs = []
    for name, module in (("a.json", "fractions"), ("b.json", "colorsys")):
        inputs.append(write_hints(tmp_path / name, tag="312-windows-64", python=facts,
                                  modules={module: {"kind": "source", "runs": 1}},
                                  runs=[a_run([name])]))
    out = tmp_path / "all.json"
    result = run_tracer("--combine", "-o", str(out), *inputs)
    assert result.returncode == 0, result.stderr
    combined = json.loads(out.read_text())
    assert combined["tag"] == "312-windows-64"
    assert combined["python"] == facts
    assert set(combined["modules"]) == {"fractions", "colorsys"}


def test_combine_refuses_different_tags(tmp_path):
    a = write_hints(tmp_path / "a.json", tag="311-linux-64")
    b = write_hints(tmp_path / "b.json", tag="312-windows-64")
    result = run_tracer("--combine", "-o", str(tmp_path / "out.json"), a, b)
    assert result.returncode == 2
    assert "cannot combine hints of different tags (311-linux-64, 312-windows-64)" in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_hot_modules_are_those_above_the_share_and_count_in_some_run(tmp_path):
    def run(samples, modules):
        return {**a_run(["a.py"]),
                "profile": {"samples": samples, "modules": modules}}

    hints = hints_file.Hints.new({}, [run(100, {"a": 50, "b": 1}), run(1000, {"b": 5, "c": 10})],
                                 {}, {}, {}, {})
    data = hints.data
    assert hints.hot_modules(0.01, 1) == {"a", "b", "c"}
    assert hints.hot_modules(0.02, 1) == {"a"}
    assert hints.hot_modules(0.01, 10) == {"a", "c"}  # b's 1 and 5 samples: chance
    data["runs"].append(a_run(["a.py"]))
    assert hints.hot_modules(0.01, 10) is None  # a run without a profile: nothing is known cold


def test_prune_stale_drops_the_runs_of_an_older_program_and_keeps_a_backup(trace, tmp_path):
    trace("print('old')\n", "first")
    traced = trace("print('new')\n", "second")
    summary = run_tracer("--summary", traced.hints_name)
    assert "prog.py first  [stale: prog.py changed]" in summary.stdout
    assert "prog.py second  [current]" in summary.stdout
    pruned = run_tracer("--prune-stale", traced.hints_name)
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("dropped run 1 (%s first): prog.py changed\n"
                                    % (tmp_path / "prog.py"))
    assert [run["argv"][1:] for run in traced.hints["runs"]] == [["second"]]
    with open(traced.hints_name.replace(".json", ".before-prune.json")) as handle:
        backup = json.load(handle)
    assert len(backup["runs"]) == 2
    trace("print('newer')\n", "third")  # a second prune keeps the first backup
    pruned = run_tracer("--prune-stale", traced.hints_name)
    assert pruned.stdout.endswith("the file as it was is %s\n" % traced.hints_name.replace(
        ".json", ".before-prune-2.json"))
    with open(traced.hints_name.replace(".json", ".before-prune.json")) as handle:
        assert json.load(handle) == backup


def test_merging_a_module_seen_at_start_up_and_later_imported_counts_both_runs():
    """In-process: the union of two runs' hints."""
    def one_run(module_entry, argv):
        run = {"argv": argv, "against": {"program_files": {}, "distributions": {}}}
        return hints_file.Hints.new({"json": module_entry}, [run], {}, {},
                                    {"stdlib": {"a.txt": 1}}, {})

    startup = one_run({"kind": "source", "runs": 1, "startup": True}, ["a"])
    program = one_run({"kind": "source", "runs": 1}, ["b"])
    merged = startup.merged(program)
    assert merged.modules["json"] == {"kind": "source", "runs": 2}  # the program imports it
    assert merged.data_files == {"stdlib": {"a.txt": 2}}
    assert [run["argv"] for run in merged.runs] == [["a"], ["b"]]
    assert program.merged(startup).modules["json"] == {"kind": "source", "runs": 2}


def test_a_recorded_file_is_relative_to_the_longest_root_holding_it():
    roots = {"/env/lib": "stdlib", "/env/lib/site-packages": "site-packages"}
    assert hinted_tracer._module_entry("source", "/env/lib/site-packages/a/b.py", roots) == {
        "kind": "source", "file": "a/b.py", "where": "site-packages"}
    assert hinted_tracer._module_entry("source", "/env/lib/json/x.py", roots)["where"] == "stdlib"
    assert hinted_tracer._module_entry("source", "/elsewhere/c.py", roots) == {
        "kind": "source", "file": "/elsewhere/c.py", "where": "absolute"}


@pytest.mark.parametrize("text", ["plain", "tab\there", "new\nline", "back\\slash", "ü \udcff"])
def test_escaping_round_trips(text):
    assert "\t" not in hinted_recorder.escape(text) and "\n" not in hinted_recorder.escape(text)
    assert hinted_recorder.unescape(hinted_recorder.escape(text)) == text


def miss(module, **changes):
    """A line of a misses file, as a binary writes it (see hinted_runtime.Misses)."""
    return dict({"module": module, "how": "excluded", "importer": "app", "lookup": False,
                 "argv": ["x"], "pid": 7}, **changes)


def file_miss(relative, **changes):
    """A misses file's line for a data file the binary looked for and lacked."""
    return dict({"file": relative, "argv": ["x"], "pid": 7}, **changes)


@pytest.mark.parametrize("line, damage", [
    ("not a dict", "cut short or garbled"), (repr(miss("a"))[:-9], "cut short or garbled"),
    ("", "cut short or garbled"), ("{[]: 1}", "cut short or garbled"),
    ("{'module': 'x'}", "not a module's or a data file's entry"),
    (repr(miss("a b")), "not a module's or a data file's entry"),
    (repr(miss("a", importer=None)), "not a module's or a data file's entry"),
    (repr(file_miss("../etc/passwd")), "not a module's or a data file's entry"),
    (repr(file_miss("/etc/x")), "not a module's or a data file's entry"),
    (repr(file_miss("a.txt", module="a")), "not a module's or a data file's entry")])
def test_a_line_a_binary_does_not_write_is_skipped_with_a_warning(tmp_path, line, damage):
    """Cut short or edited: that line is left out, the others still count."""
    path = tmp_path / "misses.txt"
    path.write_text(repr(miss("fine")) + "\n" + line + "\n" + repr(file_miss("a.txt")))
    skipped = []
    assert hints_file.read_misses(str(path), skipped) == [miss("fine"), file_miss("a.txt")]
    assert skipped == ["%s:2 skipped: not a line a nuitka-hints binary writes (%s); the other "
                       "lines count (give the file that NUITKA_HINTS_MISSES named, if this is "
                       "another)" % (path, damage)]


def test_a_misses_file_that_cannot_be_read_is_one_clear_line(tmp_path):
    with pytest.raises(hints_file.HintsFileError) as error:
        hints_file.read_misses(str(tmp_path / "gone.txt"), [])
    assert str(error.value) == "cannot read misses file %s: No such file or directory" % (
        tmp_path / "gone.txt")


def test_learnable_misses_are_imports_of_modules_installed_here_not_yet_known(tmp_path):
    (tmp_path / "own_plugin.py").write_text("")
    misses = [miss("email.parser", run=1), miss("email.parser", run=2),
              miss("email.parser", run=2), miss("own_plugin", run=1),
              miss("nt", run=1), miss("json.tool", run=1, lookup=True),
              miss("colorsys", run=1), miss("no.such.module", run=1)]
    learned = hints_file.learnable(misses, known={"colorsys"}, program_dir=str(tmp_path))
    assert [(m["module"], m["run"]) for m in learned] == [
        ("email.parser", 1), ("email.parser", 2), ("own_plugin", 1)]


def test_learnable_data_files_are_installed_here_below_a_root_and_not_yet_known(tmp_path):
    """Found in the program's folder first, then site-packages, then the standard
    library; a module's source is data (astroid reads it), compiled code and a
    distribution's metadata are Nuitka's to ship."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "own.yaml").write_text("a: 1\n")
    site = sysconfig.get_paths()["purelib"]
    metadata = next(n for n in os.listdir(site) if n.endswith(".dist-info")) + "/METADATA"
    misses = [file_miss("conf/own.yaml", run=1), file_miss("conf/own.yaml", run=1),
              file_miss("json/__init__.py", run=1), file_miss("email/architecture.rst", run=2),
              file_miss("json/__pycache__/__init__.cpython-311.pyc", run=1),
              file_miss(metadata, run=1), file_miss("no/such/file.txt", run=1),
              file_miss("known.txt", run=1), miss("colorsys", run=1)]
    (tmp_path / "known.txt").write_text("")
    learned = hints_file.learnable(misses, program_dir=str(tmp_path), known={"colorsys"},
                                   known_files={("program", "known.txt")})
    assert [(hints_file.miss_name(m), m.get("where"), m["run"]) for m in learned] == [
        ("conf/own.yaml", "program", 1), ("email/architecture.rst", "stdlib", 2),
        ("json/__init__.py", "stdlib", 1)]


def test_learned_data_files_keep_their_evidence_follow_the_runs_and_merge(tmp_path):
    name = write_hints(tmp_path / "h.json", runs=[a_run(["a"]), a_run(["b"])])
    conf = file_miss("yamllint/conf/relaxed.yaml", where="site-packages")
    assert hints_file.learn_into(name, [dict(conf, run=2), miss("email.parser", run=2)]) == [
        "yamllint/conf/relaxed.yaml", "email.parser"]
    assert hints_file.learn_into(name, [dict(conf, report="field.txt")]) == []
    hints = hints_file.Hints.load(name)
    assert hints.learned_files == {"site-packages": {
        "yamllint/conf/relaxed.yaml": {"runs": [2], "reports": ["field.txt"]}}}
    assert hints.learned_evidence("yamllint/conf/relaxed.yaml", "site-packages") == \
        "run 2, field.txt"
    assert hints.without_runs([1]).learned_files == {"site-packages": {
        "yamllint/conf/relaxed.yaml": {"runs": [1], "reports": ["field.txt"]}}}
    assert hints.without_runs([2]).without_runs([1]).learned_files == {"site-packages": {
        "yamllint/conf/relaxed.yaml": {"runs": [], "reports": ["field.txt"]}}}
    other = hints_file.Hints.new({}, [a_run(["c"])], {}, {}, {}, {}, learned_files={
        "site-packages": {"yamllint/conf/relaxed.yaml": {"runs": [1], "reports": []}},
        "program": {"theme.css": {"runs": [1], "reports": []}}})
    assert hints.merged(other).learned_files == {  # its run 1 is run 3 after the first's two
        "program": {"theme.css": {"runs": [3], "reports": []}},
        "site-packages": {"yamllint/conf/relaxed.yaml": {"runs": [2, 3],
                                                         "reports": ["field.txt"]}}}
    traced = hints_file.Hints.new({}, [a_run(["d"])], {}, {}, {"program": {"theme.css": 1}},
                                  {})
    assert hints.merged(other).merged(traced).learned_files["program"] == {}  # read now


def test_learned_modules_keep_their_evidence_and_survive_merging(tmp_path):
    name = write_hints(tmp_path / "h.json", runs=[a_run(["a"])])
    new = hints_file.learn_into(name, [miss("email.parser", run=1, importer="email"),
                                       miss("email.parser", run=2, importer="email")])
    assert new == ["email.parser"]
    assert hints_file.learn_into(name, [miss("email.parser", report="field.txt")]) == []
    hints = hints_file.Hints.load(name)
    assert hints.learned == {"email.parser": {"importer": "email", "runs": [1, 2],
                                              "reports": ["field.txt"]}}
    learned = {"json.tool": {"importer": "a", "runs": [1], "reports": []},
               "email.parser": {"importer": "email", "runs": [1], "reports": []}}
    other = hints_file.Hints.new({}, [a_run(["b"])], {}, {}, {}, {}, learned=learned)
    merged = hints.merged(other)
    assert merged.learned == {  # the other file's run 1 is run 2 after the first's one run
        "email.parser": {"importer": "email", "runs": [1, 2], "reports": ["field.txt"]},
        "json.tool": {"importer": "a", "runs": [2], "reports": []}}
    traced = hints_file.Hints.new({"json.tool": {"kind": "source", "runs": 1}},
                                  [a_run(["c"])], {}, {}, {}, {})
    assert list(merged.merged(traced).learned) == ["email.parser"]  # recorded now: no longer
    # learned (a learned module stays bytecode; a recorded one may be hot)


def test_learn_from_a_shipped_binarys_misses_file(tmp_path):
    name = write_hints(tmp_path / "h.json", modules={"json": {"kind": "source"}})
    misses = tmp_path / "field.txt"
    misses.write_text("".join(repr(m) + "\n" for m in (
        miss("fractions"), miss("nt"), miss("colorsys", lookup=True), miss("json"))))
    result = run_tracer("--learn", name, str(misses))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "%s: learned 1 module(s) the binary lacked: fractions (imported by app)\n"
        "not learned (looked up only, not installed here, or recorded or learned already): "
        "colorsys, json, nt\n"
        % name)
    assert hints_file.Hints.load(name).learned == {
        "fractions": {"importer": "app", "runs": [], "reports": [str(misses)]}}
    again = run_tracer("--learn", name, str(misses))
    assert again.stdout == (  # each one named: none is left out unsaid
        "%s: learned 0 module(s) the binary lacked\n"
        "not learned (looked up only, not installed here, or recorded or learned already): "
        "colorsys, fractions, json, nt\n"
        % name)
    summary = run_tracer("--summary", name)
    assert "learned from the binary: fractions (imported by app; %s)" % misses in summary.stdout


def test_learn_the_data_files_a_shipped_binary_looked_for(tmp_path):
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "light.css").write_text("body {}\n")
    name = write_hints(tmp_path / "h.json")
    misses = tmp_path / "field.txt"
    misses.write_text("".join(repr(m) + "\n" for m in (
        file_miss("themes/light.css"), file_miss("themes/blue.css"))))
    result = run_tracer("--learn", name, str(misses))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "%s: learned 1 data file(s) the binary lacked: themes/light.css (a data file)\n"
        "not learned (looked up only, not installed here, or recorded or learned already): "
        "themes/blue.css\n" % name)
    summary = run_tracer("--summary", name)
    assert "learned from the binary: data file themes/light.css (program; %s)" % misses \
        in summary.stdout


def test_learn_skips_the_lines_a_binary_did_not_write_and_loses_nothing(tmp_path):
    """A line cut short (the binary killed as it wrote it) or garbled: warned of,
    the other lines learned; the hints keep all they had."""
    data = every_kind_of_entry()
    name = tmp_path / "h.json"
    name.write_text(json.dumps(data))
    misses = tmp_path / "field.txt"
    misses.write_text(repr(miss("fractions")) + "\n" + repr(miss("colorsys"))[:30] + "\n"
                      + "garbage ]] {\n")
    result = run_tracer("--learn", str(name), str(misses))
    assert result.returncode == 0, result.stderr
    assert result.stdout == \
        "%s: learned 1 module(s) the binary lacked: fractions (imported by app)\n" % name
    assert result.stderr == "".join(
        "hinted_mods: warning: %s:%d skipped: not a line a nuitka-hints binary writes (cut "
        "short or garbled); the other lines count (give the file that NUITKA_HINTS_MISSES "
        "named, if this is another)\n" % (misses, number) for number in (2, 3))
    fractions = {"importer": "app", "runs": [], "reports": [str(misses)]}
    assert json.loads(name.read_text()) == dict(
        data, learned=dict(data["learned"], fractions=fractions))


def test_learn_needs_a_hints_file_and_a_misses_file(tmp_path):
    result = run_tracer("--learn", "only-one.json")
    assert result.returncode == 2
    assert result.stderr == "hinted_mods: error: --learn needs the hints file and at least one " \
        "misses file: hinted_mods.py --learn HINTS.json MISSES\n"


def test_a_module_recorded_under_another_name_than_its_files_is_an_alias():
    """pkg_resources.extern's importer loads the vendored module under its own name."""
    hints = hints_file.Hints.new({
        "pkg_resources.extern.packaging.version": {
            "kind": "source", "file": "pkg_resources/_vendor/packaging/version.py",
            "where": "site-packages"},
        "pkg_resources.extern.packaging": {
            "kind": "source", "file": "pkg_resources/_vendor/packaging/__init__.py",
            "where": "site-packages"},
        "json.decoder": {"kind": "source", "file": "json/decoder.py", "where": "stdlib"},
        "six.moves": {"kind": "other", "where": "site-packages", "file": "six.py"},
        "sys": {"kind": "builtin"}}, [], {}, {}, {}, {})
    assert hints.aliased_modules() == {
        "pkg_resources.extern.packaging.version": "pkg_resources._vendor.packaging.version",
        "pkg_resources.extern.packaging": "pkg_resources._vendor.packaging"}


def test_a_new_run_of_the_same_command_supersedes_the_old_runs_that_are_stale(tmp_path):
    (tmp_path / "app.py").write_text("print(1)\n")
    now = hints_file.file_hash(str(tmp_path / "app.py"))

    def run(argv, digest, cwd=str(tmp_path)):
        return {"argv": argv, "module": False, "cwd": cwd,
                "against": {"program_files": {"app.py": digest}, "distributions": {}}}

    old = hints_file.Hints.new({}, [run(["app.py"], "sha256:old"), run(["app.py", "x"], "a"),
                                    run(["app.py"], now)], {}, {}, {}, {},
                               learned={"m": {"importer": "app", "runs": [2, 3],
                                              "reports": []}})
    assert old.superseded_by([run(["app.py"], now)]) == [1]  # run 3 is not stale: it stays
    assert old.superseded_by([run(["app.py"], now, cwd="/elsewhere")]) == []
    remaining = old.without_runs([1])
    assert [r["argv"] for r in remaining.runs] == [["app.py", "x"], ["app.py"]]
    assert remaining.learned["m"]["runs"] == [1, 2]  # renumbered with the runs


def test_a_metadata_folder_and_its_distribution_have_one_reading(tmp_path):
    assert hints_file.metadata_folder("Foo_Bar-1.0.dist-info/RECORD") == "Foo_Bar-1.0.dist-info"
    assert hints_file.metadata_folder("foo.egg-info") == "foo.egg-info"
    assert hints_file.metadata_folder("foo/dist-info.txt") is None
    for folder in ("Foo_Bar-1.0.dist-info", "foo_bar.egg-info", "Foo.Bar-1.0-py3.11.egg-info"):
        assert hints_file.metadata_distribution(folder) == "foo-bar"
    info = tmp_path / "opencv_python_headless-5.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: opencv-python-headless\n"
                                   "Version: 5.1.0.95\n\nName: not a header\n")
    (info / "top_level.txt").write_text("cv2\n")
    assert hints_file.read_distributions([str(tmp_path)]) == {
        "cv2": [("opencv-python-headless", "5.1.0.95")]}  # as Nuitka's option wants it
