"""The code a hinted binary runs before the program (nuitka-hints).

The plugin reads this file's source at build time, appends one call,
``start(SETTINGS)``, and Nuitka compiles both into the binary as the main
module's pre-load code (``hinted_compilation.preload_code``); the tests import
it as a module.  What it does, each part only where the build asks for it:

- serves the *cold tier*: modules no recorded run imported that the program
  could reach, kept as bytecode in one compressed archive in the dist and
  imported only when the program asks for one (``ColdFinder``), listed with
  their package's other modules (``pkgutil.iter_modules``);
- imports the modules Nuitka failed on from their source files in the dist;
- with ``NUITKA_HINTS_MISSES`` naming a file, notes in it each import and data
  file the binary lacked, and each module it took from the cold tier
  (``Misses``): ``--verify`` and ``hinted-mods --learn`` read it;
- names on stderr, as the program ends, what the build left out that the
  program looked for, even where it caught the ``ImportError`` (``Notes``);
- finds a distribution's metadata by every spelling of its name
  (``DistributionSpellings``);
- names the entry points of a group the program lists that the binary lacks
  (``ListedEntryPoints``).

It imports only ``os`` and ``sys`` (loaded by then anyway), the rest when used.
"""

import os
import sys

MISSES_VARIABLE = "NUITKA_HINTS_MISSES"
# How the lines start that the binary adds to its stderr (verify reads them).
LEFT_OUT_START = "nuitka-hints: this build left out "
COMPILED_SUFFIXES = (".pyc", ".so", ".pyd")
PYC_HEADER_SIZE = 16  # magic, flags, and two words: the archive holds real .pyc files
COLD = "cold"  # the "how" of a module the binary took from the cold tier
# Beside the binary, written when the dist is done (``hinted_cold.write_index``):
# INDEX_MAGIC, the CRC-32 of the rest (4 bytes, little-endian), and a marshal of
# {"cold": {"archive", "modules", "children"} or None, "left_out_modules": [names],
# "entry_points": {group: [names]}}.
INDEX = "nuitka-hints.index"
INDEX_MAGIC = b"nuitka-hints index 2\n"
# In sys.modules once ``start`` ran (``Workers``; a name no import statement can ask
# for): the binary runs this code before its main module and before the
# multiprocessing package, which a process started for multiprocessing imports first.
STARTED = "nuitka-hints runtime"
# The exit status of a binary whose dist is damaged (sysexits' EX_SOFTWARE).
DAMAGED_DIST_EXIT = 70
DAMAGED_START = "nuitka-hints: this program's files are damaged: "
# nuitka-hints' own modules: never recorded, never in a program's binary.
# The one list: tests/test_wheel.py checks the wheel and the folder against it.
OUR_MODULES = ("hinted_mods", "hinted_tracer", "hinted_recorder", "hinted_record_tools",
               "hints_file", "nuitka_hints", "hinted_compilation", "hinted_report", "hinted_dist",
               "hinted_cold", "hinted_runtime", "hinted_decisions", "hinted_data_files",
               "hinted_nuitka", "hinted_pgo")


def is_shared_object(filename):
    """A shared library's or an extension module's file, by its name:
    ``.so`` with a version or without (``libz.so.1.2.13``), ``.pyd``, ``.dll``,
    ``.dylib``."""
    parts = os.path.basename(filename).split(".")
    while len(parts) > 2 and parts[-1].isdigit():
        parts.pop()
    return len(parts) > 1 and parts[-1] in ("so", "pyd", "dll", "dylib")


def start(settings):
    """Install what ``settings`` asks for (the plugin's ``preload_settings``) and
    the index beside the binary says.

    Keys: "left_to_python" ({name: file in the dist}), "left_out_files" (data
    files left out of families), "families_note" (the line for a failure no
    recorded run had), "statuses" (the exit statuses of the recorded runs),
    "sources" (name a module's source the program's code looked for, as
    astroid does) and "worker" (a process started for multiprocessing, which
    runs this code as its main module's and as the package's: the first
    starts); the index adds "cold" and "left_out_modules" (installed at build
    time, in neither the dist nor the cold tier)."""
    if STARTED in sys.modules:
        return  # a process for multiprocessing: its main module's and the package's
    folder = os.path.dirname(os.path.abspath(__file__)) + os.sep
    settings = dict(settings, **read_index(folder + INDEX))
    misses = Misses(os.environ.get(MISSES_VARIABLE))
    notes = Notes(settings)
    if settings.get("cold"):
        ColdFinder(folder, settings["cold"], misses, notes).install()
    Listings(folder, settings, notes).install()
    if settings.get("left_to_python"):
        sys.meta_path.insert(0, LeftToPython(folder, settings["left_to_python"]))
    if misses.target or notes.modules:
        sys.meta_path.insert(0, ImportWatch(misses, notes))
    if misses.target or notes.files or notes.sources:
        watch_files(folder, misses, notes)
    DistributionSpellings.install()
    if settings.get("entry_points"):
        ListedEntryPoints(settings["entry_points"], notes).install()
    notes.install()
    sys.modules[STARTED] = Workers(notes, settings.get("worker") and started_for_multiprocessing())


