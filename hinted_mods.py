"""Record every module a Python program really imports, for hinted Nuitka builds.

    python hinted_mods.py [options] script.py [args...]
    python hinted_mods.py [options] -m package.module [args...]

runs the program exactly as ``python`` would and writes ``<script stem>-<tag>.json``
next to the script (see ``platform_tag``).  A second run merges into the same file.

How it works: the program runs in a child process (forked on POSIX, so it starts
with nothing but the interpreter's own modules).  A finder at the front of
``sys.meta_path`` appends one line per module to a per-process file the moment the
module is loaded (and an audit hook one per data file read), so a crash,
``os._exit`` or SIGKILL loses nothing.  When the program ends, the parent
combines the per-process files into the hints file.
On POSIX each process also samples where its CPU time goes, by module, so the
build can compile to C only the modules worth it (``Hints.hot_modules``).

The hints file format has its own module beside this one, ``hints_file`` (the
``Hints`` class: ``load``, ``new``, ``merged``, ``save``, ``locate``), which the
build and the benchmarks import too.

Only ``sys``, ``os``, ``hints_file`` and ``hinted_runtime`` (importing only
those two) are imported at module level: whatever this module imports before
the program starts would hide that module from the record.
"""

import os
import sys

from hinted_runtime import OUR_MODULES, is_shared_object, like_a_builtin  # the binary's too
from hints_file import (
    ABSOLUTE,
    BUILTIN,
    BYTECODE,
    EXTENSION,
    FROZEN,
    NAMESPACE,
    OTHER,
    PROGRAM,
    PYTHON_CODE,
    SITE_PACKAGES,
    SOURCE,
    UNKNOWN,
    MISSES_VARIABLE,
    MODULE_SUFFIXES,
    CommandLineError,
    Hints,
    HintsError,
    HintsFileError,
    LinkedOutOfItsFolder,
    below_root,
    file_hash,
    FileLock,
    read_distributions,
    count_misses,
    describe_misses,
    hints_path,
    learn_into,
    learnable,
    miss_name,
    platform_tag,
    read_misses,
    site_packages_dirs,
    stream_entry,
    sys_path_roots,
    version_line,
)


# How much of a run's stdin and stdout is kept for replaying it (bytes each).
MAX_RECORDED_STREAM = 1 << 20

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
TEST_FOLDERS = {"test", "tests"}  # a project's top folders of tests and their inputs


USAGE = """\
usage: hinted_mods.py [options] script.py [args...]
       hinted_mods.py [options] -m module [args...]
       hinted_mods.py --summary HINTS.json
       hinted_mods.py --combine -o OUT.json HINTS.json [HINTS.json...]
       hinted_mods.py --prune-stale HINTS.json
       hinted_mods.py --learn HINTS.json MISSES [MISSES...]

Runs the program as python would and records every module it imports into
<script stem>-<tag>.json next to the script (tag of this Python: %s).

options:
  -o FILE, --output FILE  write the hints to FILE instead
  --fresh                 replace the hints file instead of merging into it
  --exclude PKG           do not record top-level package PKG (repeatable);
                          tracing a test runner (-m %s) also leaves
                          out the runner's own packages; --exclude=- keeps them
  --no-profile            do not sample where the CPU time goes (then the
                          build compiles every recorded module to C)
  --summary FILE          what a hints file holds; which runs are current
  --prune-stale FILE      drop the runs recorded against other versions of the
                          program's files or packages (keeps a backup)
  --learn FILE MISSES...  add to the hints FILE the modules a built binary
                          lacked, from the files it wrote where %s
                          named (README: Ask the binary)
  --version               show this release, the Nuitka found and the Python
  -h, --help              show this help
"""


# -- the command line: what `python hinted_mods.py ...` does ---------------------------

# Exit statuses of --summary, --combine, --prune-stale and of errors; after tracing
# the status is the program's own.
OK, ERROR = 0, 2


