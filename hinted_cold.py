"""The cold tier: what the program could reach on paths no recorded run took.

A hinted build compiles what the runs imported (hot: C; warm: bytecode in the
binary).  What they did not import but could have, on an input nobody recorded,
goes in the *cold* tier: every other module of each distribution the runs
imported from (``--hinted-cold=distributions``, the default: a name computed
at run time finds it) and of those a group of entry points the program loads
from names; the modules Nuitka met in kept modules that no run imported, the
rest of every family the runs picked from, the modules of every package folder
a run listed; and what all of those import in turn.  Nuitka never sees them
(no analysis, no C): this module compiles them with the program's own Python
(which runs Nuitka) into one deflated archive of ``.pyc`` files in the dist,
and the binary imports one only when the program asks for it
(``hinted_runtime.ColdFinder``).

``ColdTier`` decides (``add``, ``close``: plain names and files, no Nuitka) and
writes (``write``); the plugin hands it what Nuitka told it.

The extension modules of the cold set ship too (Nuitka's DLL dependency scan
does not see them): in the archive, loaded from memory, on Linux; as files,
where they are, with the libraries they find relative to their own folder
(a wheel's ``*.libs``).  What ships beside the archive: those files, and a cold
package's own data files and data folders.  A distribution no run imported that
has extension modules joins only when a module of a distribution in the build
imports it and that distribution declares it (pandas' extra ``xml``: lxml), whole,
with the distributions it requires; reached any other way, it does not ship at
all, and the report counts its modules with their size.
"""

import ast
import functools
import glob
import importlib.util
import marshal
import os
import re
import shutil
import sys
import zipfile
import zlib

import hinted_data_files
import hinted_dist
import hints_file
from hinted_runtime import INDEX, INDEX_MAGIC, OUR_MODULES, is_shared_object, normalized_name

ARCHIVE = "nuitka-hints-cold.zip"
# Groups of entry points that installers read (scripts), not the programs.
INSTALLERS_GROUPS = ("console_scripts", "gui_scripts")
# What of a distribution's metadata ships for its entry points to be listed.
METADATA_FILES = ("METADATA", "entry_points.txt")