def read_index(path):
    """The index the build wrote beside the binary; a missing, damaged or
    foreign one ends the program with one line: every build writes one, and a
    binary that went on without it could give another answer."""
    try:
        with open(path, "rb") as handle:
            content = handle.read()
        return index_content(content)
    except (OSError, ValueError) as error:
        sys.stderr.write("%s%s: %s; install the program again, or build it again\n" % (
            DAMAGED_START, path, getattr(error, "strerror", None) or error))
        sys.stderr.flush()
        os._exit(DAMAGED_DIST_EXIT)


def index_content(content):
    """The index's dict from its bytes; ValueError saying what is wrong."""
    import marshal
    import zlib

    header = len(INDEX_MAGIC) + 4
    if content[:len(INDEX_MAGIC)] != INDEX_MAGIC or len(content) < header:
        raise ValueError("not a nuitka-hints index of this release")
    if zlib.crc32(content[header:]) != int.from_bytes(content[header - 4:header], "little"):
        raise ValueError("its checksum does not match (truncated or changed)")
    index = marshal.loads(content[header:])
    cold = index.get("cold") if isinstance(index, dict) else None
    if not isinstance(index, dict) or not isinstance(index.get("left_out_modules"), list) or \
            not isinstance(index.get("entry_points", {}), dict) or \
            cold is not None and not (isinstance(cold, dict) and isinstance(
                cold.get("modules"), dict) and isinstance(cold.get("children"), dict)):
        raise ValueError("it does not hold what this release writes")
    return index


class Workers:
    """What a process the binary started for multiprocessing does when it fails
    for lack of a module the build left out: as a spawned worker starts (an
    uncaught ImportError), or in the work of any worker, forked ones too (its
    target, a pool's initializer: a process ends on it), it would be started
    again for ever by its pool, so it says what it lacked and ends the program.
    In ``sys.modules`` as ``STARTED``: the code run after the multiprocessing
    package loads (and ``multiprocessing.process`` with it) calls ``watch``."""

    def __init__(self, notes, worker):
        self.notes, self.worker = notes, worker
        if worker:
            printed = sys.excepthook

            def excepthook(kind, value, traceback):
                printed(kind, value, traceback)
                self.end_the_program(value)

            sys.excepthook = excepthook

    def watch(self, process_module):
        """Each process's work (``run``, as ``_bootstrap`` calls it, in the process
        it started: a forked one inherits this) ended by an ImportError of a
        module the build left out ends the program."""
        bootstrap, workers = process_module.BaseProcess._bootstrap, self

        def _bootstrap(process, *args, **kwargs):
            run = process.run

            def watched_run():
                try:
                    return run()
                except ImportError as error:
                    workers.end_the_program(error)
                    raise

            process.run = watched_run
            return bootstrap(process, *args, **kwargs)

        process_module.BaseProcess._bootstrap = _bootstrap

    def end_the_program(self, error):
        lacked = left_out_by_the_build(error, self.notes)
        program = the_programs_process() if lacked else None
        if program is None:
            return
        try:
            import signal

            sys.stderr.write(
                "%s%s, which a process the program started for multiprocessing imported "
                "(no recorded run did); rebuild with --hinted-keep=%s; ending the program, "
                "which would start it again for ever\n" % (LEFT_OUT_START, lacked, lacked))
            sys.stderr.flush()
            os.kill(program, signal.SIGTERM)
        except Exception:  # (the process and its exception go on as they would)
            pass


def started_for_multiprocessing():
    """Was this process started by the binary for multiprocessing: a spawn
    worker (its arguments, which Nuitka's code moves aside), the fork server
    (whose forked workers run this too) or the resource tracker?"""
    import builtins

    return hasattr(builtins, "__nuitka_original_args") or for_multiprocessing(sys.argv[1:])


