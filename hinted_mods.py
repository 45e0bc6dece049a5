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

This file is the command line; the work is done in rooms beside it:
``hinted_tracer`` (the parent: runs the program, combines the records),
``hinted_recorder`` (inside the program, in every process of it) and
``hinted_record_tools`` (``--summary``, ``--combine``, ``--prune-stale``,
``--learn``).  The hints file format has its own module, ``hints_file`` (the
``Hints`` class: ``load``, ``new``, ``merged``, ``save``, ``locate``), which the
build and the benchmarks import too.

Only ``sys``, ``os`` and this project's modules are imported at module level:
whatever this module imports before the program starts would hide that module
from the record.
"""

import os
import sys

from hinted_recorder import TEST_RUNNERS
from hinted_tracer import Tracer, fail
from hints_file import CommandLineError, HintsError, MISSES_VARIABLE, platform_tag, version_line

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
OK = 0  # (ERROR: 2)


def main(argv=None):
    """Command-line entry point (``hinted-mods``).

    Returns the exit status, except after tracing: then it ends the process
    itself with the program's status.
    """
    argv = sys.argv[1:] if argv is None else argv
    try:
        options, target, program_args = _split_command_line(argv)
    except HintsError as exc:
        return fail(exc)
    if options.get("help"):
        sys.stdout.write(USAGE % (platform_tag(), "|".join(TEST_RUNNERS), MISSES_VARIABLE))
        return OK
    if options.get("version"):
        print(version_line())
        return OK
    tools = _record_tools(options)
    if "summary" in options:
        return _run_tool(tools.print_summary, options["summary"])
    if "combine" in options:
        return _run_tool(tools.combine_files, options.get("output"), options["combine"])
    if "prune-stale" in options:
        return _run_tool(tools.prune_stale, options["prune-stale"])
    if "learn" in options:
        return _run_tool(tools.learn_from_binary, *options["learn"])
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


def _record_tools(options):
    """``hinted_record_tools`` when ``options`` ask for one of its tools: imported
    only then, never before a program is traced."""
    if {"summary", "combine", "prune-stale", "learn"} & set(options):
        import hinted_record_tools

        return hinted_record_tools
    return None


def _run_tool(function, *args):
    try:
        function(*args)
    except HintsError as exc:
        return fail(exc)
    except BrokenPipeError:  # `--summary | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return OK


if __name__ == "__main__":
    sys.exit(main())