class ColdTier:
    """The cold set: module name -> (file here, why), and what the build does with it."""

    def __init__(self, locate, in_build, refused=lambda name: None, implied=lambda name: (),
                 roots=None, companions=None):
        """``locate(name)``: the module's file here (a package's folder), or None;
        ``in_build``: names Nuitka compiled or kept (never cold); ``refused(name)``:
        why Nuitka's configuration keeps a module out (never cold), or None;
        ``implied(name)``: the modules Nuitka's configuration says a module imports
        where no statement shows it (an extension module's own imports);
        ``roots``: ``hints_file.sys_path_roots()`` (this Python's, by default);
        ``companions(importer, top, in_build)``: the top-level packages that join
        when a module of ``importer`` (None: an entry point) imports ``top``, a
        distribution with compiled code (``Distributions.joining``); None: none
        joins (``add``)."""
        self.locate, self.in_build, self.refused = locate, frozenset(in_build), refused
        self.implied, self.companions = implied, companions
        self.tops_in_build = {name.partition(".")[0] for name in self.in_build}
        self.roots = roots if roots is not None else hints_file.sys_path_roots()
        self.compiled_out = {}  # top-level name -> whether its distribution stays out
        self.left_out = {}  # name -> (its file, why): of a distribution with compiled code
        self.why = {}  # name -> evidence
        self.files = {}  # name -> its file here (a package: its __init__ or folder)
        self.not_found = set()
        self.pyc = {}  # name -> its .pyc (compiled when its imports were read)
        self.failed = {}  # name -> why it could not be compiled
        self.metadata = set()  # the metadata folders (*.dist-info) that ship
        self.whole = set()  # top-level packages whose data folders ship whole

    def add(self, name, why, admit=None):
        """Make ``name`` cold (with the packages holding it), unless it is in the
        build, refused, a test suite's, or not installed here.  ``admit``: the
        top-level package of the module importing it, or True for a group of entry
        points the program loads from: its distribution may join even with
        compiled code (``_compiled_out``)."""
        if name in self.why or name in self.in_build or name in self.not_found or \
                name in self.left_out and not admit or name == "__main__" or is_tests(name) or \
                self.refused(name):
            return False
        path = self.locate(name)
        if not path:
            self.not_found.add(name)
            return False
        if self._compiled_out(name.partition(".")[0], admit):
            self.left_out[name] = (path, why)
            return False
        if name in self.why:
            return False  # it joined with its distribution just now
        parent = name.rpartition(".")[0]
        if parent and parent not in self.in_build:
            self.add(parent, "package of %s" % name)
        if os.path.isdir(path):
            init = _package_init(path)
            path = init or path  # a namespace package: its folder
        self.why[name], self.files[name] = why, path
        return True

    def close(self):
        """Add what the cold modules import, in turn, until nothing is new; each
        module's source is parsed once, for its imports and its ``.pyc``."""
        done = set()
        while len(done) < len(self.why):  # (a module's packages join as it does)
            for name in sorted(set(self.why) - done):
                done.add(name)
                self._read_imports(name)

    def _read_imports(self, name):
        """Add what cold module ``name`` imports; compile it."""
        path = self.files[name]
        admit = name.partition(".")[0]
        for implied in self.implied(name):  # sklearn.tree._tree, compiled, imports more
            self.add(implied, "imported by %s (Nuitka's configuration)" % name, admit)
        if path.endswith(".py"):
            is_package = _is_init(path)
            try:
                source = importlib.util.decode_source(_read(path))
                tree = ast.parse(source, path)
                self.pyc[name] = _pyc(compile(tree, _dist_path(name, path, is_package), "exec",
                                              dont_inherit=True), os.stat(path))
            except (OSError, SyntaxError, ValueError, UnicodeDecodeError) as exc:
                self.failed[name] = "%s: %s" % (type(exc).__name__, exc)
                return
            for imported in sorted(_imports_in(_statements(tree), name, is_package)):
                self.add(imported, "imported by %s" % name, admit)

    def _compiled_out(self, top, admit):
        """Does top-level package ``top`` stay out of the cold tier: a
        distribution no run imported that has extension modules (its compiled
        code would bring its shared libraries, and its Python code would not
        load without it)?  Not the standard library's, nor one in the build; nor
        one that joins (``companions``) as the importer's distribution declares
        it (``admit``: the importer's top-level package)."""
        if admit and self.companions and self.compiled_out.get(top, True):
            importer = None if admit is True else admit
            for companion in sorted(self.companions(importer, top,
                                                    importer in self.tops_in_build)):
                self._admit(companion)
        if top not in self.compiled_out:
            path = self.locate(top) if top not in self.tops_in_build else None
            self.compiled_out[top] = bool(path) and not self._is_stdlib(path) and \
                _has_extensions(path)
        return self.compiled_out[top]

    def _admit(self, top):
        """``top`` joins, with what the cold set reached of it before it did, and
        whole: its compiled modules import others from C, where no statement
        shows it (lxml's ``etree``, ``_elementpath``)."""
        self.compiled_out[top] = False
        for name in [name for name in self.left_out if name.partition(".")[0] == top]:
            _, why = self.left_out.pop(name)
            self.add(name, why)
        for name in modules_below(top, self.locate(top)):
            self.add(name, "of %s, which joined as a distribution in the build offers it" % top)

    def _is_stdlib(self, path):
        """Is ``path`` the standard library's: its innermost root is (outside a
        virtual environment, site-packages lies inside the standard library's)?"""
        root, _ = hints_file.below_root(os.path.realpath(path), self.roots)
        return self.roots.get(root) == hints_file.STDLIB

    def write(self, dist_dir, admits, content_of=None, link=True):
        """Write the archive and the files that ship beside it into ``dist_dir``;
        return what was done: {"modules", "archive_size", "extensions",
        "extensions_in_archive", "left_out", "libraries", "data_files", "failed",
        "index"},
        where "left_out" is the modules the cold set reached in distributions
        with compiled code that no run imported ((name, size) each: none of such
        a distribution ships), "libraries" those shipped beside the extension
        modules kept as files, and "index" is what the binary reads (name ->
        (archive member or "" for a file, is package, its path in the dist, the
        member's CRC-32); package folder -> its cold children).
        ``admits(source, dest)``: may a cold package's data file ship
        (``hinted_data_files.Gate.admits``)?  ``content_of(path)``: the bytes an
        extension module's archive member holds (the build strips them); its
        file's own by default.  ``link``: a library Nuitka shipped elsewhere is
        linked to there, not copied again (not in onefile mode)."""
        modules, children, failed = {}, {}, sorted(self.failed.items())
        extensions, in_archive, data_files, libraries = [], [], [], []
        content_of = content_of or _read
        linked = _linked_by_name([path for path in self.files.values()
                                  if is_shared_object(path)])
        shipped = _shared_objects_in(dist_dir) if link else {}  # Nuitka's, before these
        left_out = [(name, os.path.getsize(path) if os.path.isfile(path) else 0)
                    for name, (path, _) in sorted(self.left_out.items())]
        archive = os.path.join(dist_dir, ARCHIVE)
        os.makedirs(dist_dir, exist_ok=True)
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for name in sorted(self.why):
                path = self.files[name]
                is_package = _is_init(path) or os.path.isdir(path)
                relative = _dist_path(name, path, is_package)
                if is_shared_object(path):
                    extensions.append(relative)
                    content = None if path in linked else content_of(path)
                    if content is not None and _loads_from_memory(content):
                        zipped.writestr(relative, content)
                        in_archive.append(relative)
                        modules[name] = (relative, is_package, relative, zlib.crc32(content))
                    else:
                        _copy(path, os.path.join(dist_dir, relative))
                        libraries += _ship_libraries_beside(path, dist_dir, relative, shipped)
                        modules[name] = ("", is_package, relative, 0)
                else:
                    code = self._pyc_of(name, path, relative)
                    if code is None:
                        continue
                    member = relative[:-3] + ".pyc"
                    zipped.writestr(member, code)
                    modules[name] = (member, is_package, relative, zlib.crc32(code))
                    if is_package and name.partition(".")[0] not in self.whole:
                        folder = path if os.path.isdir(path) else os.path.dirname(path)
                        data_files += _ship_data(folder, dist_dir, os.path.dirname(relative),
                                                 admits)
                parent, _, child = name.rpartition(".")
                folder = os.path.dirname(_dist_path(parent, "", True)) if parent else ""
                children.setdefault(folder, []).append((child, is_package))
        for top in sorted(self.whole):  # in the build or not: its data as installed
            folder = self.locate(top)
            if folder and os.path.isdir(folder) and not self._is_stdlib(folder):
                data_files += _ship_data(folder, dist_dir, top, admits, whole=True)
        index = {"archive": ARCHIVE, "modules": modules, "children": children}
        for folder in sorted(self.metadata):
            for name in METADATA_FILES:
                source, dest = os.path.join(folder, name), os.path.basename(folder) + "/" + name
                if os.path.isfile(source) and not os.path.exists(os.path.join(dist_dir, dest)) \
                        and admits(source, dest):
                    _copy(source, os.path.join(dist_dir, dest))
                    data_files.append(os.path.join(dist_dir, dest))
        return {"modules": len(modules), "archive_size": os.path.getsize(archive),
                "extensions": extensions, "extensions_in_archive": in_archive,
                "left_out": left_out, "libraries": libraries,
                "data_files": data_files, "failed": failed, "index": index}

    def _pyc_of(self, name, path, relative):
        """The ``.pyc`` of a cold module: compiled by ``close``, a sourceless
        module's own, a namespace package's empty code; None if it failed."""
        if name in self.failed:
            return None
        if path.endswith(".pyc"):
            return _read(path)
        if os.path.isdir(path):
            return _pyc(compile("", relative, "exec", dont_inherit=True), None)
        return self.pyc[name]  # compiled by close


