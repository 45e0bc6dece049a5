"""End to end: shared libraries a program loads by path (``ctypes``), which no
extension module's dependencies name (real builds, real binaries).

The library a recorded run loaded ships where the program looks for it; one
that only an input nobody recorded loads is named in the misses file, and
learning ships it in the next build.
"""

import ctypes.util
import os
import sys

import pytest

from conftest import run_built, run_tracer
from test_build import invoke

import hints_file

pytestmark = [pytest.mark.build,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="reads the loaded libraries from /proc")]

PROGRAM = """\
import sys
import ctdemo

print(ctdemo.version(sys.argv[1]))
"""

CTDEMO = """\
import ctypes, os


def version(name):
    library = ctypes.CDLL(os.path.join(os.path.dirname(__file__), "lib%s.so" % name))
    library.zlibVersion.restype = ctypes.c_char_p
    return name + " " + library.zlibVersion().decode()
"""


def zlib_file():
    """The file of the C library zlib, as this process loads it."""
    name = ctypes.util.find_library("z")
    if name is None:
        pytest.skip("no zlib shared library found here (ctypes.util.find_library)")
    ctypes.CDLL(name)
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "/libz.so" in line}
    return sorted(paths)[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The program recorded loading ``libone.so``; ``libtwo.so`` beside it."""
    work = tmp_path_factory.mktemp("libraries")
    (work / "app.py").write_text(PROGRAM)
    (work / "ctdemo").mkdir()
    (work / "ctdemo" / "__init__.py").write_text(CTDEMO)
    for name in ("libone.so", "libtwo.so"):
        with open(zlib_file(), "rb") as source:
            (work / "ctdemo" / name).write_bytes(source.read())
    traced = run_tracer("app.py", "one", cwd=str(work))
    assert traced.returncode == 0, traced.stderr
    build = invoke(work, "--output-dir=out", "app.py")
    assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
    return work, traced


def binary(work, *args, **kwargs):
    return run_built(work, "app", *args, **kwargs)


def test_a_library_a_recorded_run_loaded_by_path_ships_beside_its_package(built):
    work, traced = built
    assert traced.stdout.startswith("one ")
    assert binary(work, "one").stdout == traced.stdout
    assert (work / "out" / "app.dist" / "ctdemo" / "libone.so").is_file()
    assert not (work / "out" / "app.dist" / "ctdemo" / "libtwo.so").exists()


def test_a_library_only_another_input_loads_is_noted_and_learned(built):
    work, traced = built
    misses = work / "field.txt"
    failed = binary(work, "two", env=dict(os.environ, NUITKA_HINTS_MISSES=str(misses)))
    assert failed.returncode != 0 and "ctdemo/libtwo.so" in failed.stderr
    assert [m["file"] for m in hints_file.read_misses(str(misses))] == ["ctdemo/libtwo.so"]
    hints_name = str(work / ("app-%s.json" % hints_file.platform_tag()))
    learned = run_tracer("--learn", hints_name, str(misses))
    assert learned.returncode == 0, learned.stderr
    again = invoke(work, "--output-dir=learned", "app.py")
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    assert binary(work, "two", out="learned").stdout == traced.stdout.replace("one", "two")
