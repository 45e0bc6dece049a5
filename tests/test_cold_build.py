"""End to end: the cold tier of a default build (real builds, real binaries).

A program recorded on one input and run on others that take paths no recorded
run took: a module imported by a name it computed, a cold submodule of a
compiled package, a package folder it lists and picks from, a data file of a
sibling folder (a locale), a module imported only on another input, and a
module installed here that the build cannot see, whose ImportError the
program catches: the binary names it (these on every Python).  A field run
teaches the next build what the binary took from the cold tier.
"""

import collections
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import installed_distribution, run_built, run_tracer
from test_build import invoke

import hints_file

pytestmark = pytest.mark.build

PROGRAM = """\
import importlib, os, pkgutil, sys
import colddemo
import colddemo.commands

writer = importlib.import_module("colddemo.writers." + sys.argv[1])  # picked by name
commands = sorted(m.name for m in pkgutil.iter_modules(colddemo.commands.__path__))
command = importlib.import_module("colddemo.commands." + sys.argv[2]) if sys.argv[2] != "-" \
    else None  # the recorded run only lists them
folder = os.path.join(os.path.dirname(colddemo.__file__), "locale", sys.argv[3], "LC_MESSAGES")
with open(os.path.join(folder, "demo.txt")) as handle:
    greeting = handle.read().strip()
if sys.argv[4:5] == ["extra"]:
    from colddemo import extra  # an import statement no recorded run took
    import settings  # the program's own package, beside keys it must never ship
    greeting += extra.MARK + settings.SUFFIX
try:
    importlib.import_module(sys.argv[5] if len(sys.argv) > 5 else "colddemo")
    optional = "with"
except ImportError:
    optional = "without"
print(writer.NAME, commands, command.run() if command else "-", greeting, optional)
"""

COLDDEMO = {
    "__init__.py": "",
    "extra.py": "import csv, textwrap\nMARK = textwrap.dedent(next(csv.reader(['  !']))[0])"
                ".strip()\n",  # csv: its extension module _csv is cold too
    "writers/__init__.py": "",
    "writers/html.py": "NAME = 'html'\n",
    "writers/latex.py": "import colddemo.writers.html\nNAME = 'latex'\n",
    "commands/__init__.py": "",
    "commands/greet.py": "def run():\n    return 'greet'\n",
    "commands/shout.py": "def run():\n    return 'SHOUT'\n",
    "hidden/__init__.py": "",
    "hidden/deep.py": "import json\n",  # reached by no statement, family or listing
    "locale/de/LC_MESSAGES/demo.txt": "Hallo\n",
    "locale/fr/LC_MESSAGES/demo.txt": "Salut\n",
}
# The program's own package, imported on an input nobody recorded: its folder holds
# its data file (which ships), keys, credentials and a link out (which never do).
SETTINGS = {"__init__.py": "import os\nwith open(os.path.join(os.path.dirname(__file__), "
                           "'defaults.cfg')) as handle:\n    SUFFIX = handle.read().strip()\n",
            "defaults.cfg": "\n"}
SECRETS = ("id_rsa", "server.key", "credentials.json", "secrets.toml", "service-account.json",
           "prod.env", "deploy_key", ".env")
# Installed, imported by no code the build can see: neither in the dist nor cold.
UNSEEN = {"__init__.py": "VALUE = 1\n"}