def reach(tier, hints, met, families, entry_points, distributions=None):
    """Add to ``tier`` what the program could reach on an input nobody recorded,
    each with its evidence, then close it over their imports: what Nuitka met in
    the build and dropped (``met``: name -> the module in the build importing
    it), the rest of each family the runs picked from (``families``: package ->
    (picked, left)), the modules of each package folder a run listed, the entry
    points of the program's groups (``program_entry_points``), and, given
    ``distributions`` (``Distributions``), every other module of each
    distribution the program reaches."""
    for name, using in sorted(met.items()):
        tier.add(name, "imported by %s, which is in the build" % using,
                 admit=using.partition(".")[0])
    for package, (_, left) in sorted(families.items()):
        for name in left:
            tier.add(name, "of %s.*, which the runs picked from by name" % package)
    for package in listed_packages(hints.listed_directories, tier.locate):
        for name in sorted(package_modules(package, tier.locate)):
            tier.add(name, "in %s, whose folder a run listed" % package)
    entry_modules, metadata, _ = entry_points
    tier.metadata.update(metadata)
    for name, why in sorted(entry_modules.items()):
        tier.add(name, why, admit=True)
    if distributions is not None:
        roots = {name.partition(".")[0] for name in entry_modules}
        roots.update(hints.top_level_packages())
        tier.whole = set().union(*map(distributions.siblings, roots))
        for top in sorted(tier.whole):
            why = "of a distribution the program reaches (%s)" % top
            tier.add(top, why)
            for name in modules_below(top, tier.locate(top)):
                tier.add(name, why)
    tier.close()


