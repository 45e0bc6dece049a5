"""hinted_dist.py: the finished dist stripped and its identical files linked, on
real shared objects built here, never touching the files they were copied from."""

import ctypes
import os
import shutil
import struct
import subprocess
import sys

import pytest

import hinted_dist
import hinted_report

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or
                                shutil.which("gcc") is None or shutil.which("strip") is None,
                                reason="needs Linux, gcc and binutils' strip")

C_SOURCE = "int answer(void) { return 42; }\nstatic int helper(int x) { return x + 1; }\n" \
    "int use(int x) { return helper(x); }\n"


@pytest.fixture
def library(tmp_path):
    """A shared object as wheels ship them: with its symbol table and debug info."""
    source = tmp_path / "lib.c"
    source.write_text(C_SOURCE)
    built = tmp_path / "installed" / "libanswer.so"
    built.parent.mkdir()
    subprocess.run(["gcc", "-shared", "-fPIC", "-g", "-o", str(built), str(source)], check=True)
    return built


def test_shared_objects_are_stripped_in_the_dist_and_still_load(tmp_path, library):
    dist = tmp_path / "app.dist"
    (dist / "pkg").mkdir(parents=True)
    copied = dist / "pkg" / "libanswer.so"
    shutil.copy(library, copied)
    linked = dist / "libanswer-linked.so.1"
    os.link(library, linked)  # a hard link to the installed file: it must not change
    installed = library.read_bytes()
    (dist / "app.bin").write_bytes(installed)  # the program binary: Nuitka's to strip
    (dist / "notes.so.txt").write_text("not a library")
    done = hinted_dist.strip_shared_objects(str(dist), "app.bin")
    assert done["files"] == 2 and done["failed"] == []
    assert done["saved"] == 2 * len(installed) - copied.stat().st_size - linked.stat().st_size
    assert copied.stat().st_size < len(installed)
    assert library.read_bytes() == installed  # the installed file, linked or not, untouched
    assert (dist / "app.bin").read_bytes() == installed
    assert ctypes.CDLL(str(copied)).answer() == 42
    assert os.access(copied, os.X_OK) == os.access(library, os.X_OK)
    again = hinted_dist.strip_shared_objects(str(dist), "app.bin")
    assert again == {"files": 0, "saved": 0, "failed": []}  # nothing left to strip


def test_a_shared_object_strip_cannot_read_is_left_as_it_was(tmp_path):
    dist = tmp_path / "app.dist"
    dist.mkdir()
    broken = dist / "broken.so"
    broken.write_bytes(b"\x7fELF" + b"\0" * 100)
    done = hinted_dist.strip_shared_objects(str(dist), "app.bin")
    assert done["files"] == 0 and [name for name, _ in done["failed"]] == ["broken.so"]
    assert broken.read_bytes() == b"\x7fELF" + b"\0" * 100
    assert sorted(os.listdir(dist)) == ["broken.so"]
    why = done["failed"][0][1]
    assert hinted_report.slimmed_text({"stripped": done}) == \
        "stripped 0 (-0.0 MB), 1 left unstripped (broken.so: %s)" % why


def test_a_library_strip_would_break_is_left_as_it_was(tmp_path):
    """numpy's OpenBLAS, grown by patchelf when the wheel was made: strip writes a
    copy the loader refuses ("not page-aligned") and exits 0."""
    numpy_libs = os.path.join(os.path.dirname(os.path.dirname(pytest.importorskip(
        "numpy").__file__)), "numpy.libs")
    blas = [name for name in os.listdir(numpy_libs) if "openblas" in name] \
        if os.path.isdir(numpy_libs) else []
    if not blas:
        pytest.skip("this numpy ships no OpenBLAS of its own")
    probe = tmp_path / "probe"  # strip it as it is, and ask the real loader
    shutil.copytree(numpy_libs, probe)
    subprocess.run(["strip", "--strip-unneeded", str(probe / blas[0])], capture_output=True)
    if subprocess.run([sys.executable, "-c", "import ctypes, sys; ctypes.CDLL(sys.argv[1])",
                       str(probe / blas[0])], capture_output=True).returncode == 0:
        pytest.skip("this numpy's OpenBLAS survives strip (patchelf did not grow it)")
    dist = tmp_path / "app.dist"
    shutil.copytree(numpy_libs, dist)  # with the libraries it needs
    copied = dist / blas[0]
    before = copied.read_bytes()
    done = hinted_dist.strip_shared_objects(str(dist), "app.bin")
    assert (blas[0], "strip misaligned its load segments (a library patchelf rewrote)") \
        in done["failed"]
    assert copied.read_bytes() == before
    assert sorted(os.listdir(dist)) == sorted(os.listdir(numpy_libs))  # no copy left behind
    loads = subprocess.run([sys.executable, "-c", "import ctypes, sys; ctypes.CDLL(sys.argv[1])",
                            str(copied)], capture_output=True, text=True)
    assert loads.returncode == 0, loads.stderr


