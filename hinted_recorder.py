"""The recorder: inside the traced program, in every process of it.

``hinted_mods.py`` (the command line) and ``hinted_tracer`` (the parent, which
runs the program and combines what its processes recorded) start it:
``run_program`` in a forked child, ``_Recorder.child_code`` in an interpreter
multiprocessing spawns.  A finder at the front of ``sys.meta_path`` appends one
line per module to the process's own record file the moment the module is
loaded (and an audit hook one per data file read, folder listed), so a crash,
``os._exit`` or SIGKILL loses nothing; on POSIX a sampler counts where the CPU
time goes.  The record's line format is below (``STARTUP`` ...), with
``escape``/``unescape``: the parent reads it with them.

The rule here: import nothing the program could import.  A module this code
loads before or while the program runs is in ``sys.modules`` when the program
asks for it, and the record would miss that load.  Only built-in modules the
interpreter has loaded at start-up anyway (``_signal``, ``_thread``, ``atexit``
before the start-up snapshot) are used, with ``os``, ``sys`` and this
project's own modules (``hinted_runtime.OUR_MODULES``: never recorded);
everything else waits for the process end, when the program cannot import any
more.  tests/test_recorder.py checks it.
"""

import os
import sys

from hinted_runtime import OUR_MODULES, is_shared_object, like_a_builtin  # the binary's too
from hints_file import (
    BUILTIN,
    BYTECODE,
    EXTENSION,
    FROZEN,
    MODULE_SUFFIXES,
    NAMESPACE,
    OTHER,
    SOURCE,
    UNKNOWN,
)

# When the traced entry point is a test runner (``-m pytest``), the runner's own
# packages are not recorded: they run the tests, the program never needs them.
# Any other program records them like everything else: a program may use
# ``unittest.mock`` at run time, and PyTorch imports ``unittest``.
TEST_RUNNERS = ("pytest", "py.test", "unittest", "nose2", "coverage")
TEST_RUNNER_MODULES = (
    "pytest", "_pytest", "pluggy", "iniconfig", "py", "_hypothesis_pytestplugin",
    "unittest.__main__", "nose2", "coverage",
)
RUNNER_FRAMES = TEST_RUNNER_MODULES + ("unittest",)  # its code runs the tests


def run_program(parts_dir, target, program_args, profile, runner=None):
    """In the child: start recording, then run the program as python would."""
    kind, name = target
    sys.argv[:] = [name] + list(program_args)
    _Recorder(parts_dir, profile, runner).install()
    if kind == "module":
        import runpy

        sys.path[0] = os.getcwd()
        _run_guarded(runpy._run_module_as_main, name)  # what python -m calls
    else:
        path = os.path.abspath(name)
        if not getattr(sys.flags, "safe_path", False):
            sys.path[0] = os.path.dirname(path)
        _run_guarded(_exec_script, path)
    raise SystemExit(0)


def _exec_script(path):
    """Execute ``path`` as the ``__main__`` module, like ``python path`` does."""
    main = type(sys)("__main__")
    main.__file__ = path
    main.__cached__ = None
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    with open(path, "rb") as handle:
        source = handle.read()
    code = compile(source, path, "exec", dont_inherit=True)
    exec(code, main.__dict__)


def _this_file():
    """This file's path, as its code objects hold it (the frames' test)."""
    return _this_file.__code__.co_filename


def _run_guarded(function, argument):
    """Call ``function``; report an uncaught exception as python would."""
    try:
        function(argument)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: B902 - the program's, reported below
        traceback = exc.__traceback__
        while traceback and traceback.tb_frame.f_code.co_filename == _this_file():
            traceback = traceback.tb_next  # the tracer's frames are not the program's
        sys.excepthook(type(exc), exc.with_traceback(traceback), traceback)
        if isinstance(exc, KeyboardInterrupt):
            _die_by_sigint()
        raise SystemExit(1) from None


def _die_by_sigint():
    """Python ends on an uncaught KeyboardInterrupt by SIGINT; so do we."""
    import signal

    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)


def _bootstrap_code():
    """Python code that makes a fresh interpreter import this module."""
    here = os.path.dirname(os.path.abspath(_this_file()))
    return "import sys; sys.path.insert(0, %r); import hinted_recorder; del sys.path[0]" % here


