"""hinted_runtime.py: the code a binary runs before the program, run here by
this interpreter (``python -S``: no .pth file, as in a binary) from a folder that
stands for the dist, started as the plugin starts it (``preload_code``)."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import compile_native

import hinted_cold
import hinted_compilation
import hinted_data_files
import hinted_dist
import hinted_runtime
import hints_file

ADMIT_ALL = hinted_data_files.Gate([], {}).admits  # (these folders hold no secret)


def write_program(dist, source, settings, name="main.py"):
    """The program ``name`` in ``dist``, which runs the pre-load code first, from
    its own file beside it, as the binary does; the build's index beside it
    (one with no cold tier, if the test wrote none)."""
    if not (dist / hinted_runtime.INDEX).exists():
        hinted_cold.write_index(str(dist), None, [])
    (dist / "__main__-preLoad.py").write_text(hinted_compilation.preload_code(settings))
    (dist / name).write_text(
        "import sys\nwith open(%r) as handle:\n    exec(compile(handle.read(), %r, 'exec'), "
        "{'__file__': %r, '__name__': '__main__-preLoad'})\ndel sys.modules['__main__']."
        "__dict__['handle']\n" % ((str(dist / "__main__-preLoad.py"),) * 3) + source)


LOOKS = """\
import importlib.util, os
try:
    import no_such_module_here
except ImportError:
    pass
importlib.util.find_spec('no_such_lookup')
import colorsys
here = os.path.dirname(os.path.abspath(__file__))
os.path.exists(os.path.join(here, "conf", "missing.yaml"))
os.path.isfile(os.path.join(here, "shipped.txt"))
os.path.exists(os.path.join(here, "absent_module.cpython-311-x86_64-linux-gnu.so"))
import reader  # the program's own module, as astroid is
reader.read(os.path.join(here, "pkg", "source.py"))  # a source it opens
reader.check(os.path.join(here, "pkg", "checked.py"))  # or looks for
import linecache, warnings
linecache.getline(os.path.join(here, "pkg", "in_a_traceback.py"), 1)  # not the program's
warnings.warn_explicit("shown", UserWarning, os.path.join(here, "pkg", "warned.py"), 1)
os.path.exists(os.path.join(os.path.dirname(here), "outside.txt"))
try:
    open(os.path.join(here, "data", "opened.bin"), "rb")
except OSError:
    pass
