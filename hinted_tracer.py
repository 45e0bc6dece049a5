"""The tracer's parent: runs the program in a child process under the recorder
(``hinted_recorder``), passes its stdin and stdout through, then combines what
each of its processes recorded into the hints file (``hints_file.Hints``).

Nothing may be imported before the fork but ``os``, ``sys`` and this project's
modules: the program would inherit it, and the record miss its load.
"""

import os
import sys

from hinted_recorder import (
    BY_NAME,
    LIBRARY,
    LISTED_DIRECTORY,
    LOOKED_UP,
    PROFILE_SAMPLES,
    STARTUP,
    STOPPED,
    DATA_FILE,
    TEST_RUNNER_MODULES,
    TEST_RUNNERS,
    _bootstrap_code,
    _is_excluded,
    run_program,
    unescape,
)
from hinted_runtime import OUR_MODULES
from hints_file import (
    ABSOLUTE,
    PROGRAM,
    PYTHON_CODE,
    SITE_PACKAGES,
    CommandLineError,
    Hints,
    HintsError,
    HintsFileError,
    below_root,
    file_hash,
    read_distributions,
    hints_path,
    platform_tag,
    site_packages_dirs,
    stream_entry,
    sys_path_roots,
)

# How much of a run's stdin and stdout is kept for replaying it (bytes each).
MAX_RECORDED_STREAM = 1 << 20
TEST_FOLDERS = {"test", "tests"}  # a project's top folders of tests and their inputs
ERROR = 2  # the exit status of an error (after tracing, the program's own)


def fail(exc):
    """Say what is wrong in one line; the exit status of an error."""
    sys.stderr.write("hinted_mods: error: %s\n" % exc)
    return ERROR


class Tracer:
    """Runs one program under the recorder and merges what it saw into the hints."""

    def __init__(self, options, target, program_args):
        self.options = options
        self.target = target  # ("script", path) or ("module", name)
        self.program_args = program_args

    def run(self):
        import time  # built in: loading it does not hide a module from the record

        kind, name = self.target
        if kind == "script" and not os.path.isfile(name):
            return fail(CommandLineError("script %s not found" % name))
        output = self.options.get("output") or self._default_output()
        # Nothing may be imported before the fork: the program would inherit it.
        try:
            parts_dir = _make_parts_dir(output)
        except OSError as exc:  # before the program runs: nothing recorded is lost
            return fail(HintsFileError(
                "cannot write beside %s (%s): give -o FILE in a folder you can write to"
                % (output, exc.strerror or exc)))
        started = time.time()
        profile = self.options.get("profile", True)
        runner = self._runner()
        status, streams = _run_child(parts_dir, self.target, self.program_args, profile, runner)
        duration = time.time() - started
        run = {
            "argv": [name] + self.program_args,
            "module": kind == "module",
            "cwd": os.getcwd(),
            "exit_status": status,
            "duration": round(duration, 3),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            **streams,
        }
        excludes = list(self.options.get("exclude", ())) + list(
            TEST_RUNNER_MODULES if runner else ())
        try:
            new, stopped = _hints_from_parts(parts_dir, run, self._roots(), excludes,
                                             bool(runner))
            for pid, why in stopped:
                sys.stderr.write("hinted_mods: warning: process %s of the program stopped "
                                 "recording (%s): the record may lack what it imported after "
                                 "that\n" % (pid, why))
            superseded = new.save(output, fresh=self.options.get("fresh", False))
            if superseded:
                sys.stderr.write(
                    "hinted_mods: this run replaces run%s %s of %s, the same command recorded "
                    "against program files or packages that changed since\n" % (
                        "s" if len(superseded) > 1 else "", ", ".join(map(str, superseded)),
                        output))
        except HintsError as exc:  # the run was saved beside the hints file
            fail(exc)
            return status or ERROR
        except OSError as exc:
            fail(HintsFileError("cannot write hints file %s: %s" % (output, exc.strerror or exc)))
            return status or ERROR
        finally:
            _remove_parts_dir(parts_dir)
        return status

    def _default_output(self):
        kind, name = self.target
        if kind == "script":
            return hints_path(name)
        return os.path.abspath("%s-%s.json" % (name.rpartition(".")[2], platform_tag()))

    def _roots(self):
        kind, name = self.target
        program_dir = os.path.dirname(os.path.abspath(name)) if kind == "script" else os.getcwd()
        return sys_path_roots(program_dir)

    def _runner(self):
        """When the program traced is a test runner (and its packages are left
        out): (the project's folder, the ``sys.path`` folders below it that are
        not the project's: a virtual environment's), for ``_runner_chain``; else
        None.  Before the program runs: nothing imported (``os`` and ``sys``)."""
        kind, name = self.target
        if kind != "module" or name not in TEST_RUNNERS or \
                not self.options.get("runner_excluded", True):
            return None
        project = os.path.join(os.getcwd(), "")
        below = {os.path.join(os.path.abspath(entry), "") for entry in sys.path if entry}
        return project, tuple(sorted(folder for folder in below
                                     if folder.startswith(project) and folder != project))


