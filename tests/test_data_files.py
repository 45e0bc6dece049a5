"""hinted_data_files.py: what the build does with data files, from a record and
the files on this machine (module names and paths: no Nuitka)."""

import os
import sysconfig

import pytest

from conftest import installed_distribution

import hinted_data_files
import hints_file

FILES = {"__init__.py": "", "conf/default.yaml": "a: 1\n", "conf/strict.yaml": "a: 2\n",
         "libfake.so": "not really a library\n", "notes.txt": "x\n"}
RUN = {"argv": ["app.py"], "exit_status": 0, "duration": 0.1,
       "against": {"program_files": {}, "distributions": {}}}


@pytest.fixture
def installed():
    with installed_distribution("hintdata", "1.0", FILES):
        yield os.path.join(sysconfig.get_paths()["purelib"], "hintdata")


def prepared(data, libraries=None, policy="opened", keep_families=False, program_dir=None):
    hints = hints_file.Hints.new(
        {"hintdata": {"kind": "source", "file": "hintdata/__init__.py",
                      "where": "site-packages", "runs": 1}},
        [RUN], libraries or {}, {}, data, {})
    files = hinted_data_files.DataFiles(hints, policy, [], frozenset({"hintdata"}),
                                        keep_families)
    files.prepare()
    if program_dir:
        files.add_program_folder(program_dir)
    return files


def test_the_files_a_run_read_go_with_their_package_and_their_family_is_named(installed):
    files = prepared({"site-packages": {"hintdata/conf/default.yaml": 1}})
    assert list(files.files_to_add("hintdata")) == [
        (os.path.realpath(os.path.join(installed, "conf/default.yaml")),
         "hintdata/conf/default.yaml")]
    assert list(files.files_to_add(None)) == []
    assert files.families == {"hintdata/conf/*.yaml": (["default.yaml"], ["strict.yaml"])}
    assert files.leave_out("data_file", os.path.join(installed, "notes.txt"),
                           "hintdata/notes.txt")  # offered by Nuitka's configuration, unread
    kept = prepared({"site-packages": {"hintdata/conf/default.yaml": 1}}, keep_families=True)
    assert len(list(kept.files_to_add("hintdata"))) == 2


def test_a_library_a_run_loaded_by_path_goes_with_its_package_and_is_never_left_out(installed):
    """A library outside the roots (libc) is recorded with its absolute path: no error."""
    files = prepared({"site-packages": {}}, libraries={
        "/usr/lib/libc.so.6": {"where": "absolute"},
        "hintdata/libfake.so": {"where": "site-packages"}})
    assert list(files.libraries_to_add("hintdata")) == [
        (os.path.realpath(os.path.join(installed, "libfake.so")), "hintdata/libfake.so")]
    assert not files.leave_out("data_file", os.path.join(installed, "libfake.so"),
                               "hintdata/libfake.so")
    assert files.stale == []


def test_the_programs_own_files_go_with_the_main_module_and_secrets_never(tmp_path):
    (tmp_path / "data.txt").write_text("x\n")
    (tmp_path / ".env").write_text("TOKEN=1\n")
    files = prepared({"program": {"data.txt": 1, ".env": 1}}, program_dir=str(tmp_path))
    assert [dest for _, dest in files.files_to_add(None)] == ["data.txt"]
    assert files.held_back == ["program/.env"]


def test_the_modules_entry_points_name_are_read_from_the_file(tmp_path):
    entry_points = tmp_path / "entry_points.txt"
    entry_points.write_text("[console_scripts]\ntwine = twine.__main__:main\n\n"
                            "[twine.registered_commands]\ncheck = twine.commands.check:main\n"
                            "# upload = twine.commands.upload:main\n"
                            "extra = plugin.mod:hook [extra]\nbad = not a module\n")
    assert hinted_data_files.entry_point_targets(str(entry_points)) == [
        "twine.__main__", "twine.commands.check", "plugin.mod"]
    assert hinted_data_files.entry_point_targets(str(tmp_path / "none.txt")) == []
