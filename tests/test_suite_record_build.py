"""End to end: a project recorded through its own test suite (``-m pytest``) and
built through its command line, which the tests never ran (a real build, a real
binary): the runner's files and modules, and the project's secrets, stay out of
the dist; what the command line certainly imports is in it."""

import json
import os
import subprocess
import sys

import pytest

from conftest import TAG, run_tracer
from test_build import invoke

pytestmark = pytest.mark.build

PROJECT = {
    ".env": "API_TOKEN=not-for-customers\n",
    "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n",
    "shouter/__init__.py": (
        "import os\n\n\ndef shout(word):\n"
        "    with open(os.path.join(os.path.dirname(__file__), 'data', 'suffix.txt')) as f:\n"
        "        return word.upper() + f.read().strip()\n"),
    "shouter/data/suffix.txt": "!\n",
    "shouter/__main__.py": "import sys\nfrom shouter import shout\n\nprint(shout(sys.argv[1]))\n",
    "tests/test_shout.py": "from shouter import shout\n\n\ndef test_shout():\n"
                           "    assert shout('hi') == 'HI!'\n",
    "app.py": "import shouter.__main__  # noqa: F401 - the command line\n",
}


def test_a_test_suite_record_builds_the_command_line_without_the_runners_files(tmp_path):
    for relative, text in PROJECT.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    hints = "app-%s.json" % TAG
    traced = run_tracer("-o", hints, "-m", "pytest", "tests/", cwd=str(tmp_path))
    assert traced.returncode == 0, traced.stdout + traced.stderr
    build = invoke(tmp_path, "--output-dir=out", "app.py")
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-4000:]
    assert "No recorded run in %s ran app.py" % hints in log
    dist = tmp_path / "out" / "app.dist"
    shipped = {os.path.relpath(os.path.join(folder, name), dist)
               for folder, _, names in os.walk(dist) for name in names}
    assert "shouter/data/suffix.txt" in shipped
    assert not [path for path in shipped if path.startswith((".env", ".pytest_cache", "tests"))
                or path in ("pyproject.toml",) or "pytest" in path]
    with open(tmp_path / "out" / "app.hints-report.json") as handle:
        kept = {item["module"] for item in json.load(handle)["kept"]}
    assert "shouter.__main__" in kept  # what the command line certainly imports
    assert not {"readline", "pytest", "_pytest", "pluggy"} & kept  # the runner's alone
    interpreted = subprocess.run([sys.executable, "app.py", "hello"], cwd=str(tmp_path),
                                 capture_output=True, text=True)
    result = subprocess.run([str(dist / "app.bin"), "hello"], capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, interpreted.stdout, "")
    assert interpreted.stdout == "HELLO!\n"
