"""End to end: trace a program, build it with nuitka_hints.py (a real Nuitka
standalone build), run the binary.  One build is shared by all tests here."""

import os
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import ROOT

pytestmark = pytest.mark.build

PROGRAM = """\
import importlib
import sys

import helper

name = "plugin_" + sys.argv[1]          # computed: invisible to static analysis
plugin = importlib.import_module(name)
print(helper.greet(plugin.NAME))
if len(sys.argv) > 2:                   # never taken in the recorded run
    import bz2
    import rarely_used
    print(bz2.compress(b"x"), rarely_used.VALUE)
"""

FILES = {
    "helper.py": "def greet(name):\n    return 'hello from ' + name\n",
    "plugin_alpha.py": "NAME = 'alpha'\n",
    "rarely_used.py": "VALUE = 1\n",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Trace app.py once, build it once; yields (workdir, dist dir, report root)."""
    work = tmp_path_factory.mktemp("e2e")
    (work / "app.py").write_text(PROGRAM)
    for name, text in FILES.items():
        (work / name).write_text(text)
    traced = subprocess.run(
        [sys.executable, os.path.join(ROOT, "hinted_mods.py"), "app.py", "alpha"],
        cwd=str(work), capture_output=True, text=True,
    )
    assert traced.returncode == 0, traced.stderr
    build = subprocess.run(
        [sys.executable, os.path.join(ROOT, "nuitka_hints.py"), "--output-dir=out",
         "--report=report.xml", "app.py"],
        cwd=str(work), capture_output=True, text=True, timeout=1800,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    report = ElementTree.parse(str(work / "report.xml")).getroot()
    yield work, work / "out" / "app.dist", report, traced.stdout, build.stdout + build.stderr


def run_binary(dist, *args):
    binary = dist / ("app.exe" if sys.platform == "win32" else "app.bin")
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60)


def test_binary_prints_what_the_interpreted_run_printed(built):
    work, dist, _, traced_stdout, _ = built
    result = run_binary(dist, "alpha")
    assert result.returncode == 0, result.stderr
    assert result.stdout == traced_stdout == "hello from alpha\n"


def test_module_loaded_by_computed_name_is_in_the_build(built):
    _, _, report, _, _ = built
    included = {m.get("name") for m in report.iter("module")}
    assert {"plugin_alpha", "helper"} <= included


def test_never_taken_imports_are_not_in_the_build(built):
    _, dist, report, _, _ = built
    included = {m.get("name") for m in report.iter("module")}
    assert "rarely_used" not in included
    assert "bz2" not in included and "_bz2" not in included
    assert not [f for f in os.listdir(dist) if f.startswith("_bz2")]


def test_drop_reason_names_the_evidence_in_the_report(built):
    _, _, report, _, _ = built
    reasons = {
        usage.get("name"): usage.get("exclusion_reason")
        for usage in report.iter("module_usage")
        if usage.get("finding") == "excluded"
    }
    assert "not imported in any of 1 recorded run" in reasons["rarely_used"]


def test_plugin_reports_what_it_kept_and_dropped(built):
    *_, build_output = built
    assert "hinted-compilation: Kept" in build_output
    assert "modules never imported in recorded runs; most from:" in build_output
    assert "Standard plugins" not in build_output  # this program needs none


def test_untraced_path_fails_in_the_binary_naming_the_module(built):
    _, dist, _, _, _ = built
    result = run_binary(dist, "alpha", "more")
    assert result.returncode != 0
    assert "bz2" in result.stderr
