"""End to end: a default build reaches as the installed program does (real
builds, real binaries).

A program recorded on one input, run on others that reach code the way
installed programs find theirs: a locale module per folder, imported by a name
it computes; a package folder it lists (migrations); a group of entry points
another distribution adds to (a theme, with its data folder); a distribution
with compiled code that no recorded run imported, whose extension module finds
its library in the wheel's ``.libs`` folder.  The default build (the cold tier
whole by distribution) answers each as the interpreter does; a build without
what each needs names it on stderr, whether the program caught the error or not.
"""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import compile_native, installed_distribution, run_built, run_tracer
from test_build import invoke

pytestmark = [pytest.mark.build,
              pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")]

PROGRAM = """\
import importlib, pkgutil, sys
from importlib.metadata import entry_points
import reachdemo

kind, language = sys.argv[1:3]
print(importlib.import_module("reachdemo.locales.%s.locale" % language).HELLO)  # by folder
if kind == "migrations":  # a package folder no recorded run listed
    import reachdemo.migrations
    print([module.name for module in pkgutil.iter_modules(reachdemo.migrations.__path__)])
elif kind == "themes":  # a group of entry points no recorded run listed
    for entry in sorted(entry_points(group="reachdemo.themes"), key=lambda entry: entry.name):
        print(entry.name, entry.load()())
elif kind == "native":  # a distribution with compiled code no recorded run imported
    print(reachdemo.native_value())
"""

REACHDEMO = {
    "__init__.py": "def native_value():\n    import nativedemo\n    return nativedemo.VALUE\n",
    "locales/de/locale.py": "HELLO = 'Hallo'\n",  # folders without __init__: namespaces
    "locales/fr/locale.py": "HELLO = 'Salut'\n",
    "migrations/__init__.py": "",
    "migrations/m0001_initial.py": "",
    "migrations/m0002_names.py": "",
    "themes.py": "def plain():\n    return 'plain'\n",
}
THEMES = "[reachdemo.themes]\n%s\n"
# nativedemo is its optional feature, as lxml is pandas' (extra "xml").
REACHDEMO_METADATA = ("Metadata-Version: 2.1\nName: reachdemo\nVersion: 1.0\n"
                      "Provides-Extra: native\nRequires-Dist: nativedemo; extra == \"native\"\n")
REACHTHEME = {  # another distribution's theme, which reads its data folder
    "__init__.py": "import os\n\n\ndef theme():\n    with open(os.path.join(os.path.dirname("
                   "__file__), 'static', 'css', 'theme.css')) as handle:\n"
                   "        return handle.read().strip()\n",
    "static/css/theme.css": "body { color: teal }\n",
}
NATIVEDEMO_INIT = ("try:\n    from . import _native\n    VALUE = _native.f()\n"
                   "except ImportError:\n    VALUE = None\n")  # (as Pillow's plugins catch it)

RECORDED = ["plain", "de"]
HELD_OUT = {  # input -> what the interpreter prints
    ("migrations", "fr"): "Salut\n['m0001_initial', 'm0002_names']\n",
    ("themes", "de"): "Hallo\nfancy body { color: teal }\nplain plain\n",
    ("native", "de"): "Hallo\n42\n",
}


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """The program recorded on one input, built by default (``out``), with the
    cold tier reaching only what the record names (``reached``), and without it
    (``nocold``)."""
    work = tmp_path_factory.mktemp("reach")
    (work / "reach.py").write_text(PROGRAM)
    with installed_distribution("reachdemo", "1.0", REACHDEMO, {
            "entry_points.txt": THEMES % "plain = reachdemo.themes:plain",
            "METADATA": REACHDEMO_METADATA}), \
            installed_distribution("reachtheme", "1.0", REACHTHEME, {
                "entry_points.txt": THEMES % "fancy = reachtheme:theme"}), \
            installed_distribution("nativedemo", "1.0", {"__init__.py": NATIVEDEMO_INIT},
                                   beside=["nativedemo.libs"]) as site:
        compile_native(str(work), os.path.join(site, "nativedemo"),
                       os.path.join(site, "nativedemo.libs"))
        traced = run_tracer("reach.py", *RECORDED, cwd=str(work))
        assert (traced.returncode, traced.stdout) == (0, "Hallo\n"), traced.stderr
        for arguments, expected in HELD_OUT.items():
            interpreted = subprocess.run([sys.executable, "reach.py", *arguments],
                                         cwd=str(work), capture_output=True, text=True)
            assert interpreted.stdout == expected, interpreted.stderr
        for out, options in (("out", []), ("reached", ["--hinted-cold=reached"]),
                             ("nocold", ["--hinted-cold=no"])):
            build = invoke(work, "--output-dir=%s" % out, *options, "reach.py")
            assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
        yield work


@pytest.mark.parametrize("arguments", sorted(HELD_OUT))
def test_an_input_nobody_recorded_reaches_as_installed(work, arguments):
    result = run_built(work, "reach", *arguments)
    assert (result.returncode, result.stdout, result.stderr) == (0, HELD_OUT[arguments], "")


def test_the_library_a_cold_extension_links_ships_from_its_wheels_libs_folder(work):
    dist = work / "out" / "reach.dist"
    assert (dist / "nativedemo.libs" / "libhelper-1a2b.so").is_file()
    assert (dist / "reachtheme" / "static" / "css" / "theme.css").is_file()
    assert (dist / "reachtheme-1.0.dist-info" / "entry_points.txt").is_file()
    shutil.copytree(dist, work / "broken.dist", symlinks=True)
    (work / "broken.dist" / "nativedemo.libs" / "libhelper-1a2b.so").unlink()
    result = subprocess.run([str(work / "broken.dist" / "reach.bin"), "native", "de"],
                            cwd=str(work), capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, "Hallo\nNone\n")  # caught: differs,
    assert result.stderr.startswith(  # but not silently
        "nuitka-hints: this build left out what nativedemo._native links, which the program "
        "imported (it failed to load from the cold tier: libhelper-1a2b.so: cannot open")


def test_what_a_build_without_the_whole_distributions_lacks_is_named(work):
    """Each input against the build whose cold tier holds only what the record
    names: it differs, and says what it lacked."""
    locale = run_built(work, "reach", "plain", "fr", out="reached")
    assert locale.returncode == 1
    assert "nuitka-hints: this build left out reachdemo.locales.fr" in locale.stderr
    listing = run_built(work, "reach", "migrations", "de", out="reached")
    assert (listing.returncode, listing.stdout) == (0, "Hallo\n[]\n")
    assert listing.stderr == (
        "nuitka-hints: this build left out modules m0001_initial, m0002_names of package "
        "reachdemo.migrations, which the program listed (installed at build time); rebuild "
        "with --hinted-cold=distributions\n")


def test_what_a_build_without_the_cold_tier_lacks_is_named(work):
    """(Nuitka ships the metadata of a group the program names by a constant,
    which lists the theme: its module is what the binary lacks.)"""
    for arguments, missing, importer in ((["themes", "de"], "reachtheme", "importlib.metadata"),
                                         (["native", "de"], "nativedemo", "reachdemo")):
        result = run_built(work, "reach", *arguments, out="nocold")
        assert result.returncode == 1
        assert result.stderr.endswith(
            "nuitka-hints: this build left out %s, which the program imported (imported by %s; "
            "no recorded run did); rebuild with --hinted-keep=%s\n" % (missing, importer, missing))
