"""End to end: OpenCV, whose package loads its native module by path under the
package's own name, which Nuitka's configuration names ``cv2.cv2`` (a real
build, a real binary, on every Python; skipped where opencv-python-headless is
not installed: the test extra installs it)."""

import subprocess

import pytest

from conftest import run_tracer
from test_build import invoke

pytestmark = [pytest.mark.build, pytest.mark.every_python]

PROGRAM = """\
import sys
import cv2
import numpy

image = numpy.zeros((40, 40, 3), numpy.uint8)
cv2.circle(image, (20, 20), int(sys.argv[1]), (255, 0, 0), -1)
print(cv2.__version__ > "4", int(image.sum()))
"""


def test_an_opencv_program_runs_its_recorded_inputs_by_default(tmp_path):
    pytest.importorskip("cv2")
    (tmp_path / "circle.py").write_text(PROGRAM)
    for radius in ("5", "9"):
        traced = run_tracer("circle.py", radius, cwd=str(tmp_path))
        assert traced.returncode == 0, traced.stderr
    build = invoke(tmp_path, "--verify", "--output-dir=out", "circle.py")
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-4000:]
    assert "verify: 2 of 2 recorded runs behave the same" in build.stdout
    binary = tmp_path / "out" / "circle.dist" / "circle.bin"
    result = subprocess.run([str(binary), "7"], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, "True 37995\n"), result.stderr
    assert "its file was loaded in a recorded run, as a module of another name (1)" in log
