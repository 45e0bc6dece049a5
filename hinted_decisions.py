"""Which modules a hinted build keeps, and how: decided from plain data.

For each module Nuitka meets, ``ModuleDecisions.encounter`` answers from the
record (``hints_file.Hints``), the options and what Nuitka's side offers (which
other plugins include the module, whether the module asking is code Nuitka
adds): keep it (recorded, or needed all the same, with a ``Reason``), leave it
to Python (Nuitka fails on it), or drop it (no run imported it: the cold tier
holds it).  ``compilation`` then says which kept modules go in as bytecode
rather than C.  Each decision is made once and stored with its evidence, which
the build's report reads.  No Nuitka here: the plugin (``hinted_compilation``)
adapts Nuitka's hooks and types to these calls.
"""

import enum
import fnmatch
import os

import hints_file


class Reason(enum.Enum):
    """Why a module no run imported is in the build all the same."""

    BY_OPTION = "--hinted-keep"
    FOR_KEPT = "imported by a --hinted-keep module"
    FOR_STARTUP = "loaded with the modules the interpreter's start-up needs"
    FOR_REWRITE = "imported by code Nuitka's package configuration added"
    FOR_RUNTIME = "imported by Nuitka's compiled runtime"
    FOR_PLUGIN_CODE = "imported by code a Nuitka plugin runs in the binary"
    FOR_LEARNED = "loaded by a module the binary was seen to lack"
    FOR_OTHER_PATH = "imported by a module that took another path in the binary"
    FOR_FAMILY = "of a family the runs picked from by name (--hinted-families=keep)"
    FOR_MAIN = "imported at module level by the program's main script, unconditionally"
    FOR_LOADED_FILE = "its file was loaded in a recorded run, as a module of another name"

    def __str__(self):
        return self.value


# What keeping a module keeps of what it imports (its imports, and its package
# configuration's implicit ones): the modules a user or a family asked for.
KEEPS_ITS_IMPORTS = (Reason.BY_OPTION, Reason.FOR_KEPT, Reason.FOR_FAMILY)

LEFT_TO_PYTHON = "Nuitka fails on it: its source ships in the dist and Python imports it " \
    "from there"

# Nuitka's multiprocessing plugin compiles the main script a second time, as
# __parents_main__ (the main module a child process sees): the program's code too.
MAIN_COPY = "__parents_main__"

# A recorded module is "hot", and compiled to C, when some recorded run spent at
# least this share of its CPU samples in it, and at least HOT_SAMPLES samples
# (about 40 ms of CPU at Linux' usual 4 ms tick): in a 0.1 s run the one or two
# samples a module gets are chance (a different handful of modules each trace),
# and compiling one costs seconds of build for no measurable gain.
HOT_SHARE = 0.01
HOT_SAMPLES = 10