# The per-process record file, ``process-<pid>.tsv`` in the run's parts folder: one
# tab-separated line per event, each appended by one os.write (``_Recorder._write_line``),
# so that a process killed at any point loses nothing it recorded:
#   S  name kind file   in sys.modules when recording started (interpreter start-up)
#   M  name kind file how asker   loaded: the import system created the module;
#                       asked for by an import statement or by a computed name
#   F  name             found by a finder (a lookup); an M for it means it loaded too
#   P  name samples     CPU samples counted in module ``name`` (at process end)
#   L  path             a shared library mapped into the process (at process end)
#   D  path asker       a file opened for reading, or found by os.stat (not a
#                       module's own file)
#   T  path asker       a directory listed (os.listdir, os.scandir: glob, os.walk)
#   E  reason           the process stopped recording (``_Recorder._stop``): the lines
#                       before are all it recorded (told at its end, if it can be)
# ``kind`` and ``file`` are those of ``_describe_spec``, ``asker`` the module that
# asked (``_asker``); text fields are ``_escape``d.
STARTUP, LOADED, LOOKED_UP, PROFILE_SAMPLES, LIBRARY = "S", "M", "F", "P", "L"
DATA_FILE, LISTED_DIRECTORY, STOPPED = "D", "T", "E"


def _by_importlib():
    """Is the file opened, or the folder listed, by the import system (to import a
    module, or for its finder cache)?  A module's source read by anything else
    (linecache for a warning, astroid analysing it) is data the program reads."""
    frame, this_file = sys._getframe(1), _this_file()
    while frame is not None and frame.f_code.co_filename == this_file:
        frame = frame.f_back  # the audit hook's: the caller is above them
    return frame is not None and frame.f_code.co_filename.endswith(
        ("_bootstrap_external>", "_bootstrap_external.py"))  # (None: listed from C)


def _asker():
    """The module whose code asked for what is being recorded (an import, a file,
    a folder): the first caller that is neither the standard library (the path
    helpers, ``importlib``, a standard module importing another) nor this
    module, "" if none is (``python -m json.tool``).  A test runner's asking is
    left out of its run's record (``TEST_RUNNER_MODULES``)."""
    frame, this_file = sys._getframe(2), _this_file()
    while frame is not None and frame.f_code is not run_program.__code__:  # (the tracer's
        module = frame.f_globals.get("__name__") or ""  # frames are above it)
        if not frame.f_code.co_filename.startswith("<frozen") and \
                frame.f_code.co_filename != this_file and \
                module.partition(".")[0] not in sys.stdlib_module_names:
            return module
        frame = frame.f_back
    return ""


def _runner_chain(runner, module_file=None):
    """Tracing a test runner: did what is being recorded happen on the runner's
    behalf?  "" when the project's own code asked: a frame of the project's
    folder (``runner``: it, and the folders below it that are not its own) comes
    before one of the runner's, or right after the runner's (the project called
    the runner's API: ``pytest.importorskip``); and for a module of the project
    (``module_file``: a test module the runner imports).  Else the names of the
    modules being imported then, outermost first, joined by "," ("-" when none
    is): the hints keep the event if the project's own import statements reach
    one (``_reached_by_the_project``)."""
    if module_file and _in_project(runner, module_file):
        return ""
    this_file = _this_file()
    frame, chain, runners = sys._getframe(1), [], False
    while frame is not None and frame.f_code is not run_program.__code__:  # the tracer's
        filename = frame.f_code.co_filename  # frames above it (a console script in a venv
        module = frame.f_globals.get("__name__") or ""  # inside the project) are not its
        if filename.startswith("<frozen"):
            if frame.f_code.co_name == "_find_and_load":
                chain.append(frame.f_locals.get("name") or "")
        elif filename == this_file:
            pass
        elif _is_excluded(module, RUNNER_FRAMES):
            runners = True
        elif _in_project(runner, filename):
            return ""
        elif runners and module.partition(".")[0] not in sys.stdlib_module_names:
            break  # the runner's, called by a package that is not the project's
        frame = frame.f_back
    return (",".join(reversed(chain)) or "-") if runners else ""


