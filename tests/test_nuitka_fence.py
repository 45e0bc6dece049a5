"""hinted_nuitka.py: each thing read from Nuitka beyond the plugin API, checked
against the installed Nuitka (these fail loudly when Nuitka changes one), and the
probes of the program's Python (no build here)."""

import os
import sys

import hinted_nuitka
import hints_file

from nuitka.utils.ModuleNames import ModuleName

NUITKA_CRASH = """\
Nuitka-Optimization:WARNING: Problem at '{site}/pylint/checkers/utils.py:1553' with Match(
Nuitka-Optimization:WARNING: Problem at '{site}/pylint/checkers/utils.py:1539' with FunctionDef(
Traceback (most recent call last):
  File "{site}/nuitka/tree/ReformulationMatchStatements.py", line 642, in _buildMatchOr
    assert or_assignments is not None, (source_ref, or_assignments_list)
AssertionError: (<SourceCodeReference to {site}/pylint/checkers/utils.py:1553>, [None])
Nuitka-Reports: Compilation crash report written to file 'nuitka-crash-report.xml'.
"""


def anti_bloat_plugin(*options):
    """Nuitka's real anti-bloat plugin, made from its own options."""
    from nuitka.options.CommandLineOptionsTools import makeOptionsParser
    from nuitka.plugins.standard.AntiBloatPlugin import NuitkaPluginAntiBloat

    parser = makeOptionsParser(usage="test", epilog=None)
    NuitkaPluginAntiBloat.addPluginCommandLineOptions(parser)
    values, _ = parser.parse_args(list(options))
    return NuitkaPluginAntiBloat(**vars(values))


def test_required_plugins_are_checked_against_installed_nuitka():
    packages = ["tkinter", "PySide6", "matplotlib", "numpy", "requests"]
    assert hinted_nuitka.required_plugins(packages) == ["pyside6", "tk-inter"]
    offered = {"tk-inter": False, "matplotlib": False}  # e.g. an older Nuitka
    assert hinted_nuitka.required_plugins(packages, offered) == ["matplotlib", "tk-inter"]


def test_nuitka_still_lists_its_plugins_where_we_read_them():
    plugins = hinted_nuitka.standard_plugins()
    assert plugins["implicit-imports"] is True and plugins["tk-inter"] is False
    missing = set(hinted_nuitka.PLUGINS_FOR_PACKAGES.values()) - set(plugins)
    assert not missing, "Nuitka no longer offers plugins %s" % missing


def test_nuitka_still_says_which_modules_anti_bloat_keeps_out(monkeypatch):
    """``_avoided_by_anti_bloat`` reads anti-bloat's ``handled_modules``."""
    from nuitka.plugins import Plugins

    anti_bloat = anti_bloat_plugin("--noinclude-custom-mode=pydoc:error",
                                   "--noinclude-setuptools-mode=nofollow",
                                   "--noinclude-custom-mode=csv:warning")
    monkeypatch.setattr(Plugins, "getActivePlugins", lambda: [anti_bloat])
    avoided = hinted_nuitka.avoided_by_anti_bloat
    assert avoided(ModuleName("pydoc")) == "Nuitka's anti-bloat keeps pydoc out (mode 'error')"
    assert avoided(ModuleName("setuptools.dist")) == \
        "Nuitka's anti-bloat keeps setuptools out (mode 'nofollow')"
    assert avoided(ModuleName("csv")) is None  # warned about, but included
    assert avoided(ModuleName("json")) is None


def test_a_package_nuitkas_configuration_keeps_out_gets_no_plugin(tmp_path):
    """torch's configuration keeps out dill, which torch imports when installed: its
    plugin would insist on dill, and Nuitka stops on the disagreement."""
    assert hinted_nuitka.packages_kept_out(["dill", "numpy"], {"torch": {}}) == {
        "dill": "Nuitka's configuration of torch keeps dill out of the build"}
    assert hinted_nuitka.packages_kept_out(["dill"], {"numpy": {}}) == {}
    mine = tmp_path / "mine.yml"
    mine.write_text("- module-name: 'mylib'\n  anti-bloat:\n    - no-follow:\n"
                    "        'cloudpickle': 'not here'\n")
    assert hinted_nuitka.packages_kept_out(["cloudpickle"], {"mylib": {}}, [str(mine)]) \
        == {"cloudpickle": "Nuitka's configuration of mylib keeps cloudpickle out of the build"}
    assert hinted_nuitka.required_plugins(
        ["dill", "tkinter"], kept_out={"dill": "..."}) == ["tk-inter"]
    broken = tmp_path / "broken.yml"
    broken.write_text("- module-name: [unclosed\n")
    for unusable in (broken, tmp_path / "missing.yml"):  # Nuitka says what is wrong with it
        assert hinted_nuitka.packages_kept_out(["cloudpickle"], {"mylib": {}},
                                               [str(unusable)]) == {}


