"""The plugin's decisions, checked with Nuitka's real classes (no build here).

The helpers that touch Nuitka internals have tests that fail loudly if Nuitka
changes them.
"""

import importlib.util
import _ctypes
import json
import os
import sys
import sysconfig

import pytest

from conftest import installed_distribution

import hinted_compilation
import hinted_data_files
import hinted_decisions
import hinted_nuitka
import hinted_runtime
import hints_file

from nuitka.plugins.PluginBase import NuitkaPluginBase
from nuitka.utils.ModuleNames import ModuleName


def make_hints(tmp_path, modules, runs=2, profile=None, data=None, learned=None):
    """A hints file: ``modules`` recorded, ``data`` ({root: {file: runs}}) read,
    ``learned``."""
    run = {"argv": ["app.py"], "exit_status": 0, "duration": 0.1,
           "against": {"program_files": {}, "distributions": {}}}
    if profile is not None:
        run["profile"] = profile
    hints = hints_file.Hints.new(modules, [run] * runs, {}, {"looked.up": 1}, data or {}, {},
                                 learned=learned)
    path = tmp_path / "app.json"
    path.write_text(json.dumps(hints.data))
    return str(path)


def source(file, where="program"):
    return {"kind": "source", "file": file, "where": where, "runs": 1}


@pytest.fixture(scope="session")
def startup_modules():
    """Nuitka's real detection of the interpreter's start-up modules, as a build has it."""
    from nuitka.freezer import ImportDetection

    original = ImportDetection.isStandaloneMode
    ImportDetection.isStandaloneMode = lambda: True
    try:
        return tuple(sorted(ImportDetection._detectEarlyImports()))
    finally:
        ImportDetection.isStandaloneMode = original


@pytest.fixture
def plugin(tmp_path, monkeypatch, startup_modules):
    """A plugin made from hints with these modules, in a Nuitka set up as for a build."""
    from nuitka.freezer import ImportDetection
    from nuitka.options import Options

    monkeypatch.setattr(Options, "options", standalone_options([]))
    monkeypatch.setattr(ImportDetection, "isStandaloneMode", lambda: True)
    monkeypatch.setattr(ImportDetection, "_early_modules_names", startup_modules)
    monkeypatch.setattr(ImportDetection, "_stdlib_modules_names", None)

    def make(modules, keep=(), policy="drop", compile="hot", profile=None, data=None,
             keep_data=(), learned=None, nuitka_options=(), safe=False):
        if nuitka_options:
            monkeypatch.setattr(Options, "options", standalone_options(nuitka_options))
        return hinted_compilation.HintedCompilationPlugin(
            hinted_json_file=make_hints(tmp_path, modules, profile=profile, data=data,
                                        learned=learned),
            hinted_keep=list(keep),
            hinted_unrecorded=policy,
            hinted_compile=compile,
            hinted_data="opened",
            hinted_keep_data=list(keep_data),
            hinted_source=[], hinted_strip="yes", hinted_safe=safe,
        )

    return make


def standalone_options(nuitka_options):
    """Nuitka's options for a standalone build of app.py with these options, as
    its option processing leaves them (``is_standalone``, from ``--mode``)."""
    from nuitka.options import OptionParsing

    parsed, _ = OptionParsing.parser.parse_args(["--mode=standalone", *nuitka_options, "app.py"])
    parsed.is_standalone = True
    return parsed


def encounter(plugin, name, using="__main__"):
    return plugin.onModuleEncounter(ModuleName(using), ModuleName(name), None, "py")


def test_recorded_modules_and_their_packages_get_no_opinion(plugin):
    p = plugin({"pkg.sub.leaf": source("pkg/sub/leaf.py")})
    for name in ("pkg", "pkg.sub", "pkg.sub.leaf"):
        assert encounter(p, name) is None


def test_unrecorded_module_is_dropped_with_the_evidence(plugin):
    p = plugin({"pkg": source("pkg/__init__.py")})
    decision, reason = encounter(p, "pkg.other")
    assert decision is False
    assert reason == "nuitka-hints: not imported in any of 2 recorded runs (app.json)"