def _in_project(runner, filename):
    """Is ``filename`` the project's (``runner``: its folder, and the folders
    below it that are not its own)?"""
    project, not_projects = runner
    return filename.startswith(project) and not filename.startswith(not_projects)


def _how_imported(name):
    """How module ``name``, being loaded, was asked for: by an import statement
    (``STATEMENT``) or by a name the program computed (``BY_NAME``:
    ``importlib.import_module``, ``__import__(name)``; also an import from C code
    called from Python), read from the frame that asked (its instruction, which
    is ``IMPORT_NAME`` for a statement).  A package loaded on the way to the
    module asked for was not asked for by name.  "" on a Python whose opcode is
    unknown."""
    import_name = IMPORT_NAME_OPCODE.get(sys.version_info[:2])
    frame, asked = sys._getframe(2), None  # 0: this, 1: loaded()
    this_file = _this_file()
    while frame is not None and (frame.f_code.co_filename.startswith("<frozen importlib")
                                 or frame.f_code.co_filename == this_file):
        if frame.f_code.co_name == "_find_and_load":  # the outermost one: what was asked
            asked = frame.f_locals.get("name")
        frame = frame.f_back
    if frame is None or import_name is None:
        return ""
    if asked != name:
        return STATEMENT
    if frame.f_globals.get("__name__") == "importlib" and \
            frame.f_code.co_name == "import_module":
        return BY_NAME
    return STATEMENT if frame.f_code.co_code[frame.f_lasti] == import_name else BY_NAME


# The opcode of an import statement's instruction (``opcode.opmap["IMPORT_NAME"]``,
# which the recorder may not import): tests/test_recorder.py checks it on each Python.
IMPORT_NAME_OPCODE = {(3, 10): 108, (3, 11): 108, (3, 12): 108, (3, 13): 75}
STATEMENT, BY_NAME = "statement", "name"


def _on_sys_path(path):
    """Is the folder a ``sys.path`` entry (``importlib.metadata`` lists them all)?"""
    folder = os.path.abspath(os.fsdecode(path if path is not None else "."))
    return any(os.path.abspath(entry or ".") == folder for entry in sys.path
               if isinstance(entry, str))


_KIND_BY_LOADER = {
    "SourceFileLoader": SOURCE,
    "SourcelessFileLoader": BYTECODE,
    "ExtensionFileLoader": EXTENSION,
    "BuiltinImporter": BUILTIN,
    "FrozenImporter": FROZEN,
    "NamespaceLoader": NAMESPACE,
    "_NamespaceLoader": NAMESPACE,
}


def _recorders_own(method):
    """Decorator: ``method`` is the recorder's own work, done for the program's import,
    file access or exit.  An error in it stops recording the process (``_Recorder._stop``)
    instead of failing what the program was doing; once stopped, the work is skipped.
    The program's own errors (another finder's, a loader's) happen outside it."""

    def guarded(recorder, *args):
        if recorder.recording:
            try:
                method(recorder, *args)
            except Exception as exc:
                recorder._stop(exc)

    guarded.__name__, guarded.__doc__ = method.__name__, method.__doc__
    return guarded


# How the recorder opens its file for each line: to append, never through a symbolic
# link, never left open in a program it execs.
APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | \
    getattr(os, "O_CLOEXEC", 0)