def for_multiprocessing(arguments):
    """Do a process's arguments say the binary started it for multiprocessing
    (Nuitka's own, or the code CPython gives the fork server and the tracker)?"""
    return any(argument in ("--multiprocessing-fork", "--multiprocessing-resource-tracker") or
               argument.startswith("from multiprocessing.") for argument in arguments)


def the_programs_process():
    """The process of the program that started this one, through the processes
    of this binary started for multiprocessing above it (a fork server), read
    from ``/proc``; None where that cannot be told (no ``/proc``, a parent that
    is not this binary: this one outlived the program)."""
    try:
        binary, pid = os.path.realpath("/proc/self/exe"), os.getppid()
        while pid > 1 and os.path.realpath("/proc/%d/exe" % pid) == binary:
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                arguments = handle.read().decode("utf-8", "replace").split("\0")
            if not for_multiprocessing(arguments[1:]):
                return pid
            with open("/proc/%d/stat" % pid) as handle:
                pid = int(handle.read().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def left_out_by_the_build(error, notes):
    """The module an ImportError says the build left out (Nuitka's "actively
    excluded", installed at build time, or a cold module that did not load), or
    None: another ImportError is the program's own."""
    if not isinstance(error, ImportError):
        return None
    text = str(error)
    if "actively excluded" in text and text.count("'") >= 2:
        return text.split("'")[1]
    name = error.name or ""
    if name in notes.modules or name in (n for n, _ in notes.failed_modules) or \
            name in (n for n, _, _ in notes.damaged_modules):
        return name
    return None


class Misses:
    """The misses file: one Python dict literal a line, each written with one
    ``os.write`` (a crash loses nothing); nothing without a file named.  It
    holds the program's arguments: made readable by its owner alone, and never
    written through a symbolic link (one planted where a privileged run writes)
    nor into a file another user made, or others may read."""

    def __init__(self, target):
        self.target = target
        self.noted = set()

    def write(self, entry):
        if not self.target:
            return
        line = repr(dict(entry, argv=sys.argv[1:], pid=os.getpid())) + "\n"
        try:  # the program must go on as without the recorder
            fd = os.open(self.target, os.O_WRONLY | os.O_CREAT | os.O_APPEND |
                         getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o600)
            try:
                made = os.fstat(fd)  # by this user, for this user alone: not another's
                if made.st_uid == os.geteuid() and not made.st_mode & 0o077:
                    os.write(fd, line.encode("utf-8", "backslashreplace"))
            finally:
                os.close(fd)
        except OSError:
            pass

    def module(self, name, how, frame):
        """Note module ``name`` once: ``how`` it was lacking, who asked, and
        whether it was only looked up (``importlib.util.find_spec``)."""
        if name in self.noted:
            return
        self.noted.add(name)
        importer, lookup = asked_by(frame)
        self.write({"module": name, "how": how, "importer": importer, "lookup": lookup})


def asked_by(frame):
    """(the module whose code asked for an import, whether it only looked the
    module up), from the frames above ``frame``."""
    importer, lookup = "", True
    while frame is not None:
        code = frame.f_code
        module = frame.f_globals.get("__name__") or ""
        if code.co_filename.startswith("<frozen importlib"):
            lookup = lookup and code.co_name != "_find_and_load"
        elif not importer and module not in ("importlib", "importlib.util") and \
                frame.f_globals is not globals():  # not this module's finders
            importer = module
        frame = frame.f_back
    return importer, lookup


class ImportWatch:
    """First on ``sys.meta_path``: asks the other finders itself, so that it
    sees an import none could satisfy, or that Nuitka's loader refuses (a module
    the build left out); notes it in the misses file, and, for a module that
    was installed at build time, for the line on stderr."""

    def __init__(self, misses, notes):
        self.misses, self.notes = misses, notes

    def find_spec(self, name, path=None, target=None):
        if not self.misses.target and name not in self.notes.modules:
            return None  # only the line on stderr, and it is not about this module
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            if finder is self or find_spec is None:
                continue
            try:
                spec = find_spec(name, path, target)
            except ImportError as error:
                if "actively excluded" in str(error):
                    self.lacked(name, "excluded")
                raise
            if spec is not None:
                return spec
        self.lacked(name, "not found")
        return None

    def lacked(self, name, how):
        frame = sys._getframe(2)
        self.misses.module(name, how, frame)
        if name in self.notes.modules:
            self.notes.module_missed(name, frame)


class ColdFinder:
    """Imports the modules of the cold archive by name, before Nuitka's loader
    (which refuses a module the build left out rather than pass it on), so a
    cold submodule of a compiled package is found too; each as its ``.py``
    would be in the dist (``__file__``, ``__path__``: the files beside it ship),
    and lists them with their package's other modules."""

    def __init__(self, folder, cold, misses, notes):
        self.folder = folder
        self.archive = folder + cold["archive"]
        self.modules = cold["modules"]  # name -> (member, is_package, dist path, CRC-32)
        self.misses, self.notes = misses, notes
        self.reader = None

    def install(self):
        sys.meta_path.insert(0, self)

    def find_spec(self, name, path=None, target=None):
        entry = self.modules.get(name)
        if entry is None:
            return None
        from _frozen_importlib_external import spec_from_file_location  # always loaded

        member, is_package, relative, checksum = entry
        location = self.folder + relative
        if self.misses.target:
            self.misses.module(name, COLD, sys._getframe(1))
        search = [os.path.dirname(location)] if is_package else None
        if not member:  # an extension module, shipped as a file
            from _frozen_importlib_external import ExtensionFileLoader

            return spec_from_file_location(name, location, loader=NamingFailures(
                ExtensionFileLoader(name, location), self.notes))
        loader = (ColdExtensionLoader if is_shared_object(member) else ColdLoader)(
            self, member, checksum, location)
        return spec_from_file_location(name, location, loader=loader,
                                       submodule_search_locations=search)

    def read(self, name, member, checksum):
        """The bytes of archive ``member`` (of module ``name``), checked against
        the CRC-32 the index holds: a damaged archive is an ImportError naming
        it (and a line as the program ends), never other code run."""
        import zlib

        try:
            if self.reader is None:
                import zipimport

                self.reader = zipimport.zipimporter(self.archive)
            content = self.reader.get_data(member)
        except Exception as error:  # zipimport's own, OSError, zlib.error, EOFError
            raise self.damaged(name, "%s: %s" % (type(error).__name__, error)) from None
        if zlib.crc32(content) != checksum:
            raise self.damaged(name, "its member %s fails its checksum" % member)
        return content

    def damaged(self, name, why):
        self.notes.damaged(name, self.archive, why)
        return ImportError("nuitka-hints: cannot load cold module %s: %s is damaged (%s); "
                           "install the program again, or build it again" % (
                               name, self.archive, why), name=name, path=self.archive)


class Listings:
    """Package folders listed as installed (``pkgutil.iter_modules``: plugin
    registries, locales, migrations): with their cold modules, and, where the
    build left out modules installed there, a line naming them when the program
    lists the folder (it would go on with fewer, and say nothing)."""

    def __init__(self, folder, settings, notes):
        cold = settings.get("cold") or {"children": {}}
        self.cold = {(folder + relative).rstrip(os.sep): names  # package folder ->
                     for relative, names in cold["children"].items()}  # [(name, is_package)]
        self.lacking = {}  # package folder -> (package, [names left out])
        for name in settings.get("left_out_modules", ()):  # (sorted by the build)
            package, _, child = name.rpartition(".")
            if package:
                path = folder + package.replace(".", os.sep)
                self.lacking.setdefault(path, (package, []))[1].append(child)
        self.notes = notes

    def install(self):
        if self.cold or self.lacking:
            sys.path_hooks.insert(0, self.path_hook)
            for path in (*self.cold, *self.lacking):
                sys.path_importer_cache.pop(path, None)

    def path_hook(self, path):
        """The finder of such a folder: the one the other hooks give, listing
        as installed."""
        if path not in self.cold and path not in self.lacking:
            raise ImportError("not a folder this build lists")
        finder = None
        for hook in sys.path_hooks:
            if hook != self.path_hook:
                try:
                    finder = hook(path)
                    break
                except ImportError:
                    continue
        return ListingAsInstalled(finder, self.cold.get(path, ()), self.lacking.get(path),
                                  self.notes)


class ListingAsInstalled:
    """A folder's path-entry finder with its cold modules added to what
    ``pkgutil.iter_modules`` lists, and the modules the build left out noted."""

    def __init__(self, finder, cold, lacking, notes):
        self.finder, self.cold, self.lacking, self.notes = finder, cold, lacking, notes

    def find_spec(self, name, target=None):
        return self.finder.find_spec(name, target) if self.finder is not None else None

    def invalidate_caches(self):
        getattr(self.finder, "invalidate_caches", lambda: None)()

    def iter_modules(self, prefix=""):
        pkgutil = sys.modules["pkgutil"]  # the only caller: nothing more in the build

        seen = set()
        for name, is_package in (pkgutil.iter_importer_modules(self.finder, prefix)
                                 if self.finder is not None else ()):
            seen.add(name)
            yield name, is_package
        for name, is_package in self.cold:
            if prefix + name not in seen:
                seen.add(prefix + name)
                yield prefix + name, is_package
        if self.lacking:
            package, names = self.lacking
            missing = [name for name in names if prefix + name not in seen]
            if missing:
                self.notes.listing_short(package, missing)


class ColdLoader:
    """Runs a cold module's bytecode; its resources are the files beside it."""

    def __init__(self, tier, member, checksum, path):
        self.tier, self.member, self.checksum, self.path = tier, member, checksum, path

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(self.get_code(module.__name__), module.__dict__)

    def get_code(self, name):
        import marshal
        from _frozen_importlib_external import MAGIC_NUMBER

        content = self.tier.read(name, self.member, self.checksum)
        if content[:len(MAGIC_NUMBER)] != MAGIC_NUMBER:
            raise self.tier.damaged(name, "its member %s is another Python's bytecode"
                                    % self.member)
        try:
            return marshal.loads(content[PYC_HEADER_SIZE:])
        except (ValueError, EOFError, TypeError) as error:
            raise self.tier.damaged(name, "its member %s: %s" % (self.member, error)) from None

    def get_source(self, name):
        return None

    def is_package(self, name):
        return os.path.basename(self.path).startswith("__init__.")

    def get_resource_reader(self, name):
        return FilesBeside(os.path.dirname(self.path)) if self.is_package(name) else None


class ColdExtensionLoader:
    """Loads an extension module of the archive through an anonymous in-memory
    file (``memfd_create``): it ships deflated, and nothing is written to disk;
    where there is none (no ``/proc``, a sandbox refusing it), through a file of
    its own in the temporary folder, removed once loaded.  Its ``__file__`` is
    where its file would be in the dist."""

    def __init__(self, tier, member, checksum, path):
        self.tier, self.member, self.checksum, self.path = tier, member, checksum, path

    def create_module(self, spec):
        import _imp
        from _frozen_importlib import ModuleSpec

        content = self.tier.read(spec.name, self.member, self.checksum)
        loaded = False
        try:
            fd, path = self._open()
        except OSError as error:
            raise ImportError("nuitka-hints: cannot load cold extension module %s: no "
                              "in-memory file, and none in the temporary folder (%s)" % (
                                  spec.name, error), name=spec.name) from None
        try:
            written = 0
            while written < len(content):
                written += os.write(fd, content[written:])
            module = _imp.create_dynamic(ModuleSpec(spec.name, self, origin=path))
            loaded = True
        except ImportError as error:  # a shared library it links that the dist lacks
            self.tier.notes.failed_to_load(spec.name, error)
            raise
        except OSError as error:
            raise ImportError("nuitka-hints: cannot load cold extension module %s through "
                              "%s (%s)" % (spec.name, path, error), name=spec.name) from None
        finally:
            # A loaded in-memory file stays open for good: the dynamic loader knows
            # a library by its path, and a closed one's number, reused by the next
            # module, would give it the first module's library.
            in_memory = path.startswith("/proc/")
            if not (in_memory and loaded):
                os.close(fd)
            if not in_memory:
                os.unlink(path)
        module.__file__ = self.path
        return module

    def _open(self):
        """(a file descriptor open for writing, the path the loader opens it by):
        an in-memory file, else a new file of this user's alone in the temporary
        folder, under a name nobody can guess (``O_EXCL``, ``O_NOFOLLOW``: never
        one that another user made first)."""
        name = os.path.basename(self.path)
        try:
            fd = os.memfd_create(name)
        except (AttributeError, OSError):
            pass
        else:
            if os.path.exists("/proc/self/fd/%d" % fd):
                return fd, "/proc/self/fd/%d" % fd
            os.close(fd)
        folder = os.environ.get("TMPDIR") or "/tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | \
            getattr(os, "O_CLOEXEC", 0)
        for _ in range(100):
            path = os.path.join(folder, "nuitka-hints-%s-%s" % (os.urandom(8).hex(), name))
            try:
                return os.open(path, flags, 0o700), path
            except FileExistsError:
                continue
        raise FileExistsError("no unused name in %s" % folder)

    def exec_module(self, module):
        import _imp

        _imp.exec_dynamic(module)

    def is_package(self, name):
        return os.path.basename(self.path).startswith("__init__.")


class NamingFailures:
    """The loader of a cold extension module shipped as a file, which notes why
    it failed to load (a shared library it links that the dist lacks) for the
    line at exit: the package importing it may catch the ImportError and fail
    later for another reason (Pillow's ``_webp``)."""

    def __init__(self, loader, notes):
        self.loader, self.notes = loader, notes

    def create_module(self, spec):
        try:
            return self.loader.create_module(spec)
        except ImportError as error:
            self.notes.failed_to_load(spec.name, error)
            raise

    def __getattr__(self, name):  # exec_module, is_package, get_filename ...
        return getattr(self.loader, name)


class FilesBeside:
    """``importlib.resources`` for a cold package: the files in its folder in
    the dist (``files()``; the older calls for Python 3.10)."""

    def __init__(self, folder):
        self.folder = folder

    def files(self):
        import pathlib

        return pathlib.Path(self.folder)

    def open_resource(self, resource):
        return open(os.path.join(self.folder, resource), "rb")

    def resource_path(self, resource):
        return os.path.join(self.folder, resource)

    def is_resource(self, name):
        return os.path.isfile(os.path.join(self.folder, name))

    def contents(self):
        return iter(os.listdir(self.folder))


class LeftToPython:
    """Imports the modules Nuitka failed on (``--hinted-source``) from their
    source files in the dist: Nuitka's loader claims every folder of a compiled
    package, so this goes first."""

    def __init__(self, folder, files):
        self.folder, self.files = folder, files

    def find_spec(self, name, path=None, target=None):
        if name not in self.files:
            return None
        from _frozen_importlib_external import spec_from_file_location

        source = self.folder + self.files[name]
        package = [os.path.dirname(source)] if source.endswith("__init__.py") else None
        return spec_from_file_location(name, source, submodule_search_locations=package)


class DistributionSpellings:
    """Last on ``sys.meta_path``: finds a distribution the binary holds by any
    spelling of its name, as the interpreter does (``version("requests-toolbelt")``
    for ``requests_toolbelt``).  Nuitka 4.3's loader compares the names only in
    lower case; where it finds none, this looks through all of its own."""

    @classmethod
    def install(cls):
        loaders = [f for f in sys.meta_path if type(f).__name__ == "nuitka_module_loader"]
        if loaders:  # a binary Nuitka built (the tests import this module)
            sys.meta_path.append(cls(loaders[0]))

    def __init__(self, loader):
        self.loader = loader

    def find_spec(self, name, path=None, target=None):
        return None  # finds distributions, not modules

    def find_distributions(self, context=None):
        name = getattr(context, "name", None)
        if not name or any(True for _ in self.loader.find_distributions(context)):
            return iter(())  # all of them, or found as spelled: Nuitka's answer stands
        wanted = normalized_name(name)
        held = self.loader.find_distributions(type(context)())
        return iter([found for found in held if normalized_name(name_in_metadata(found)) == wanted])


class ListedEntryPoints:
    """Notes, for the line at exit, the entry points installed at build time of
    a group the program lists (``importlib.metadata.entry_points(group=...)``:
    plugins, themes, commands) that the binary does not list: the program would
    go on with fewer, and say nothing.  It wraps ``entry_points`` as the module
    loads (first on ``sys.meta_path`` until then), or at once if it has."""

    MODULE = "importlib.metadata"

    def __init__(self, expected, notes):
        self.expected, self.notes = expected, notes  # group -> [names]

    def install(self):
        if self.MODULE in sys.modules:
            self.wrap(sys.modules[self.MODULE])
        else:
            sys.meta_path.insert(0, self)

    def find_spec(self, name, path=None, target=None):
        if name != self.MODULE:
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            spec = getattr(finder, "find_spec", lambda *args: None)(name, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = ThenWrap(spec.loader, self.wrap)
                return spec
        return None

    def wrap(self, module):
        listing = module.entry_points

        def entry_points(**params):
            found = listing(**params)
            group = params.get("group")
            if group in self.expected:
                names = {getattr(entry, "name", None) for entry in found}
                missing = [name for name in self.expected[group] if name not in names]
                if missing:
                    self.notes.entry_points_missed(group, missing)
            return found

        module.entry_points = entry_points


class ThenWrap:
    """A module's loader, then ``wrap(module)`` once it ran."""

    def __init__(self, loader, wrap):
        self.loader, self.wrap = loader, wrap

    def exec_module(self, module):
        self.loader.exec_module(module)
        self.wrap(module)

    def __getattr__(self, name):  # create_module, is_package, get_resource_reader ...
        return getattr(self.loader, name)


def normalized_name(distribution_name):
    """A distribution's name as the packaging standard compares them: case, and
    runs of ``-``, ``_`` and ``.``, do not count (PEP 503)."""
    import re

    return re.sub(r"[-_.]+", "-", distribution_name).lower()


def name_in_metadata(distribution):
    try:
        return distribution.metadata["Name"] or ""
    except (TypeError, KeyError):  # no METADATA text: Nuitka keeps an empty one
        return ""


class Notes:
    """What the binary says on stderr, once, about what the build left out:
    modules installed at build time that the program imported (caught or not),
    data files of families it looked for, and the families when it fails in a
    way no recorded run did."""

    def __init__(self, settings):
        self.modules = frozenset(settings.get("left_out_modules", ()))
        self.files = frozenset(settings.get("left_out_files", ()))
        self.families = settings.get("families_note")
        self.sources = settings.get("sources")  # name the module sources looked for
        self.sources_missed = []
        self.statuses = frozenset(settings.get("statuses", (0,)))
        self.missed_modules = []  # (name, importer)
        self.looked_for = []
        self.damaged_modules = []  # (name, archive, why)
        self.failed_modules = []  # (name, why): cold extension modules that did not load
        self.entry_points = []  # (group, [names]): listed, but not by the binary
        self.listings = []  # (package, [names]): listed, but not by the binary
        self.registered = self.said = False

    def module_missed(self, name, frame):
        importer, lookup = asked_by(frame)
        if not lookup and name not in (n for n, _ in self.missed_modules):
            self.missed_modules.append((name, importer))

    def file_missed(self, relative):
        if relative in self.files and relative not in self.looked_for:
            self.looked_for.append(relative)
        elif self.sources and relative.endswith(".py") and relative not in self.sources_missed:
            self.sources_missed.append(relative)  # (the program's code looked: astroid)

    def failed_to_load(self, name, error):
        """A cold extension module that did not load (said as the program ends)."""
        self.failed_modules.append((name, str(error).splitlines()[0] if str(error) else ""))
        self.register()

    def listing_short(self, package, names):
        if package not in (listed for listed, _ in self.listings):
            self.listings.append((package, names))
            self.register()

    def entry_points_missed(self, group, names):
        if group not in (listed for listed, _ in self.entry_points):
            self.entry_points.append((group, names))
            self.register()

    def damaged(self, name, archive, why):
        """A cold module the binary could not load from its damaged archive: said
        as the program ends, whether the program caught the ImportError or not."""
        self.damaged_modules.append((name, archive, why))
        self.register()

    def install(self):
        if not (self.modules or self.files or self.families or self.sources):
            return
        self.register()
        if self.families:
            self.watch_failures()

    def register(self):
        if not self.registered:
            import atexit

            atexit.register(self.say)  # whatever the exit status
            self.registered = True

    def watch_failures(self):
        """The families line, for a failure no recorded run had: an uncaught
        exception, or an exit status of ``sys.exit`` none of them had."""
        printed, exiting = sys.excepthook, sys.exit

        def excepthook(kind, value, traceback):
            printed(kind, value, traceback)
            if not issubclass(kind, KeyboardInterrupt):
                self.say(failed=True)

        def exit(status=None):  # compiled code raises SystemExit itself: not seen
            code = 0 if status is None else status if isinstance(status, int) else 1
            if code % 256 not in self.statuses:
                import atexit

                atexit.register(self.say, failed=True)  # after what sys.exit prints
            exiting(status)

        sys.excepthook, sys.exit = excepthook, exit

    def say(self, failed=False):
        lines = self.lines(failed)
        if self.said or not lines:
            return
        self.said = True
        try:
            sys.stderr.write("".join(lines))
            sys.stderr.flush()
        except Exception:
            pass

    def lines(self, failed):
        lines = ["%s%s: cannot load module %s (%s); install the program again, or build it "
                 "again\n" % (DAMAGED_START, archive, name, why)
                 for name, archive, why in self.damaged_modules[:3]]
        if self.missed_modules:
            names = [name for name, _ in self.missed_modules]
            lines.append(
                "%s%s, which the program imported (imported by %s; no recorded run did); "
                "rebuild with --hinted-keep=%s\n" % (
                    LEFT_OUT_START, ", ".join(names[:3]), self.missed_modules[0][1] or "?",
                    names[0]))
        if self.failed_modules:
            names = [name for name, _ in self.failed_modules]
            lines.append(
                "%swhat %s links, which the program imported (it failed to load from the "
                "cold tier: %s); rebuild with --hinted-keep=%s, which ships it with what it "
                "links\n" % (LEFT_OUT_START, ", ".join(names[:3]), self.failed_modules[0][1],
                             names[0]))
        for package, names in self.listings[:3]:
            lines.append(
                "%smodules %s of package %s, which the program listed (installed at build "
                "time); rebuild with --hinted-cold=distributions\n" % (
                    LEFT_OUT_START, ", ".join(names[:3]), package))
        for group, names in self.entry_points[:3]:
            lines.append(
                "%sentry points %s of group %s, which the program listed (installed at build "
                "time); rebuild with --hinted-cold=distributions\n" % (
                    LEFT_OUT_START, ", ".join(names[:3]), group))
        if self.looked_for:
            lines.append(
                "%s%s, which the program looked for (no recorded run read it); rebuild with "
                "--hinted-keep-data=%s or --hinted-families=keep (or --hinted-safe)\n" % (
                    LEFT_OUT_START, ", ".join(self.looked_for[:3]), self.looked_for[0]))
        if self.sources_missed:
            lines.append(
                "%sthe source of %s, which the program looked for (the build ships modules "
                "as bytecode); learn it: run with %s=FILE, then hinted-mods --learn HINTS "
                "FILE, and build again\n" % (
                    LEFT_OUT_START, ", ".join(self.sources_missed[:3]), MISSES_VARIABLE))
        if failed and self.families and not self.looked_for:
            lines.append(self.families)
        return lines


def watch_files(folder, misses, notes):
    """Note each data file below the binary's folder that the program looks for
    (``os.stat``: exists, isfile, ``Path.is_file``; ``open``) and the binary
    lacks: in the misses file, and for the line on stderr when the build left
    it out of a family.  A module's source counts only when the program's code
    looked for it (astroid), not Python showing a warning's or traceback's line.
    A shared library counts when the program loads it by path (``ctypes``)."""
    original_stat = os.stat

    def in_binary_folder(path):
        try:
            path = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            return None
        return path[len(folder):].replace(os.sep, "/") if path.startswith(folder) else None

    def lacked(relative, library=False):
        notes.file_missed(relative)
        if misses.target and relative not in misses.noted and \
                (library or not relative.endswith(COMPILED_SUFFIXES)):
            misses.noted.add(relative)
            misses.write({"file": relative})

    def exists(path):
        try:
            original_stat(path)
            return True
        except OSError:
            return False

    def stat(path, *args, **kwargs):
        try:
            return original_stat(path, *args, **kwargs)
        except FileNotFoundError:
            relative = None if isinstance(path, int) or kwargs.get("dir_fd") is not None \
                else in_binary_folder(path)
            if relative and (not relative.endswith(".py") or by_the_program(sys._getframe(1))):
                lacked(relative)
            raise

    def audit(event, args):
        if event == "open" and isinstance(args[0], (str, bytes)):
            relative = in_binary_folder(args[0])
            if relative and (relative in notes.files or misses.target and not exists(args[0])) \
                    and (not relative.endswith(".py") or by_the_program(sys._getframe(1))):
                lacked(relative)
        elif event == "ctypes.dlopen" and isinstance(args[0], str):
            relative = in_binary_folder(args[0])
            if relative and not exists(args[0]):
                lacked(relative, library=True)

    os.stat = like_a_builtin(stat, original_stat)
    sys.addaudithook(audit)


def by_the_program(frame):
    """Whether the code that looked for a source (``frame``, past the path
    helpers) is the program's, as astroid is: not Python showing a traceback or
    a warning's line (linecache, tokenize, traceback; C with no frame; this
    module's own hooks)."""
    while frame is not None and frame.f_globals.get("__name__") in (
            "genericpath", "posixpath", "ntpath", "os", "pathlib", "pathlib._local"):
        frame = frame.f_back
    return frame is not None and frame.f_globals is not globals() and \
        frame.f_globals.get("__name__") not in ("linecache", "tokenize", "traceback")


def like_a_builtin(function, original):
    """``function`` standing in for the built-in ``original`` of ``os``: not bound
    when read from a class (Python 3.10's pathlib keeps ``os.stat`` as a class
    attribute and calls it through an instance), and in the ``os.supports_*``
    sets where the original is (shutil asks them).  The tracer uses it too."""
    wrapped = staticmethod(function)  # callable since Python 3.10
    for functions in (os.supports_dir_fd, os.supports_fd, os.supports_follow_symlinks):
        if original in functions:
            functions.add(wrapped)
    return wrapped
