"""End to end: a program that picks one of a family at run time, recorded on one
input and run on another (real builds, real binaries).

The build without its cold tier (--hinted-cold=no: the smallest dist) names
each family the runs picked from and leaves the rest out (the binary fails
naming what it lacks, in Python's error or in the lines it adds: the module or
the data file left out that the program looked for, or the families);
--hinted-families=keep and --hinted-safe ship the families, and the other input
works.  (The default build's cold tier: test_cold_build.py.)
"""

import json
import os
import subprocess

import pytest

from conftest import TAG, installed_distribution, run_tracer
from test_build import invoke

import hints_file
import nuitka_hints

pytestmark = pytest.mark.build

PROGRAM = """\
import importlib, os, sys
import famdemo

writer = importlib.import_module("famdemo.writers." + sys.argv[1])  # picked by name
conf = os.path.join(os.path.dirname(famdemo.__file__), "conf", sys.argv[2] + ".yaml")
if not os.path.isfile(conf) and sys.argv[3:] == ["quiet"]:
    sys.exit(3)  # compiled code: the binary sees no exit (pyfiglet's console script)
if not os.path.isfile(conf):
    famdemo.fail("no configuration named %r" % sys.argv[2])  # names no file, as yamllint
with open(conf) as f:
    print(writer.NAME, f.read().strip())
"""

FAMDEMO = {
    "__init__.py": "import sys\n\n\ndef fail(message):\n    sys.exit(message)\n",
    "writers/__init__.py": "",
    "writers/html.py": "NAME = 'html'\n",
    "writers/latex.py": "import textwrap\nNAME = textwrap.dedent(' latex').strip()\n",
    "writers/man.py": "NAME = 'man'\n",
    "conf/default.yaml": "rules: default\n",
    "conf/relaxed.yaml": "rules: relaxed\n",
    "conf/strict.yaml": "rules: strict\n",
}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """The program recorded on one input only."""
    work = tmp_path_factory.mktemp("families")
    (work / "pick.py").write_text(PROGRAM)
    with installed_distribution("famdemo", "1.0", FAMDEMO):
        traced = run_tracer("pick.py", "html", "default", cwd=str(work))
        assert traced.returncode == 0, traced.stderr
        assert traced.stdout == "html rules: default\n"
        yield work


def binary(work, out, *args):
    return subprocess.run([str(work / out / "pick.dist" / "pick.bin"), *args], cwd=str(work),
                          capture_output=True, text=True, timeout=60)


def families(work, out):
    with open(work / out / "pick.hints-report.json") as handle:
        return {f["family"]: f for f in json.load(handle)["families"]}


def test_the_default_build_names_the_families_and_leaves_the_rest_out(recorded):
    build = invoke(recorded, "--verify", "--hinted-cold=no", "--output-dir=default", "pick.py")
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-4000:]
    assert "The runs picked from 2 families at run time (a module imported by a computed " \
        "name, a data file among files of its kind): famdemo.writers.* (1 of 3), " \
        "famdemo/conf/*.yaml (1 of 3); the rest of each is left out: " \
        "--hinted-families=keep (or --hinted-safe) ships them." in log
    assert "families 2 (4 members left out)" in log
    found = families(recorded, "default")
    assert found["famdemo.writers.*"]["picked"] == ["famdemo.writers.html"]
    assert found["famdemo.writers.*"]["left_out"] == ["famdemo.writers.latex",
                                                      "famdemo.writers.man"]
    assert found["famdemo/conf/*.yaml"] == {
        "family": "famdemo/conf/*.yaml", "kind": "data files", "picked": ["default.yaml"],
        "left_out": ["relaxed.yaml", "strict.yaml"], "kept": False}
    recorded_run = binary(recorded, "default", "html", "default")
    assert (recorded_run.stdout, recorded_run.stderr) == ("html rules: default\n", "")
    other = binary(recorded, "default", "latex", "relaxed")
    assert other.returncode == 1 and "famdemo.writers.latex" in other.stderr
    assert ("nuitka-hints: this build left out famdemo.writers.latex, which the program "
            "imported (imported by __main__; no recorded run did); rebuild with "
            "--hinted-keep=famdemo.writers.latex\n") in other.stderr
    note = ("nuitka-hints: this build left out what no recorded run read of famdemo.writers.* "
            "(1 of 3 shipped), famdemo/conf/*.yaml (1 of 3 shipped); if the program looked "
            "for one of them, rebuild with --hinted-families=keep (or --hinted-safe)\n")
    assert other.stderr.endswith(note)  # after the traceback
    looked_for = ("nuitka-hints: this build left out famdemo/conf/relaxed.yaml, which the "
                  "program looked for (no recorded run read it); rebuild with "
                  "--hinted-keep-data=famdemo/conf/relaxed.yaml or --hinted-families=keep (or "
                  "--hinted-safe)\n")
    unnamed = binary(recorded, "default", "html", "relaxed")
    assert (unnamed.returncode, unnamed.stderr) == (
        1, "no configuration named 'relaxed'\n" + looked_for)
    compiled_exit = binary(recorded, "default", "html", "relaxed", "quiet")
    assert (compiled_exit.returncode, compiled_exit.stderr) == (3, looked_for)
    run = {"argv": ["pick.py", "html", "relaxed"], "exit_status": 0, "cwd": str(recorded),
           "stdout": {"text": "html rules: relaxed\n"}}
    verdict, why = nuitka_hints.replay(
        str(recorded / "default" / "pick.dist" / "pick.bin"), run, str(recorded / "pick.py"))
    assert verdict == "differs" and why[-1] == looked_for.partition("nuitka-hints: ")[2].rstrip()


