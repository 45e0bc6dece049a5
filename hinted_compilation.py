"""Nuitka user plugin: build only the modules that recorded runs really imported.

    python -m nuitka --standalone --user-plugin=hinted_compilation.py \\
        --hinted-json-file=script-<tag>.json script.py

(``nuitka_hints.py`` writes that command for you.)  The hints come from
``hinted_mods.py``.  For every module Nuitka meets, the plugin answers:

- recorded module, or a package containing one: no opinion (``None``), so Nuitka
  follows it as usual and never conflicts with anti-bloat's own exclusions;
- matching ``--hinted-keep``, or asked for by Nuitka's package configuration
  (implicit imports) of such a module: no opinion either.  For a recorded
  module the record supersedes the configuration: it lists what the module may
  load (PIL.Image: every image plugin), the record what it did load;
- anything else: dropped, with the evidence as the reason (``--report`` XML shows it),
  or, with ``--hinted-unrecorded=bytecode``, kept as bytecode instead of compiled.

Recorded modules that static analysis cannot see (``importlib.import_module`` with
a computed name) are added as implicit imports of the main module.

Which kept modules are compiled to C is profile-guided too: the program's own
modules, and installed packages' modules in which a recorded run spent at least
``HOT_SHARE`` of its CPU time.  The other modules of installed packages were only
imported, so they go in as bytecode: the same behaviour, a fraction of the build
time and size.  ``--hinted-compile=all`` compiles every kept module.
"""

import fnmatch
import os
import sys

from nuitka.plugins.PluginBase import NuitkaPluginBase

try:
    import hinted_mods
except ImportError:  # the three files copied side by side rather than installed
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import hinted_mods

# Top-level package -> the standard Nuitka plugin it needs.  Only plugins that the
# installed Nuitka offers and does not enable by itself are enabled (see
# required_plugins); Nuitka 4.3 enables matplotlib, kivy, gevent, ... by itself.
PLUGINS_FOR_PACKAGES = {
    "tkinter": "tk-inter",
    "_tkinter": "tk-inter",
    "PyQt5": "pyqt5",
    "PyQt6": "pyqt6",
    "PySide2": "pyside2",
    "PySide6": "pyside6",
    "matplotlib": "matplotlib",
    "kivy": "kivy",
    "gevent": "gevent",
    "glfw": "glfw",
    "OpenGL": "glfw",
    "webview": "pywebview",
    "playwright": "playwright",
    "spacy": "spacy",
    "dill": "dill-compat",
    "cloudpickle": "dill-compat",
    "Pmw": "pmw-freezer",
    "pbr": "pbr-compat",
    "gi": "gi",
    "torch": "torch-jit",
    "transformers": "transformers",
}

BUILTIN_KINDS = ("builtin", "frozen")

# A recorded module is "hot", and compiled to C, when some recorded run spent at
# least this share of its CPU samples in it.
HOT_SHARE = 0.01