def main(argv=None):
    """Command-line entry point (``hinted-mods``).

    Returns the exit status, except after tracing: then it ends the process
    itself with the program's status.
    """
    argv = sys.argv[1:] if argv is None else argv
    try:
        options, target, program_args = _split_command_line(argv)
    except HintsError as exc:
        return _fail(exc)
    if options.get("help"):
        sys.stdout.write(USAGE % (platform_tag(), "|".join(TEST_RUNNERS), MISSES_VARIABLE))
        return OK
    if options.get("version"):
        print(version_line())
        return OK
    if "summary" in options:
        return _run_tool(_print_summary, options["summary"])
    if "combine" in options:
        return _run_tool(_combine_files, options.get("output"), options["combine"])
    if "prune-stale" in options:
        return _run_tool(_prune_stale, options["prune-stale"])
    if "learn" in options:
        return _run_tool(_learn_from_binary, *options["learn"])
    status = Tracer(options, target, program_args).run()
    # The hints are written and closed; skipping the interpreter's clean-up
    # saves the program's user several milliseconds a run.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _split_command_line(argv):
    """Split ``argv`` into our options, the target and the program's arguments.

    Everything after the script (or after ``-m module``) belongs to the program,
    even when it looks like one of our options.
    """
    options = {}
    args = list(argv)
    while args:
        arg = args.pop(0)
        name, has_value, value = arg.partition("=")
        if arg in ("-h", "--help"):
            options["help"] = True
            return options, None, []
        if arg == "--version":
            options["version"] = True
            return options, None, []
        if arg == "--fresh":
            options["fresh"] = True
        elif arg == "--no-profile":
            options["profile"] = False
        elif name in ("-o", "--output", "--exclude", "--summary", "--prune-stale"):
            if not has_value:
                if not args:
                    raise CommandLineError("option %s needs a value" % name)
                value = args.pop(0)
            if name == "--exclude":
                if value == "-":
                    options["runner_excluded"] = False
                else:
                    excludes = options.setdefault("exclude", [])
                    excludes.extend(v for v in value.split(",") if v)
            elif name in ("--summary", "--prune-stale"):
                options[name[2:]] = value
                return options, None, []
            else:
                options["output"] = os.path.abspath(value)
        elif arg == "--combine":
            options["combine"] = []
        elif arg == "--learn":
            if len(args) < 2:
                raise CommandLineError("--learn needs the hints file and at least one misses "
                                       "file: hinted_mods.py --learn HINTS.json MISSES")
            options["learn"] = (args[0], args[1:])
            return options, None, []
        elif arg == "-m":
            if not args:
                raise CommandLineError("-m needs a module name, e.g. -m pytest")
            return options, ("module", args[0]), args[1:]
        elif arg.startswith("-") and arg != "-":
            raise CommandLineError("unknown option %s: see hinted_mods.py --help" % arg)
        elif "combine" in options:
            options["combine"].append(arg)
        else:
            return options, ("script", arg), args
    if "combine" in options:
        return options, None, []
    raise CommandLineError("no script given: python hinted_mods.py script.py [args...]")


def _fail(exc):
    sys.stderr.write("hinted_mods: error: %s\n" % exc)
    return ERROR


def _run_tool(function, *args):
    try:
        function(*args)
    except HintsError as exc:
        return _fail(exc)
    except BrokenPipeError:  # `--summary | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return OK


def _print_summary(filename):
    """What a hints file holds: runs, and modules per top-level package."""
    hints = Hints.load(filename, any_tag=True)
    print("%s: tag %s, schema %s" % (filename, hints.tag, hints.schema))
    print("%d recorded run(s):" % len(hints.runs))
    staleness = hints.staleness()
    for number, run in enumerate(hints.runs, 1):
        changes = staleness[number]
        state = "stale: " + "; ".join(changes) if changes else "current"
        print(
            "  %s  exit %s  %.2fs  %s  [%s]"
            % (run.get("started", "?"), run["exit_status"], run["duration"],
               " ".join(run["argv"]), state)
        )
    program = hints.program_modules()
    print(
        "%d modules imported by the program, %d at interpreter start-up"
        % (len(program), len(hints.modules) - len(program))
    )
    looked_up = sorted(hints.looked_up)
    if looked_up:
        print("%d modules looked up but never loaded (left out of the build): %s" % (
            len(looked_up), ", ".join(looked_up)))
    for name, entry in hints.learned.items():
        print("learned from the binary: %s (imported by %s; %s)" % (
            name, entry["importer"] or "?", hints.learned_evidence(name)))
    for where, files in hints.learned_files.items():
        for name in files:
            print("learned from the binary: data file %s (%s; %s)" % (
                name, where, hints.learned_evidence(name, where)))
    counts = {}
    for name in program:
        top = name.partition(".")[0]
        counts[top] = counts.get(top, 0) + 1
    for top, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        where = hints.modules.get(top, {}).get("where", "")
        print("  %-30s %5d  %s" % (top, count, where))
    _print_data_files(hints, os.path.dirname(os.path.abspath(filename)))
    _print_cpu_profile(hints)