def test_the_multiprocessing_copy_of_the_main_script_is_the_program_in_the_report(
        plugin, tmp_path):
    """Nuitka's multiprocessing plugin compiles the script again as __parents_main__:
    an import dropped there is the program's own, listed first as __main__'s."""
    p = plugin({"pkg": source("pkg/__init__.py", "site-packages")})
    encounter(p, "pkg.other", using="pkg")
    encounter(p, "branch", using=hinted_decisions.MAIN_COPY)
    (tmp_path / "app.dist").mkdir()
    report = p.build_report(str(tmp_path / "app.dist"), {hinted_decisions.MAIN_COPY: "compiled"},
                            {})
    assert [(i["module"], i["imported_by"], i["by_program"]) for i in report["left_out"]] == [
        ("branch", "__main__", True), ("pkg.other", "pkg", False)]
    assert report["kept"][0]["why"].startswith("the program")


def test_keep_patterns_force_modules_in(plugin):
    p = plugin({}, keep=["extra.*", "single.mod"])
    assert encounter(p, "extra.thing") is None
    assert encounter(p, "single") is None  # parent of a kept module
    assert encounter(p, "single.mod") is None
    assert encounter(p, "unrelated")[0] is False


def test_bytecode_policy_keeps_unrecorded_modules_as_bytecode(plugin):
    p = plugin({}, policy="bytecode")
    assert encounter(p, "rare") is None
    assert p.decideCompilation(ModuleName("rare")) == "bytecode"
    assert p.decideCompilation(ModuleName("other")) is None


def test_safe_keeps_the_families_unrecorded_modules_and_every_data_file(plugin):
    p = plugin({}, safe=True)
    assert p.keep_families and p.decisions.unrecorded == "bytecode" and p.decisions.safe
    assert p.data_files.policy == "all"
    assert encounter(p, "rare") is None and p.decisions.kept_reason("rare") == "--hinted-safe"


def test_bad_hints_file_stops_the_build(tmp_path, capsys):
    with pytest.raises(SystemExit):
        hinted_compilation.HintedCompilationPlugin(
            hinted_json_file=str(tmp_path / "missing.json"), hinted_keep=[],
            hinted_unrecorded="drop", hinted_compile="hot", hinted_data="opened",
            hinted_keep_data=[], hinted_source=[], hinted_strip="yes")
    output = capsys.readouterr()
    assert "hints file %s not found: run the tracer (hinted_mods.py) first" % (
        tmp_path / "missing.json") in output.out + output.err


def test_a_module_only_looked_up_is_dropped_saying_so(plugin):
    p = plugin({})
    decision, reason = encounter(p, "looked.up")
    assert decision is False
    assert reason == "nuitka-hints: looked up but not loaded in any of 2 recorded runs (app.json)"


def test_keep_patterns_keep_standard_library_modules_too(plugin):
    p = plugin({"json": source("json/__init__.py", "stdlib")}, keep=["xml.dom"])
    assert encounter(p, "xml.dom.minidom") is None
    assert encounter(p, "csv")[0] is False


def test_nuitka_still_caches_the_standard_library_it_includes_where_we_empty_it(plugin):
    """Nuitka computes the set once, on first use: emptied before, it includes none.
    (Nuitka's own start value is read in a fresh interpreter: the fixture sets it.)"""
    import subprocess

    from nuitka.freezer import ImportDetection

    fresh = subprocess.run([sys.executable, "-c", "from nuitka.freezer import ImportDetection; "
                            "print(ImportDetection._stdlib_modules_names)"],
                           capture_output=True, text=True)
    assert fresh.stdout == "None\n", fresh.stderr  # not computed before a build
    hinted_nuitka.leave_standard_library_to_plugins()
    assert list(ImportDetection.detectStdlibAutoInclusionModules()) == []


def test_nuitka_still_detects_the_interpreter_start_up_modules_where_we_ask(plugin, monkeypatch):
    from nuitka.freezer import ImportDetection

    plugin({})
    monkeypatch.setattr(ImportDetection, "_early_modules_names", None)  # not the fixture's
    startup = hinted_nuitka.interpreter_startup_modules()
    assert {"encodings", "inspect", "locale"} <= startup
    assert "json" not in startup


