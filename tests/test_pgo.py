"""hinted_pgo: the profile's flags as gcc takes them, and when a kept profile
counted the code being built."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, run_tracer

import hinted_pgo

PROGRAM = "int twice(int x) { return 2 * x; }\nint main(void) { return twice(0); }\n"


def built_folder(tmp_path):
    build = tmp_path / "app.build"
    (build / "static_src").mkdir(parents=True)
    (build / "module.__main__.c").write_text(PROGRAM)
    (build / "static_src" / "helpers.c").write_text("int helper;\n")
    return build


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_gcc_counts_into_the_profile_folder_and_builds_from_it_without_a_word(tmp_path):
    """The flags, as Nuitka's build passes them (CFLAGS to the compiler,
    LDFLAGS to the linker): the run counts into the folder; the build with the
    counts says nothing, also for a file that has none."""
    profile = hinted_pgo.Profile(tmp_path / "app.pgo", built_folder(tmp_path))
    profile.start()
    source = tmp_path / "app.build" / "module.__main__.c"
    other = tmp_path / "app.build" / "static_src" / "helpers.c"

    def gcc(flags, *sources):
        command = ["gcc", *flags["CFLAGS"].split(), *map(str, sources), "-o", "app",
                   *flags["LDFLAGS"].split()]
        return subprocess.run(command, cwd=str(tmp_path), capture_output=True, text=True)

    assert gcc(profile.generating(), source).returncode == 0
    assert subprocess.run([str(tmp_path / "app")]).returncode == 0
    assert [name for name in os.listdir(profile.folder) if name.endswith(".gcda")]
    using = gcc(profile.using(), source, other)
    assert (using.returncode, using.stderr) == (0, "")


def test_a_kept_profile_counts_only_for_the_same_code_built_at_the_same_place(tmp_path):
    build = built_folder(tmp_path)
    profile = hinted_pgo.Profile(tmp_path / "app.pgo", build)
    assert profile.counted_runs() is None  # no profile yet
    profile.start()
    assert not profile.kept()  # a training that did not finish
    profile.save([1, 3])
    assert profile.kept() and profile.counted_runs() == [1, 3]
    (build / "static_src" / "helpers.c").write_text("int helper = 1;\n")
    assert profile.counted_runs() is None
    profile.save([1])
    moved = tmp_path / "elsewhere.build"
    build.rename(moved)  # the count files are named after the objects' place
    assert hinted_pgo.Profile(profile.folder, moved).counted_runs() is None
    moved.rename(build)
    assert profile.counted_runs() == [1]
    stamp = tmp_path / "app.pgo" / hinted_pgo.STAMP
    for damaged in ("{not json", "[1]", '{"code": "%s", "runs": "1"}' % profile.code_key()):
        stamp.write_text(damaged)
        assert profile.counted_runs() is None


def test_a_run_that_must_not_count_is_taken_back_out(tmp_path):
    profile = hinted_pgo.Profile(tmp_path / "app.pgo", built_folder(tmp_path))
    profile.start()
    (tmp_path / "app.pgo" / "kept.gcda").write_bytes(b"1")
    before = profile.snapshot()
    (tmp_path / "app.pgo" / "kept.gcda").write_bytes(b"12")
    (tmp_path / "app.pgo" / "new.gcda").write_bytes(b"3")
    profile.restore(before)
    assert sorted(os.listdir(profile.folder)) == ["kept.gcda"]
    assert (tmp_path / "app.pgo" / "kept.gcda").read_bytes() == b"1"
    assert not os.path.exists(before)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="gcc is not Nuitka's there")
def test_another_compiler_is_refused_in_one_line_before_any_build(tmp_path):
    script = tmp_path / "app.py"
    script.write_text("print(1)\n")
    run_tracer(str(script), check=True)
    result = subprocess.run([sys.executable, os.path.join(ROOT, "nuitka_hints.py"),
                             "--hinted-pgo", str(script)], capture_output=True, text=True,
                            cwd=str(tmp_path), env=dict(os.environ, CC="/usr/bin/clang-16"))
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "nuitka-hints: error: --hinted-pgo needs gcc (CC=clang-16): unset CC, or "
        "build without it\n")
    assert not (tmp_path / "app.build").exists()
