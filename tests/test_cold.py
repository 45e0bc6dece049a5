"""hinted_cold.py: what the cold tier holds and why, decided from plain files
(no Nuitka), and what ships beside its archive."""

import marshal
import os
import shutil
import subprocess
import sysconfig
import zipfile
import zlib

import pytest

import hinted_cold
import hinted_data_files

# Files a cold package's folder may hold that must never ship (issue 38's review).
SECRETS = ("id_rsa", "server.key", "credentials.json", "secrets.toml", "service-account.json",
           "prod.env", "client_secret_42.json", "deploy_key", "AuthKey_AB12.p8", "vault.kdbx",
           "terraform.tfstate", "_netrc", "htpasswd")

SITE = {
    "app_pkg/__init__.py": "from . import core\n",
    "app_pkg/core.py": "import json\ntry:\n    import fast_helper\nexcept ImportError:\n"
                       "    pass\n\n\ndef later():\n    from app_pkg import plugins\n",
    "app_pkg/plugins/__init__.py": "",
    "app_pkg/plugins/one.py": "from .. import core\n",
    "app_pkg/plugins/tests/__init__.py": "",
    "app_pkg/plugins/tests/test_one.py": "import pytest\n",
    "app_pkg/plugins/words.txt": "words\n",
    "app_pkg/plugins/.env": "API_TOKEN=secret\n",
    **{"app_pkg/plugins/" + name: "PRIVATE\n" for name in SECRETS},
    "app_pkg/plugins/stubs.pyi": "x: int\n",
    "app_pkg/plugins/fast.c": "/* the source of fast.*.so */\n",
    "app_pkg/plugins/fast.cpython-311-x86_64-linux-gnu.so": "not really\n",
    "app_pkg/plugins/table.c": "/* no extension module of that name: data */\n",
    "app_pkg/_speedups.cpython-311-x86_64-linux-gnu.so": "RUNPATH $ORIGIN/../app_pkg.libs\n",
    "app_pkg/_packed.cpython-311-x86_64-linux-gnu.so": "nothing relative\n",
    "fast_helper.py": "import refused_by_nuitka\n",
    "refused_by_nuitka.py": "",
    "other_dist/__init__.py": "from . import _native\n",
    "other_dist/_native.cpython-311-x86_64-linux-gnu.so": "not really\n",
    "broken.py": "def (:\n",
}

ADMIT_ALL = hinted_data_files.Gate([], {}).admits  # (these folders hold no secret)


def make_site(tmp_path):
    site = tmp_path / "site"
    for relative, text in SITE.items():
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(text)
    (tmp_path / "outside.txt").write_text("PRIVATE\n")  # a link in the folder leads to it
    (site / "app_pkg/plugins/notes.txt").symlink_to(tmp_path / "outside.txt")

    def locate(name):
        path = site / name.replace(".", "/")
        if path.is_dir():
            return str(path)
        found = [p for p in path.parent.glob(path.name + ".*") if p.suffix in (".py", ".so")]
        return str(found[0]) if found else None

    return site, locate


def test_the_cold_set_is_what_the_met_modules_reach_less_the_build_and_refusals(tmp_path):
    _, locate = make_site(tmp_path)
    tier = hinted_cold.ColdTier(locate, in_build={"app_pkg", "json"},
                                refused=lambda name: name == "refused_by_nuitka" or None)
    assert tier.add("app_pkg.core", "met by Nuitka")
    assert not tier.add("json", "in the build") and not tier.add("no_such", "not installed")
    for name in ("app_pkg.plugins.one", "app_pkg.plugins.tests"):  # the folder's listing
        tier.add(name, "listed")
    tier.close()
    assert tier.why == {  # no tests, nothing refused, nothing in the build
        "app_pkg.core": "met by Nuitka",
        "app_pkg.plugins": "package of app_pkg.plugins.one",
        "app_pkg.plugins.one": "listed",
        "fast_helper": "imported by app_pkg.core",  # a caught import: the other path
    }