def _run_child(parts_dir, target, program_args, profile, runner=None):
    """Run the program in a child process.

    Returns its exit status the shell's way, and what it read from stdin and
    wrote to stdout (for replaying the run against the binary).
    """
    if hasattr(os, "fork"):
        streams = _StreamRecorder()
        pid = os.fork()
        if pid == 0:  # the child becomes the program and never returns here
            streams.connect_child()
            run_program(parts_dir, target, program_args, profile, runner)
        streams.connect_parent()
        _import_what_combining_needs()
        status = _wait_for(pid)
        return status, streams.finish()
    import subprocess

    code = _bootstrap_code() + "; hinted_recorder.run_program(%r, %r, %r, %r, %r)" % (
        parts_dir,
        target,
        program_args,
        profile,
        runner,
    )
    command = [sys.executable] + _interpreter_flags() + ["-c", code]
    return subprocess.call(command), {}


def _interpreter_flags():
    import subprocess

    return subprocess._args_from_interpreter_flags()


class _StreamRecorder:
    """Passes stdin and stdout through the tracer, keeping a bounded copy of each.

    stdout goes through a pseudo-terminal when ours is a terminal (the program
    still sees one), else through a pipe.  stdin is relayed only when it is not a
    terminal: an interactive run cannot be replayed anyway.  stderr is untouched.
    Made with ``os`` alone: it exists before the fork.
    """

    def __init__(self):
        self.stdout_is_tty = os.isatty(1)
        if self.stdout_is_tty:
            self.out_read, self.out_write = os.openpty()
        else:
            self.out_read, self.out_write = os.pipe()
        self.relay_stdin = not os.isatty(0)
        self.in_read, self.in_write = os.pipe() if self.relay_stdin else (None, None)
        self.recorded = {"stdout": bytearray(), "stdin": bytearray()}
        self.truncated = set()
        self.stdout_copier = None

    def connect_child(self):
        os.dup2(self.out_write, 1)
        if self.relay_stdin:
            os.dup2(self.in_read, 0)
        for fd in (self.out_read, self.out_write, self.in_read, self.in_write):
            if fd is not None:
                os.close(fd)

    def connect_parent(self):
        import threading

        os.close(self.out_write)
        self.stdout_copier = threading.Thread(
            target=self._copy, args=(self.out_read, 1, "stdout"), daemon=True
        )
        self.stdout_copier.start()
        if self.relay_stdin:
            os.close(self.in_read)
            # A daemon: it may wait for input the program never wanted.
            threading.Thread(
                target=self._copy, args=(0, self.in_write, "stdin"), daemon=True
            ).start()

    def finish(self):
        """After the program ended: the recorded streams, for the run's entry."""
        self.stdout_copier.join(timeout=5)  # children it left behind may hold stdout
        result = {}
        for name, data in self.recorded.items():
            if name == "stdin" and not self.relay_stdin:
                continue
            if name == "stdout" and self.stdout_is_tty:
                data = data.replace(b"\r\n", b"\n")  # the terminal's line endings
            result[name] = stream_entry(bytes(data), name in self.truncated)
        return result

    def _copy(self, source, target, name):
        record = self.recorded[name]
        while True:
            try:
                chunk = os.read(source, 65536)
            except OSError:  # EIO: the pseudo-terminal's last writer is gone
                chunk = b""
            if not chunk:
                break
            if len(record) < MAX_RECORDED_STREAM:
                record += chunk[: MAX_RECORDED_STREAM - len(record)]
            if len(record) >= MAX_RECORDED_STREAM:
                self.truncated.add(name)
            try:
                while chunk:
                    chunk = chunk[os.write(target, chunk) :]
            except OSError:  # the reader went away (e.g. stdin: the program ended)
                break
        if name == "stdin":
            os.close(target)


def _import_what_combining_needs():
    """Import now, while the program runs, what writing the hints needs afterwards.

    The tracer's cost is the time it adds after the program ends; on a machine
    with a second core these imports then cost nothing.
    """
    import hashlib  # noqa: F401
    import json  # noqa: F401
    import shutil  # noqa: F401
    import sysconfig  # noqa: F401

    if sys.platform != "win32":
        import fcntl  # noqa: F401
    _distributions_by_top_level(site_packages_dirs(sys_path_roots()))  # read now, used after


