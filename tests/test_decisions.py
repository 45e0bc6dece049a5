"""hinted_decisions.py: which modules a build keeps, and how, from plain data
(a record, options, what the other plugins say): no Nuitka."""

import subprocess
import sys

import hinted_decisions
import hints_file
from hinted_decisions import ModuleDecisions, Reason

RUN = {"argv": ["app.py"], "exit_status": 0, "duration": 0.1,
       "against": {"program_files": {}, "distributions": {}},
       "profile": {"samples": 200, "modules": {"lib.hot": 150, "lib.cold": 1}}}


def installed(file):
    return {"kind": "source", "file": file, "where": "site-packages", "runs": 1}


def record(**modules):
    hints = hints_file.Hints.new(
        {name.replace("__", "."): entry for name, entry in modules.items()}, [RUN], {},
        {"looked.up": 1}, {}, {})
    hints.filename = "app-311-linux-64.json"
    return hints


def decisions(hints, **options):
    kept = {name for name in hints.modules} | {"lib"}
    return ModuleDecisions(hints, kept, **options)


def test_the_decision_layer_imports_no_nuitka():
    code = "import sys; sys.modules['nuitka'] = None; import hinted_decisions"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=hinted_decisions.__file__.rpartition("/")[0])
    assert result.returncode == 0, result.stderr


def test_recorded_modules_stay_and_the_rest_drop_saying_why():
    made = decisions(record(lib__hot=installed("lib/hot.py")))
    assert made.encounter("lib.hot", "__main__") is None
    assert made.encounter("colorsys", "__main__") == (
        "nuitka-hints: not imported in any of 1 recorded run (app-311-linux-64.json)")
    assert made.encounter("looked.up", "__main__") == (
        "nuitka-hints: looked up but not loaded in any of 1 recorded run "
        "(app-311-linux-64.json)")
    assert made.encounter("branch", hinted_decisions.MAIN_COPY) is not None
    assert made.dropped == {"colorsys": "__main__", "looked.up": "__main__",
                            "branch": "__main__"}  # the main script's copy is the main script


def test_a_kept_pattern_keeps_the_module_the_package_and_what_they_import():
    made = decisions(record(), keep_patterns=["extra", "plug*.impl"])
    for name in ("extra", "extra.sub", "plugins.impl", "plugins.impl.deep"):
        assert made.encounter(name, "__main__") is None
        assert made.kept_without_record[name] is Reason.BY_OPTION
    assert made.encounter("json", "extra.sub") is None  # what a kept module imports
    assert made.kept_without_record["json"] is Reason.FOR_KEPT
    assert made.encounter("csv", "json") is None  # and so on down
    assert made.encounter("plugins.other", "__main__") is not None


def test_what_another_plugin_includes_is_given_way_to_an_installed_one_as_bytecode():
    asked = []

    def others():
        asked.append(1)
        return ["multiprocessing"]

    made = decisions(record())
    assert made.encounter("multiprocessing.forkserver", "multiprocessing", others_including=others,
                          installed=lambda: True) is None
    assert made.encounter("multiprocessing.forkserver", "other", others_including=others) is None
    assert asked == [1]  # asked once a module
    assert made.given_way == {"multiprocessing.forkserver": ["multiprocessing"]}
    assert made.kept_reason("multiprocessing.forkserver") == \
        "required by the multiprocessing plugin"
    assert made.compilation("multiprocessing.forkserver") == "bytecode"
    assert made.compilation("multiprocessing.forkserver",
                            compiled_by_another=lambda: True) is None


def test_code_nuitka_adds_keeps_what_it_loads_and_a_failed_module_is_left_to_python():
    made = decisions(record(), left_to_python=["shapes.matcher"],
                     loaded_by=lambda names: {"json.decoder", "json.scanner"})
    assert made.encounter("json", "lib-preLoad", nuitka_code=True) is None
    assert made.loaded_for_nuitka == {"lib-preLoad": {"json", "json.decoder", "json.scanner"}}
    assert made.kept_without_record["json.scanner"] is Reason.FOR_PLUGIN_CODE
    assert made.encounter("shapes.matcher", "shapes").endswith("Python imports it from there")


def test_unrecorded_modules_as_bytecode_name_the_option_that_asked():
    for safe, option in ((False, "--hinted-unrecorded=bytecode"), (True, "--hinted-safe")):
        made = decisions(record(), unrecorded="bytecode", safe=safe)
        assert made.encounter("colorsys", "__main__") is None
        assert made.compilation("colorsys") == "bytecode"
        assert made.kept_reason("colorsys") == option


def test_only_installed_modules_the_runs_spent_time_in_are_compiled():
    hints = record(lib__hot=installed("lib/hot.py"), lib__cold=installed("lib/cold.py"),
                   own={"kind": "source", "file": "own.py", "where": "program", "runs": 1})
    made = decisions(hints)
    assert made.compilation("lib.hot") is None and made.compilation("own") is None
    assert made.compilation("lib.cold") == "bytecode" and made.not_hot == {"lib.cold"}
    assert decisions(hints, compile_hot=False).compilation("lib.cold") is None


def test_the_main_scripts_certain_imports_are_kept_an_installed_one_as_bytecode():
    made = decisions(record())
    where = {"json": (True, False), "yaml": (True, True), "gone": (False, False)}
    made.keep_certain_imports({"json", "yaml", "gone"}, where.get)
    assert made.kept_without_record == {"json": Reason.FOR_MAIN, "yaml": Reason.FOR_MAIN}
    assert made.as_bytecode == {"yaml"}
    assert str(Reason.FOR_MAIN) == made.kept_reason("json")


def test_a_start_up_module_keeps_what_it_loads_and_a_loaded_file_keeps_its_module():
    made = decisions(record(), loaded_at_startup=lambda using, name: (using, name) == (
        "opcode", "_opcode"))
    assert made.encounter("_opcode", "opcode") is None
    assert made.kept_without_record["_opcode"] is Reason.FOR_STARTUP
    assert made.encounter("_opcode2", "opcode") is not None
    assert made.encounter("cv2.cv2", "cv2", "/site/cv2/cv2.so", loaded_files={
        "/site/cv2/cv2.so"}) is None
    assert made.kept_without_record["cv2.cv2"] is Reason.FOR_LOADED_FILE


def test_a_family_picked_by_a_computed_name_goes_in_with_the_module_the_binary_lacked():
    """The binary lacked vendor.jaraco.text, imported by name by an importer that names
    no such module: the other modules of vendor.jaraco are picked the same way."""
    hints = record(vendoring=installed("vendoring.py"))
    hints.learned["vendor.jaraco.text"] = {"importer": "vendoring", "runs": [1], "reports": []}
    family = {"vendor.jaraco.text", "vendor.jaraco.functools", "vendor.jaraco.context"}
    modules_of = {"vendor.jaraco": family}.get
    assert hinted_decisions.families_picked_by(hints, "vendoring", {"importlib"},
                                               modules_of) == family
    assert hinted_decisions.families_picked_by(  # named by a statement: not picked
        hints, "vendoring", {"vendor.jaraco.text"}, modules_of) == set()


def test_a_family_is_what_the_runs_picked_by_name_and_the_rest_of_its_package():
    hints = record(writers=installed("writers/__init__.py"),
                   writers__html={**installed("writers/html.py"), "by_name": True})
    modules_of = {"writers": {"writers.html", "writers.latex", "writers.odt"}}.get
    assert hinted_decisions.module_families(hints, {"writers", "writers.html"}, modules_of) == {
        "writers": (["writers.html"], ["writers.latex", "writers.odt"])}
