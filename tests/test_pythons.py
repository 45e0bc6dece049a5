"""On every supported Python: hinted binaries behave like the interpreted program.

The compiled binary needs modules the interpreted run never imported (Nuitka's
runtime imports ``typing`` on 3.12; ``inspect`` -> ``dis`` -> ``opcode`` needs
``_opcode`` on 3.13), while trimming leaves out what no run imported.  These
builds run on each Python that ``bash dev.sh test`` finds.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import ROOT, run_tracer

pytestmark = [pytest.mark.build, pytest.mark.every_python]

PROGRAMS = {  # one build per Python: what a hello world would show, and more
    "features": ('''\
import dataclasses
import inspect
import sys
import typing
import unittest.mock


@dataclasses.dataclass
class Point:
    x: int
    y: typing.Optional[int] = None


def area(width: int, height: int = 2) -> int:
    return width * height


print(Point(1), inspect.signature(area), typing.get_type_hints(area)["return"].__name__)
print(unittest.mock.sentinel.token, unittest.mock.Mock(return_value=3)())
print(inspect.getgeneratorstate((i for i in range(2))))
if sys.argv[1:] == ["--csv"]:          # never taken in the recorded run
    import csv
    csv.writer(sys.stdout).writerow([1, 2])
print(" ".join(sys.argv[1:]))
''', ["a", "b"]),
}


@pytest.fixture(scope="module", params=sorted(PROGRAMS))
def built(request, tmp_path_factory):
    """(program name, work dir, traced stdout, build output) of a hinted build with --verify."""
    name = request.param
    source, args = PROGRAMS[name]
    work = tmp_path_factory.mktemp(name)
    (work / (name + ".py")).write_text(source)
    traced = run_tracer(name + ".py", *args, cwd=str(work))
    assert traced.returncode == 0, traced.stderr
    build = subprocess.run(
        [sys.executable, os.path.join(ROOT, "nuitka_hints.py"), "--verify", "--output-dir=out",
         "--report=report.xml", name + ".py"],
        cwd=str(work), capture_output=True, text=True, timeout=1800)
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-4000:]
    return name, work, traced.stdout, log


def test_binary_prints_what_the_interpreted_run_printed(built):
    name, work, traced_stdout, log = built
    binary = work / "out" / (name + ".dist") / (name + ".bin")
    result = subprocess.run([str(binary), *PROGRAMS[name][1]], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == traced_stdout
    assert "1 of 1 recorded runs behave the same" in log


def test_the_unused_standard_library_is_left_out(built):
    name, work, _, log = built
    report = ElementTree.parse(str(work / "report.xml")).getroot()
    included = {m.get("name") for m in report.iter("module")}
    assert not {"csv", "_csv", "email", "xml", "sqlite3"} & included
    assert "--nofollow-import-to" not in log  # the plugin leaves it out, quietly
    assert "of the standard library" in log