def test_what_start_up_modules_load_is_kept(plugin):
    """On 3.13 inspect -> dis -> opcode loads _opcode, which Nuitka leaves to
    plugins; a function-level import of a start-up module (re._parser ->
    unicodedata) is not loaded, so not kept."""
    p = plugin({})
    assert "_opcode" in hinted_nuitka.loaded_by_startup_modules()
    assert encounter(p, "_opcode", using="opcode") is None
    assert p.decisions.kept_without_record["_opcode"] == hinted_decisions.Reason.FOR_STARTUP
    assert encounter(p, "unicodedata", using="re._parser")[0] is False


def test_the_standard_library_is_left_to_plugins(plugin):
    from nuitka.freezer import ImportDetection

    plugin({}, policy="bytecode")  # keeps Nuitka's own inclusion of the whole stdlib
    assert ImportDetection._stdlib_modules_names is None
    plugin({})
    assert ImportDetection._stdlib_modules_names == ()


def test_runtime_hard_imports_are_kept_and_forced_in(plugin):
    p = plugin({})
    assert encounter(p, "typing") is None
    assert p.decisions.kept_without_record["typing"] == hinted_decisions.Reason.FOR_RUNTIME


def test_the_record_counts_for_a_recorded_module_a_kept_modules_imports_for_a_kept_one(plugin):
    """PIL.Image's configuration lists every image plugin; the record is what counts
    for a recorded module. For a module kept by --hinted-keep, what it imports (its
    package configuration's implicit imports among them) is kept too."""
    p = plugin({"recorded": source("recorded.py")}, keep=["wanted"])
    assert encounter(p, "recorded.extra", using="recorded")[0] is False
    assert encounter(p, "wanted") is None
    assert encounter(p, "wanted_helper", using="wanted") is None
    assert p.decisions.kept_without_record["wanted_helper"] == hinted_decisions.Reason.FOR_KEPT
    assert encounter(p, "wanted_helper_helper", using="wanted_helper") is None


PROFILED = {
    "lib": source("lib/__init__.py", "site-packages"),
    "lib.hot": source("lib/hot.py", "site-packages"),
    "lib.cold": source("lib/cold.py", "site-packages"),
    "lib._speedups": {"kind": "extension", "file": "lib/_speedups.so",
                      "where": "site-packages", "runs": 1},
    "mine": source("mine.py"),
    "json": source("json/__init__.py", "stdlib"),
}
PROFILE = {"samples": 200, "modules": {"lib.hot": 150, "lib.cold": 1}}


def compilation(plugin, name):
    return plugin.decideCompilation(ModuleName(name))


def test_only_cold_modules_of_installed_packages_become_bytecode(plugin):
    p = plugin(PROFILED, profile=PROFILE)
    assert [n for n in sorted(PROFILED) if compilation(p, n) == "bytecode"] == ["lib", "lib.cold"]
    assert p.decisions.not_hot == {"lib", "lib.cold"}


@pytest.mark.parametrize("compile, profile", [("all", PROFILE), ("hot", None)])
def test_every_recorded_module_compiled_when_asked_or_without_profile(plugin, compile, profile):
    p = plugin(PROFILED, compile=compile, profile=profile)
    assert all(compilation(p, name) is None for name in PROFILED)


def test_another_plugin_insisting_on_compilation_wins(plugin, monkeypatch):
    """Nuitka stops on conflicting compilation decisions: we give way."""
    from nuitka.plugins import Plugins
    from nuitka.plugins.PluginBase import NuitkaPluginBase

    class Insisting(NuitkaPluginBase):
        plugin_name = "insisting"

        def decideCompilation(self, module_name):
            return "compiled" if module_name == "lib.cold" else None

    p = plugin(PROFILED, profile=PROFILE)
    monkeypatch.setitem(Plugins.active_plugins, "insisting", Insisting())
    monkeypatch.setitem(Plugins.active_plugins, p.plugin_name, p)
    assert compilation(p, "lib.cold") is None
    assert compilation(p, "lib") == "bytecode"


def test_another_plugin_including_a_module_wins(plugin, monkeypatch):
    """Nuitka's multiprocessing plugin wants all of multiprocessing: we give way."""
    from nuitka.plugins import Plugins
    from nuitka.plugins.standard.MultiprocessingPlugin import (
        NuitkaPluginMultiprocessingWorkarounds,
    )

    p = plugin({"multiprocessing": source("multiprocessing/__init__.py", "stdlib")})
    monkeypatch.setitem(Plugins.active_plugins, "multiprocessing",
                        NuitkaPluginMultiprocessingWorkarounds())
    monkeypatch.setitem(Plugins.active_plugins, p.plugin_name, p)
    assert encounter(p, "multiprocessing.forkserver") is None
    assert p.decisions.given_way == {"multiprocessing.forkserver": ["multiprocessing"]}
    assert encounter(p, "colorsys")[0] is False
    assert compilation(p, "multiprocessing.forkserver") is None  # theirs: bytecode