class _Recorder:
    """A meta path finder that writes down every module the moment it is found.

    It asks the other finders itself, in their order, and returns their answer,
    so imports behave exactly as without it.  Each record is one ``os.write`` of
    one line to this process's own file: nothing is buffered, nothing is lost.
    When the process ends it adds the shared libraries it had loaded and its CPU
    profile.

    The file descriptors are the program's: it holds none between two lines
    (``_write_line``).  When it cannot write, or its own work fails, it stops
    recording the process (``_stop``) and the tracer warns that the record may be
    short; the program's imports, file accesses and exit go on as without it.
    """

    def __init__(self, parts_dir, profile=True, runner=None):
        self.parts_dir = parts_dir
        self.profile = profile
        self.runner = runner  # tracing a test runner: see _runner_chain
        self.part_file = self._part_file_name()
        self.part_file_made = False  # by the process's first line; no later line makes it
        self.recording = True  # until _stop
        self.why_stopped = None  # told once, at the process end
        self.seen = set()  # names recorded as loaded
        self.looked_up = set()  # names found but not (yet) loaded
        self.libraries = set()
        self.files = set()  # (absolute path, asking package, chain): files read, folders listed
        self.sampler = _Sampler() if profile else None

    def install(self):
        import atexit  # before the snapshot: it is ours, not the program's

        self._record_startup_modules()
        sys.meta_path.insert(0, self)
        sys.addaudithook(self._audit)
        os.stat = self._recording_stat(os.stat)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork)
        atexit.register(self._record_process_end)
        self._record_before_exit_and_exec()
        if self.sampler:
            self.sampler.start()

    @_recorders_own
    def _record_startup_modules(self):
        """What is in ``sys.modules`` before the program runs (a spawned
        interpreter's too: a failure must not end the program's child)."""
        for name, module in list(sys.modules.items()):
            if name != "__main__" and name not in OUR_MODULES:
                self._write(STARTUP, name, getattr(module, "__spec__", None))

    def find_spec(self, name, path=None, target=None):
        for finder in sys.meta_path:
            if finder is self:
                continue
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(name, path, target) if find_spec else None
            if spec is not None:
                self._found(name, spec)
                return spec
        return None

    @_recorders_own
    def loaded(self, spec):
        """The import system is creating (or executing) the module of ``spec``."""
        if spec.name not in self.seen:
            self._write(LOADED, spec.name, spec, _how_imported(spec.name), _asker(),
                        _runner_chain(self.runner, spec.origin) if self.runner else "")

    @_recorders_own
    def _found(self, name, spec):
        """A lookup is not a load: note it, and stand in for the loader until the load.

        A loader without ``exec_module`` (legacy ``load_module``) cannot be stood
        in for without changing how the import system treats it: recorded now.
        """
        if name in self.seen:
            return
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            self._write(LOADED, name, spec)
            return
        if name not in self.looked_up:
            self._write_line(LOOKED_UP, name)
            self.looked_up.add(name)
        if not isinstance(spec.loader, _RecordingLoader):
            spec.loader = _RecordingLoader(spec.loader, self)

    def _audit(self, event, args):
        """Files read and directories listed, whoever asked (``_file_event``)."""
        if event == "open" or event == "os.listdir" or event == "os.scandir":
            self._file_event(event, args)

    @_recorders_own
    def _file_event(self, event, args):
        """``open`` is raised by ``open``, ``io.open``, ``os.open``, ``pathlib`` and C
        code using Python's io; the listings by ``os.listdir`` and ``os.scandir``."""
        path = args[0]
        if isinstance(path, int):
            return
        if event == "open":
            if isinstance(path, str) and path.endswith(MODULE_SUFFIXES) and (
                    not path.endswith(".py") or _by_importlib()):
                return  # the import system reading a module: recorded as a module
            mode, flags = args[1], args[2]
            if mode is None:  # os.open: flags only
                writing = flags is not None and flags & 3 == os.O_WRONLY
            else:
                writing = "r" not in mode and "+" not in mode
            if not writing:  # (the recorder's own lines are written)
                self._note(DATA_FILE, path)
        elif not _by_importlib() and not _on_sys_path(path):
            self._note(LISTED_DIRECTORY, path if path is not None else ".")

    @_recorders_own
    def _note(self, mark, path):
        """Write down a file (or folder) the first time each package asks for it,
        by its absolute path, with the module that asked (``_asker``)."""
        name, asker = os.path.abspath(os.fsdecode(path)), _asker()
        chain = _runner_chain(self.runner) if self.runner else ""
        if (name, asker.partition(".")[0], chain) not in self.files:
            self._write_line(mark, escape(name), escape(asker), escape(chain))
            self.files.add((name, asker.partition(".")[0], chain))

    def _recording_stat(self, original_stat):
        """``os.stat``, noting the regular files it finds: a program that checks a
        file is there (``os.path.exists``, ``isfile``, ``Path.exists``) needs it as
        much as one that reads it, and no audit event tells (torch checks for its
        ``torch_shm_manager`` at import)."""
        recorder = self

        def stat(path, *args, **kwargs):
            result = original_stat(path, *args, **kwargs)
            if not args and kwargs.get("dir_fd") is None and not isinstance(path, int) and \
                    result.st_mode & 0o170000 == 0o100000 and \
                    not os.fsdecode(path).endswith(MODULE_SUFFIXES):  # a data file, by path
                recorder._note(DATA_FILE, path)
            return result

        stat.__name__, stat.__doc__ = original_stat.__name__, original_stat.__doc__
        return like_a_builtin(stat, original_stat)

    def child_code(self):
        """Code a new interpreter of the program runs first to record itself."""
        return "%s; hinted_recorder._Recorder(%r, %r, %r).install(); " % (
            _bootstrap_code(),
            self.parts_dir,
            self.profile,
            self.runner,
        )

    def _after_fork(self):
        """A forked child is a process of its own: its own file, recording afresh
        (also when its parent had stopped), its own samples."""
        self.part_file, self.part_file_made = self._part_file_name(), False
        self.recording, self.why_stopped = True, None
        if self.sampler:
            self.sampler.restart_in_child()

    def _part_file_name(self):
        return os.path.join(self.parts_dir, "process-%d.tsv" % os.getpid())

    def _write(self, mark, name, spec, how="", asker="", chain=""):
        kind, location = _describe_spec(spec)
        self._write_line(mark, name, kind, escape(location), how, escape(asker), escape(chain))
        self.seen.add(name)

    def _write_line(self, *fields, create=False):
        """Append one line to this process's file, opened for it and closed after it.

        A descriptor kept between lines would not stay ours: daemons and servers
        close every descriptor they inherited (``os.closerange``) or ``dup2`` over
        them, and their next file gets the number: the lines would go into it.
        The file is made by the process's first line only: when it or its folder
        is gone (the tracer has ended and removed it, under a daemon that outlived
        the program), a later line's open fails and the process stops recording.
        The reason it stopped may make the file again (``create``): in a folder
        still there, the tracer reads it.

        Measured on benchmarks/trace_overhead.py's program (344 modules, 687 lines):
        a line costs 6.2 us, 1.9 us with a kept descriptor: 3 ms a run, 1% of the
        traced run and below the benchmark's spread from run to run.  A kept
        descriptor whose identity (``os.fstat``) is checked before each line costs
        4.2 us, and cannot tell our file from the program's new file that got its
        inode number once the tracer removed ours.
        """
        line = ("\t".join(map(str, fields)) + "\n").encode("utf-8", "surrogateescape")
        made = self.part_file_made and not create
        fd = os.open(self.part_file, APPEND_FLAGS if made else APPEND_FLAGS | os.O_CREAT, 0o644)
        try:
            written = os.write(fd, line)
        finally:
            os.close(fd)
        self.part_file_made = True
        if written != len(line):  # no room left: the rest of the line would be lost
            raise OSError("wrote %d of a line's %d bytes" % (written, len(line)))

    def _stop(self, exc):
        """Stop recording this process, on a line it cannot write (the folder gone, no
        descriptor left, no room) or an error in its own work (``_recorders_own``).
        It writes no more, but the reason, at the process end."""
        self.recording = False
        if isinstance(exc, OSError) and exc.strerror:
            self.why_stopped = exc.strerror
        else:
            self.why_stopped = "%s: %s" % (type(exc).__name__, exc)

    def _record_before_exit_and_exec(self):
        """``os._exit`` skips atexit (multiprocessing children end with it), and
        ``os.execv``/``os.execve`` (all ``os.exec*`` end there) replace the process:
        the process ends there too.  A failed exec carries on as before."""
        original_exit = os._exit

        def _exit(status):
            self._record_process_end()
            original_exit(status)

        os._exit = _exit
        for name in ("execv", "execve"):
            if hasattr(os, name):
                setattr(os, name, self._recording_exec(getattr(os, name)))

    def _recording_exec(self, original_exec):
        def exec_function(*args):
            self._record_process_end()
            try:
                return original_exec(*args)
            except BaseException:
                if self.sampler:
                    self.sampler.start()
                raise

        exec_function.__name__ = original_exec.__name__
        return exec_function

    def _record_process_end(self):
        """The process ends (exit, ``os._exit``, exec): its CPU profile, what it
        holds, and why it stopped recording if it did (one attempt: the tracer may
        have ended, or no descriptor be left).  The sampling timer stops whatever
        happens: it would outlive an exec."""
        samples = self.sampler.stop() if self.sampler and self.sampler.running else {}
        self._record_holdings(samples)
        if self.why_stopped:
            why, self.why_stopped = self.why_stopped, None
            try:
                self._write_line(STOPPED, escape(why), create=True)
            except Exception:
                pass  # no one to tell

    @_recorders_own
    def _record_holdings(self, samples):
        for module_name, count in samples.items():
            self._write_line(PROFILE_SAMPLES, escape(module_name), count)
        self._record_unseen_modules()
        self._record_shared_libraries()

    def _record_shared_libraries(self):
        """Shared libraries mapped into this process (Linux: /proc/self/maps).

        Read when the process ends (exit, ``os._exit``): libraries stay mapped, and
        reading after every extension module would cost the program time.
        """
        try:
            with open("/proc/self/maps", "rb") as maps:
                lines = maps.read().decode("utf-8", "surrogateescape").splitlines()
        except OSError:  # not Linux: no native evidence recorded
            return
        for line in lines:
            fields = line.split(None, 5)  # address perms offset dev inode [path]
            path = fields[5].strip() if len(fields) == 6 else ""
            if path.startswith("/") and is_shared_object(path) and path not in self.libraries:
                self.libraries.add(path)
                self._write_line(LIBRARY, escape(path))

    def _record_unseen_modules(self):
        """Modules put into sys.modules without the import system (C code, aliases),
        or by a finder put before ours (pytest's, for its plugins' packages), and
        the module a ``-m`` run ran as ``__main__`` (under its own name).  Tracing
        a test runner, one that is not the project's is the runner's unless the
        project's code reaches it or a package holding it (its chain: those)."""
        for name, module in list(sys.modules.items()):
            spec = getattr(module, "__spec__", None)
            if name == "__main__" and spec is not None:
                name = getattr(spec, "name", name)
            if name not in self.seen and name != "__main__":
                if spec is not None and getattr(spec, "name", name) == name:
                    origin = getattr(spec, "origin", None) or ""
                    parts = name.split(".")
                    packages = ",".join(".".join(parts[:n]) for n in range(1, len(parts) + 1))
                    self._write(LOADED, name, spec, chain=packages if self.runner and not
                                _in_project(self.runner, origin) else "")


