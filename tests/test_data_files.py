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


def prepared(data, libraries=None, policy="opened", keep_families=False, program_dir=None,
             listed=None, learned_files=None, keep_patterns=()):
    hints = hints_file.Hints.new(
        {"hintdata": {"kind": "source", "file": "hintdata/__init__.py",
                      "where": "site-packages", "runs": 1}},
        [RUN], libraries or {}, {}, data, listed or {}, learned_files=learned_files)
    files = hinted_data_files.DataFiles(hints, policy, keep_patterns, frozenset({"hintdata"}),
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


# What must not leave the machine (issue 38): each in the program's config folder.
SECRETS = ("id_rsa", "server.key", "credentials.json", "secrets.toml", "service-account.json",
           ".env", "prod.env", "env.local", "client_secret_1234.apps.json", "secret.json",
           "deploy_key", "ssh_host_rsa_key", "putty.ppk", "AuthKey_AB12CD.p8", "backup.gpg",
           "vault.kdbx", "service.keytab", "terraform.tfstate", "_netrc", "htpasswd",
           "token.json")


@pytest.fixture
def program_with_secrets(tmp_path):
    """A program folder whose config folder holds a setting it reads, secrets,
    a link to a file outside the folder, and a .git folder."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "app.yaml").write_text("a: 1\n")
    (config / "other.yaml").write_text("a: 2\n")
    for name in SECRETS:
        (config / name).write_text("PRIVATE\n")
    (tmp_path / "elsewhere.yaml").write_text("PRIVATE\n")
    (config / "linked.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[remote]\nurl = https://token@host\n")
    (tmp_path / ".secrets").mkdir()
    (tmp_path / ".secrets" / "db.txt").write_text("PRIVATE\n")
    (config / "db").symlink_to(tmp_path / ".secrets")  # a folder: its files look plain
    return tmp_path


@pytest.mark.parametrize("how", ["read", "family", "listed", "learned", "keep pattern"])
def test_no_secret_ships_by_any_path_and_the_build_names_what_it_held_back(
        program_with_secrets, how):
    """Every way a program's file enters the dist passes the one gate: a file
    the runs read, a family's member, a listed folder's entry, a file a binary
    lacked, a keep pattern's match (``config``, ``*config*``)."""
    read = {"config/app.yaml": 1}
    every = {"config/" + name: 1 for name in SECRETS + ("linked.yaml", "db/db.txt")}
    every[".git/config"] = 1
    files = prepared(
        {"program": dict(read, **every) if how in ("read", "keep pattern") else read},
        keep_families=how == "family", program_dir=str(program_with_secrets),
        listed={"program": {"config": 1}} if how == "listed" else None,
        learned_files={"program": {r: {"runs": [1], "reports": ["m.txt"]} for r in every}}
        if how == "learned" else None,
        keep_patterns=["config", "*config*"] if how == "keep pattern" else ())
    shipped = sorted(dest for _, dest in files.files_to_add(None))
    assert shipped == (["config/app.yaml", "config/other.yaml"]
                       if how in ("family", "listed") else ["config/app.yaml"])
    held = set(files.gate.held_back)
    expected = {"config/" + name for name in SECRETS + ("linked.yaml", "db/db.txt")}
    expected -= {"config/db/db.txt"} if how == "listed" else set()  # (no file of its own)
    if how != "family":  # (a family is the files of one kind: *.yaml)
        assert expected <= held | {"config/linked.yaml"}
    assert "config/linked.yaml" in held and "outside" in files.gate.held_back["config/linked.yaml"]
    warnings = []
    files.report(lambda line: None, warnings.append)
    assert any(line.startswith("Held back %d files that must not leave this machine"
                               % len(held)) for line in warnings)


def test_an_exact_path_ships_a_secret_with_a_warning_a_pattern_never(program_with_secrets):
    files = prepared({"program": {"config/app.yaml": 1, "config/server.key": 1,
                                  "config/id_rsa": 1}},
                     program_dir=str(program_with_secrets),
                     keep_patterns=["config/server.key", "config/*"])
    assert sorted(dest for _, dest in files.files_to_add(None)) == [
        "config/app.yaml", "config/server.key"]
    assert list(files.gate.held_back) == ["config/id_rsa"]
    warnings = []
    files.report(lambda line: None, warnings.append)
    assert "as --hinted-keep-data named them: config/server.key." in warnings[-1]


def test_an_installed_distributions_own_files_are_public(installed, tmp_path):
    """A wheel's files were published with it (certifi's cacert.pem); a link
    leading out of the folder it was found in is held back there too."""
    with open(os.path.join(installed, "cacert.pem"), "w") as handle:
        handle.write("-----BEGIN CERTIFICATE-----\n")
    files = prepared({"site-packages": {"hintdata/cacert.pem": 1}})
    assert [dest for _, dest in files.files_to_add("hintdata")] == ["hintdata/cacert.pem"]
    assert hinted_data_files.must_not_ship("hintdata/cacert.pem")  # outside site-packages
    gate = hinted_data_files.Gate([], files.roots)
    (tmp_path / "outside.txt").write_text("x\n")
    os.symlink(tmp_path / "outside.txt", os.path.join(installed, "conf", "link.yaml"))
    assert not gate.admits(os.path.join(installed, "conf", "link.yaml"),
                           "hintdata/conf/link.yaml")


def test_the_modules_entry_points_name_are_read_from_the_file(tmp_path):
    entry_points = tmp_path / "entry_points.txt"
    entry_points.write_text("[console_scripts]\ntwine = twine.__main__:main\n\n"
                            "[twine.registered_commands]\ncheck = twine.commands.check:main\n"
                            "# upload = twine.commands.upload:main\n"
                            "extra = plugin.mod:hook [extra]\nbad = not a module\n")
    assert hinted_data_files.entry_point_groups(str(entry_points)) == {
        "console_scripts": [("twine", "twine.__main__")],
        "twine.registered_commands": [("check", "twine.commands.check"),
                                      ("extra", "plugin.mod")]}
    assert hinted_data_files.entry_point_groups(str(tmp_path / "none.txt")) == {}