def test_an_installed_module_another_plugin_includes_goes_in_as_bytecode(plugin, monkeypatch):
    """No run imported it, so it is not hot: the matplotlib plugin includes
    mpl_toolkits' 3D modules (8.7 MB of C for the PyTorch program)."""
    from nuitka.plugins import Plugins

    class Including(NuitkaPluginBase):
        plugin_name = "including"

        def onModuleEncounter(self, using_module_name, module_name, module_filename,
                              module_kind):
            return (True, "wanted") if module_name.hasNamespace("extra") else None

    p = plugin({})
    monkeypatch.setitem(Plugins.active_plugins, "including", Including())
    monkeypatch.setitem(Plugins.active_plugins, p.plugin_name, p)
    installed = os.path.join(sysconfig.get_paths()["purelib"], "extra", "tool.py")
    for name, filename in (("extra.tool", installed), ("extra.mine", "/home/me/extra/mine.py")):
        assert p.onModuleEncounter(ModuleName("__main__"), ModuleName(name), filename, "py") \
            is None
    assert compilation(p, "extra.tool") == "bytecode"
    assert compilation(p, "extra.mine") is None  # outside site-packages: the program's own
    assert p.decisions.given_way == {"extra.tool": ["including"], "extra.mine": ["including"]}


def test_unrecorded_bytecode_gives_way_to_a_plugin_compiling_it(plugin, monkeypatch):
    from nuitka.plugins import Plugins
    from nuitka.plugins.PluginBase import NuitkaPluginBase

    class Insisting(NuitkaPluginBase):
        plugin_name = "insisting"

        def decideCompilation(self, module_name):
            return "compiled" if module_name == "rare" else None

    p = plugin({}, policy="bytecode")
    monkeypatch.setitem(Plugins.active_plugins, "insisting", Insisting())
    monkeypatch.setitem(Plugins.active_plugins, p.plugin_name, p)
    assert encounter(p, "rare") is None
    assert compilation(p, "rare") is None
    assert encounter(p, "other") is None and compilation(p, "other") == "bytecode"


def test_imports_nuitkas_package_configuration_adds_are_kept(plugin, tmp_path):
    """OpenCV's cv2 gets 'import imp' written into it by anti-bloat (Python < 3.12)."""
    original = tmp_path / "cv2.py"
    original.write_text("import importlib\nnative = importlib.import_module('cv2')\n")
    p = plugin({"cv2": source("cv2.py", "site-packages")})
    rewritten = "import importlib\nimport imp; native = imp.load_dynamic('cv2', 'x.so')\n"
    assert p.onModuleSourceCode(ModuleName("cv2"), str(original), rewritten) is None
    assert encounter(p, "imp", using="cv2") is None
    assert p.decisions.kept_without_record["imp"] == hinted_decisions.Reason.FOR_REWRITE
    assert encounter(p, "zipfile", using="cv2")[0] is False


def test_what_a_rewrite_adds_is_kept_with_what_importing_it_loads(plugin, tmp_path):
    """Transitively: the added module's own imports go in too (imp needs importlib.util)."""
    original = tmp_path / "lib.py"
    original.write_text("VALUE = 1\n")
    p = plugin({"lib": source("lib.py", "site-packages")})
    assert p.onModuleSourceCode(ModuleName("lib"), str(original), "import json\nVALUE = 1\n") \
        is None
    assert encounter(p, "json.decoder", using="json") is None  # json imports it
    assert p.decisions.kept_without_record["json.decoder"] == hinted_decisions.Reason.FOR_REWRITE
    assert "json.decoder" in p.decisions.loaded_for_nuitka["lib"]  # lib's implicit imports
    assert encounter(p, "json.tool", using="json")[0] is False  # json never imports it


