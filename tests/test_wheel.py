"""The project as users get it: built as an sdist and a wheel (``python -m build``),
the wheel installed into a fresh virtual environment from PyPI's packages, and
both console scripts tracing, building and verifying a program from there."""

import glob
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT

import hinted_runtime
import hints_file

pytestmark = pytest.mark.build

PROGRAM = """\
import sys
if sys.argv[1:] == ["colour"]:
    import colorsys
    print(colorsys.rgb_to_hsv(0.2, 0.4, 0.4))
print("installed from a wheel", sys.argv[1:])
"""


def run(*command, cwd=None):
    result = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True,
                            text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_a_fresh_venv_with_only_the_wheel_traces_builds_and_verifies(tmp_path):
    run(sys.executable, "-m", "build", "--outdir", tmp_path / "dist", ROOT)
    wheel, = glob.glob(str(tmp_path / "dist" / "nuitka_hints-*.whl"))
    sdist, = glob.glob(str(tmp_path / "dist" / "nuitka_hints-*.tar.gz"))
    version = hints_file.__version__
    assert os.path.basename(wheel).startswith("nuitka_hints-%s-py3-none-any" % version)
    with zipfile.ZipFile(wheel) as archive:
        info = "nuitka_hints-%s.dist-info/" % version
        metadata = archive.read(info + "METADATA").decode()
        assert "License-Expression: MIT" in metadata
        assert "Requires-Dist: nuitka<4.4,>=4.3" in metadata
        assert info + "licenses/LICENSE" in archive.namelist()
        ours = {name + ".py" for name in hinted_runtime.OUR_MODULES}  # each module once
        assert ours == {os.path.basename(path) for path in glob.glob(os.path.join(ROOT, "*.py"))}
        assert ours <= set(archive.namelist())
    assert os.path.getsize(sdist) > 0

    venv = tmp_path / "fresh"
    run(sys.executable, "-m", "venv", venv)
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel)
    scripts = venv / "bin"
    assert run(scripts / "nuitka-hints", "--version").stdout.startswith(
        "nuitka-hints %s, Nuitka 4.3." % version)
    work = tmp_path / "work"
    work.mkdir()
    (work / "app.py").write_text(PROGRAM)
    for args in ([], ["colour"]):
        run(scripts / "hinted-mods", "app.py", *args, cwd=work)
    build = run(scripts / "nuitka-hints", "--verify", "--output-dir=out", "app.py", cwd=work)
    assert "nuitka-hints: verify: 2 of 2 recorded runs behave the same" in build.stdout
    binary = work / "out" / "app.dist" / "app.bin"
    assert run(binary, "colour").stdout.endswith("installed from a wheel ['colour']\n")