class ModuleDecisions:
    """The build's decisions on modules, and the evidence for each."""

    def __init__(self, hints, kept, keep_patterns=(), unrecorded="drop", compile_hot=True,
                 left_to_python=(), safe=False, loaded_by=lambda names: set(),
                 loaded_at_startup=lambda using, name: False):
        """``kept``: the names the record keeps (its modules, learned ones,
        aliases, and their packages); ``unrecorded``: "drop" or "bytecode";
        ``compile_hot``: only what the runs spent time in is C (else all the
        record); ``loaded_by(names)``: what importing ``names`` loads, in a
        fresh interpreter of the program's Python; ``loaded_at_startup(using,
        name)``: is ``using`` a module of the interpreter's start-up, and ``name``
        one it loads (Nuitka leaves a few of those to plugins)."""
        self.hints = hints
        self.kept = kept
        self.keep_patterns = list(keep_patterns)
        self.unrecorded = unrecorded
        self.safe = safe
        self.hot = hints.hot_modules(HOT_SHARE, HOT_SAMPLES) if compile_hot else None
        self.left_to_python = set(left_to_python)
        self.loaded_by = loaded_by
        self.loaded_at_startup = loaded_at_startup
        self.kept_without_record = {}  # module name -> Reason
        self.given_way = {}  # module name -> the other plugins that include it
        self.wanted_by_others = {}  # module name -> the other plugins that answer include
        self.dropped = {}  # module name -> the module that imports it
        self.as_bytecode = set()  # kept, no run imported it: bytecode, never C
        self.not_hot = set()  # recorded, installed, no run spent HOT_SHARE in them
        self.loaded_for_nuitka = {}  # module name -> what its Nuitka-added imports load

    def keep_loaded_by(self, names, reason):
        """Keep ``names`` and what importing them loads: code Nuitka adds runs in
        the binary, where no recorded run could load anything for it.  Returns
        the names kept."""
        loaded = set(names) | self.loaded_by(tuple(sorted(names)))
        for name in loaded:
            if name not in self.kept:
                self.kept_without_record.setdefault(name, reason)
        return loaded

    def encounter(self, name, using, filename=None, nuitka_code=False,
                  others_including=lambda: (), installed=lambda: False, loaded_files=()):
        """Nuitka met module ``name``, imported by ``using`` (None: Nuitka's own
        choice), at ``filename``: None to keep it (no opinion: Nuitka includes
        it), or why it stays out (a reason Nuitka shows).  ``nuitka_code``:
        ``using`` is code Nuitka adds (a plugin's); ``others_including()``: the
        other plugins that include it; ``installed()``: it lies in an installed
        package (not the program's); ``loaded_files``: real paths of the files
        the runs loaded as shared objects."""
        if name in self.left_to_python:
            return "nuitka-hints: %s" % LEFT_TO_PYTHON
        if name in self.kept or name in self.kept_without_record:
            return None
        if nuitka_code:
            self.loaded_for_nuitka.setdefault(using, set()).update(
                self.keep_loaded_by([name], Reason.FOR_PLUGIN_CODE))
            return None
        reason = self.needed_without_record(name, using, filename, loaded_files)
        if reason:
            self.kept_without_record.setdefault(name, reason)
            return None
        if name not in self.wanted_by_others:  # asked once a module, whoever imports it
            self.wanted_by_others[name] = list(others_including())
        including = self.wanted_by_others[name]
        if including:
            self.given_way[name] = including
            if installed():  # included, but no run needed it: not hot
                self.as_bytecode.add(name)
            return None
        if self.unrecorded == "bytecode":
            self.as_bytecode.add(name)
            return None
        self.dropped[name] = "__main__" if using == MAIN_COPY else using
        return self.drop_reason(name)

    def needed_without_record(self, name, using, filename=None, loaded_files=()):
        """Why a module no run imported must be in the build all the same, or None."""
        if matches(name, self.keep_patterns):
            return Reason.BY_OPTION
        if filename and os.path.realpath(filename) in loaded_files:
            return Reason.FOR_LOADED_FILE  # OpenCV's native cv2, which Nuitka names cv2.cv2
        if using is None:
            return None
        if self.kept_without_record.get(using) in KEEPS_ITS_IMPORTS:
            return Reason.FOR_KEPT  # its imports, and its package configuration's implicit ones
        if self.loaded_at_startup(using, name):
            return Reason.FOR_STARTUP  # opcode -> _opcode on 3.13
        return None

    def keep_certain_imports(self, imports, location):
        """What certainly runs is never dropped: ``imports``, the module-level,
        unconditional imports of the main script, which a record of other runs
        (a test suite's) may lack; ``location(name)``: (found here, installed)."""
        for imported in sorted(imports):
            if imported in self.kept or imported in self.kept_without_record:
                continue
            found, installed = location(imported)
            if found:
                self.keep_unrecorded(imported, Reason.FOR_MAIN, installed)

    def keep_unrecorded(self, name, reason, installed):
        """Keep ``name``, which no run imported, for ``reason`` (the first one
        given stays); an installed package's module as bytecode (not hot)."""
        self.kept_without_record.setdefault(name, reason)
        if installed:
            self.as_bytecode.add(name)

    def drop_reason(self, name):
        runs = len(self.hints.runs)
        what = "looked up but not loaded" if name in self.hints.looked_up else "not imported"
        return "nuitka-hints: %s in any of %d recorded run%s (%s)" % (
            what, runs, "" if runs == 1 else "s", os.path.basename(self.hints.filename or ""))

    def compilation(self, name, installed=lambda: False, compiled_by_another=lambda: False):
        """"bytecode" for a kept module that goes in as bytecode, not C: one no
        run imported, an installed package's module the runs spent little time
        in, one the binary was seen to lack (``installed()``: it lies in an
        installed package); None: Nuitka decides (C), and always when another
        plugin compiles it (``compiled_by_another()``)."""
        cold = self._is_cold(name)
        wanted = name in self.as_bytecode or cold or (name in self.hints.learned and installed())
        if wanted and not compiled_by_another():
            if cold:
                self.not_hot.add(name)
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
            and entry.get("where") == hints_file.SITE_PACKAGES
            and entry["kind"] in hints_file.PYTHON_CODE
            and name not in self.hot
        )

    def wanted_by_main(self, aliases):
        """What the main module must import where Nuitka cannot see it, with
        why: the recorded modules (not built in), the learned ones, the real names
        of aliased ones, the literal ``--hinted-keep`` names and what Nuitka's
        compiled runtime imports."""
        hints = self.hints
        wanted = [(n, "imported in a recorded run") for n in hints.program_modules()
                  if hints.modules[n]["kind"] not in (hints_file.BUILTIN, hints_file.FROZEN)]
        wanted += [(n, "learned from the binary") for n in hints.learned]
        wanted += [(real, "imported in a recorded run as %s" % alias)
                   for alias, real in sorted(aliases.items())]
        wanted += [(p, "--hinted-keep") for p in self.keep_patterns if not is_pattern(p)]
        return wanted + [(n, str(reason)) for n, reason in sorted(self.kept_without_record.items())
                         if reason == Reason.FOR_RUNTIME]

    def left_to_python_files(self, locate):
        """Module Nuitka failed on -> (its source file here, where it ships in the
        dist: beside its package, a package as its ``__init__.py``)."""
        files = {}
        for name in sorted(self.left_to_python):
            source, dest = locate(name), name.replace(".", "/")
            if source and os.path.isdir(source):
                source, dest = os.path.join(source, "__init__.py"), dest + "/__init__.py"
            else:
                dest += ".py"
            if source and os.path.isfile(source):
                files[name] = (source, dest)
        return files

    def kept_reason(self, name, aliases=None):
        """Why module ``name`` is in the build, in words."""
        if name == "__main__":
            return "the program"
        if name == MAIN_COPY:
            return "the program, as its child processes see it (multiprocessing plugin)"
        entry = self.hints.modules.get(name)
        if entry is not None:
            if entry.get("startup"):
                return "loaded at the interpreter's start-up"
            return "imported in %d of %d recorded runs" % (entry.get("runs", 1),
                                                           len(self.hints.runs))
        alias = next((a for a, real in (aliases or {}).items() if real == name), None)
        if alias is not None:
            return "imported in a recorded run as %s" % alias
        learned = self.hints.learned.get(name)
        if learned is not None:
            return "learned from the binary, which lacked it (%s; imported by %s)" % (
                self.hints.learned_evidence(name), learned["importer"] or "?")
        if name in self.kept_without_record:
            return str(self.kept_without_record[name])
        if name in self.given_way:
            return "required by the %s plugin" % ", ".join(self.given_way[name])
        if name in self.as_bytecode:
            return "--hinted-safe" if self.safe else "--hinted-unrecorded=bytecode"
        if name in self.kept:
            return "package of a recorded module"
        return "included by Nuitka itself (the interpreter's start-up)"