class _Sampler:
    """Where a process spends its CPU time, by module: a statistical profile.

    At every tick of a CPU-time timer (ITIMER_PROF, POSIX only) each thread's
    current frame counts for its module.  It tells the build which recorded
    modules are worth compiling to C; time spent in C code counts for the Python
    code that called it.  Interrupted system calls are restarted.  A process
    started with SIGPROF ignored or handled is not sampled; one killed by a
    signal loses its samples (not its modules).

    On Python 3.12 only the main thread is sampled: reading another thread's
    frame from the handler there crashes the process now and then (measured on
    3.12.1: 3 to 9 segfaults in 120 runs of a multiprocessing pool, none on
    3.10, 3.11 or 3.13).
    """

    INTERVAL = 0.001  # asked for; the kernel ticks less often (Linux: 4 ms)
    SAMPLES_OTHER_THREADS = sys.version_info[:2] != (3, 12)

    def __init__(self):
        self.counts = {}
        self.running = False
        self.main_thread = None

    def start(self):
        import _signal  # built in and loaded at start-up: hides nothing
        import _thread

        if not hasattr(_signal, "setitimer"):
            return
        if _signal.getsignal(_signal.SIGPROF) not in (_signal.SIG_DFL, self._sample):
            return
        self.main_thread = _thread.get_ident()
        _signal.signal(_signal.SIGPROF, self._sample)
        _signal.siginterrupt(_signal.SIGPROF, False)
        _signal.setitimer(_signal.ITIMER_PROF, self.INTERVAL, self.INTERVAL)
        self.running = True

    def restart_in_child(self):
        """A forked child inherits the counts but not the timer."""
        self.counts = {}
        self.running = False
        self.start()

    def stop(self):
        """Stop sampling; return the counts (module name -> samples) and forget them."""
        import _signal

        _signal.setitimer(_signal.ITIMER_PROF, 0, 0)
        self.running = False
        counts, self.counts = self.counts, {}
        counts.setdefault("", 0)  # so that a process too short for a sample has a profile
        return counts

    def _sample(self, signum, frame):
        counts = self.counts
        frames = [frame]
        if self.SAMPLES_OTHER_THREADS:
            threads = sys._current_frames()
            if len(threads) > 1:
                frames += [f for ident, f in threads.items() if ident != self.main_thread]
        for current in frames:
            name = current.f_globals.get("__name__") if current is not None else None
            name = name if isinstance(name, str) else ""
            counts[name] = counts.get(name, 0) + 1