def test_the_archive_holds_pyc_files_and_a_distribution_with_compiled_code_ships_only_in_build(
        tmp_path):
    """An extension module ships for a package in the build (in the archive,
    unless it finds its libraries relative to its folder); a distribution no run
    imported that has one does not ship at all."""
    _, locate = make_site(tmp_path)
    dist = tmp_path / "app.dist"
    tier = hinted_cold.ColdTier(locate, in_build={"app_pkg"})
    for name in ("app_pkg.core", "app_pkg._speedups", "app_pkg._packed", "app_pkg.plugins",
                 "other_dist", "broken"):
        tier.add(name, "met")
    tier.close()
    gate = hinted_data_files.Gate([], {})  # the folder is no installed distribution's
    written = tier.write(str(dist), gate.admits)
    with zipfile.ZipFile(dist / hinted_cold.ARCHIVE) as archive:
        members = sorted(archive.namelist())
        header = archive.read("app_pkg/core.pyc")[:4]
    packed, speedups = ("app_pkg/%s.cpython-311-x86_64-linux-gnu.so" % name
                        for name in ("_packed", "_speedups"))
    assert members == [packed, "app_pkg/core.pyc", "app_pkg/plugins/__init__.pyc",
                       "fast_helper.pyc", "refused_by_nuitka.pyc"]
    assert header == hinted_cold.importlib.util.MAGIC_NUMBER
    assert written["extensions"] == [packed, speedups]
    assert written["extensions_in_archive"] == [packed]
    assert (dist / speedups).is_file()
    assert not (dist / packed).exists()
    assert [name for name, _ in written["left_out"]] == ["other_dist"]  # not closed over
    assert [name for name, _ in written["failed"]] == ["broken"]
    assert written["data_files"] == [str(dist / "app_pkg/plugins" / name)  # no .env, no code
                                     for name in ("table.c", "words.txt")]
    assert sorted(gate.held_back) == sorted("app_pkg/plugins/" + name
                                            for name in SECRETS + ("notes.txt",))
    assert "outside.txt, outside" in gate.held_back["app_pkg/plugins/notes.txt"]
    assert not any(b"PRIVATE" in path.read_bytes() for path in dist.rglob("*") if path.is_file())
    index = written["index"]
    with zipfile.ZipFile(dist / hinted_cold.ARCHIVE) as archive:
        checksum = zlib.crc32(archive.read("app_pkg/plugins/__init__.pyc"))
    assert index["modules"]["app_pkg.plugins"] == (
        "app_pkg/plugins/__init__.pyc", True, "app_pkg/plugins/__init__.py", checksum)
    assert index["modules"]["app_pkg._speedups"] == ("", False, speedups, 0)
    assert index["modules"]["app_pkg._packed"][:3] == (packed, False, packed)
    assert sorted(index["children"]["app_pkg"]) == [
        ("_packed", False), ("_speedups", False), ("core", False), ("plugins", True)]
    assert sorted(index["children"][""]) == [("fast_helper", False),
                                             ("refused_by_nuitka", False)]


def test_a_distribution_with_compiled_code_stays_out_where_site_packages_is_in_the_stdlib(
        tmp_path):
    """Outside a virtual environment, site-packages lies inside the standard
    library's folder: its distributions are not the standard library's."""
    stdlib = tmp_path / "lib" / "python3"
    site = stdlib / "site-packages"
    (site / "native_dist").mkdir(parents=True)
    (site / "native_dist" / "__init__.py").write_text("from . import _core\n")
    (site / "native_dist" / "_core.cpython-311-x86_64-linux-gnu.so").write_text("not really\n")
    (stdlib / "uses_it.py").write_text("import native_dist\n")
    locate = {"native_dist": str(site / "native_dist"), "uses_it": str(stdlib / "uses_it.py")}.get
    roots = {os.path.normcase(str(stdlib)): "stdlib", os.path.normcase(str(site)): "site-packages"}
    tier = hinted_cold.ColdTier(locate, (), roots=roots)
    tier.add("uses_it", "met")
    tier.close()
    assert list(tier.why) == ["uses_it"] and list(tier.left_out) == ["native_dist"]


def test_a_compiled_distribution_a_built_one_offers_joins_with_those_it_requires(tmp_path):
    """A distribution with compiled code no run imported joins when a module of
    one in the build imports it and that one requires it or offers it as a
    feature (pandas' read_xml: lxml, its extra "xml"), even if the cold set
    reached it first another way, with the distributions it requires; one
    offered for the tests only (Pillow's numpy), or imported by a joining one
    that does not require it, stays out; its data folders ship, its test suite's
    never."""
    so = ".cpython-311-x86_64-linux-gnu.so"
    files = {"built_pkg/__init__.py": "",
             "built_pkg/xml_io.py": "def read():\n    import xmlish\n    import xmlextra\n",
             "xmlish/__init__.py": "from . import _etree\nimport xmldep\ntry:\n"
                                   "    import xmlextra\nexcept ImportError:\n    pass\n",
             "xmlish/_etree" + so: "not really\n",
             "xmlish/schemas/xhtml/strict.xsd": "<xsd/>\n", "xmlish/tests/data.xml": "<x/>\n",
             "xmldep/__init__.py": "from . import _dep\n", "xmldep/_dep" + so: "not really\n",
             "xmlextra/__init__.py": "from . import _x\n", "xmlextra/_x" + so: "not really\n"}
    site = tmp_path / "site"
    for relative, text in files.items():
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(text)
    distributions = hinted_cold.Distributions(
        {"built_pkg": [("built-pkg", "1")], "xmlish": [("XML_ish", "1")],
         "xmldep": [("xmldep", "1")], "xmlextra": [("xmlextra", "1")]},
        requires={"built-pkg": [("xml-ish", "xml"), ("xmlextra", "tests")],
                  "xml-ish": [("xmldep", "")], "xmldep": [], "xmlextra": []}.get)
    assert distributions.needed_with("xmlish") == {"xmlish", "xmldep"}
    assert distributions.joining("built_pkg", "xmlextra", True) == set()

    def locate(name):
        path = site / name.replace(".", "/")
        return str(path) if path.is_dir() else next(
            (str(found) for found in site.glob(name.replace(".", "/") + ".*")), None)
    tier = hinted_cold.ColdTier(locate, {"built_pkg"}, companions=distributions.joining)
    tier.add("xmlish", "listed")
    assert list(tier.left_out) == ["xmlish"]  # reached from outside the build: out, so far
    tier.whole.add("xmlish")
    tier.add("built_pkg.xml_io", "met")
    tier.close()
    assert sorted(tier.why) == ["built_pkg.xml_io", "xmldep", "xmldep._dep", "xmlish",
                                "xmlish._etree"]
    assert tier.why["xmlish"] == "listed" and list(tier.left_out) == ["xmlextra"]
    written = tier.write(str(tmp_path / "app.dist"), ADMIT_ALL)
    assert written["data_files"] == [str(tmp_path / "app.dist/xmlish/schemas/xhtml/strict.xsd")]


