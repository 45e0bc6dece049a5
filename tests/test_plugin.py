"""The plugin's decisions, checked with Nuitka's real classes (no build here).

Two helpers touch Nuitka internals; their tests fail loudly if Nuitka changes them.
"""

import json

import pytest

from conftest import TAG

import hinted_compilation
import hinted_mods

from nuitka.utils.ModuleNames import ModuleName


def make_hints(tmp_path, modules, runs=2, profile=None):
    run = {"argv": ["app.py"], "exit_status": 0, "duration": 0.1}
    if profile is not None:
        run["profile"] = profile
    data = {"schema": 2, "tag": TAG, "modules": modules,
            "packages": sorted({n.partition(".")[0] for n in modules}),
            "runs": [run] * runs}
    path = tmp_path / "app.json"
    path.write_text(json.dumps(data))
    return str(path)


def source(file, where="program"):
    return {"kind": "source", "file": file, "where": where, "runs": 1}


@pytest.fixture
def plugin(tmp_path):
    def make(modules, keep=(), policy="drop", compile="hot", profile=None):
        return hinted_compilation.HintedCompilationPlugin(
            hinted_json_file=make_hints(tmp_path, modules, profile=profile),
            hinted_keep=list(keep),
            hinted_unrecorded=policy,
            hinted_compile=compile,
        )

    return make


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


def test_bad_hints_file_stops_the_build(tmp_path):
    with pytest.raises(SystemExit):
        hinted_compilation.HintedCompilationPlugin(
            hinted_json_file=str(tmp_path / "missing.json"), hinted_keep=[],
            hinted_unrecorded="drop", hinted_compile="hot")


def test_required_plugins_are_checked_against_installed_nuitka():
    packages = ["tkinter", "PySide6", "matplotlib", "numpy", "requests"]
    assert hinted_compilation.required_plugins(packages) == ["pyside6", "tk-inter"]
    offered = {"tk-inter": False, "matplotlib": False}  # e.g. an older Nuitka
    assert hinted_compilation.required_plugins(packages, offered) == ["matplotlib", "tk-inter"]


def test_nuitka_still_lists_its_plugins_where_we_read_them():
    plugins = hinted_compilation.standard_plugins()
    assert plugins["implicit-imports"] is True and plugins["tk-inter"] is False
    missing = set(hinted_compilation.PLUGINS_FOR_PACKAGES.values()) - set(plugins)
    assert not missing, "Nuitka no longer offers plugins %s" % missing


def test_nuitka_still_caches_implicit_imports_where_we_read_them():
    from nuitka.plugins.Plugins import Plugins

    assert isinstance(Plugins.implicit_imports_cache, dict)
    assert not hinted_compilation._required_by_package_configuration("nothing", "nothing.x")


def test_unused_stdlib_left_out_whole_or_by_submodule(tmp_path):
    hints = hinted_mods.load_hints(make_hints(tmp_path, {
        "json": source("json/__init__.py", "stdlib"),
        "json.decoder": source("json/decoder.py", "stdlib"),
        "os": source("os.py", "stdlib"),
    }))
    unused = hinted_compilation.unused_stdlib_modules(hints)
    assert {"xml", "csv", "email", "json.tool"} <= set(unused)
    assert not {"json", "json.decoder", "os", "sys"} & set(unused)


def test_package_configuration_counts_only_for_modules_kept_without_record(plugin):
    """PIL.Image's configuration lists every image plugin; the record is what counts
    for a recorded module, the configuration for one kept by --hinted-keep."""
    from nuitka.plugins.Plugins import Plugins

    class ImplicitImports:  # the cache is keyed by the plugin object; only its name is read
        plugin_name = "implicit-imports"

    cache = Plugins.implicit_imports_cache
    entries = {
        (ModuleName("recorded"), ImplicitImports()): (("recorded.extra", None, "py", "", ""),),
        (ModuleName("wanted"), ImplicitImports()): (("wanted_helper", None, "py", "", ""),),
    }
    cache.update(entries)
    try:
        p = plugin({"recorded": source("recorded.py")}, keep=["wanted"])
        assert encounter(p, "recorded.extra", using="recorded")[0] is False
        assert encounter(p, "wanted") is None
        assert encounter(p, "wanted_helper", using="wanted") is None
    finally:
        for key in entries:
            del cache[key]


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
    assert p.cold == {"lib", "lib.cold"}


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