def listed_packages(listed_directories, locate):
    """The packages whose folder a recorded run listed (a plugin registry,
    locales, migrations: it picks from what it finds); ``listed_directories``:
    ``Hints.listed_directories``."""
    packages = set()
    for folders in listed_directories.values():
        for folder in folders:
            name = folder.replace("/", ".")
            if all(part.isidentifier() for part in name.split(".")):
                location = locate(name)
                if location and os.path.isdir(location):
                    packages.add(name)
    return sorted(packages)


def package_modules(package, locate):
    """The modules of ``package`` (names), as its folder here holds them, and its
    folders that hold modules (namespace packages: ``locales/de/locale.py``)."""
    depth = package.count(".") + 1
    return {name for name in modules_below(package, locate(package)) if name.count(".") == depth}


def left_out_modules(present, met, left_to_python, locate):
    """Modules installed here that are not ``present`` in the binary (the binary
    names one the program imports): those Nuitka ``met``, the other top-level
    ones, and the other modules of each package in it; not those
    ``left_to_python`` (their sources ship), nor this project's, nor a test suite's."""
    search = [p for p in sys.path if p and os.path.isdir(p)]
    names = set(met) | installed_top_levels(search)
    for package in present:
        names |= package_modules(package, locate)
    return {name for name in names - set(present) - set(sys.builtin_module_names)
            - set(left_to_python)
            if name.partition(".")[0] not in OUR_MODULES
            and not name.startswith("__main__") and not is_tests(name)}


def program_entry_points(site_dirs, tops_in_build, imported_by_name):
    """The entry points the program could load on an input nobody recorded:
    those of every group it loaded one from in a recorded run (a theme, from any
    distribution: its module imported by name, as ``EntryPoint.load`` does; one
    imported by a statement, as numpy is, says nothing of the groups naming it),
    or named after a package in the build (``flake8.extension``,
    ``sphinx.html_themes``), in every distribution installed in ``site_dirs``.
    (module -> why; the metadata folders naming them, which ship so that the
    binary lists those entry points as the installed program does; group ->
    the names of its entry points, which the binary checks what it lists
    against.)  Installers' groups (``console_scripts``) are not the program's."""
    groups = {}  # group -> [(name, module, metadata folder)]
    for site_dir in site_dirs:
        for folder in sorted(glob.glob(os.path.join(glob.escape(site_dir), "*.dist-info"))):
            path = os.path.join(folder, "entry_points.txt")
            for group, entries in hinted_data_files.entry_point_groups(path).items():
                groups.setdefault(group, []).extend((n, module, folder) for n, module in entries)
    modules, folders, listed = {}, set(), {}
    for group, entries in sorted(groups.items()):
        if group in INSTALLERS_GROUPS:
            continue
        loaded = sorted(module for _, module, _ in entries if module in imported_by_name)
        if loaded:
            why = "an entry point of group %s, which a run loaded %s from" % (group, loaded[0])
        elif group.partition(".")[0] in tops_in_build:
            why = "an entry point of group %s, named after a package in the build" % group
        else:
            continue
        for _, module, folder in entries:
            modules.setdefault(module, why)
            folders.add(folder)
        listed[group] = sorted({name for name, _, _ in entries})
    return modules, sorted(folders), listed