VENDORED = "hintvendor/"  # the package the fixture below installs
VENDORED_FILES = {"__init__.py": "", "certifi/__init__.py": "", "certifi/core.py": "",
                  "certifi/cacert.pem": "-----BEGIN CERTIFICATE-----\n", "vendor.txt": "x==1\n",
                  "distlib/__init__.py": "", "distlib/w32.exe": "MZ"}


@pytest.fixture
def vendored():
    """A package with data files, installed in site-packages as a wheel installs it."""
    with installed_distribution("hintvendor", "1.0", VENDORED_FILES):
        yield


class AnotherPlugin(NuitkaPluginBase):
    """A plugin offering data files, as Nuitka's package configuration does."""

    plugin_name = "another-test-plugin"


def offer(plugin, relative, by=None):
    """Nuitka's own data-file object for a file of site-packages, as a build offers it."""
    from nuitka.freezer.IncludedDataFiles import IncludedDataFile

    source = os.path.join(sysconfig.get_paths()["purelib"], relative)
    datafile = IncludedDataFile(kind="data_file", source_path=source, dest_path=relative,
                                reason="test", data=None, tags={"copy"},
                                tracer=by or AnotherPlugin())
    plugin.onDataFileTags(datafile)
    return datafile.needsCopy()


def test_data_files_no_run_read_are_left_out_unless_kept(plugin, vendored):
    read = {"site-packages": {VENDORED + "certifi/cacert.pem": 1}}
    opened = plugin({}, data=read)
    assert offer(opened, VENDORED + "certifi/cacert.pem")
    assert not offer(opened, VENDORED + "vendor.txt")
    assert opened.data_files.left_out == {VENDORED + "vendor.txt": os.path.getsize(
        os.path.join(sysconfig.get_paths()["purelib"], VENDORED + "vendor.txt"))}
    assert offer(opened, VENDORED + "vendor.txt", by=object())  # an option's (a logger)
    assert offer(opened, VENDORED + "distlib/w32.exe") is False
    kept = plugin({}, data=read, keep_data=[VENDORED + "distlib"])
    assert offer(kept, VENDORED + "distlib/w32.exe")


def test_a_listed_directory_keeps_its_files(plugin, vendored, tmp_path):
    read = {"site-packages": {VENDORED + "certifi/cacert.pem": 1}}
    listing = plugin({}, data=read)
    listing.data_files.listed.add(os.path.realpath(os.path.join(
        sysconfig.get_paths()["purelib"], VENDORED + "distlib")))
    assert offer(listing, VENDORED + "distlib/w32.exe")


def test_read_files_nuitka_does_not_list_are_added_by_their_package(plugin, vendored, monkeypatch):
    from nuitka.freezer import IncludedDataFiles

    monkeypatch.setattr(IncludedDataFiles, "isAcceleratedMode", lambda: False)  # standalone
    read = {"site-packages": {VENDORED + "certifi/cacert.pem": 1, VENDORED + "vendor.txt": 1}}
    adding = plugin({"hintvendor.certifi.core": source("hintvendor/certifi/core.py",
                                                       "site-packages")}, data=read)
    assert offer(adding, VENDORED + "vendor.txt")  # Nuitka lists this one itself

    class Module:  # the two questions considerDataFiles asks of Nuitka's module
        def __init__(self, name):
            self.name = name

        def isMainModule(self):
            return False

        def getFullName(self):
            return ModuleName(self.name)

    assert list(adding.considerDataFiles(Module("hintvendor"))) == []
    added = list(adding.considerDataFiles(Module("hintvendor.certifi")))
    assert [d.dest_path for d in added] == [VENDORED + "certifi/cacert.pem"]
    assert adding.data_files.added == [VENDORED + "certifi/cacert.pem"]


def test_the_metadata_the_runs_read_must_be_asked_of_nuitka(plugin, vendored, capsys):
    """Nuitka ships a distribution's metadata only when asked: the plugin, used
    without nuitka_hints.py, says which options to add."""
    modules = {"hintvendor": source(VENDORED + "__init__.py", "site-packages")}
    read = {"site-packages": {"hintvendor-1.0.dist-info/METADATA": 1}}
    with pytest.raises(SystemExit):
        plugin(modules, data=read)
    assert "add --include-distribution-metadata=hintvendor (nuitka_hints.py does this for " \
        "you)" in capsys.readouterr().err
    assert plugin(modules, data=read, nuitka_options=["--include-distribution-metadata=hint*"])