def test_a_distributions_top_level_packages_and_what_it_requires_are_known(tmp_path):
    distributions = hinted_cold.Distributions(
        {"yaml": [("PyYAML", "6")], "_yaml": [("PyYAML", "6")], "flake8": [("flake8", "7")],
         "pyflakes": [("pyflakes", "3")], "not-a-name": [("odd", "1")]})
    assert distributions.siblings("yaml") == {"yaml", "_yaml"}
    assert distributions.siblings("json") == {"json"}  # the standard library's: no owner
    assert "not-a-name" not in distributions.owners
    required = dict(hinted_cold.required_distributions("pytest"))  # installed with the tests
    assert {required[name] for name in ("iniconfig", "packaging", "pluggy")} == {""}
    assert required["hypothesis"] == "dev"  # for its extra "dev" only
    assert hinted_cold.NOT_FEATURES.search("dev") and not hinted_cold.NOT_FEATURES.search("xml")
    assert hinted_cold.required_distributions("no-such-distribution-here") == []


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_an_extension_module_another_links_by_name_stays_a_file(tmp_path):
    """The dynamic loader finds a library another links (``DT_NEEDED``) by its
    file name: that one cannot load from memory."""
    site, dist = tmp_path / "site" / "linkpkg", tmp_path / "app.dist"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text("")
    (tmp_path / "a.c").write_text("int helper(void) { return 1; }\n")
    (tmp_path / "b.c").write_text("int helper(void);\nint user(void) { return helper(); }\n")
    helper, user = site / "_helper.so", site / "_user.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(helper), str(tmp_path / "a.c")],
                   check=True)
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(user), str(tmp_path / "b.c"),
                    "-L", str(site), "-l:_helper.so"], check=True)
    files = {"linkpkg": str(site), "linkpkg._helper": str(helper), "linkpkg._user": str(user)}
    tier = hinted_cold.ColdTier(files.get, in_build={"linkpkg"})
    tier.add("linkpkg._helper", "met")
    tier.add("linkpkg._user", "met")
    written = tier.write(str(dist), ADMIT_ALL)
    assert written["extensions_in_archive"] == ["linkpkg/_user.so"]
    assert (dist / "linkpkg" / "_helper.so").is_file()


def test_a_standard_library_extension_module_ships_a_test_suite_never(tmp_path):
    stdlib = sysconfig.get_paths()["stdlib"]
    csv_extension = next((os.path.join(root, name) for root, _, names in os.walk(stdlib)
                          for name in names if name.startswith("_csv.") and
                          name.endswith(".so")), None)
    tier = hinted_cold.ColdTier(lambda name: csv_extension if name == "_csv" else None, ())
    assert not tier.add("test.support", "met") and not tier.add("_testcapi", "met")
    if csv_extension is None:  # built in to this Python
        return
    tier.add("_csv", "met")
    written = tier.write(str(tmp_path), ADMIT_ALL)
    assert written["extensions"] == [os.path.basename(csv_extension)]