def test_keeping_the_families_makes_the_other_inputs_work(recorded):
    """--hinted-safe keeps the families whole, as --hinted-families=keep does
    (the plugin's tests: one sets the other)."""
    out = "safe"
    build = invoke(recorded, "--hinted-safe", "--output-dir=%s" % out, "pick.py")
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-4000:]
    assert "families 2 (4 members kept)" in log
    for writer, conf in (("latex", "relaxed"), ("man", "strict"), ("html", "default")):
        result = binary(recorded, out, writer, conf)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "%s rules: %s\n" % (writer, conf)


OWN_FAMILY = """\
import os, sys
theme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "themes", sys.argv[1] + ".css")
if not os.path.exists(theme):
    sys.exit(2)  # compiled: no hook sees this exit
with open(theme) as handle:
    print(handle.read().strip())
"""


def test_a_family_beside_the_program_is_named_when_the_program_looks_for_a_member(tmp_path):
    """The program's own folder holds a family too: the binary names the member
    left out that it looked for, beside the program's own exit."""
    (tmp_path / "themes").mkdir()
    for name in ("dark", "light"):
        (tmp_path / "themes" / (name + ".css")).write_text("body { %s }\n" % name)
    (tmp_path / "theme.py").write_text(OWN_FAMILY)
    traced = run_tracer("theme.py", "dark", cwd=str(tmp_path))
    assert traced.returncode == 0, traced.stderr
    build = invoke(tmp_path, "--hinted-cold=no", "--output-dir=out", "theme.py")
    assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
    run = lambda *args: subprocess.run(  # noqa: E731
        [str(tmp_path / "out" / "theme.dist" / "theme.bin"), *args], cwd=str(tmp_path),
        capture_output=True, text=True, timeout=60)
    assert (run("dark").stdout, run("dark").stderr) == ("body { dark }\n", "")
    light = run("light")
    assert (light.returncode, light.stdout) == (2, "")
    assert light.stderr == (
        "nuitka-hints: this build left out themes/light.css, which the program looked for "
        "(no recorded run read it); rebuild with --hinted-keep-data=themes/light.css or "
        "--hinted-families=keep (or --hinted-safe)\n")


def test_a_shipped_binary_names_the_member_it_lacked_and_it_is_learned(recorded):
    """From the field: the default build's binary, run with NUITKA_HINTS_MISSES on
    an input nobody recorded, writes the data file it looked for; --learn adds it
    to the hints and the next build ships it (the writer still left out)."""
    misses = recorded / "field-misses.txt"
    asked = subprocess.run([str(recorded / "default" / "pick.dist" / "pick.bin"), "html",
                            "strict"], cwd=str(recorded), capture_output=True, text=True,
                           timeout=60, env=dict(os.environ, NUITKA_HINTS_MISSES=str(misses)))
    assert asked.returncode == 1
    hints_name = str(recorded / ("pick-%s.json" % TAG))
    learned = run_tracer("--learn", hints_name, str(misses), cwd=str(recorded))
    assert learned.returncode == 0, learned.stderr
    assert learned.stdout.startswith(
        "%s: learned 1 data file(s) the binary lacked: famdemo/conf/strict.yaml (a data "
        "file)\n" % hints_name)
    build = invoke(recorded, "--hinted-cold=no", "--output-dir=learned", "pick.py")
    assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
    assert hints_file.Hints.load(hints_name).learned_files == {"site-packages": {
        "famdemo/conf/strict.yaml": {"runs": [], "reports": [str(misses)]}}}
    strict = binary(recorded, "learned", "html", "strict")
    assert (strict.returncode, strict.stdout) == (0, "html rules: strict\n")
    assert binary(recorded, "learned", "latex", "strict").returncode == 1


ONLY_THE_BINARY = """\
import os
here = os.path.dirname(os.path.abspath(__file__))
name = "frozen.txt" if "__compiled__" in globals() else "source.txt"  # as a library may
with open(os.path.join(here, "data", name)) as handle:
    print(handle.read().strip())
"""


def test_verify_learns_a_data_file_only_the_binary_looks_for(tmp_path):
    (tmp_path / "data").mkdir()
    for name in ("source.txt", "frozen.txt"):
        (tmp_path / "data" / name).write_text("the same text\n")
    (tmp_path / "lib.py").write_text(ONLY_THE_BINARY)
    traced = run_tracer("lib.py", cwd=str(tmp_path))
    assert traced.returncode == 0, traced.stderr
    build = invoke(tmp_path, "--verify", "--hinted-cold=no", "--output-dir=out", "lib.py")
    assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
    assert "nuitka-hints: round 2: the binary lacked 1 data file(s) no recorded run read: " \
        "data/frozen.txt (a data file); learned into" in build.stdout
    assert "nuitka-hints: verify: 1 of 1 recorded runs behave the same" in build.stdout
    hints = hints_file.Hints.load(str(tmp_path / ("lib-%s.json" % TAG)))
    assert hints.learned_files == {"program": {"data/frozen.txt": {"runs": [1], "reports": []}}}