"""


def test_the_binarys_miss_recorder_notes_imports_caught_or_not_lookups_and_files(tmp_path):
    """The code the plugin puts in every binary, run here by this interpreter from
    a folder that stands for the dist: data files looked for below it (a
    module's source too), not compiled code, not elsewhere."""
    target, dist = tmp_path / "misses.txt", tmp_path / "app.dist"
    dist.mkdir()
    (dist / "shipped.txt").write_text("here")
    (dist / "reader.py").write_text(
        "import os, pathlib\n\n\ndef check(path):\n    return pathlib.Path(path).is_file()\n\n\n"
        "def read(path):\n    try:\n        open(path, 'rb')\n    except OSError:\n        pass\n")
    write_program(dist, LOOKS, {}, name="prog.py")
    result = subprocess.run([sys.executable, "-S", str(dist / "prog.py")], capture_output=True,
                            text=True, env=dict(os.environ, NUITKA_HINTS_MISSES=str(target)))
    assert result.returncode == 0, result.stderr
    misses = {hints_file.miss_name(m): m for m in hints_file.read_misses(str(target))}
    files = {name for name, m in misses.items() if "file" in m}
    assert files == {"conf/missing.yaml", "data/opened.bin", "pkg/source.py", "pkg/checked.py"}
    assert {"no_such_module_here", "no_such_lookup"} <= set(misses)  # (and what pathlib
    # looks up for other systems, nt on 3.11, which a -S start has not loaded before)
    assert misses["no_such_module_here"]["lookup"] is False
    assert misses["no_such_module_here"]["importer"] == "__main__"
    assert misses["no_such_module_here"]["how"] == "not found"
    assert misses["no_such_lookup"]["lookup"] is True
    assert misses["conf/missing.yaml"] == {"file": "conf/missing.yaml", "argv": [],
                                           "pid": misses["conf/missing.yaml"]["pid"]}
    written = target.read_text()
    count = "import os, sys\nprint(len(sys.meta_path), os.stat.__module__)"
    write_program(dist, LOOKS + count, {}, name="prog.py")
    quiet = subprocess.run([sys.executable, "-S", str(dist / "prog.py")],  # no .pth, as a binary
                           capture_output=True, text=True, cwd=str(tmp_path),
                           env={k: v for k, v in os.environ.items()
                                if k != "NUITKA_HINTS_MISSES"})
    plain = subprocess.run([sys.executable, "-S", "-c", count], capture_output=True, text=True)
    assert quiet.returncode == 0 and sorted(os.listdir(tmp_path)) == ["app.dist", "misses.txt"]
    assert target.read_text() == written  # nothing written without the variable
    assert quiet.stdout == plain.stdout  # and no finder added, os.stat as it was


LOOKS_FOR = """\
import os, sys
with open(sys.argv[1]) as handle:
    exec(compile(handle.read(), sys.argv[1], "exec"), {"__file__": sys.argv[1]})
import pathlib  # after the code the binary runs first, as in the binary (3.10 binds os.stat)
conf = os.path.join(os.path.dirname(sys.argv[1]), "conf", sys.argv[2])
found = pathlib.Path(conf).is_file() if sys.argv[3] == "4" else os.path.isfile(conf)
if sys.argv[3] == "open":
    open(conf).close()
print(found, os.stat in os.supports_follow_symlinks)
raise SystemExit(int(sys.argv[3]) if sys.argv[3].isdigit() else 0)  # as compiled code exits
"""


@pytest.mark.parametrize("looks, how, status", [
    ("relaxed.yaml", "0", 0), ("relaxed.yaml", "4", 4), ("relaxed.yaml", "open", 1),
    ("default.yaml", "0", 0), ("other.yaml", "0", 0)])
def test_a_binary_names_the_data_file_left_out_that_the_program_looked_for(
        tmp_path, looks, how, status):
    """Looked for by os.stat (isfile, Path.is_file) or open: named at exit
    whatever the exit status, once; a file that ships, or that no package has,
    is not named."""
    dist = tmp_path / "app.dist"
    (dist / "conf").mkdir(parents=True)
    (dist / "conf" / "default.yaml").write_text("rules: default\n")
    (tmp_path / "main.py").write_text(LOOKS_FOR)
    preload = hinted_compilation.preload_code({
        "left_out_files": ["conf/relaxed.yaml", "conf/strict.yaml"],
        "families_note": "families line\n", "statuses": [0]})
    (dist / "__main__-preLoad.py").write_text(preload)
    hinted_cold.write_index(str(dist), None, [])
    result = subprocess.run([sys.executable, "-S", str(tmp_path / "main.py"),  # no .pth run
                             str(dist / "__main__-preLoad.py"), looks, how],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == status, result.stderr
    assert result.stdout == ("" if how == "open" else  # its open raised
                             "%s True\n" % (looks == "default.yaml"))
    lines = result.stderr.splitlines()
    if looks != "relaxed.yaml":
        assert lines == []
        return
    assert lines[-1] == (
        "nuitka-hints: this build left out conf/relaxed.yaml, which the program looked for "
        "(no recorded run read it); rebuild with --hinted-keep-data=conf/relaxed.yaml or "
        "--hinted-families=keep (or --hinted-safe)")
    assert result.stderr.count(hinted_runtime.LEFT_OUT_START) == 1
    assert lines[0].startswith("Traceback" if how == "open" else "nuitka-hints: ")


COLD_PROGRAM = """\
import importlib, pkgutil, sys
import shapes  # in the dist, as a package in the build
circle = importlib.import_module("shapes." + sys.argv[1])  # a cold submodule, by name
import langs
print(sorted(m.name for m in pkgutil.iter_modules(langs.__path__)),
      sorted(m.name for m in pkgutil.iter_modules(shapes.__path__)))
language = importlib.import_module("langs." + sys.argv[2])
from importlib.resources import files
print(circle.AREA, language.NAME, files(language).joinpath("words.txt").read_text().strip())
print(language.__file__ == __file__.replace("main.py", "langs/%s/__init__.py" % sys.argv[2]))
try:
    import leftout_here
except ImportError:
    print("caught")
"""

COLD_SITE = {
    "shapes/__init__.py": "",
    "shapes/circle.py": "from shapes import helper\nAREA = helper.PI\n",
    "shapes/helper.py": "PI = 3.14\n",
    "shapes/square.py": "AREA = 1\n",
    "langs/__init__.py": "",
    "langs/de/__init__.py": "NAME = 'de'\n",
    "langs/de/words.txt": "Hallo\n",
    "langs/fr/__init__.py": "NAME = 'fr'\n",
    "langs/fr/words.txt": "Salut\n",
    "leftout_here.py": "",
}


@pytest.fixture
def cold_dist(tmp_path):
    """A dist whose build kept ``shapes`` (a package on disk here) and put the
    rest of COLD_SITE that the program could reach in the cold tier."""
    site, dist = tmp_path / "site", tmp_path / "app.dist"
    for relative, text in COLD_SITE.items():
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(text)
    (dist / "shapes").mkdir(parents=True)
    (dist / "shapes" / "__init__.py").write_text("")

    def locate(name):
        path = site / name.replace(".", "/")
        return str(path) if path.is_dir() else str(path) + ".py" if \
            path.with_name(path.name + ".py").is_file() else None

    tier = hinted_cold.ColdTier(locate, in_build={"shapes"})
    tier.add("shapes.circle", "met by Nuitka")
    for name in ("langs.de", "langs.fr"):
        tier.add(name, "a listed folder")
    tier.close()
    written = tier.write(str(dist), ADMIT_ALL)
    hinted_cold.write_index(str(dist), written["index"], ["leftout_here"])
    write_program(dist, COLD_PROGRAM, {})
    return dist, tier, written


def run_in(dist, *args, misses=None, env=None):
    env = {k: v for k, v in dict(os.environ, **(env or {})).items()
           if k != "NUITKA_HINTS_MISSES"}
    if misses:
        env["NUITKA_HINTS_MISSES"] = str(misses)
    return subprocess.run([sys.executable, "-S", str(dist / "main.py"), *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_the_cold_tier_imports_by_name_lists_and_reads_beside_its_modules(cold_dist):
    dist, tier, written = cold_dist
    assert sorted(tier.why) == ["langs", "langs.de", "langs.fr", "shapes.circle",
                                "shapes.helper"]
    assert tier.why["shapes.helper"] == "imported by shapes.circle"
    assert written["modules"] == 5 and written["data_files"] == [
        str(dist / "langs/de/words.txt"), str(dist / "langs/fr/words.txt")]
    assert not (dist / "langs" / "de" / "__init__.py").exists()  # bytecode, in the archive
    result = run_in(dist, "circle", "fr")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['de', 'fr'] ['circle', 'helper']\n3.14 fr Salut\nTrue\ncaught\n"
    assert result.stderr == (  # the caught ImportError is named, once, as the program ends
        "nuitka-hints: this build left out leftout_here, which the program imported "
        "(imported by __main__; no recorded run did); rebuild with --hinted-keep=leftout_here\n")


COLD_EXTENSION = """\
import _bisect, _heapq, os
print(_bisect.bisect_right([1, 2, 3], 2), _bisect.__file__ == os.path.join(
    os.path.dirname(__file__), os.path.basename(_bisect.__spec__.origin)),
    os.path.exists(_bisect.__file__), _heapq.heappop([3]))
"""


@pytest.mark.parametrize("memfd", ["memfd", "no memfd"])
def test_a_cold_extension_module_ships_deflated_and_loads_from_memory(tmp_path, memfd):
    """An extension module of the standard library (no $ORIGIN in it) in the
    cold tier: a member of the archive, not a file; it imports, and says it is
    where its file would be; where memfd_create fails, through a temporary file
    that is gone once loaded."""
    dist = tmp_path / "app.dist"
    import _bisect
    import _heapq

    files = {"_bisect": _bisect.__file__, "_heapq": _heapq.__file__}
    tier = hinted_cold.ColdTier(files.get, in_build=set())
    tier.add("_bisect", "met by Nuitka")
    tier.add("_heapq", "met by Nuitka")  # a second one, which once got the first's library
    written = tier.write(str(dist), ADMIT_ALL)
    member = os.path.basename(_bisect.__file__)
    assert written["extensions"] == written["extensions_in_archive"] == sorted(
        os.path.basename(path) for path in files.values())
    assert not (dist / member).exists() and written["index"]["modules"]["_bisect"][:3] == (
        member, False, member)
    assert written["archive_size"] < sum(map(os.path.getsize, files.values()))
    hinted_cold.write_index(str(dist), written["index"], [])
    refuse = "def refused(name):\n    raise OSError(38, 'no memfd')\nos.memfd_create = refused\n"
    write_program(dist, "import os\n" + (refuse if memfd == "no memfd" else "") +
                  COLD_EXTENSION, {})
    (tmp_path / "tmp").mkdir()
    result = run_in(dist, env={"TMPDIR": str(tmp_path / "tmp")})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2 True False 3\n"
    assert list((tmp_path / "tmp").iterdir()) == []  # nothing left behind


def test_a_cold_package_whose_init_is_an_extension_module_has_its_submodules(tmp_path):
    """A package's ``__init__`` as an extension module (here the standard
    library's ``_bisect`` as ``hintpkg._bisect``) loads from the archive as a
    package, its submodules below it."""
    import _bisect

    site, dist = tmp_path / "site" / "hintpkg", tmp_path / "app.dist"
    (site / "_bisect").mkdir(parents=True)
    (site / "__init__.py").write_text("")
    init = site / "_bisect" / ("__init__" + os.path.basename(_bisect.__file__)[len("_bisect"):])
    init.write_bytes(open(_bisect.__file__, "rb").read())
    (site / "_bisect" / "sub.py").write_text("VALUE = 7\n")
    (dist / "hintpkg").mkdir(parents=True)
    (dist / "hintpkg" / "__init__.py").write_text("")  # in the build
    files = {"hintpkg._bisect": str(site / "_bisect"),
             "hintpkg._bisect.sub": str(site / "_bisect" / "sub.py")}
    tier = hinted_cold.ColdTier(files.get, in_build={"hintpkg"})
    tier.add("hintpkg._bisect.sub", "met by Nuitka")
    tier.close()
    written = tier.write(str(dist), ADMIT_ALL)
    assert written["extensions_in_archive"] == ["hintpkg/_bisect/" + init.name]
    hinted_cold.write_index(str(dist), written["index"], [])
    write_program(dist, "import hintpkg._bisect.sub as sub, hintpkg._bisect as native\n"
                  "print(sub.VALUE, native.bisect_right([1], 1), native.__path__)\n", {})
    result = run_in(dist)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "7 1 [%r]\n" % str(dist / "hintpkg" / "_bisect")


def test_each_cold_import_is_noted_for_learning(cold_dist, tmp_path):
    dist, _, _ = cold_dist
    misses = tmp_path / "misses.txt"
    result = run_in(dist, "circle", "de", misses=misses)
    assert result.returncode == 0, result.stderr
    noted = {m["module"]: m for m in hints_file.read_misses(str(misses))}
    assert {name: (m["how"], m["importer"]) for name, m in noted.items()}.items() >= {
        "shapes.circle": ("cold", "__main__"), "shapes.helper": ("cold", "shapes.circle"),
        "langs": ("cold", "__main__"), "langs.de": ("cold", "__main__"),
        "leftout_here": ("not found", "__main__")}.items()  # (and nt, looked for by ntpath)
    learned = hints_file.learnable(hints_file.read_misses(str(misses)), known={"shapes"},
                                   program_dir=str(tmp_path / "site"))
    assert "shapes.circle" in {m["module"] for m in learned}


SOURCES = """\
import linecache, os
import reader  # the program's own code, as astroid is
here = os.path.dirname(os.path.abspath(__file__))
print(reader.check(os.path.join(here, "os.py")), reader.check(os.path.join(here, "main.py")))
linecache.getline(os.path.join(here, "json", "decoder.py"), 1)  # a traceback's: not named
"""


def test_a_module_source_the_programs_code_looked_for_is_named(tmp_path):
    """The default build ships modules as bytecode: astroid looking for the
    standard library's sources finds none, and the binary says so (pylint)."""
    dist = tmp_path / "app.dist"
    dist.mkdir()
    (dist / "reader.py").write_text(
        "import pathlib\n\n\ndef check(path):\n    return pathlib.Path(path).is_file()\n")
    write_program(dist, SOURCES, {"sources": True})
    result = run_in(dist)
    assert (result.returncode, result.stdout) == (0, "False True\n"), result.stderr
    assert result.stderr == (
        "nuitka-hints: this build left out the source of os.py, which the program looked for "
        "(the build ships modules as bytecode); learn it: run with NUITKA_HINTS_MISSES=FILE, "
        "then hinted-mods --learn HINTS FILE, and build again\n")


# Loads each module of a cold archive after one change to the archive's bytes:
# every byte flipped in turn, then the archive cut at every length.  Prints the
# outcomes' counts: "same" (the right answer), "named" (an ImportError naming the
# archive); anything else is counted by its kind and fails the test.
FAULTS = """\
import collections, importlib.util, json, os, sys, zipimport
sys.path.insert(0, sys.argv[1])
import hinted_runtime

dist = sys.argv[2] + os.sep
index = hinted_runtime.index_content(open(dist + hinted_runtime.INDEX, "rb").read())
cold = index["cold"]
archive = dist + cold["archive"]
pristine = open(archive, "rb").read()


def answer(name):
    zipimport._zip_directory_cache.clear()
    notes = hinted_runtime.Notes({})
    tier = hinted_runtime.ColdFinder(dist, cold, hinted_runtime.Misses(None), notes)
    spec = tier.find_spec(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules.pop(name, None)
    return module.answer() if hasattr(module, "answer") else module.bisect_right([1, 2, 3], 2)


expected = {name: answer(name) for name in sorted(cold["modules"])}
outcomes = collections.Counter()
damaged = [bytes(pristine[:at]) + bytes([pristine[at] ^ 0xFF]) + pristine[at + 1:]
           for at in range(len(pristine))] + [pristine[:at] for at in range(len(pristine))]
for content in damaged:
    with open(archive, "wb") as handle:
        handle.write(content)
    for name, right in expected.items():
        try:
            outcomes["same" if answer(name) == right else "DIFFERENT"] += 1
        except ImportError as error:
            outcomes["named" if archive in str(error) else "UNNAMED " + str(error)] += 1
        except Exception as error:
            outcomes["%s: %s" % (type(error).__name__, error)] += 1
print(json.dumps(outcomes))
"""


def test_every_flipped_byte_and_every_cut_of_the_cold_archive_is_named_or_harmless(tmp_path):
    """Issue 38's fault injection: each member is checked against the CRC-32 in
    the index before its bytecode or library is used; a damaged archive is an
    ImportError naming it, never a crash or another answer."""
    import _bisect

    site, dist = tmp_path / "site", tmp_path / "app.dist"
    site.mkdir()
    (site / "calc.py").write_text("def answer():\n    return sum(i * i for i in range(50))\n")
    (site / "words.py").write_text("TEXT = 'cold ' * 3\n\n\ndef answer():\n    return TEXT\n")
    files = {"calc": str(site / "calc.py"), "words": str(site / "words.py"),
             "_bisect": _bisect.__file__}
    tier = hinted_cold.ColdTier(files.get, in_build=set())
    for name in files:
        tier.add(name, "met")
    tier.close()
    written = tier.write(str(dist), ADMIT_ALL, content_of=hinted_dist.stripped_content)
    hinted_cold.write_index(str(dist), written["index"], [])
    size = os.path.getsize(dist / hinted_cold.ARCHIVE)
    result = subprocess.run([sys.executable, "-c", FAULTS, os.path.dirname(hinted_runtime.__file__),
                             str(dist)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    outcomes = json.loads(result.stdout)
    assert sum(outcomes.values()) == 2 * size * len(files)
    assert set(outcomes) <= {"same", "named"}, outcomes
    assert outcomes["named"] > size  # (every flip in a member's data, at least)


def test_a_damaged_or_missing_index_ends_the_program_with_one_line(tmp_path):
    """Every flipped byte and every cut of the index is refused; the binary
    says so in one line naming the file, and exits with its own status."""
    dist = tmp_path / "app.dist"
    dist.mkdir()
    hinted_cold.write_index(str(dist), None, ["leftout_here"])
    index = dist / hinted_runtime.INDEX
    pristine = index.read_bytes()
    assert hinted_runtime.index_content(pristine)["left_out_modules"] == ["leftout_here"]
    for at in range(len(pristine)):
        for damaged in (pristine[:at] + bytes([pristine[at] ^ 0xFF]) + pristine[at + 1:],
                        pristine[:at]):
            with pytest.raises(ValueError):
                hinted_runtime.index_content(damaged)
    write_program(dist, "print('ran')\n", {})
    index.write_bytes(pristine[:-3])
    result = run_in(dist)
    assert (result.returncode, result.stdout) == (hinted_runtime.DAMAGED_DIST_EXIT, "")
    assert result.stderr == (
        "nuitka-hints: this program's files are damaged: %s: its checksum does not match "
        "(truncated or changed); install the program again, or build it again\n" % index)
    index.unlink()
    assert "No such file or directory" in run_in(dist).stderr


@pytest.mark.parametrize("entry_points", [["sphinx.html_themes"], "sphinx.html_themes", 3])
def test_an_index_whose_entry_points_are_not_groups_by_name_is_refused(tmp_path, entry_points):
    """A whole index (checksum right) of another shape is refused too."""
    hinted_cold.write_index(str(tmp_path), None, [], entry_points)
    content = (tmp_path / hinted_runtime.INDEX).read_bytes()
    with pytest.raises(ValueError, match="it does not hold what this release writes"):
        hinted_runtime.index_content(content)


def test_a_cold_extension_module_never_loads_through_a_file_another_user_made(tmp_path):
    """The temporary-file fallback takes a new name nobody can guess, and any
    failure is an ImportError naming the module."""
    import _bisect

    dist, tmp = tmp_path / "app.dist", tmp_path / "tmp"
    tier = hinted_cold.ColdTier({"_bisect": _bisect.__file__}.get, in_build=set())
    tier.add("_bisect", "met")
    hinted_cold.write_index(str(dist), tier.write(str(dist), ADMIT_ALL)["index"], [])
    tmp.mkdir()
    for pid in range(1, 400):  # what the old, predictable names would be, taken first
        (tmp / ("nuitka-hints-%d-%s" % (pid, os.path.basename(_bisect.__file__)))).write_text("")
    refuse = "import os\ndef refused(name):\n    raise OSError(38, 'no memfd')\n" \
             "os.memfd_create = refused\n"
    write_program(dist, refuse + "import _bisect\nprint(_bisect.bisect_right([1], 1))\n", {})
    result = run_in(dist, env={"TMPDIR": str(tmp)})
    assert (result.returncode, result.stdout) == (0, "1\n"), result.stderr
    assert len(list(tmp.iterdir())) == 399  # its own file is gone
    write_program(dist, refuse + "try:\n    import _bisect\nexcept ImportError as error:\n"
                  "    print(error)\n", {})
    result = run_in(dist, env={"TMPDIR": str(tmp / "missing")})
    assert result.stdout.startswith("nuitka-hints: cannot load cold extension module _bisect: "
                                    "no in-memory file, and none in the temporary folder")


def test_the_misses_file_is_the_owners_alone_and_never_written_through_a_link(tmp_path):
    """It holds the program's arguments (a password among them, maybe): mode
    0600, and a link planted at its name is not followed."""
    dist = tmp_path / "app.dist"
    dist.mkdir()
    write_program(dist, "import no_such_module_here_either\n", {})
    target, victim = tmp_path / "misses.txt", tmp_path / "victim.txt"
    run_in(dist, "--password=hunter2", misses=target)
    assert "no_such_module_here_either" in target.read_text()
    assert target.stat().st_mode & 0o777 == 0o600
    victim.write_text("root's file\n")
    linked = tmp_path / "linked.txt"
    linked.symlink_to(victim)
    result = run_in(dist, "--password=hunter2", misses=linked)
    assert "No module named 'no_such_module_here_either'" in result.stderr  # ran as before
    assert victim.read_text() == "root's file\n"
    os.chmod(target, 0o644)  # made by another tool, or readable by others: not written
    before = target.read_text()
    run_in(dist, "--password=hunter2", misses=target)
    assert target.read_text() == before


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_a_cold_extension_ships_the_libraries_of_its_wheels_libs_folder_or_says_why_not(
        tmp_path):
    """A cold extension module that finds a library through ``$ORIGIN/../*.libs``
    (as repaired wheels ship them: Pillow's ``_webp``) ships as a file with that
    library beside it; where the dist lacks it, the package catches the
    ImportError, and the binary names the module and the library as it ends."""
    site, dist = tmp_path / "site", tmp_path / "app.dist"
    library, native = map(pathlib.Path, compile_native(
        str(tmp_path), str(site / "nativepkg"), str(site / "nativepkg.libs")))
    init = "try:\n    from . import _native\n    VALUE = _native.f()\nexcept ImportError:\n" \
           "    VALUE = None\n"
    (site / "nativepkg" / "__init__.py").write_text(init)
    (dist / "nativepkg").mkdir(parents=True)
    (dist / "nativepkg" / "__init__.py").write_text(init)  # in the build
    tier = hinted_cold.ColdTier({"nativepkg._native": str(native)}.get, in_build={"nativepkg"})
    tier.add("nativepkg._native", "met by Nuitka")
    written = tier.write(str(dist), ADMIT_ALL)
    shipped = dist / "nativepkg.libs" / library.name
    assert written["libraries"] == [str(shipped)] and written["extensions_in_archive"] == []
    hinted_cold.write_index(str(dist), written["index"], [])
    write_program(dist, "import nativepkg\nprint(nativepkg.VALUE)\n", {})
    result = run_in(dist)
    assert (result.returncode, result.stdout, result.stderr) == (0, "42\n", "")
    shutil.rmtree(dist / "nativepkg.libs")  # where Nuitka ships a library it found:
    shutil.copy(library, dist / library.name)  # at the dist's top (pyarrow's)
    assert tier.write(str(dist), ADMIT_ALL)["libraries"] == [str(shipped)]
    assert os.readlink(shipped) == os.path.join("..", library.name)  # not a second copy
    assert run_in(dist).stdout == "42\n"
    (dist / library.name).unlink()
    shipped.unlink()
    result = run_in(dist)
    assert (result.returncode, result.stdout) == (0, "None\n")
    assert result.stderr.startswith(
        "nuitka-hints: this build left out what nativepkg._native links, which the program "
        "imported (it failed to load from the cold tier: %s: cannot open shared object file"
        % library.name)
    assert result.stderr.endswith("rebuild with --hinted-keep=nativepkg._native, which ships "
                                  "it with what it links\n")


FIND_THE_PROGRAM = """\
import os, subprocess, sys
sys.path.insert(0, %r)
import hinted_runtime
if sys.argv[1:] == ["--multiprocessing-fork"]:  # one started for multiprocessing: a worker
    sys.exit(subprocess.run([sys.executable, __file__, "worker"]).returncode)
print(hinted_runtime.the_programs_process())
"""


def test_the_program_a_worker_ends_is_the_outermost_process_of_the_binary(tmp_path):
    """Through the processes of the binary started for multiprocessing (a fork
    server), never a process of another program (a shell, a worker's new parent
    once the program is gone)."""
    script = tmp_path / "find.py"
    script.write_text(FIND_THE_PROGRAM % os.path.dirname(hinted_runtime.__file__))
    for how in (["worker"], ["--multiprocessing-fork"]):
        found = subprocess.run([sys.executable, str(script), *how], capture_output=True,
                               text=True, timeout=60)
        assert found.stdout == "%d\n" % os.getpid(), found.stderr
    through_a_shell = subprocess.run(["sh", "-c", '"$0" "$1"', sys.executable, str(script)],
                                     capture_output=True, text=True, timeout=60)
    assert through_a_shell.stdout == "None\n", through_a_shell.stderr


LISTS_PLUGINS = """\
import sys
from importlib.metadata import entry_points  # imported after the runtime started
print(sorted(entry.name for entry in entry_points(group=sys.argv[1])))
"""


def test_entry_points_of_a_group_listed_at_build_time_that_the_binary_lacks_are_named(
        tmp_path):
    """A group the program lists in the binary that holds fewer entry points than
    were installed at build time (their metadata left out): named as the program
    ends, once per group; a group holding them all, or not the program's, says nothing."""
    dist = tmp_path / "app.dist"
    dist.mkdir()
    info = dist / "runplug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: runplug\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[runplug.themes]\nplain = runplug:plain\n")
    expected = {"runplug.themes": ["fancy", "plain"], "other.group": []}
    hinted_cold.write_index(str(dist), None, [], expected)
    write_program(dist, LISTS_PLUGINS, {})
    listed = run_in(dist, "runplug.themes")
    assert (listed.returncode, listed.stdout) == (0, "['plain']\n")
    assert listed.stderr == (
        "nuitka-hints: this build left out entry points fancy of group runplug.themes, which "
        "the program listed (installed at build time); rebuild with "
        "--hinted-cold=distributions\n")
    assert run_in(dist, "other.group").stderr == ""
    hinted_cold.write_index(str(dist), None, [], {"runplug.themes": ["plain"]})
    assert run_in(dist, "runplug.themes").stderr == ""


def test_a_listing_of_a_package_shorter_than_at_build_time_is_named(tmp_path):
    """A package folder the program lists (``pkgutil.iter_modules``: migrations,
    plugins) whose modules installed at build time the build left out: listed
    without them, and named as the program ends; a complete one says nothing."""
    dist = tmp_path / "app.dist"
    (dist / "plugs").mkdir(parents=True)
    (dist / "plugs" / "__init__.py").write_text("")
    (dist / "plugs" / "one.py").write_text("")
    hinted_cold.write_index(str(dist), None, ["plugs.three", "plugs.two", "other.four"])
    write_program(dist, "import pkgutil, sys\nimport plugs\n"
                  "print([m.name for m in pkgutil.iter_modules(plugs.__path__)])\n", {})
    result = run_in(dist)
    assert (result.returncode, result.stdout) == (0, "['one']\n")
    assert result.stderr == (
        "nuitka-hints: this build left out modules three, two of package plugs, which the "
        "program listed (installed at build time); rebuild with --hinted-cold=distributions\n")
    hinted_cold.write_index(str(dist), None, ["other.four"])
    assert run_in(dist).stderr == ""