def _print_data_files(hints, program_dir):
    """Files the runs read, by root and top folder, with their size here."""
    roots = sys_path_roots(program_dir)
    groups, linked_out = {}, []
    for where, files in hints.data_files.items():
        for relative in files:
            try:
                path = hints.locate(where, relative, roots)
            except LinkedOutOfItsFolder as exc:  # the build warns and goes on: so do we
                linked_out.append(str(exc))
                path = None
            group = groups.setdefault((where, relative.partition("/")[0]), [0, 0])
            group[0] += 1
            group[1] += os.path.getsize(path) if path else 0
    print("%d data files read by the runs:" % sum(n for n, _ in groups.values()))
    for (where, top), (count, size) in sorted(groups.items()):
        print("  %-30s %5d  %9.1f kB  %s" % (top, count, size / 1e3, where))
    for message in linked_out:
        print("  warning: " + message)


def _print_cpu_profile(hints):
    """Where the sampled CPU time went, over all runs with a profile."""
    samples, totals = hints.cpu_totals()
    if not samples:
        print("no CPU profile recorded")
        return
    profiled = sum(1 for run in hints.runs if "profile" in run)
    print("CPU samples: %d in %d of %d run(s); most in:" % (samples, profiled, len(hints.runs)))
    for name, count in sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:10]:
        print("  %-30s %5.1f%%" % (name, 100.0 * count / samples))


def _combine_files(output, inputs):
    """Merge several hints files of one tag (e.g. from several machines) into one."""
    if not output:
        raise CommandLineError("--combine needs -o OUT.json naming the combined file")
    if not inputs:
        raise CommandLineError("--combine needs at least one hints file to read")
    loaded = [Hints.load(name, any_tag=True) for name in inputs]
    tags = sorted({hints.tag for hints in loaded})
    if len(tags) > 1:
        raise CommandLineError(
            "cannot combine hints of different tags (%s): combine each tag apart"
            % ", ".join(tags)
        )
    combined = loaded[0]
    for hints in loaded[1:]:
        combined = combined.merged(hints)
    is_input = os.path.abspath(output) in map(os.path.abspath, inputs)
    combined.save(output, fresh=is_input)
    print("combined %d file(s) into %s" % (len(inputs), output))


def _prune_stale(filename):
    """Drop the runs recorded against other program files or package versions.

    The record does not keep which run loaded which module, so the modules of
    the dropped runs stay; the file as it was is kept beside it."""
    import shutil

    with FileLock(filename):
        hints = Hints.load(filename)  # versions are compared with this Python's packages
        staleness = hints.staleness()
        stale = [number for number, changes in staleness.items() if changes]
        if not stale:
            print("%s: no stale runs" % filename)
            return
        if len(stale) == len(hints.runs):
            raise HintsFileError(
                "%s: every run is stale (%s): trace again with --fresh instead"
                % (filename, "; ".join(staleness[1])))
        backup = _unused_name(os.path.splitext(filename)[0] + ".before-prune", ".json")
        shutil.copyfile(filename, backup)
        for number in stale:
            print("dropped run %d (%s): %s" % (number, " ".join(hints.runs[number - 1]["argv"]),
                                               "; ".join(staleness[number])))
        hints.without_runs(stale).write(filename)
        print("%s: kept %d run(s); the file as it was is %s" % (
            filename, len(hints.runs) - len(stale), backup))


def _unused_name(stem, suffix):
    """``stem + suffix``, or with -2, -3 ... before the suffix: an earlier backup stays."""
    name, number = stem + suffix, 1
    while os.path.exists(name):
        number += 1
        name = "%s-%d%s" % (stem, number, suffix)
    return name


def _learn_from_binary(filename, misses_files):
    """Add to the hints the modules and data files a built binary lacked, from its
    misses files; name each one learned and each one not, and warn of each line
    skipped (the rest of its file still counts)."""
    misses, skipped = [], []
    for name in misses_files:  # the evidence: each file as it was given
        misses += [dict(miss, report=name) for miss in read_misses(name, skipped)]
    for warning in skipped:
        sys.stderr.write("hinted_mods: warning: %s\n" % warning)
    hints = Hints.load(filename)
    wanted = learnable(misses, known=hints.modules, known_files=hints.files_known(),
                       program_dir=os.path.dirname(os.path.abspath(filename)))
    new = learn_into(filename, wanted)
    learned = [m for m in wanted if miss_name(m) in new]
    print("%s: learned %s the binary lacked%s" % (
        filename, count_misses(learned) if new else "0 module(s)",
        ": " + describe_misses(learned) if new else ""))
    others = sorted({miss_name(m) for m in misses} - set(new))
    if others:
        print("not learned (looked up only, not installed here, or recorded or learned "
              "already): %s" % ", ".join(others))