def is_tests(name):
    """A test suite's module (CPython's ``test`` and ``_test*`` modules, a
    package's ``tests``): no program imports one, though its imports reach it."""
    parts = name.split(".")
    return parts[0].startswith("_test") or parts[0] in ("test", "ensurepip", "turtledemo") \
        or any(part in ("test", "tests", "conftest") for part in parts[1:])


def write_index(dist_dir, cold_index, left_out_modules, entry_points=None):
    """The file the binary reads at start: the cold modules, the modules
    installed at build time that are in neither the dist nor the cold tier, and
    the entry points of the program's groups (``program_entry_points``); with
    its checksum, which the binary checks (``hinted_runtime.index_content``)."""
    content = marshal.dumps({"cold": cold_index, "left_out_modules": sorted(left_out_modules),
                             "entry_points": entry_points or {}})
    with open(os.path.join(dist_dir, INDEX), "wb") as handle:
        handle.write(INDEX_MAGIC + zlib.crc32(content).to_bytes(4, "little") + content)


class Distributions:
    """The installed distributions, by the top-level packages they own: the
    unit authors test and users install, which the cold tier completes."""

    def __init__(self, owners, requires=None):
        """``owners``: ``hints_file.read_distributions`` (top-level name ->
        [(distribution, version)]); ``requires(name)``: the distributions one
        requires (``required_distributions``, by default)."""
        self.owners = {top: {normalized_name(name) for name, _ in found}
                       for top, found in owners.items() if top.isidentifier()}
        self.tops = {}  # distribution -> its top-level names
        for top, names in self.owners.items():
            for name in names:
                self.tops.setdefault(name, set()).add(top)
        self.requires = functools.lru_cache(maxsize=None)(requires or required_distributions)

    def siblings(self, top):
        """``top`` and the other top-level packages of the distributions that own
        it (PyYAML's ``yaml`` and ``_yaml``)."""
        return {top}.union(*(self.tops[name] for name in self.owners.get(top, ())))

    def needed_with(self, top):
        """The top-level packages of the distributions owning ``top`` and of those
        they require, in turn, not for an extra: what its code imports anyway."""
        pending, seen = sorted(self.owners.get(top, ())), set()
        while pending:
            name = pending.pop()
            if name not in seen and name in self.tops:
                seen.add(name)
                pending += [required for required, extra in self.requires(name) if not extra]
        return {top}.union(*(self.tops[name] for name in seen))

    def joining(self, importer, top, in_build):
        """The top-level packages that join when a module of top-level package
        ``importer`` (None: an entry point names it) imports ``top``, of a
        distribution with compiled code: ``top`` with what it requires
        (``needed_with``), if the importer's distribution requires it, or (one
        in the build) offers it as a feature (pandas' extra ``xml``: lxml; not
        an extra for its tests, documents or development: Pillow's numpy);
        else none."""
        wanted = self.owners.get(top, set())
        declared = importer is None or any(
            required in wanted and (not extra or in_build and not NOT_FEATURES.search(extra))
            for name in self.owners.get(importer, ()) for required, extra in self.requires(name))
        return self.needed_with(top) if declared else set()


# The extras that are not a distribution's features (Requires-Dist: numpy; extra == "tests").
NOT_FEATURES = re.compile(r"test|dev|doc|lint|typ|mypy|bench|cov|style|check|build|release")


def required_distributions(name):
    """The distributions installed distribution ``name`` requires (its metadata's
    ``Requires-Dist``): [(normalized name, the extra it is for, or "")]."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        requirements = distribution(name).requires or ()
    except PackageNotFoundError:
        return []
    found = []
    for spec, _, marker in (requirement.partition(";") for requirement in requirements):
        extra = re.search(r"""extra\s*==\s*['"]([^'"]+)['"]""", marker)
        found.append((normalized_name(re.match(r"\s*([\w.-]*)", spec).group(1)),
                      extra.group(1) if extra else ""))
    return found


def installed_top_levels(search):
    """The top-level modules importable from the folders ``search`` (names)."""
    import pkgutil

    return {m.name for m in pkgutil.iter_modules(search)}


def imported_names(source, module_name, is_package):
    """Absolute names of the modules ``source`` imports, and of their packages
    (``from a import b``: ``a`` and ``a.b``, which may be a name in ``a``)."""
    tree = _parsed(source)
    return _imports_in(_statements(tree), module_name, is_package) if tree else set()


def unconditional_imports(source, module_name="__main__", is_package=False):
    """The modules a module certainly imports when it runs: its import
    statements at module level, outside ``try``, ``if``, functions and classes."""
    tree = _parsed(source)
    return _imports_in(tree.body, module_name, is_package) if tree else set()


def _parsed(source):
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _statements(tree):
    """Every statement of a module, at any depth (imports are statements: no
    expression needs visiting, which is most of a tree)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        yield node
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, field, None)
            if isinstance(children, list):
                pending.extend(child for child in children if isinstance(child, ast.AST))