def test_the_modules_below_a_package_are_found_at_any_depth_without_importing(tmp_path):
    from importlib.machinery import EXTENSION_SUFFIXES

    site, _ = make_site(tmp_path)
    locale = site / "app_pkg" / "locales" / "de"  # per-folder modules, no __init__
    locale.mkdir(parents=True)
    (locale / "locale.py").write_text("NAME = 'Deutsch'\n")
    (site / "app_pkg" / "locales" / "de-AT").mkdir()  # not a module's name
    (site / "app_pkg" / "locales" / "de-AT" / "locale.py").write_text("")
    (site / "app_pkg" / "data").mkdir()  # no module in it
    extensions = ["app_pkg._packed", "app_pkg._speedups", "app_pkg.plugins.fast"] \
        if ".cpython-311-x86_64-linux-gnu.so" in EXTENSION_SUFFIXES else []  # (SITE's)
    assert sorted(hinted_cold.modules_below("app_pkg", str(site / "app_pkg"))) == sorted([
        *extensions, "app_pkg.core", "app_pkg.plugins", "app_pkg.plugins.one",
        "app_pkg.plugins.tests", "app_pkg.plugins.tests.test_one",  # (add leaves tests out)
        "app_pkg.locales", "app_pkg.locales.de", "app_pkg.locales.de.locale"])
    assert hinted_cold.modules_below("fast_helper", str(site / "fast_helper.py")) == []


def test_what_certainly_runs_is_the_module_level_imports_outside_any_branch():
    source = ("import a.b\nfrom . import sibling\nfrom c import d as e\ntry:\n    import f\n"
              "except ImportError:\n    pass\nif x:\n    import g\n\n\ndef h():\n"
              "    import i\n")
    assert hinted_cold.unconditional_imports(source, "pkg.main") == {
        "a", "a.b", "pkg", "pkg.sibling", "c", "c.d"}


def test_what_nuitkas_configuration_says_a_module_imports_is_cold_too(tmp_path):
    _, locate = make_site(tmp_path)
    tier = hinted_cold.ColdTier(locate, in_build={"app_pkg"},
                                implied=lambda name: ["fast_helper"] if name == "app_pkg._speedups"
                                else [])
    tier.add("app_pkg._speedups", "met")
    tier.close()
    assert tier.why["fast_helper"] == "imported by app_pkg._speedups (Nuitka's configuration)"


def test_a_package_that_joins_the_cold_set_on_the_way_keeps_its_own_code(tmp_path):
    """Reached during the closure through one of its modules, a package is
    compiled from its own __init__ and its imports are followed too."""
    site = tmp_path / "site"
    files = {"start.py": "import deep.inner\n", "deep/__init__.py": "import extra\nVALUE = 42\n",
             "deep/inner.py": "", "extra.py": ""}
    for relative, text in files.items():
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(text)

    def locate(name):
        path = site / name.replace(".", "/")
        return str(path) if path.is_dir() else str(path) + ".py" if \
            path.with_name(path.name + ".py").is_file() else None

    tier = hinted_cold.ColdTier(locate, in_build=())
    tier.add("start", "met")
    tier.close()
    assert tier.why["extra"] == "imported by deep"
    written = tier.write(str(tmp_path / "dist"), ADMIT_ALL)
    with zipfile.ZipFile(tmp_path / "dist" / hinted_cold.ARCHIVE) as archive:
        code = marshal.loads(archive.read("deep/__init__.pyc")[16:])
    assert "VALUE" in code.co_names and written["failed"] == []  # not an empty module


def test_the_programs_groups_of_entry_points_are_those_it_loads_from_or_named_after_it(
        tmp_path):
    """A group a run loaded an entry point from (its module imported by name), or
    named after a package in the build, with every installed distribution's
    entries; not a group that only names a module the program imported by a
    statement (numpy's ``pyinstaller40``), nor the installers' scripts."""
    entry_points = {
        "theme_a-1.0.dist-info": "[app.themes]\na = theme_a\n\n[docs.themes]\nclassic = theme_a\n",
        "theme_b-2.0.dist-info": "[docs.themes]\nfancy = theme_b:setup\n",
        "numpy-2.0.dist-info": "[pyinstaller40]\nhook-dirs = numpy:_hooks\n\n"
                               "[console_scripts]\nf2py = numpy.f2py:main\n",
        "app-1.0.dist-info": "[console_scripts]\napp = app.cli:main\n",
    }
    for folder, text in entry_points.items():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "entry_points.txt").write_text(text)
    (tmp_path / "theme_a-1.0.dist-info" / "METADATA").write_text("Name: theme_a\n")
    modules, folders, listed = hinted_cold.program_entry_points(
        [str(tmp_path)], {"app", "numpy"}, {"theme_b"})
    assert modules == {
        "theme_a": "an entry point of group app.themes, named after a package in the build",
        "theme_b": "an entry point of group docs.themes, which a run loaded theme_b from"}
    assert folders == [str(tmp_path / "theme_a-1.0.dist-info"),
                       str(tmp_path / "theme_b-2.0.dist-info")]
    assert listed == {"app.themes": ["a"], "docs.themes": ["classic", "fancy"]}