def is_pattern(text):
    """A shell pattern, not a name or path (``--hinted-keep``, ``--hinted-keep-data``)."""
    return any(char in text for char in "*?[")


def matches(name, patterns):
    """Does module ``name`` match one of ``patterns`` as Nuitka's options match
    them: the name, a package holding it, or a shell pattern of either."""
    return any(name == pattern or name.startswith(pattern + ".") or
               fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(name, pattern + ".*")
               for pattern in patterns)


def module_families(hints, kept, modules_of):
    """Package -> (its modules the runs imported by a name they computed, its
    other modules not ``kept``): the family a program picks from at run time
    (docutils' writers, pygments' lexers).  ``modules_of(package)``: the
    modules of a package as installed."""
    families = {}
    for name, entry in sorted(hints.modules.items()):
        package = name.rpartition(".")[0]
        if entry.get("by_name") and package and package not in families:
            members = modules_of(package)
            picked = {m for m in members if hints.modules.get(m, {}).get("by_name")}
            families[package] = (sorted(picked), sorted(members - set(kept)))
    return families


def families_picked_by(hints, importer, imported, modules_of):
    """The other modules of each package from which ``importer`` took, by a name
    it computed (no import statement names it, ``imported`` being what its
    statements name), a module the binary was seen to lack: it picks from that
    family at run time (setuptools' vendored packages, one per learning round
    otherwise)."""
    family = set()
    for name, entry in hints.learned.items():
        package = name.rpartition(".")[0]
        if entry["importer"] == importer and name not in imported and package:
            family |= modules_of(package)
    return family