def _wait_for(pid):
    """Wait like a shell does: Ctrl-C goes to the program, not to us."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _, status = os.waitpid(pid, 0)
    finally:
        signal.signal(signal.SIGINT, previous)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _make_parts_dir(output):
    """A fresh folder beside the output for the per-process files (os only)."""
    directory, name = os.path.split(output)
    os.makedirs(directory, exist_ok=True)
    for attempt in range(1000):
        parts_dir = os.path.join(directory, ".%s.parts-%d-%d" % (name, os.getpid(), attempt))
        try:
            os.mkdir(parts_dir)
            return parts_dir
        except FileExistsError:
            continue
    raise HintsFileError("cannot make a folder for the records beside %s" % output)


def _remove_parts_dir(parts_dir):
    import shutil

    shutil.rmtree(parts_dir, ignore_errors=True)


def _hints_from_parts(parts_dir, run, roots, excludes, runner=False):
    """Build the hints of one run from the per-process files in ``parts_dir``;
    returns them and the processes that stopped recording, (pid, reason) each.
    When the run is a test runner's (``runner``), what happened on the runner's
    behalf (``_runner_chain``) is left out, unless the project's code reaches a
    module being imported then (the runner imported it first)."""
    modules, libraries, samples, looked_up, stopped = {}, {}, None, set(), []
    data_files, listed = {}, {}
    on_runners_behalf = []  # (mark, fields, the modules being imported then)
    # What a package left out asked for is left out; the runner's: by the stack.
    askers_left_out = [name for name in excludes if not runner or name not in TEST_RUNNER_MODULES]
    loaded_from = {}  # module name -> its file
    named_on_command_line = {os.path.abspath(os.path.join(run["cwd"], arg))  # and the script
                             for arg in run["argv"][run["module"]:]}

    def add(mark, fields):
        if mark in (DATA_FILE, LISTED_DIRECTORY):
            location, asker = unescape(fields[0]), unescape(fields[1])
            if location in named_on_command_line or \
                    mark == LISTED_DIRECTORY and _holds_a_root(location, roots) or \
                    _is_excluded(asker, askers_left_out):
                return  # the run's input, the import system's own folders, or the
                # files of a package left out (its configuration, cache, collection)
            entry = _module_entry("data", location, roots)
            if runner and entry["where"] == PROGRAM and \
                    entry["file"].partition("/")[0] in TEST_FOLDERS:
                return  # the tests' own inputs, whoever opened them
            if entry["where"] != ABSOLUTE:  # only what a build could ship
                found = data_files if mark == DATA_FILE else listed
                found.setdefault(entry["where"], {})[entry["file"]] = 1
            return
        name, kind, location, how, asker = fields[:5]
        if name.partition(".")[0] in sys.stdlib_module_names and \
                _is_excluded(unescape(asker), askers_left_out):
            return  # only a package left out imported it
        entry = _module_entry(kind, unescape(location), roots)
        entry["startup"] = mark == STARTUP
        known = modules.get(name)
        if known is None or (known["startup"] and not entry["startup"]):
            modules[name] = entry
        if how == BY_NAME:
            modules[name]["by_name"] = True

    try:
        part_files = [n for n in sorted(os.listdir(parts_dir)) if n.endswith(".tsv")]
    except FileNotFoundError:
        raise HintsFileError("the run's record, %s, was removed while the program ran: "
                             "nothing was recorded" % parts_dir) from None
    for part in part_files:
        path = os.path.join(parts_dir, part)
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            for line in handle:
                if not line.endswith("\n"):
                    continue  # cut short by a kill
                mark, *fields = line.rstrip("\n").split("\t")
                if mark == STOPPED:
                    stopped.append((os.path.splitext(part)[0].partition("-")[2],
                                    unescape(fields[0])))
                    continue
                if mark == PROFILE_SAMPLES:
                    samples = samples if samples is not None else {}
                    name = unescape(fields[0])
                    samples[name] = samples.get(name, 0) + int(fields[1])
                    continue
                if mark == LIBRARY:
                    entry = _module_entry("library", unescape(fields[0]), roots)
                    libraries[entry.pop("file")] = {"where": entry["where"]}
                    continue
                if mark in (DATA_FILE, LISTED_DIRECTORY):
                    fields += [""] * (3 - len(fields))  # path asker chain
                    chain = unescape(fields[2])
                else:
                    if fields[0] in OUR_MODULES or _is_excluded(fields[0], excludes):
                        continue
                    if mark == LOOKED_UP:
                        looked_up.add(fields[0])
                        continue
                    fields += [""] * (6 - len(fields))  # name kind file how asker chain
                    loaded_from[fields[0]] = unescape(fields[2])
                    chain = unescape(fields[5])
                if runner and chain:
                    on_runners_behalf.append((mark, fields, chain.split(",")))
                else:
                    add(mark, fields)
    if on_runners_behalf:
        reached = _reached_by_the_project(
            [name for name, entry in modules.items() if entry.get("where") == PROGRAM],
            loaded_from, excludes)
        for mark, fields, chain in on_runners_behalf:
            if reached.intersection(chain):
                add(mark, fields)
    for entry in modules.values():
        entry["runs"] = 1
        if not entry["startup"]:
            del entry["startup"]
    run["processes"] = len(part_files)
    run["against"] = _what_the_run_ran_against(modules, roots, run)
    if samples is not None:
        run["profile"] = _profile_entry(samples, modules)
    return Hints.new(modules, [run], libraries, dict.fromkeys(looked_up, 1), data_files,
                     listed), stopped


def _reached_by_the_project(project_modules, loaded_from, excludes):
    """The modules the project's own code (its modules the run loaded: tests,
    conftest, the package under test) imports by its import statements, and
    what those import in turn, among the modules the run loaded (``loaded_from``:
    name -> file), not through the runner's (``excludes``): a module the runner
    happened to import first is among them."""
    import hinted_cold

    reached, pending = set(), list(project_modules)
    while pending:
        name = pending.pop()
        path = loaded_from.get(name, "")
        if not path.endswith(".py"):
            continue
        try:
            with open(path, "rb") as handle:
                source = handle.read()
        except OSError:
            continue
        is_package = os.path.basename(path).startswith("__init__.")
        for imported in hinted_cold.imported_names(source, name, is_package) - reached:
            if not _is_excluded(imported, excludes):
                reached.add(imported)
                pending.append(imported)
    return reached


def _holds_a_root(folder, roots):
    """Is ``folder`` one of ``roots``, or above one (a venv's site-packages lies in
    its own "stdlib" folder)?  Listing it is the import system's business
    (``importlib.metadata`` scans every ``sys.path`` entry), not the program's."""
    folder = os.path.normcase(folder)
    return any(root == folder or root.startswith(folder.rstrip(os.sep) + os.sep)
               for root in roots)