def test_load_segments_are_checked_as_the_loader_does(tmp_path, library):
    assert hinted_dist.load_segments_aligned(str(library))
    data = bytearray(library.read_bytes())
    table, entry_size, count = struct.unpack_from("<Q14xHH", data, 32)
    for number in range(count):
        entry = table + number * entry_size
        if struct.unpack_from("<I", data, entry)[0] == 1:  # PT_LOAD: its offset off by 8
            struct.pack_into("<Q", data, entry + 8, struct.unpack_from("<Q", data, entry + 8)[0]
                             + 8)
    (tmp_path / "moved.so").write_bytes(bytes(data))
    assert not hinted_dist.load_segments_aligned(str(tmp_path / "moved.so"))
    (tmp_path / "text.so").write_text("not ELF")
    assert not hinted_dist.load_segments_aligned(str(tmp_path / "text.so"))


def test_the_libraries_a_shared_object_links_are_read_from_its_dynamic_section(
        tmp_path, library):
    """What the dynamic loader finds by name: Nuitka's dependency scan ships those."""
    (tmp_path / "user.c").write_text("int answer(void);\nint twice(void) { return answer(); }\n")
    user = tmp_path / "libuser.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(user), str(tmp_path / "user.c"),
                    "-L", str(library.parent), "-lanswer"], check=True)
    assert hinted_dist.linked_names(str(user)) == {"libanswer.so"}
    (tmp_path / "text.so").write_text("not ELF")
    assert hinted_dist.linked_names(str(tmp_path / "text.so")) == set()


def test_identical_files_become_one_file_and_links(tmp_path):
    dist = tmp_path / "app.dist"
    (dist / "kiwisolver").mkdir(parents=True)
    same = os.urandom(10000)
    (dist / "kiwisolver" / "_cext.so").write_bytes(same)
    (dist / "kiwisolver" / "_cext.cpython-311-x86_64-linux-gnu.so").write_bytes(same)
    (dist / "other.dat").write_bytes(os.urandom(10000))
    (dist / "small-a").write_bytes(b"x" * 10)
    (dist / "small-b").write_bytes(b"x" * 10)
    assert hinted_dist.link_identical_files(str(dist)) == {"files": 1, "saved": 10000}
    long_name = dist / "kiwisolver" / "_cext.cpython-311-x86_64-linux-gnu.so"
    assert os.readlink(long_name) == "_cext.so" and long_name.read_bytes() == same
    assert not os.path.islink(dist / "kiwisolver" / "_cext.so")
    assert not any(os.path.islink(dist / n) for n in ("other.dat", "small-a", "small-b"))


def test_slim_says_why_it_did_not(tmp_path, monkeypatch):
    dist = tmp_path / "app.dist"
    dist.mkdir()
    assert hinted_dist.slim(str(dist), "app.bin", strip=False, link=False) == {
        "stripped": "not asked (--hinted-strip=no)",
        "linked": "not in onefile mode (its archive holds files, not links)"}
    monkeypatch.setenv("PATH", str(tmp_path))  # no binutils
    assert hinted_dist.slim(str(dist), "app.bin")["stripped"] == \
        "no strip found: install binutils (apt-get install binutils)"