def test_a_build_not_standalone_or_with_pgo_c_stops_saying_why(plugin, monkeypatch, capsys):
    """Without a finished dist, the binary finds no index and stops at its start."""
    from nuitka.options import OptionParsing, Options

    monkeypatch.setattr(Options, "options", OptionParsing.parser.parse_args(
        ["--mode=accelerated", "app.py"])[0])
    with pytest.raises(SystemExit):
        plugin({})
    assert "nuitka-hints builds standalone programs: add --mode=standalone" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        plugin({}, nuitka_options=["--pgo-c"])
    assert "nuitka-hints does not take --pgo-c: " in capsys.readouterr().err


def test_a_recorded_file_leading_out_of_its_folder_is_refused(plugin):
    with pytest.raises(SystemExit):
        plugin({}, data={"site-packages": {"../../../../etc/passwd": 1}})
    with pytest.raises(SystemExit):
        plugin({}, data={"site-packages": {"/etc/passwd": 1}})


def test_a_recorded_file_not_on_this_machine_is_reported_stale(plugin):
    stale = plugin({}, data={"site-packages": {"gone/data.bin": 1}})
    assert stale.data_files.stale == ["site-packages/gone/data.bin"]


def test_the_module_kinds_the_report_reads_are_nuitkas():
    """_built_modules reads Nuitka's module registry: fail loudly if its kinds change."""
    import re

    import nuitka
    from nuitka import ModuleRegistry

    assert callable(ModuleRegistry.getDoneModules)
    nodes = os.path.join(os.path.dirname(nuitka.__file__), "nodes", "ModuleNodes.py")
    with open(nodes, encoding="utf-8") as handle:
        kinds = set(re.findall(r'^    kind = "(\w+)"', handle.read(), re.M))
    assert kinds == {"COMPILED_PYTHON_MODULE", "COMPILED_PYTHON_PACKAGE",
                     "COMPILED_PYTHON_NAMESPACE_PACKAGE", "UNCOMPILED_PYTHON_MODULE",
                     "UNCOMPILED_PYTHON_PACKAGE", "PYTHON_MAIN_MODULE", "PYTHON_EXTENSION_MODULE"}


class MainModule:
    """The three questions the plugin asks of Nuitka's main module."""

    def __init__(self, path):
        self.path = str(path)

    def isMainModule(self):
        return True

    def getFullName(self):
        return ModuleName("__main__")

    def getCompileTimeFilename(self):
        return self.path


def test_a_recorded_file_linked_out_of_its_folder_is_not_copied(plugin, tmp_path, monkeypatch):
    from nuitka.freezer import IncludedDataFiles

    monkeypatch.setattr(IncludedDataFiles, "isAcceleratedMode", lambda: False)  # standalone
    program, elsewhere = tmp_path / "program", tmp_path / "elsewhere"
    program.mkdir()
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text("not the program's")
    (program / "linked.txt").symlink_to(elsewhere / "secret.txt")
    (program / "own.txt").write_text("the program's")
    linking = plugin({}, data={"program": {"linked.txt": 1, "own.txt": 1}})

    assert [d.dest_path for d in linking.considerDataFiles(MainModule(program / "app.py"))] \
        == ["own.txt"]
    assert "'linked.txt' of program is a symbolic link to %s, outside it: not copied" % (
        elsewhere / "secret.txt") in linking.data_files.gate.held_back["linked.txt"]


