"""End to end: the processes a binary starts for multiprocessing (real builds).

A program recorded with the ``fork`` start method only, run with ``spawn`` and
``forkserver``: their workers, the fork server and the resource tracker run no
``__main__``, and import what no recorded run did (``_posixshmem``); the binary
serves them its cold tier too.  A worker whose initializer imports a module
the build left out ends the program with a line naming it: its pool would start
it again for ever (on every Python).
"""

import subprocess
import sys

import pytest

from conftest import installed_distribution, run_built, run_tracer
from test_build import invoke

pytestmark = [pytest.mark.build, pytest.mark.every_python]

PROGRAM = """\
import multiprocessing, os, sys
import workers

if __name__ == "__main__":
    method, needs = sys.argv[1:3]
    if needs != "-":
        os.environ["WORKER_NEEDS"] = needs
    with multiprocessing.get_context(method).Pool(2, initializer=workers.prepare) as pool:
        print(method, sum(pool.map(workers.square, range(10))))
"""
# Each worker prepares itself by importing what WORKER_NEEDS names (a worker whose
# initializer fails is started again for ever, by the interpreter's pool too).
WORKERS = """\
import importlib, os


def prepare():
    if os.environ.get("WORKER_NEEDS"):
        importlib.import_module(os.environ["WORKER_NEEDS"])


def square(x):
    return x * x
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The program recorded with fork, built by default; installed here, a
    package that only a worker on another input imports, by a computed name."""
    work = tmp_path_factory.mktemp("workers")
    (work / "pool.py").write_text(PROGRAM)
    (work / "workers.py").write_text(WORKERS)
    with installed_distribution("workerneed", "1.0", {"__init__.py": ""}):
        traced = run_tracer("pool.py", "fork", "-", cwd=str(work))
        assert (traced.returncode, traced.stdout) == (0, "fork 285\n"), traced.stderr
        build = invoke(work, "--output-dir=out", "pool.py")
        assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
        yield work


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_every_start_method_runs_as_the_interpreter_does(built, method):
    result = run_built(built, "pool", method, "-")
    assert (result.returncode, result.stdout, result.stderr) == (0, "%s 285\n" % method, "")


@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_a_worker_that_lacks_a_module_ends_the_program_with_a_line_naming_it(built, method):
    interpreted = subprocess.run([sys.executable, "pool.py", method, "workerneed"],
                                 cwd=str(built), capture_output=True, text=True, timeout=60)
    assert interpreted.stdout == "%s 285\n" % method
    result = run_built(built, "pool", method, "workerneed")  # (60 s: it ran for ever)
    assert result.returncode != 0 and result.stdout == ""
    assert "nuitka-hints: this build left out workerneed, which a process the program started " \
        "for multiprocessing imported (no recorded run did); rebuild with " \
        "--hinted-keep=workerneed; ending the program" in result.stderr
