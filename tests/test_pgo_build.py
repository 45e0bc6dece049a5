"""End to end: ``--hinted-pgo`` trains gcc on the recorded runs (real builds,
real binaries, real profiles).

A CPU-bound program recorded on two runs, one of which prints whether it is
compiled: the instrumented binary answers otherwise than the recorded run, so
that run is named and left out of the training; the other trains the build.
The binary built with the profile runs as recorded, and a second build of the
same code takes the profile kept beside the build instead of training again.
"""

import json
import os
import shutil

import pytest

from conftest import run_built, run_tracer
from test_build import invoke

import hinted_pgo

pytestmark = [pytest.mark.build,
              pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")]

PROGRAM = """\
import sys


def work(rounds):
    counts, total = {}, 0.0
    for number in range(rounds):
        key = "k%d" % (number % 97)
        counts[key] = counts.get(key, 0) + 1
        total += number * 0.5
    return len(counts), total


if sys.argv[1] == "compiled?":
    print("__compiled__" in globals())
else:
    print(work(int(sys.argv[1])))
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    work = tmp_path_factory.mktemp("pgo")
    (work / "app.py").write_text(PROGRAM)
    for argv in (["200000"], ["compiled?"]):
        run_tracer("app.py", *argv, cwd=str(work), check=True)
    result = invoke(work, "--hinted-pgo", "--output-dir=out", "app.py")
    return work, result


def nuitka_runs(output):
    return [line for line in output.splitlines() if line.startswith("nuitka-hints: running ")]


def test_the_runs_that_behave_the_same_train_the_build_the_others_are_named(trained):
    work, result = trained
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert len(nuitka_runs(result.stdout)) == 2  # instrumented, then with the profile
    assert "nuitka-hints: pgo: run 2 (app.py compiled?) left out of the training: differs; " \
        "stdout differs from the recorded run's\n" in result.stdout
    assert "nuitka-hints: pgo: trained on 1 of 2 recorded runs, building again with the " \
        "profile\n" in result.stdout
    profile = work / "out" / "app.pgo"
    assert [name for name in os.listdir(profile) if name.endswith(".gcda")]
    assert json.loads((profile / hinted_pgo.STAMP).read_text())["runs"] == [1]


def test_the_binary_built_with_the_profile_runs_as_recorded_and_counts_nothing(trained):
    work, _ = trained
    result = run_built(work, "app", "200000")
    assert (result.returncode, result.stdout) == (0, "(97, 9999950000.0)\n"), result.stderr
    binary = (work / "out" / "app.dist" / "app.bin").read_bytes()
    assert str(work / "out" / "app.pgo").encode() not in binary  # not instrumented


def test_a_build_of_the_same_code_takes_the_kept_profile(trained):
    work, _ = trained
    result = invoke(work, "--hinted-pgo", "--output-dir=out", "app.py")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert len(nuitka_runs(result.stdout)) == 1
    assert "nuitka-hints: pgo: built with the profile of run 1 in %s, which counted this " \
        "code\n" % (work / "out" / "app.pgo") in result.stdout
    assert run_built(work, "app", "200000").stdout == "(97, 9999950000.0)\n"