def test_the_binary_is_told_the_modules_nuitka_failed_on_and_where_they_ship(
        plugin, tmp_path, monkeypatch):
    """The code run before the main module: the runtime's source and its start,
    with the modules left to Python (a submodule, a top-level module, a package)
    when there are any."""
    p = plugin({})
    code, reason = p.createPreModuleLoadCode(MainModule(tmp_path / "app.py"))
    with open(hinted_runtime.__file__) as handle:
        source = handle.read()
    assert code == source + "\n\nstart({'sources': True, 'worker': False})\n"
    assert reason == "nuitka-hints: the cold tier, and what this binary lacks noted (in the " \
        "file NUITKA_HINTS_MISSES names, and on stderr what the build left out that the " \
        "program imported or looked for)"
    package = MainModule(tmp_path / "multiprocessing" / "__init__.py")  # as a worker runs it
    package.isMainModule, package.getFullName = lambda: False, lambda: ModuleName(
        "multiprocessing")
    assert p.createPreModuleLoadCode(package)[0] == \
        source + "\n\nstart({'sources': True, 'worker': True})\n"
    package.getFullName = lambda: ModuleName("multiprocessing.pool")
    assert p.createPreModuleLoadCode(package) is None
    assert p.createPostModuleLoadCode(package) is None
    package.getFullName = lambda: ModuleName("multiprocessing")  # a worker's work, watched
    assert p.createPostModuleLoadCode(package)[0] == "import sys\nsys.modules[%r].watch(" \
        "sys.modules['multiprocessing.process'])\n" % hinted_runtime.STARTED
    installed = tmp_path / "site"
    for relative in ("shapes/matcher.py", "solo.py", "toppkg/__init__.py"):
        (installed / relative).parent.mkdir(parents=True, exist_ok=True)
        (installed / relative).write_text("VALUE = 1\n")
    monkeypatch.setattr(p, "locateModule", lambda name: next(
        (str(path) for path in (installed / (name.replace(".", "/") + ".py"),
                                installed / name.replace(".", "/")) if path.exists()), None))
    p.left_to_python.update({"shapes.matcher", "solo", "toppkg"})
    assert p.decisions.left_to_python_files(p.locateModule) == {
        "shapes.matcher": (str(installed / "shapes/matcher.py"), "shapes/matcher.py"),
        "solo": (str(installed / "solo.py"), "solo.py"),
        "toppkg": (str(installed / "toppkg/__init__.py"), "toppkg/__init__.py")}
    assert p.preload_settings() == {"sources": True, "left_to_python": {
        "shapes.matcher": "shapes/matcher.py", "solo": "solo.py",
        "toppkg": "toppkg/__init__.py"}}


@pytest.mark.parametrize("keep, cold", [(False, False), (True, False), (False, True)])
def test_a_binary_without_the_families_is_told_to_name_them_when_the_program_fails(
        plugin, monkeypatch, tmp_path, keep, cold):
    """The note's text and the exit statuses it stays quiet for (0 and the
    recorded runs'); a build that ships the families, or puts them in the cold
    tier, adds no note."""
    p = plugin({})
    p.keep_families, p.cold_tier = keep, cold
    p.hints.runs[0]["exit_status"] = 3
    monkeypatch.setattr(p, "all_families", lambda: [
        {"family": "fonts/*.flf", "picked": ["standard.flf"], "left_out": ["a.flf", "b.flf"]}])
    note = ("nuitka-hints: this build left out what no recorded run read of fonts/*.flf (1 of 3 "
            "shipped); if the program looked for one of them, rebuild with "
            "--hinted-families=keep (or --hinted-safe)\n")
    assert p.preload_settings() == ({"sources": True} if cold else {} if keep else {
        "left_out_files": [], "families_note": note, "statuses": [0, 3]})


def test_a_module_left_to_python_is_refused_to_nuitka_saying_why(plugin):
    p = plugin({"shapes": source("shapes/__init__.py"), "shapes.matcher": source("m.py")})
    p.left_to_python.add("shapes.matcher")  # (the decisions hold the same set)
    assert encounter(p, "shapes.matcher", using="shapes") == (
        False, "nuitka-hints: Nuitka fails on it: its source ships in the dist and Python "
        "imports it from there")
    assert p.left_to_python == {"shapes.matcher"}  # (the report's row: test_binary_needs)


def test_a_module_that_took_another_path_in_the_binary_keeps_all_it_imports(tmp_path, plugin):
    """anyio, with no source to read in the binary, imports all its submodules instead
    of lazily: once the binary was seen to lack one, every import of anyio goes in."""
    original = tmp_path / "lazy.py"
    original.write_text("import json\nimport colorsys\n")
    p = plugin({"lazy": source("lazy.py", "site-packages")},
               learned={"json": {"importer": "lazy", "runs": [1], "reports": []}})
    assert p.learned_importers == {"lazy"}
    assert p.decisions.kept_without_record["json.decoder"] == hinted_decisions.Reason.FOR_LEARNED
    p.onModuleSourceCode(ModuleName("lazy"), str(original), original.read_text())
    assert p.decisions.kept_without_record["colorsys"] == hinted_decisions.Reason.FOR_OTHER_PATH
    assert "colorsys" in p.decisions.loaded_for_nuitka["lazy"]
    assert encounter(p, "colorsys", using="lazy") is None