class HintedCompilationPlugin(NuitkaPluginBase):
    """Keep what the recorded runs imported, drop the rest, say why."""

    plugin_name = "hinted-compilation"
    plugin_desc = "Include only the modules that recorded runs imported (nuitka-hints)."

    @classmethod
    def addPluginCommandLineOptions(cls, group):
        group.add_option(
            "--hinted-json-file",
            dest="hinted_json_file",
            default=None,
            help="[REQUIRED] Hints file written by hinted_mods.py for the program.",
        )
        group.add_option(
            "--hinted-keep",
            dest="hinted_keep",
            action="append",
            default=[],
            help="Keep modules matching this shell pattern even if no recorded run "
            "imported them; a package keeps its submodules. Repeatable.",
        )
        group.add_option(
            "--hinted-unrecorded",
            dest="hinted_unrecorded",
            choices=("drop", "bytecode"),
            default="drop",
            help="What to do with modules no recorded run imported: 'drop' them "
            "(default) or include them as 'bytecode' (not compiled).",
        )
        group.add_option(
            "--hinted-compile",
            dest="hinted_compile",
            choices=("hot", "all"),
            default="hot",
            help="Which recorded modules to compile to C: 'hot' (default): the "
            "program's own and those where a recorded run spent at least %d%% of "
            "its CPU time, installed packages' other modules as bytecode; 'all' of "
            "them." % (HOT_SHARE * 100),
        )

    def __init__(self, hinted_json_file, hinted_keep, hinted_unrecorded, hinted_compile):
        try:
            self.hints = hinted_mods.load_hints(hinted_json_file)
        except hinted_mods.HintsError as exc:
            self.sysexit(str(exc))
        self.keep_patterns = list(hinted_keep)
        self.unrecorded_policy = hinted_unrecorded
        self.kept = _with_parent_packages(self.hints.modules)
        for literal in (p for p in self.keep_patterns if not _is_pattern(p)):
            self.kept.update(_name_and_parents(literal)[1:])  # its packages
        self.kept_without_record = set()
        self.dropped = set()
        self.as_bytecode = set()
        self.hot = self.hints.hot_modules(HOT_SHARE) if hinted_compile == "hot" else None
        self.cold = set()
        runs = len(self.hints.runs)
        self.drop_reason = "nuitka-hints: not imported in any of %d recorded run%s (%s)" % (
            runs,
            "" if runs == 1 else "s",
            os.path.basename(hinted_json_file),
        )
        self.info(
            "Hints %s: %d modules from %d run(s); unrecorded modules: %s."
            % (hinted_json_file, len(self.hints.modules), runs, self.unrecorded_policy)
        )
        self._check_plugins()
        if hinted_compile == "hot" and self.hot is None:
            self.info(
                "A recorded run has no CPU profile (traced with --no-profile or by "
                "an older tracer): compiling every recorded module."
            )

    def _check_plugins(self):
        """Say which standard plugins the program needs; stop if one is missing."""
        needed = required_plugins(self.hints.top_level_packages())
        if not needed:
            return
        from nuitka.plugins.Plugins import hasActivePlugin

        missing = [name for name in needed if not hasActivePlugin(name)]
        if missing:
            self.sysexit(
                "The program needs Nuitka plugin(s) %s: add --enable-plugins=%s "
                "(nuitka_hints.py does this for you)." % (", ".join(missing), ",".join(missing))
            )
        self.info("Standard plugins the program needs, enabled: %s." % ", ".join(needed))

    def onModuleEncounter(self, using_module_name, module_name, module_filename, module_kind):
        name = module_name.asString()
        if name in self.kept:
            return None
        if self._keep_requested(name) or self._required_by_kept_without_record(
            using_module_name, name
        ):
            self.kept_without_record.add(name)
            return None
        if self.unrecorded_policy == "bytecode":
            self.as_bytecode.add(name)
            return None
        self.dropped.add(name)
        return False, self.drop_reason

    def getImplicitImports(self, module):
        """Make Nuitka include recorded modules it cannot see being imported."""
        if module.isMainModule():
            for name in self.hints.program_modules():
                if self.hints.modules[name]["kind"] not in BUILTIN_KINDS:
                    yield name, "imported in a recorded run (nuitka-hints)"
            for pattern in self.keep_patterns:
                if not _is_pattern(pattern):
                    yield pattern, "--hinted-keep (nuitka-hints)"

    def decideCompilation(self, module_name):
        name = module_name.asString()
        if name in self.as_bytecode:
            return "bytecode"
        if self._is_cold(name) and not _compiled_by_another_plugin(self, module_name):
            self.cold.add(name)
            return "bytecode"
        return None

    def _is_cold(self, name):
        """An installed package's module the runs imported but spent under HOT_SHARE in.

        The program's own modules stay compiled (their users may count on it), and
        Nuitka decides the standard library itself (bytecode).
        """
        entry = self.hints.modules.get(name)
        return (
            self.hot is not None
            and entry is not None
            and entry.get("where") == "site-packages"
            and entry["kind"] in ("source", "bytecode")
            and name not in self.hot
        )

    def onStandaloneDistributionFinished(self, dist_dir):
        self._report()

    def _report(self):
        self.info("Kept %d recorded modules and packages." % len(self.kept))
        if self.kept_without_record:
            self.info(
                "Kept %d modules by --hinted-keep and their package configuration."
                % len(self.kept_without_record)
            )
        if self.as_bytecode:
            self.info("Included %d unrecorded modules as bytecode." % len(self.as_bytecode))
        if self.cold:
            self.info(
                "Included %d recorded modules as bytecode: no recorded run spent %d%% "
                "of its CPU time in them (--hinted-compile=all compiles them)."
                % (len(self.cold), HOT_SHARE * 100)
            )
        if not self.dropped:
            return
        by_package = {}
        for name in self.dropped:
            top = name.partition(".")[0]
            by_package[top] = by_package.get(top, 0) + 1
        largest = sorted(by_package.items(), key=lambda item: (-item[1], item[0]))[:10]
        self.info(
            "Dropped %d modules never imported in recorded runs; most from: %s."
            % (len(self.dropped), ", ".join("%s (%d)" % item for item in largest))
        )

    def _required_by_kept_without_record(self, using_module_name, name):
        """Package configuration needs of a module kept by request, not by record."""
        if using_module_name is None:
            return False
        using = using_module_name.asString()
        return using in self.kept_without_record and _required_by_package_configuration(
            using, name
        )

    def _keep_requested(self, name):
        return matches_keep_patterns(name, self.keep_patterns)