# -- the parent: runs the program, then combines what its processes recorded -----------

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
            return _fail(CommandLineError("script %s not found" % name))
        output = self.options.get("output") or self._default_output()
        # Nothing may be imported before the fork: the program would inherit it.
        try:
            parts_dir = _make_parts_dir(output)
        except OSError as exc:  # before the program runs: nothing recorded is lost
            return _fail(HintsFileError(
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
            _fail(exc)
            return status or ERROR
        except OSError as exc:
            _fail(HintsFileError("cannot write hints file %s: %s" % (output, exc.strerror or exc)))
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
            _run_program(parts_dir, target, program_args, profile, runner)
        streams.connect_parent()
        _import_what_combining_needs()
        status = _wait_for(pid)
        return status, streams.finish()
    import subprocess

    code = _bootstrap_code() + "; hinted_mods._run_program(%r, %r, %r, %r, %r)" % (
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
            location, asker = _unescape(fields[0]), _unescape(fields[1])
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
                _is_excluded(_unescape(asker), askers_left_out):
            return  # only a package left out imported it
        entry = _module_entry(kind, _unescape(location), roots)
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
                                    _unescape(fields[0])))
                    continue
                if mark == PROFILE_SAMPLES:
                    samples = samples if samples is not None else {}
                    name = _unescape(fields[0])
                    samples[name] = samples.get(name, 0) + int(fields[1])
                    continue
                if mark == LIBRARY:
                    entry = _module_entry("library", _unescape(fields[0]), roots)
                    libraries[entry.pop("file")] = {"where": entry["where"]}
                    continue
                if mark in (DATA_FILE, LISTED_DIRECTORY):
                    fields += [""] * (3 - len(fields))  # path asker chain
                    chain = _unescape(fields[2])
                else:
                    if fields[0] in OUR_MODULES or _is_excluded(fields[0], excludes):
                        continue
                    if mark == LOOKED_UP:
                        looked_up.add(fields[0])
                        continue
                    fields += [""] * (6 - len(fields))  # name kind file how asker chain
                    loaded_from[fields[0]] = _unescape(fields[2])
                    chain = _unescape(fields[5])
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


def _is_excluded(name, excludes):
    """Is ``name`` one of ``excludes``, or in a package that is?"""
    return any(name == excluded or name.startswith(excluded + ".") for excluded in excludes)


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


# -- the child: inside the program, in every process of it -----------------------------
#
# The rule here: import nothing the program could import.  A module this code
# loads before or while the program runs is in ``sys.modules`` when the program
# asks for it, and the record would miss that load.  Only built-in modules the
# interpreter has loaded at start-up anyway (``_signal``, ``_thread``, ``atexit``
# before the start-up snapshot) are used; everything else waits for the process
# end, when the program cannot import any more.

def _run_program(parts_dir, target, program_args, profile, runner=None):
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
    """This file's path.  Not ``__file__``: run as ``python hinted_mods.py -m
    module``, this file is ``__main__``, whose globals runpy gives the module's."""
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
    return "import sys; sys.path.insert(0, %r); import hinted_mods; del sys.path[0]" % here


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
    while frame is not None:
        module = frame.f_globals.get("__name__") or ""
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
    while frame is not None and frame.f_code is not _run_program.__code__:  # the tracer's
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
            self._write_line(mark, _escape(name), _escape(asker), _escape(chain))
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
        return "%s; hinted_mods._Recorder(%r, %r, %r).install(); " % (
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
        self._write_line(mark, name, kind, _escape(location), how, _escape(asker), _escape(chain))
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
                self._write_line(STOPPED, _escape(why), create=True)
            except Exception:
                pass  # no one to tell

    @_recorders_own
    def _record_holdings(self, samples):
        for module_name, count in samples.items():
            self._write_line(PROFILE_SAMPLES, _escape(module_name), count)
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
                self._write_line(LIBRARY, _escape(path))

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


def _escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _unescape(text):
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            char = {"t": "\t", "n": "\n"}.get(next(chars, ""), "\\")
        out.append(char)
    return "".join(out)


if __name__ == "__main__":
    sys.exit(main())