def test_nuitka_still_embeds_the_python_code_its_runtime_runs():
    """``runtime_python_code`` reads it from Nuitka's C runtime sources: its
    importlib.metadata distribution parses metadata with email.parser."""
    codes = hinted_nuitka.runtime_python_code()
    distribution = [c for c in codes if "class nuitka_distribution(Distribution)" in c]
    assert len(distribution) == 1, "Nuitka no longer embeds its distribution class"
    assert "importlib.metadata" in hinted_nuitka.code_imports(distribution[0])
    loads = hinted_nuitka.modules_used_by_runtime_code(distribution[0])
    assert {"email.parser", "importlib.metadata"} <= loads
    assert "zipfile" in loads  # what importing importlib.metadata loads
    assert "tkinter" not in loads


def test_what_importing_modules_loads_is_asked_of_a_fresh_interpreter():
    loaded = hinted_nuitka.modules_loaded_by(("json", "no_such_module"))
    assert {"json", "json.decoder", "json.scanner"} <= loaded and "json.tool" not in loaded
    assert hinted_nuitka.modules_loaded_by(()) == frozenset()
    assert hinted_nuitka.modules_loaded_by(("this",)) == {"this"}  # it prints a poem


def test_nuitkas_configuration_tells_what_a_compiled_module_imports():
    """What an extension module imports shows in no source: Nuitka's standard
    package configuration lists it (its own parser reads it)."""
    implied = hinted_nuitka.configured_implicit_imports()
    assert "sklearn.neighbors._quad_tree" in implied["sklearn.tree._tree"]
    assert all(all(part.isidentifier() for part in name.split("."))
               for names in implied.values() for name in names)


def test_runtime_hard_imports_are_read_from_nuitkas_runtime():
    """Nuitka's C runtime patches typing's types on 3.12+: typing is among them."""
    needed = hinted_nuitka.runtime_hard_imports()
    assert "typing" in needed and "os" in needed
    assert all(name.partition(".")[0] in sys.stdlib_module_names for name in needed)
    assert "unittest" not in needed  # a hard module, but not one the runtime imports


def test_the_module_nuitka_failed_on_is_named_with_its_error(tmp_path):
    site = hints_file.site_packages_dirs(hints_file.sys_path_roots())[0]
    output = NUITKA_CRASH.format(site=site)
    assert hinted_nuitka.module_nuitka_failed_on(output, str(tmp_path / "app.py")) == (
        "pylint.checkers.utils", "AssertionError at %s/pylint/checkers/utils.py:1553" % site)
    assert hinted_nuitka.module_nuitka_failed_on(  # a failure that is not a crash
        "FATAL: some option is wrong\n", str(tmp_path / "app.py")) is None
    main = tmp_path / "app.py"  # Nuitka failing on the program itself: nothing to retry
    assert hinted_nuitka.module_nuitka_failed_on(
        output.replace("%s/pylint/checkers/utils.py" % site, str(main)), str(main)) is None


def test_only_the_plugin_and_the_fence_import_nuitka():
    """Everything else reads Nuitka through this module (the invoker included)."""
    import ast

    import hinted_runtime

    importers = set()
    for name in hinted_runtime.OUR_MODULES:
        with open(os.path.join(os.path.dirname(hinted_nuitka.__file__), name + ".py")) as handle:
            tree = ast.parse(handle.read())
        for node in ast.walk(tree):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) \
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(module.partition(".")[0] == "nuitka" for module in modules):
                importers.add(name)
    assert importers == {"hinted_compilation", "hinted_nuitka"}