def matches_keep_patterns(name, patterns):
    """Does ``name`` or a package containing it match a --hinted-keep pattern?"""
    return any(
        fnmatch.fnmatchcase(candidate, pattern)
        for pattern in patterns
        for candidate in _name_and_parents(name)
    )


def required_plugins(packages, plugins=None):
    """The standard Nuitka plugins to enable for a program using ``packages``.

    Only plugins the installed Nuitka offers and does not enable by itself
    (``plugins``: name -> enabled by itself, default ``standard_plugins()``).
    """
    plugins = standard_plugins() if plugins is None else plugins
    needed = {PLUGINS_FOR_PACKAGES[p] for p in packages if p in PLUGINS_FOR_PACKAGES}
    return sorted(name for name in needed if name in plugins and not plugins[name])


def standard_plugins():
    """The installed Nuitka's standard plugins: name -> whether it enables it itself.

    Nuitka has no public API for this; ``plugin_name2plugin_classes`` is what
    ``--plugin-list`` prints.  tests/test_plugin.py fails loudly if it changes.
    """
    from nuitka.plugins import Plugins

    Plugins.loadPlugins()
    return {
        name: plugin_class.isAlwaysEnabled()
        for name, (plugin_class, _detector) in Plugins.plugin_name2plugin_classes.items()
    }


def _compiled_by_another_plugin(plugin, module_name):
    """Does another active plugin insist on compiling this module to C?

    Nuitka stops the build when plugins disagree on a module's compilation, so
    ask the others first.  ``getActivePlugins`` is not public API;
    tests/test_plugin.py fails loudly if it changes.
    """
    from nuitka.plugins.Plugins import getActivePlugins

    return any(
        other is not plugin and other.decideCompilation(module_name) == "compiled"
        for other in getActivePlugins()
    )


def _required_by_package_configuration(using_module_name, module_name):
    """Does Nuitka's package configuration (implicit-imports) ask for this module?

    The implicit-imports plugin's answers for the using module are in
    ``Plugins.implicit_imports_cache`` by the time it asks other plugins about
    each of them; no public API exposes them.  tests/test_plugin.py checks this.
    """
    from nuitka.plugins.Plugins import Plugins

    for (using, plugin), imports in list(Plugins.implicit_imports_cache.items()):
        if plugin.plugin_name == "implicit-imports" and using == using_module_name:
            if any(entry[0] == module_name for entry in imports):
                return True
    return False


def _with_parent_packages(names):
    result = set()
    for name in names:
        result.update(_name_and_parents(name))
    return result


def _name_and_parents(name):
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _is_pattern(text):
    return any(char in text for char in "*?[")


def unused_stdlib_modules(hints):
    """Standard-library modules no recorded run imported, as few names as possible.

    Nuitka's standalone mode includes most of the standard library before asking
    any plugin; only ``--nofollow-import-to`` overrides that.  Whole top-level
    names where possible, else the unrecorded submodules of recorded packages.
    """
    import pkgutil
    import sysconfig

    stdlib = sysconfig.get_paths()["stdlib"]
    recorded = set(hints.modules)
    recorded_tops = {name.partition(".")[0] for name in recorded}
    in_stdlib_dirs = pkgutil.iter_modules([stdlib, os.path.join(stdlib, "lib-dynload")])
    candidates = set(sys.stdlib_module_names) | {info.name for info in in_stdlib_dirs}
    candidates -= set(sys.builtin_module_names) | {"site-packages", "test"}
    unused = sorted(name for name in candidates if name not in recorded_tops)
    for name in sorted(recorded):
        entry = hints.modules[name]
        if entry.get("where") != "stdlib" or not entry.get("file", "").endswith("__init__.py"):
            continue
        package_dir = os.path.dirname(os.path.join(stdlib, entry["file"]))
        for info in pkgutil.iter_modules([package_dir], name + "."):
            if info.name not in recorded:
                unused.append(info.name)
    return unused