class _RecordingLoader:
    """Stands in for a found module's loader until the import system loads it.

    ``importlib`` calls ``create_module`` (or, through ``LazyLoader``, only
    ``exec_module``) when it really loads the module: that is when the module is
    recorded, and the real loader is put back in the spec, so the module's
    ``__loader__`` and ``__spec__.loader`` are the real one.  A spec that is only
    looked up (``importlib.util.find_spec``) keeps the stand-in.
    ``multiprocessing.util`` keeps it through ``exec_module`` to be patched after.
    """

    def __init__(self, loader, recorder):
        self.loader = loader
        self.recorder = recorder

    def create_module(self, spec):
        self._load(spec)
        create_module = getattr(self.loader, "create_module", None)
        return create_module(spec) if create_module else None

    def exec_module(self, module):
        spec = module.__spec__
        self._load(spec)
        if getattr(module, "__loader__", None) is self:  # importlib.reload sets it
            module.__loader__ = self.loader
        self.loader.exec_module(module)
        if spec.name == "multiprocessing.util":
            _record_spawned_interpreters(self.recorder, module)

    def _load(self, spec):
        self.recorder.loaded(spec)
        if spec.loader is self and spec.name != "multiprocessing.util":
            spec.loader = self.loader

    def __getattr__(self, name):
        return getattr(self.loader, name)