def _imports_in(nodes, module_name, is_package):
    package = module_name if is_package else module_name.rpartition(".")[0]
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.update(with_packages(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                if node.level > len(parts):
                    continue
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = parent + ("." + base if base else "")
            if base:
                names.update(with_packages(base))
                names.update(base + "." + alias.name for alias in node.names if alias.name != "*")
    return names


def with_packages(name):
    """``a.b.c``: {``a``, ``a.b``, ``a.b.c``}."""
    parts = name.split(".")
    return {".".join(parts[:depth]) for depth in range(1, len(parts) + 1)}


def modules_below(package, folder):
    """Every module of ``package`` (its folder here, or None) at any depth, as the
    import system would find them: sources, bytecode, extension modules,
    packages with their ``__init__``, and folders without one that hold modules
    (namespace packages: ``locales/de/locale.py``); none of a single module."""
    import pkgutil

    if not folder or not os.path.isdir(folder):
        return []
    found, packages = [], set()
    for module in pkgutil.iter_modules([folder]):
        if not module.name.isidentifier():
            continue  # no import statement names it (PyInstaller's hook-numpy.py)
        found.append("%s.%s" % (package, module.name))
        if module.ispkg:
            packages.add(module.name)
    for entry in sorted(os.listdir(folder)):
        if entry in packages or entry.isidentifier() and os.path.isdir(
                os.path.join(folder, entry)):
            below = modules_below("%s.%s" % (package, entry), os.path.join(folder, entry))
            if below and entry not in packages:
                found.append("%s.%s" % (package, entry))  # a namespace package
            found += below
    return found


def _has_extensions(path):
    """Is ``path`` an extension module, or a folder holding one at any depth?"""
    if not os.path.isdir(path):
        return is_shared_object(path)
    return any(is_shared_object(name) for _, _, names in os.walk(path) for name in names)


def _package_init(folder):
    for name in ("__init__.py", "__init__.pyc"):
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return next((os.path.join(folder, n) for n in sorted(os.listdir(folder))
                 if n.startswith("__init__.") and is_shared_object(n)), None)


def _is_init(path):
    return os.path.basename(path).startswith("__init__.")


def _dist_path(name, path, is_package):
    """Where a module is in the dist, with "/": ``a/b.py``, ``a/__init__.py``, an
    extension module by its own file name."""
    base = name.replace(".", "/")
    if is_shared_object(path):
        file_name = os.path.basename(path)
        return base + "/" + file_name if is_package else base.rpartition("/")[0] + (
            "/" if "/" in base else "") + file_name
    return base + "/__init__.py" if is_package else base + ".py"


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _pyc(code, stat):
    """A ``.pyc`` file's bytes, as the program's Python writes one (the source's
    modification time and size; zero for code without a source)."""
    mtime, size = (int(stat.st_mtime), stat.st_size) if stat else (0, 0)
    header = importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little") + \
        (mtime & 0xFFFFFFFF).to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
    return header + marshal.dumps(code)


def _loads_from_memory(content):
    """Can the binary load this extension module (its bytes) from the archive,
    through an anonymous in-memory file (Linux's ``memfd_create``)?  Not one
    that finds its shared libraries relative to its own folder (``$ORIGIN`` in
    its search path): that one needs its file where it was."""
    return sys.platform.startswith("linux") and hasattr(os, "memfd_create") and \
        b"$ORIGIN" not in content and b"${ORIGIN}" not in content


def _linked_by_name(paths):
    """The files among ``paths`` that another of them links by name (its
    ``DT_NEEDED``): those stay files, where the dynamic loader finds them."""
    needed = {name for path in paths for name in hinted_dist.linked_names(path)
              if name != os.path.basename(path)}
    return {path for path in paths if os.path.basename(path) in needed}


# Code, not data: what Nuitka's own data-file rule never ships (type stubs,
# Cython sources, Windows launchers), and the C sources of the extension
# modules beside them (fontTools ships iup.c beside iup.*.so).
NOT_DATA_SUFFIXES = (".py", ".pyc", ".pyo", ".pyw", ".pyi", ".pyx", ".pxd", ".pxi", ".exe")
EXTENSION_SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".h", ".hpp")


def _ship_data(folder, dist_dir, relative_folder, admits, whole=False):
    """Copy a cold package's data files (not modules, nor code, nor dotfiles)
    from ``folder`` to ``relative_folder`` of the dist, and, if ``whole`` (a
    package of a distribution the program reaches, in the build or not), those
    of its folders at any depth (a theme's ``static/``), not a test suite's nor
    C headers; each file as the gate ``admits`` (no secret, no link leading out
    of its folder)."""
    shipped = []
    names = sorted(os.listdir(folder))
    extension_stems = {name.partition(".")[0] for name in names if is_shared_object(name)}
    for name in names:
        source = os.path.join(folder, name)
        stem, suffix = os.path.splitext(name)
        dest = relative_folder + "/" + name
        if os.path.isdir(source):
            if whole and not name.startswith(".") and name not in (
                    "__pycache__", "test", "tests", "include") and not os.path.islink(source):
                shipped += _ship_data(source, dist_dir, dest, admits, whole)
            continue
        if name.startswith(".") or is_shared_object(name) \
                or suffix in NOT_DATA_SUFFIXES or name == "py.typed" \
                or (suffix in EXTENSION_SOURCE_SUFFIXES and stem in extension_stems):
            continue
        target = os.path.join(dist_dir, dest)
        if not os.path.exists(target) and admits(source, dest):
            _copy(source, target)
            shipped.append(target)
    return shipped


def _ship_libraries_beside(path, dist_dir, relative, shipped):
    """Copy the shared libraries that ELF file ``path`` links and finds through
    its own search path relative to its folder (a wheel's ``*.libs`` folder,
    ``$ORIGIN/../pillow.libs``) to the same place relative to its copy in the
    dist (``relative``), and theirs in turn: Nuitka never scans a cold extension
    module's libraries.  One Nuitka shipped elsewhere in the dist (``shipped``:
    file name -> path; pyarrow's, at the dist's top) is linked to there, not
    copied again.  Never outside the dist (conda's ``$ORIGIN/../..``: the system's search
    finds those).  The dist paths of those copied or linked."""
    dist_dir = os.path.abspath(dist_dir)
    copied, pending, seen = [], [(path, os.path.join(dist_dir, relative))], set()
    while pending:
        path, target = pending.pop()
        folder, searched = os.path.dirname(os.path.abspath(path)), hinted_dist.origin_folders(path)
        for name in sorted(hinted_dist.linked_names(path)) if searched else ():
            found = (os.path.join(search, name) for search in searched)
            library = next((candidate for candidate in found if os.path.isfile(candidate)), None)
            if library is None or library in seen:
                continue  # the system's, which the dynamic loader finds by its own search
            seen.add(library)
            copy = os.path.normpath(os.path.join(os.path.dirname(target),
                                                 os.path.relpath(library, folder)))
            if os.path.commonpath([dist_dir, copy]) != dist_dir or os.path.lexists(copy):
                continue
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            if name in shipped:  # (its own libraries are shipped with it)
                os.symlink(os.path.relpath(shipped[name], os.path.dirname(copy)), copy)
            else:
                shutil.copy2(library, copy)
                pending.append((library, copy))
            copied.append(copy)
    return copied


def _shared_objects_in(dist_dir):
    """File name -> path of each shared object in the dist (the first found)."""
    found = {}
    for folder, _, names in sorted(os.walk(dist_dir)):
        for name in sorted(names):
            if is_shared_object(name):
                found.setdefault(name, os.path.join(folder, name))
    return found


def _copy(source, target):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if not os.path.exists(target):
        shutil.copy2(source, target)