def _what_the_run_ran_against(modules, roots, run):
    """The program's own files (content hashes) and the installed distributions
    (versions) the run's modules came from: what a build checks for staleness."""
    program_dir = next(root for root, label in roots.items() if label == PROGRAM)
    files = {entry["file"] for entry in modules.values()
             if entry.get("where") == PROGRAM and entry["kind"] in PYTHON_CODE}
    if not run["module"]:
        files.add(os.path.basename(run["argv"][0]))
    tops = {entry["file"].partition("/")[0].partition(".")[0] for entry in modules.values()
            if entry.get("where") == SITE_PACKAGES and not entry.get("startup")}
    owners = _distributions_by_top_level(site_packages_dirs(roots))
    return {
        "program_files": {f: file_hash(os.path.join(program_dir, f)) for f in sorted(files)},
        "distributions": dict(sorted(owner for top in tops for owner in owners.get(top, ()))),
    }


_DISTRIBUTIONS = {}  # site-packages folders -> what read_distributions found there


def _distributions_by_top_level(site_dirs):
    """Top-level name in site-packages -> [(distribution, version)], read from the
    ``*.dist-info`` folders' names and ``top_level.txt`` or ``RECORD`` (several
    distributions can share one: ``google``).  Read once per tracer: it reads
    them while the program runs (the build reads them afresh)."""
    site_dirs = tuple(site_dirs)
    if site_dirs not in _DISTRIBUTIONS:
        _DISTRIBUTIONS[site_dirs] = read_distributions(site_dirs)
    return _DISTRIBUTIONS[site_dirs]


def _profile_entry(samples, modules):
    """A run's CPU profile: samples in all, and per recorded module that had any."""
    return {
        "samples": sum(samples.values()),
        "modules": {n: c for n, c in sorted(samples.items()) if n in modules},
    }


def _module_entry(kind, location, roots):
    """{"kind", "file", "where"}: file relative to the sys.path root it came from."""
    entry = {"kind": kind}
    if not location:
        return entry
    root, relative = below_root(location, roots)
    entry["file"], entry["where"] = (relative, roots[root]) if root else (location, ABSOLUTE)
    return entry