@_recorders_own
def _record_spawned_interpreters(recorder, util_module):
    """Make multiprocessing's spawn and forkserver interpreters record themselves.

    Both start ``python ... -c CODE`` through ``util.spawnv_passfds`` (POSIX
    only; spawned children on Windows are not recorded); we put the recorder's
    start in front of CODE.  Depends on multiprocessing internals, so kept to
    this one function, which fails without failing the program's import of
    ``multiprocessing.util``; tests/test_recorder.py covers spawn and forkserver.
    """

    def with_recorder(args):
        args = list(args)
        if "-c" in args:
            index = args.index("-c") + 1
            args[index] = recorder.child_code() + args[index]
        return args

    original_spawnv = util_module.spawnv_passfds

    def spawnv_passfds(path, args, passfds):
        return original_spawnv(path, with_recorder(args), passfds)

    util_module.spawnv_passfds = spawnv_passfds


def _describe_spec(spec):
    """(kind, file) of a module spec; file is absolute, or "" when there is none."""
    if spec is None:
        return UNKNOWN, ""
    loader = spec.loader
    if isinstance(loader, _RecordingLoader):
        loader = loader.loader
    # BuiltinImporter and FrozenImporter are their own loaders: classes.
    loader_class = loader if isinstance(loader, type) else type(loader)
    kind = _KIND_BY_LOADER.get(loader_class.__name__) if loader is not None else None
    if kind is None:
        if spec.origin is None and spec.submodule_search_locations is not None:
            kind = NAMESPACE
        elif spec.origin in ("built-in", "frozen"):
            kind = BUILTIN if spec.origin == "built-in" else FROZEN
        else:
            kind = OTHER
    if kind == NAMESPACE:
        locations = list(spec.submodule_search_locations or ())
        return kind, locations[0] if locations else ""
    if kind in (BUILTIN, FROZEN):
        return kind, ""
    return kind, spec.origin or ""


def escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def unescape(text):
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            char = {"t": "\t", "n": "\n"}.get(next(chars, ""), "\\")
        out.append(char)
    return "".join(out)


def _is_excluded(name, excludes):
    """Is ``name`` one of ``excludes``, or in a package that is?"""
    return any(name == excluded or name.startswith(excluded + ".") for excluded in excludes)
