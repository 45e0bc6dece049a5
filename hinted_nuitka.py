"""The one fence around Nuitka: everything this project reads from Nuitka beyond
the plugin API (its options' parser, its registries and configuration, its
runtime's own imports, its crash text), and the probes of the program's Python
that say what Nuitka's code in the binary loads.  The plugin and the invoker
read Nuitka only here (and the plugin its base class and ``ModuleName``).

Each read is one function, with a test in tests/test_nuitka_fence.py that fails
loudly when Nuitka changes it.  Nuitka is imported inside the functions: the
tests and the invoker import this module without building anything.
"""

import ast
import fnmatch
import functools
import os
import re
import subprocess
import sys

import hints_file
from hinted_runtime import normalized_name

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

LOADED_MARKER = "--- modules loaded: ---"  # a probe's answer follows it on its stdout


def required_plugins(packages, plugins=None, kept_out=None):
    """The standard Nuitka plugins to enable for a program using ``packages``.

    Only plugins the installed Nuitka offers and does not enable by itself
    (``plugins``: name -> enabled by itself, default ``standard_plugins()``), and
    not for a package that Nuitka's configuration keeps out of the build
    (``kept_out``: package -> why): the plugin would insist on following it where
    anti-bloat refuses, and Nuitka stops on the disagreement (torch keeps out
    ``dill``, which it imports when it is installed).
    """
    plugins = standard_plugins() if plugins is None else plugins
    kept_out = kept_out or {}
    needed = {PLUGINS_FOR_PACKAGES[p] for p in packages
              if p in PLUGINS_FOR_PACKAGES and p not in kept_out}
    return sorted(name for name in needed if name in plugins and not plugins[name])


def loaded_at_startup(using, name):
    """Is ``using`` a module of the interpreter's start-up, and ``name`` one that
    importing those loads?  Worked out only when a start-up module imports."""
    return using in interpreter_startup_modules() and name in loaded_by_startup_modules()


def loaded_by_startup_modules():
    """What importing the start-up modules loads: Nuitka leaves a few of those to
    plugins (``_opcode``, which ``opcode`` imports on 3.13); imports inside their
    functions (``re._parser`` -> ``unicodedata``) are not loaded, so not kept."""
    return modules_loaded_by(tuple(sorted(interpreter_startup_modules())))