RECORDED = ["html", "-", "de"]
HELD_OUT = ["latex", "shout", "fr", "extra", "colddemo_unseen"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The program recorded on one input only, built by default."""
    work = tmp_path_factory.mktemp("cold")
    (work / "pick.py").write_text(PROGRAM)
    (work / "settings").mkdir()
    for name, text in SETTINGS.items():
        (work / "settings" / name).write_text(text)
    for name in SECRETS:
        (work / "settings" / name).write_text("PRIVATE\n")
    (work / "outside.txt").write_text("PRIVATE\n")
    (work / "settings" / "notes.txt").symlink_to(work / "outside.txt")
    with installed_distribution("colddemo", "1.0", COLDDEMO), \
            installed_distribution("colddemo_unseen", "1.0", UNSEEN):
        traced = run_tracer("pick.py", *RECORDED, cwd=str(work))
        assert traced.returncode == 0, traced.stderr
        assert traced.stdout == "html ['greet', 'shout'] - Hallo with\n"
        interpreted = subprocess.run([sys.executable, "pick.py", *HELD_OUT], cwd=str(work),
                                     capture_output=True, text=True)
        assert interpreted.stdout == "latex ['greet', 'shout'] SHOUT Salut! with\n"
        build = invoke(work, "--output-dir=out", "pick.py")
        assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
        yield work, build


def binary(work, *args, **kwargs):
    return run_built(work, "pick", *args, **kwargs)


def report(work, out="out"):
    with open(work / out / "pick.hints-report.json") as handle:
        return json.load(handle)


@pytest.mark.every_python
def test_inputs_nobody_recorded_run_from_the_cold_tier(built):
    work, build = built
    assert binary(work, *RECORDED).stdout == "html ['greet', 'shout'] - Hallo with\n"
    other = binary(work, *HELD_OUT[:4])
    assert (other.returncode, other.stdout, other.stderr) == (
        0, "latex ['greet', 'shout'] SHOUT Salut! with\n", "")
    cold = report(work)["cold"]
    assert cold["why"]["colddemo.writers.latex"] == \
        "of colddemo.writers.*, which the runs picked from by name"
    assert cold["why"]["colddemo.commands.shout"] == \
        "in colddemo.commands, whose folder a run listed"
    assert cold["why"]["colddemo.extra"] == "imported by __main__, which is in the build"
    assert (work / "out" / "pick.dist" / "colddemo/locale/fr/LC_MESSAGES/demo.txt").is_file()
    assert not (work / "out" / "pick.dist" / "colddemo" / "extra.py").exists()
    csv_extension, = [path for path in cold["extensions"] if path.startswith("_csv.")]
    assert csv_extension in cold["extensions_in_archive"]  # loaded from memory
    assert not (work / "out" / "pick.dist" / csv_extension).exists()
    log = build.stdout + build.stderr
    assert ", cold %d (" % cold["modules"] in log


def test_a_cold_package_ships_its_data_and_never_a_key_or_a_link_leading_out(built):
    work, build = built
    dist = work / "out" / "pick.dist"
    assert (dist / "settings" / "defaults.cfg").is_file()
    assert not any(b"PRIVATE" in path.read_bytes() for path in dist.rglob("*")
                   if path.is_file() and not path.is_symlink())
    held = report(work)["data_files"]["held_back"]
    assert sorted(held) == sorted("settings/" + name for name in SECRETS + ("notes.txt",)
                                  if name != ".env")  # (no dotfile is a package's data)
    assert "Held back %d files that must not leave this machine" % len(held) in \
        build.stdout + build.stderr


def test_a_damaged_archive_or_index_is_named_never_a_crash_or_another_answer(built, tmp_path):
    """Bytes flipped across the cold archive (its members and its directory), the
    archive and the index cut short: each run on the held-out input answers as
    before, or fails naming the damaged file; none dies by a signal."""
    work, _ = built
    dist = tmp_path / "pick.dist"
    shutil.copytree(work / "out" / "pick.dist", dist, symlinks=True)
    right = "latex ['greet', 'shout'] SHOUT Salut! with\n"
    archive, index = dist / "nuitka-hints-cold.zip", dist / "nuitka-hints.index"
    outcomes = collections.Counter()
    for path in (archive, index):
        pristine = path.read_bytes()
        flips = [pristine[:at] + bytes([pristine[at] ^ 0xFF]) + pristine[at + 1:]
                 for at in range(0, len(pristine), max(1, len(pristine) // 40))]
        for damaged in flips + [pristine[:len(pristine) * n // 4] for n in range(4)]:
            path.write_bytes(damaged)
            result = subprocess.run([str(dist / "pick.bin"), *HELD_OUT[:4]], cwd=str(work),
                                    capture_output=True, text=True, timeout=60)
            assert result.returncode >= 0, result.stderr  # no signal
            if (result.returncode, result.stdout) == (0, right):
                outcomes["same"] += 1
            else:
                assert result.returncode != 0 and str(path) in result.stderr, result.stderr
                outcomes["named"] += 1
        path.write_bytes(pristine)
    assert outcomes["named"] > 40, outcomes


@pytest.mark.every_python
def test_a_caught_import_of_a_module_the_build_left_out_is_named(built):
    work, _ = built
    result = binary(work, *HELD_OUT)
    assert result.returncode == 0
    assert result.stdout == "latex ['greet', 'shout'] SHOUT Salut! without\n"  # differs,
    assert result.stderr == (  # but not silently
        "nuitka-hints: this build left out colddemo_unseen, which the program imported "
        "(imported by __main__; no recorded run did); rebuild with "
        "--hinted-keep=colddemo_unseen\n")


def test_whole_distributions_answer_a_computed_import_no_rule_reaches(built):
    """By default every module of the distributions the runs imported from is
    cold: a name computed at run time finds one that a build reaching only what
    the record names (``--hinted-cold=reached``) names as left out."""
    work, _ = built
    held_out = [*HELD_OUT[:4], "colddemo.hidden.deep"]
    whole = binary(work, *held_out)
    assert (whole.returncode, whole.stdout, whole.stderr) == (
        0, "latex ['greet', 'shout'] SHOUT Salut! with\n", "")
    assert report(work)["cold"]["why"]["colddemo.hidden.deep"] == \
        "of a distribution the program reaches (colddemo)"
    build = invoke(work, "--output-dir=reached", "--hinted-cold=reached", "pick.py")
    assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
    reached = binary(work, *held_out, out="reached")
    assert reached.stdout.endswith(" without\n")
    assert "left out colddemo.hidden, which the program imported" in reached.stderr


def test_a_field_run_teaches_the_next_build_what_it_took_from_the_cold_tier(built):
    work, _ = built
    misses = work / "field.txt"
    binary(work, *HELD_OUT[:4], env=dict(os.environ, NUITKA_HINTS_MISSES=str(misses)))
    hints_name = str(work / ("pick-%s.json" % hints_file.platform_tag()))
    learned = run_tracer("--learn", hints_name, str(misses))
    assert learned.returncode == 0, learned.stderr
    assert "colddemo.extra (imported by __main__; from the cold tier)" in learned.stdout
    again = invoke(work, "--output-dir=learned", "pick.py")
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    kept = {item["module"]: item for item in report(work, "learned")["kept"]}
    assert kept["colddemo.extra"]["how"] == "bytecode"
    assert kept["colddemo.extra"]["why"].startswith("learned from the binary, which lacked it")
    assert "colddemo.extra" not in report(work, "learned")["cold"]["why"]