def test_what_the_main_script_imports_unconditionally_is_kept_whatever_the_record(
        plugin, tmp_path, capsys, monkeypatch):
    """A record of other runs (a test suite's) lacks what the main script loads on
    every start: kept, as bytecode where installed; its branches are not."""
    p = plugin({"json": source("json/__init__.py", "stdlib")})
    p.hints.runs[0]["cwd"] = str(tmp_path)  # (one run, twice)
    monkeypatch.setattr(p, "locateModule", lambda name: importlib.util.find_spec(name).origin)
    main = tmp_path / "entry.py"
    main.write_text("import json.tool\nfrom email import parser\nif True:\n    import colorsys\n")
    p.onModuleSourceCode(ModuleName("__main__"), str(main), main.read_text())
    assert encounter(p, "json.tool") is None and encounter(p, "email.parser") is None
    assert p.decisions.kept_without_record["json.tool"] == hinted_decisions.Reason.FOR_MAIN
    assert encounter(p, "colorsys")[0] is False  # a branch: no run took it
    assert "No recorded run in app.json ran entry.py (they ran app.py): what it imports at " \
        "module level is kept, the rest it could reach is in the cold tier." \
        in capsys.readouterr().err


def test_an_extension_module_whose_file_a_run_loaded_under_another_name_is_kept(
        plugin, tmp_path, vendored):
    """OpenCV's native module loads as ``cv2`` from ``cv2/python-3.X/``; Nuitka's
    configuration names it ``cv2.cv2``: the record holds its file as a library."""
    p = plugin({})
    hints_name = make_hints(tmp_path, {}, data={"site-packages": {}})
    data = json.loads(open(hints_name).read())
    loaded = _ctypes.__file__  # an extension module's file, of the standard library
    data["libraries"] = {"lib-dynload/" + os.path.basename(loaded): {"where": "stdlib"}}
    open(hints_name, "w").write(json.dumps(data))
    p.data_files = hinted_data_files.DataFiles(hints_file.Hints.load(hints_name), "opened",
                                               [], set())
    p.data_files.prepare()
    assert p.onModuleEncounter(ModuleName("hintvendor"), ModuleName("hintvendor.native"),
                               loaded, "extension") is None
    assert p.decisions.kept_without_record["hintvendor.native"] == \
        hinted_decisions.Reason.FOR_LOADED_FILE
    assert p.onModuleEncounter(ModuleName("hintvendor"), ModuleName("hintvendor.other"),
                               loaded + ".not", "extension")[0] is False


def test_families_of_kind_of_suffixless_files_and_of_sibling_folders_and_what_never_ships(
        plugin, tmp_path):
    """What a run read picks its family: files of its suffix in its folder, files
    without one (time zones), the same file in sibling folders (a gettext
    catalog per language); with the cold tier (default) the rest of each ships,
    except a dotfile or a key of the program's folder."""
    program = tmp_path / "program"
    files = ["zones/Europe/Berlin", "zones/Europe/Paris", "zones/Europe/.hidden",
             "locale/de/LC_MESSAGES/app.mo", "locale/fr/LC_MESSAGES/app.mo",
             "locale/fr/LC_MESSAGES/other.mo", "keys/a.pem", "keys/b.pem"]
    for relative in files:
        (program / relative).parent.mkdir(parents=True, exist_ok=True)
        (program / relative).write_text("x")
    p = plugin({}, data={"program": {"zones/Europe/Berlin": 1,
                                     "locale/de/LC_MESSAGES/app.mo": 1, "keys/a.pem": 1}})
    p.data_files.add_program_folder(str(program))
    assert p.data_files.families == {  # (the key read is held back: no family)
        "zones/Europe/*": (["Berlin"], ["Paris"]),
        "locale/*/LC_MESSAGES/app.mo": (["de"], ["fr"])}
    shipped = sorted(relative for _, relative in p.data_files.read.values())
    assert shipped == ["locale/de/LC_MESSAGES/app.mo", "locale/fr/LC_MESSAGES/app.mo",
                       "zones/Europe/Berlin", "zones/Europe/Paris"]
    assert list(p.data_files.gate.held_back) == ["keys/a.pem"]