@functools.lru_cache(maxsize=None)
def modules_loaded_by(names):
    """The modules that importing ``names`` (a tuple) loads, beyond what the
    interpreter itself starts with, in a fresh interpreter of the program's
    Python: the standard library's alone (``-S``), the rest with site-packages.
    A name that fails to import (another platform's) loads what it got to."""
    if not names:
        return frozenset()
    code = (
        "import sys\nbefore = set(sys.modules)\nfor name in sys.argv[1:]:\n    try:\n"
        "        __import__(name)\n    except BaseException:\n        pass\n"
        "print(%r, *(set(sys.modules) - before))" % LOADED_MARKER
    )
    isolated = all(n.partition(".")[0] in sys.stdlib_module_names for n in names)
    result = subprocess.run(
        [sys.executable, *(["-s", "-S"] if isolated else []), "-c", code, *names],
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    return _names_loaded(result)


def _names_loaded(result):
    """The module names a probe printed after ``LOADED_MARKER`` (what the
    modules it imported printed themselves comes before it)."""
    if result.returncode != 0 or LOADED_MARKER not in result.stdout:
        return frozenset()
    return frozenset(result.stdout.rpartition(LOADED_MARKER)[2].split())


def runtime_imports(recorded):
    """What Nuitka's code in the binary imports that no interpreted run could
    load for it: its compiled runtime's own imports (``runtime_hard_imports``;
    the runtime uses them where the program uses them, so what importing them
    loads was recorded with them), and, where the program uses what the
    runtime's embedded Python code works with (a module that code imports was
    recorded), what running that code loads (``modules_used_by_runtime_code``):
    the runtime's ``importlib.metadata`` distributions parse their metadata
    with ``email.parser``, which an interpreted run that never parsed metadata
    never loaded."""
    names = set(runtime_hard_imports())
    everywhere = interpreter_startup_modules() | set(sys.builtin_module_names)
    for code in runtime_python_code():
        if any(name in recorded for name in code_imports(code) - everywhere):
            names |= modules_used_by_runtime_code(code)
    return sorted(names)


def code_imports(code):
    """The modules a piece of runtime code imports (``from a import b``: ``a``)."""
    modules = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


@functools.lru_cache(maxsize=None)
def modules_used_by_runtime_code(code):
    """What running a piece of Nuitka's runtime Python code and using what it
    defines loads, in a fresh interpreter of the program's Python: each class it
    defines is made with placeholder arguments and every attribute of the result
    read, every method that takes no argument called (errors are expected and
    ignored: only the imports they trigger count).  Class methods, which make
    other objects (``Distribution.discover``), are the program's own calls."""
    probe = """\
import sys
before = set(sys.modules)
namespace = {"__name__": "nuitka_runtime_code"}
try:
    exec(compile(sys.argv[1], "<nuitka runtime>", "exec"), namespace)
except BaseException:
    pass
text = "Metadata-Version: 2.1\\nName: sample\\nVersion: 1.0\\n"
for value in list(namespace.values()):
    if not isinstance(value, type) or value.__module__ != "nuitka_runtime_code":
        continue
    try:
        arguments = value.__init__.__code__.co_argcount - 1
        instance = value(*[text] * arguments)
    except BaseException:
        continue
    for klass in type(instance).__mro__:
        for attribute, member in list(vars(klass).items()):
            code = getattr(member, "__code__", None)
            if attribute.startswith("__") or not (
                    hasattr(member, "__get__") and hasattr(member, "__set__")
                    or hasattr(member, "attrname") or code and code.co_argcount == 1):
                continue  # an instance's properties and methods, no class methods
            try:
                found = getattr(instance, attribute)
                if code:
                    found()
            except BaseException:
                pass
print(%r, *(set(sys.modules) - before))
""" % LOADED_MARKER
    result = subprocess.run([sys.executable, "-s", "-S", "-c", probe, code],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return _names_loaded(result)


# -- Nuitka internals ------------------------------------------------------------------
#
# What no public plugin API tells, each read in one function here, each with a test
# in tests/test_plugin.py that fails loudly when Nuitka changes it.  (Outside this
# section the plugin uses only what Nuitka's own standard plugins do: the plugin
# base class, ModuleName, the option getters of nuitka.options.Options,
# hasActivePlugin and the version.)

def parsed_options(options, script):
    """Nuitka internal: ``options`` and the script's ``# nuitka-project:`` options as
    Nuitka's own parser reads them: (its values, the project's options).  An
    option that takes a value given without "=" is refused
    (``CommandLineError``): Nuitka would read the next argument as the program.
    No public API parses Nuitka's command line; tests/test_nuitka_fence.py fails
    loudly if ``OptionParsing`` changes."""
    from nuitka.options import OptionParsing
    from nuitka.Tracing import options_logger

    for option in options:
        name, equals, _ = option.partition("=")
        if not equals and OptionParsing.parser.has_option(name) and \
                OptionParsing.parser.get_option(name).takes_value():
            raise hints_file.CommandLineError(
                "%s takes its value after '=' (%s=VALUE): Nuitka reads an argument after "
                "it as the program to build" % (
                    name, OptionParsing.parser.get_option(name).get_opt_string()))
    project = OptionParsing.getNuitkaProjectOptions(options_logger, script, False)
    known = [
        option for option in project + list(options)
        if OptionParsing.parser.has_option(option.partition("=")[0])
    ]
    fresh = OptionParsing.parser.get_default_values()  # optparse appends to its defaults'
    for name, value in vars(fresh).items():  # own lists: a second parse would see the first's
        if isinstance(value, list):
            setattr(fresh, name, list(value))
    parsed, _ = OptionParsing.parser.parse_args(known + [script], fresh)
    return parsed, project


def build_refusal():
    """Why Nuitka's options make a build nuitka-hints cannot make, or None: a
    hinted binary reads its cold tier and index from its dist, which only a
    standalone build (onefile's too) has, and Nuitka's ``--pgo-c`` runs the
    binary before the dist is done."""
    from nuitka.options.Options import isCPgoMode, isStandaloneMode

    if not isStandaloneMode():
        return "nuitka-hints builds standalone programs: add --mode=standalone (or " \
            "--mode=onefile)."
    if isCPgoMode():
        return "nuitka-hints does not take --pgo-c: Nuitka runs the binary for it before " \
            "the dist has its cold tier and index; use nuitka_hints.py --hinted-pgo, which " \
            "trains on the recorded runs."
    return None


def plugins_not_enabled(names):
    """The standard plugins among ``names`` that this build does not enable."""
    from nuitka.plugins.Plugins import hasActivePlugin

    return [name for name in names if not hasActivePlugin(name)]


def metadata_not_asked_for(distributions):
    """The distributions whose metadata this build was not asked to ship
    (``--include-distribution-metadata``, patterns and spellings as Nuitka
    takes them)."""
    from nuitka.options.Options import getShallIncludeDistributionMetadata

    asked = [normalized_name(p) for p in getShallIncludeDistributionMetadata()]
    return [name for name in distributions if not any(
        fnmatch.fnmatchcase(normalized_name(name), pattern) for pattern in asked)]


def user_yaml_files():
    """The package configuration files the user gave (``--user-package-configuration-file``)."""
    from nuitka.options.Options import getUserProvidedYamlFiles

    return tuple(getUserProvidedYamlFiles())


def version():
    """The installed Nuitka's version (major, minor, micro), or None if this
    Python has none."""
    try:
        from nuitka.Version import getNuitkaVersionTuple
    except ImportError:
        return None
    return tuple(getNuitkaVersionTuple()[:3])


def module_nuitka_failed_on(output, script):
    """(module name, Nuitka's error) if Nuitka's output says it crashed on a
    module's source: its crash report, and a source reference of the module
    (``Problem at 'FILE:LINE'``) that is not the main script."""
    if "Compilation crash report written" not in output:
        return None
    roots = hints_file.sys_path_roots(os.path.dirname(os.path.abspath(script)))
    errors = re.findall(r"^(\w+(?:Error|Exception)):", output, re.M)
    for path, line in re.findall(r"(?:Problem (?:at|with .*? at)|SourceCodeReference to) '?"
                                 r"([^'\s:]+\.py):(\d+)", output):
        name = _module_of_file(path, roots)
        if name and os.path.abspath(path) != os.path.abspath(script):
            return name, "%s at %s:%s" % (errors[-1] if errors else "a crash", path, line)
    return None


def _module_of_file(path, roots):
    """The module name of a source file below one of ``roots``, or None."""
    _, relative = hints_file.below_root(os.path.abspath(path), roots)
    return hints_file.module_name_of(relative) if relative else None


def built_modules():
    """Nuitka internal: the modules in the build, and how each is in it.

    No plugin hook says which modules Nuitka finally compiled, kept as bytecode
    or took as extension modules; its module registry does, once the dist is
    done.  tests/test_plugin.py fails if the registry or its kinds change.
    """
    from nuitka import ModuleRegistry

    how = {"COMPILED": "compiled", "PYTHON_MAIN": "compiled", "UNCOMPILED": "bytecode",
           "PYTHON_EXTENSION": "extension"}
    built = {}
    for module in ModuleRegistry.getDoneModules():
        kind = next((h for prefix, h in how.items() if module.kind.startswith(prefix)),
                    "unknown")
        built[module.getFullName().asString()] = kind
    return built


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


def plugins_including(plugin, using_module_name, module_name, module_filename, module_kind):
    """The other active plugins that want this module included (names).

    Nuitka stops the build when plugins disagree on following a module, and its
    own plugins answer True for whole packages (multiprocessing does), so ask
    them first and give way.  ``getActivePlugins`` is not public API;
    tests/test_plugin.py fails loudly if it changes.
    """
    from nuitka.plugins.Plugins import getActivePlugins

    including = []
    for other in getActivePlugins():
        if other is plugin:
            continue
        decision = other.onModuleEncounter(
            using_module_name=using_module_name,
            module_name=module_name,
            module_filename=module_filename,
            module_kind=module_kind,
        )
        if decision is True or (isinstance(decision, tuple) and decision[0] is True):
            including.append(other.plugin_name)
    return including


def compiled_by_another_plugin(plugin, module_name):
    """Does another active plugin insist on compiling this module to C?

    Nuitka stops the build when plugins disagree on a module's compilation, so
    ask the others first (``getActivePlugins``, as in ``plugins_including``).
    """
    from nuitka.plugins.Plugins import getActivePlugins

    return any(
        other is not plugin and other.decideCompilation(module_name) == "compiled"
        for other in getActivePlugins()
    )


def leave_standard_library_to_plugins():
    """Stop standalone mode from including the whole standard library up front.

    Nuitka includes every standard-library module it can import
    (``detectStdlibAutoInclusionModules``) before any plugin is asked; the only
    documented way around it, one ``--nofollow-import-to`` per module, also
    overrides every plugin (one that wants such a module stops the build).
    Setting the cached set to empty before Nuitka computes it lets each module be
    decided like any other: by the record and by the other plugins.  Not public
    API; tests/test_plugin.py fails loudly if it changes.
    """
    from nuitka.freezer import ImportDetection

    if getattr(ImportDetection, "_stdlib_modules_names", "missing") not in (None, ()):
        raise RuntimeError(
            "this Nuitka no longer computes the standard library it includes in "
            "nuitka.freezer.ImportDetection._stdlib_modules_names: nuitka-hints "
            "cannot leave out the unused standard library"
        )
    ImportDetection._stdlib_modules_names = ()


@functools.lru_cache(maxsize=None)
def interpreter_startup_modules():
    """The modules Nuitka includes because the interpreter's start-up needs them.

    Nuitka computes them for this Python (``detectEarlyImports``: encodings,
    locale, inspect and what they import) and includes them whatever plugins say;
    a few that they load it leaves to plugins (``_opcode``).  Not
    public API; tests/test_plugin.py fails loudly if it changes.
    """
    from nuitka.freezer.ImportDetection import detectEarlyImports

    return frozenset(name.asString() for name in detectEarlyImports())


def runtime_hard_imports():
    """Standard-library modules that Nuitka's compiled runtime imports itself.

    The C runtime linked into every binary imports some modules "the hard way",
    e.g. ``typing`` on Python 3.12 at start-up, to patch it.  No interpreted run
    imports them, so they are read from Nuitka's runtime sources: its registry of
    hard-import getters (``HelpersImportHard.c``, generated from
    ``nuitka.HardImportRegistry``) and the runtime sources that call a getter.
    Not public API; tests/test_plugin.py fails loudly if it changes.
    """
    import nuitka

    runtime_dir = os.path.join(os.path.dirname(nuitka.__file__), "build", "static_src")
    with open(os.path.join(runtime_dir, "HelpersImportHard.c"), encoding="utf-8") as handle:
        getters = dict(
            (getter, module)
            for module, getter in re.findall(
                r'hard import of module "([\w.]+)" import\. \*/\s*(?:#[^\n]*\n\s*)*'
                r"PyObject \*(IMPORT_HARD_\w+)\(void\)",
                handle.read(),
            )
        )
    called = set()
    for name in os.listdir(runtime_dir):
        if name.endswith(".c") and name != "HelpersImportHard.c":
            with open(os.path.join(runtime_dir, name), encoding="utf-8") as handle:
                called.update(re.findall(r"\b(IMPORT_HARD_\w+)\(\)", handle.read()))
    return sorted(
        module
        for getter, module in getters.items()
        if getter in called and module.partition(".")[0] in sys.stdlib_module_names
    )


def runtime_python_code():
    """Nuitka internal: the Python code embedded in Nuitka's C runtime (string
    literals named ``*_code``, compiled into the binary and run there), read from
    the installed Nuitka's runtime sources.  tests/test_plugin.py fails loudly if
    none is found any more."""
    import nuitka

    runtime_dir = os.path.join(os.path.dirname(nuitka.__file__), "build", "static_src")
    found = []
    for name in sorted(os.listdir(runtime_dir)):
        if not name.endswith(".c"):
            continue
        with open(os.path.join(runtime_dir, name), encoding="utf-8") as handle:
            text = handle.read()
        for literal in re.findall(  # pieces under #if: all of them, as for hard imports
                r'char const \*\w+_code = ((?:"(?:[^"\\]|\\.)*"|\s+|#[^\n]*\n)+);',
                text, re.DOTALL):
            pieces = re.findall(r'"((?:[^"\\]|\\.)*)"', literal, re.DOTALL)
            code = "".join(pieces).replace("\\\n", "")
            found.append(code.encode("latin-1", "backslashreplace").decode("unicode_escape"))
    return found


def avoided_by_anti_bloat(module_name):
    """Nuitka internal: the anti-bloat mode that keeps ``module_name`` out of the
    build ('error' stops the build if the module is followed, 'nofollow' refuses
    it), as set by ``--noinclude-*-mode`` options; None if it does not.  An
    implicit import of such a module stops the build.  ``handled_modules`` is not
    public API; tests/test_plugin.py fails loudly if it changes."""
    from nuitka.plugins.Plugins import getActivePlugins

    for plugin in getActivePlugins():
        if plugin.plugin_name != "anti-bloat":
            continue
        for handled, (mode, intended) in plugin.handled_modules.items():
            if mode in ("error", "nofollow") and module_name.hasNamespace(handled):
                return "Nuitka's anti-bloat keeps %s out (mode '%s')" % (intended, mode)
    return None


def packages_kept_out(packages, recorded, yaml_files=()):
    """Of ``packages`` (top-level names that need a plugin), those that Nuitka's
    package configuration of a ``recorded`` module keeps out of the build
    (anti-bloat's ``no-auto-follow`` or ``no-follow``): package -> why.

    Nuitka internal: its configuration files are read with its own parser
    (``parsePackageYaml``), the standard ones and the user's
    (``--user-package-configuration-file``), conditions (``when``) not
    evaluated.  tests/test_plugin.py fails loudly if the parser changes.
    """
    wanted = {p for p in packages if p in PLUGINS_FOR_PACKAGES}
    if not wanted:
        return {}
    from nuitka.utils.ModuleNames import ModuleName

    kept_out = {}
    for config in _package_configurations(yaml_files):
        for module in sorted(set(config.keys()) & set(recorded)):
            for entry in config.get(module, "anti-bloat"):
                refused = list(entry.get("no-auto-follow", {})) + list(entry.get("no-follow", {}))
                for package in wanted:
                    if any(ModuleName(package).matchesToShellPattern(r).is_match
                           or ModuleName(package).hasNamespace(r) for r in refused):
                        kept_out.setdefault(package, "Nuitka's configuration of %s keeps "
                                            "%s out of the build" % (module, package))
    return kept_out


@functools.lru_cache(maxsize=None)
def configured_implicit_imports(yaml_files=()):
    """Module -> the modules Nuitka's package configuration says it imports
    (``implicit-imports: depends``, the names written out; expressions and
    conditions are not evaluated): what an extension module imports, which no
    source shows (sklearn.tree._tree imports sklearn.neighbors._partition_nodes).
    Nuitka internal, read as ``packages_kept_out`` reads it."""
    implied = {}
    for config in _package_configurations(yaml_files):
        for module in config.keys():
            for entry in config.get(module, "implicit-imports"):
                depends = entry.get("depends", ())
                names = [depends] if isinstance(depends, str) else depends
                implied.setdefault(module, []).extend(
                    name for name in names if isinstance(name, str) and
                    all(part.isidentifier() for part in name.split(".")))
    return implied


def _package_configurations(yaml_files):
    """Nuitka's standard package configuration and the user's
    (``--user-package-configuration-file``), parsed by Nuitka's own parser
    (``parsePackageYaml``); a user's file Nuitka cannot parse is skipped (Nuitka
    names what is wrong in it).  tests/test_plugin.py fails loudly if the parser
    changes."""
    from nuitka.utils.Yaml import parsePackageYaml

    sources = [("nuitka.plugins.standard", "standard.nuitka-package.config.yml")]
    sources += [(None, filename) for filename in yaml_files if os.path.isfile(filename)]
    for package_name, filename in sources:
        try:
            yield parsePackageYaml(None, package_name, filename, True, False)
        except Exception:  # noqa: BLE001 - the user's file: Nuitka names what is wrong in it
            if package_name:
                raise
