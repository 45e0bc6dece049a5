"""What the build does with data files: decided from the files the runs read.

``DataFiles`` is made from the hints and the options, and ``prepare`` finds on
this machine what the runs read, loaded and listed (the roots of this Python's
environment, the families of each file, the folders listed); the plugin tells
it the program's folder when Nuitka offers the main module, offers it Nuitka's
data files (``leave_out``) and asks it which files go with each module
(``files_to_add``, ``libraries_to_add``).  Module names and paths only: no Nuitka.
"""

import collections
import fnmatch
import importlib.machinery
import functools
import json
import os
import subprocess
import sys

import hinted_dist
import hinted_report
import hinted_runtime
import hints_file
from hinted_decisions import is_pattern


# An extension module's file names, by the suffixes that carry the interpreter's tag.
TAGGED_EXTENSION_SUFFIXES = tuple(
    s for s in importlib.machinery.EXTENSION_SUFFIXES if s.count(".") > 1)


class DataFiles:
    """What the build does with data files, from the files the runs read.

    Files the tracer cannot tell from modules (``.py``, ``.pyc``, ``.so``), and
    the shared libraries a run loaded, are never left out; those a program loads
    by path (``ctypes``) ship with the package holding them (``libraries_to_add``:
    no extension module's dependencies name them); a folder a run listed
    looks the same in the dist: every file directly in it ships, a module as its
    source file (the compiled module is the one imported; a program that lists
    its plugins' folder to import them by name finds them), a package in it as
    its ``__init__.py``, as do the ``__init__.py`` of the packages it is in
    (pylint finds a checker's module name from its path by them).

    A data file read is one of a family: the files of its kind (suffix) in its
    folder (yamllint's named configurations, a locale's data): ``families`` says
    which of them the runs read and which not, and ``keep_families`` ships them.
    """

    def __init__(self, hints, policy, keep_patterns, kept_modules, keep_families=False):
        self.hints = hints
        self.keep_families = keep_families
        self.families = {}  # "folder/*.suffix" -> (names read, names not read)
        self.kept_modules = kept_modules  # names of the modules and packages kept
        self.policy = policy
        self.keep_patterns = list(keep_patterns)
        self.read = {}  # real path -> (root label, path relative to it)
        self.libraries = {}  # the same, of the shared libraries the runs loaded
        self.stale = []  # recorded files that are not on this machine
        self.listed_by_nuitka = set()  # dest paths of every data file Nuitka took
        self.left_out = {}  # dest path -> size
        self.added = []  # dest paths
        self.mirrored = []  # dest paths of module sources shipped for a listed folder
        self.own_sources = []  # the program's module sources the runs read: not shipped
        self.roots = {}  # folder -> root label (prepare; the program's folder: later)
        self.gate = Gate(self.keep_patterns, self.roots)  # what may ship (prepare: roots)
        self.installed_roots = ()
        self.metadata_without_package = set()
        self.listed = set()  # real paths of the folders a run listed

    def prepare(self):
        """Find on this machine what the runs read, loaded and listed below the
        roots of this Python's environment (asked of a fresh interpreter of it),
        and the families of those files; the program's folder comes with the
        main module (``add_program_folder``)."""
        hints = self.hints
        self.roots.update(environment_roots())
        self.installed_roots = tuple(os.path.realpath(root) + os.sep for root in self.roots)
        self.metadata_without_package = set(hints.metadata_without_package(
            hints_file.site_packages_dirs(self.roots)))
        loaded_below = {entry.get("where") for entry in hints.libraries.values()}
        for where in sorted(set(hints.data_files) | set(hints.learned_files) |
                            loaded_below - {None}):
            self._resolve(where, self._read_or_learned(where))
            self._family_of(where)
        self.listed = self._real_paths(hints.listed_directories)
        for where, folders in hints.listed_directories.items():
            self._mirror(where, folders)

    def _read_or_learned(self, where):
        """The files below root ``where`` that the runs read or loaded (shared
        libraries), or a binary lacked."""
        loaded = [relative for relative, entry in self.hints.libraries.items()
                  if entry.get("where") == where]
        return [*self.hints.data_files.get(where, {}), *loaded,
                *self.hints.learned_files.get(where, {})]

    def _real_paths(self, files_by_root):
        paths = (self._locate(where, relative)
                 for where, files in files_by_root.items() for relative in files)
        return {os.path.realpath(path) for path in paths if path}

    def _locate(self, where, relative):
        """The recorded file here; a symbolic link leading out is held back."""
        try:
            return self.hints.locate(where, relative, self.roots)
        except hints_file.LinkedOutOfItsFolder as refused:
            self.gate.held_back[relative] = str(refused)
            return None

    def _resolve(self, where, files):
        """Note where the read files are on this machine, or that they are not."""
        if where not in self.roots.values():
            return  # the program's folder: known when Nuitka offers the main module
        for relative in files:
            folder = hints_file.metadata_folder(relative)
            if folder and folder not in self.metadata_without_package:
                continue  # metadata Nuitka ships: nuitka_hints.py asks for it by distribution
            path = self._locate(where, relative)
            if path is None:
                self.stale.append("%s/%s" % (where, relative))
            elif os.path.isfile(path) and self._may_ship(where, relative, path):
                found = self.libraries if hinted_runtime.is_shared_object(relative) else self.read
                found[os.path.realpath(path)] = (where, relative)

    def _family_of(self, where):
        """The families of the data files read below root ``where``: the files of
        a file's kind in its folder (``conf/*.yaml``; ``Europe/*``: those without a
        suffix, as a time-zone database's), and the files of its name
        in the sibling folders of its folder or of the one above it
        (``locale/*/LC_MESSAGES/app.mo``); with ``keep_families`` the rest of
        each ships too."""
        groups = {}
        for root, relative in list(self.read.values()):
            if root == where and not relative.endswith(hints_file.MODULE_SUFFIXES) and \
                    not hints_file.metadata_folder(relative):
                for pattern, member in _family_patterns(relative):
                    groups.setdefault(pattern, set()).add(member)
        for pattern, read in sorted(groups.items()):
            left = sorted(self._family_members(where, pattern) - read)
            if not left:
                continue
            self.families[pattern] = (sorted(read), left)
            for name in left if self.keep_families else ():
                relative = _member_path(pattern, name)
                path = self._locate(where, relative)  # a link leading out is held back
                if path and self._may_ship(where, relative, path):
                    self.read[os.path.realpath(path)] = (where, relative)

    def _family_members(self, where, pattern):
        """The names that stand for ``*`` in a family's ``pattern`` here."""
        parts, wild = _wild_part(pattern)
        folder = self._locate(where, "/".join(parts[:wild])) if wild else \
            next((f for f, label in self.roots.items() if label == where), None)
        if not folder or not os.path.isdir(folder):
            return set()
        if wild == len(parts) - 1:  # the files of a kind: "*.yaml", or "*" with no suffix
            suffix = parts[wild][1:]
            return {n for n in os.listdir(folder) if os.path.splitext(n)[1] == suffix and
                    not n.startswith(".") and os.path.isfile(os.path.join(folder, n))}
        tail = parts[wild + 1:]  # the folders holding a file of that name
        return {n for n in os.listdir(folder) if not n.startswith(".") and
                os.path.isfile(os.path.join(folder, n, *tail))}

    def family_members_left_out(self):
        """The paths in the dist of the data files left out of the families the
        runs read from: the binary says so when the program looks for one."""
        return frozenset(_member_path(pattern, name)
                         for pattern, (_, left) in self.families.items() for name in left)

    def _may_ship(self, where, relative, path):
        """What the gate admits (file ``path`` here), but the
        source of a module of the program's own (read for a warning's line, or
        listed): compiling keeps it out of the dist, unless the user names it
        (``--hinted-keep-data``)."""
        if where == hints_file.PROGRAM and relative.endswith(".py") and \
                not _matches_path_patterns(relative, self.keep_patterns):
            self.own_sources.append(relative)
            return False
        return self.gate.admits(path, relative)

    def _mirror(self, where, folders):
        """Add the entries of listed folders to the files that ship (``read``)."""
        if where not in self.roots.values():
            return  # the program's folder: known when Nuitka offers the main module
        for folder in folders:
            path = self._locate(where, folder)
            real = os.path.realpath(path) if path else ""
            if not os.path.isdir(real) or any(  # roots end with os.sep
                    root.startswith(real + os.sep) for root in self.installed_roots):
                continue  # site-packages or a folder holding it (an older tracer's record)
            parts = folder.split("/")
            packages = ["/".join(parts[:depth]) + "/__init__.py" for depth in range(1, len(parts))]
            entries = [folder + "/" + name for name in sorted(os.listdir(path))]
            for relative in packages + entries:  # the packages it is in: found by path too
                source = self._locate(where, relative)
                if source and os.path.isdir(source):  # a package shows as its folder
                    source, relative = (os.path.join(source, "__init__.py"),
                                        relative + "/__init__.py")
                if not source or not os.path.isfile(source) or _is_binary(relative) or \
                        not self._may_ship(where, relative, source):
                    continue
                source = os.path.realpath(source)
                if source not in self.read:
                    self.read[source] = (where, relative)
                    if relative.endswith(".py"):
                        self.mirrored.append((where, relative))

    def add_program_folder(self, program_dir):
        """The program's folder (the main script's) as a root, once: the files
        the runs read there, their families, the folders they listed."""
        if os.path.normcase(program_dir) in self.roots:
            return
        program = hints_file.PROGRAM
        self.roots[os.path.normcase(program_dir)] = program
        self._resolve(program, self._read_or_learned(program))
        self._family_of(program)
        self._mirror(program, self.hints.listed_directories.get(program, {}))

    def files_to_add(self, owner):
        """(source, dest) of the read files owned by module ``owner``; the
        program's own files (beside the main script) go with the main module
        (None: after ``add_program_folder``)."""
        for source, (where, relative) in sorted(self.read.items()):
            own = where == hints_file.PROGRAM
            if own and owner is None or not own and self._owner(relative) == owner:
                if relative not in self.listed_by_nuitka:
                    self.added.append(relative)
                    yield source, relative

    def libraries_to_add(self, owner):
        """(source, dest) of the shared libraries the runs loaded, or a binary
        lacked, that module ``owner`` holds: those of the program's folder go
        with the main module (None), the others with the deepest kept package
        holding them.  Not an extension module's file (Nuitka ships those, and
        their dependencies)."""
        for source, (where, relative) in sorted(self.libraries.items()):
            holder = None if where == hints_file.PROGRAM else self._owner(relative)
            if holder == owner and (holder or where == hints_file.PROGRAM) and \
                    not self._is_extension_module_file(relative) and \
                    os.path.basename(relative) not in self._linked_by_name:
                yield source, relative

    @functools.cached_property
    def _linked_by_name(self):
        """The names of the libraries the loaded shared objects link: Nuitka's
        dependency scan ships those (pyarrow's libarrow), wherever they were."""
        return set().union(*map(hinted_dist.linked_names, self.libraries))

    def _is_extension_module_file(self, relative):
        """Is this shared object a module's: by its suffix with the interpreter's
        tag (``.cpython-311-x86_64-linux-gnu.so``, ``.abi3.so``), or, with a bare
        ``.so``, by its name among the modules kept or recorded?"""
        name = hints_file.module_name_of(relative)
        return relative.endswith(TAGGED_EXTENSION_SUFFIXES) or \
            name in self.kept_modules or name in self.hints.modules

    def _owner(self, relative):
        """The deepest kept package whose folder holds a data file: Nuitka offers
        it to the plugin (None: the main module takes the file)."""
        parts = relative.split("/")[:-1]
        for depth in range(len(parts), 0, -1):
            name = ".".join(parts[:depth])
            if name in self.kept_modules:
                return name
        return None

    def leave_out(self, kind, source_path, dest_path):
        """Should a data file Nuitka's configuration offers stay out of the dist?"""
        if self.policy != "opened" or kind != "data_file":
            return False
        source = os.path.realpath(source_path)
        if source in self.read or source in self.libraries or \
                os.path.dirname(source) in self.listed or \
                source.endswith(hints_file.MODULE_SUFFIXES) or \
                _matches_path_patterns(dest_path, self.keep_patterns):
            return False
        if not source.startswith(self.installed_roots):
            return False  # not where the tracer looked
        self.left_out[dest_path] = os.path.getsize(source)
        return True

    def report(self, info, warning):
        if self.added:
            info("Added %d data files the runs read that Nuitka's configuration "
                 "does not list: %s." % (len(self.added), ", ".join(self.added[:5])))
        if self.mirrored:
            info("Shipped %d module source files of folders the runs listed, so "
                 "that their listing is the same in the binary: %s." % (
                     len(self.mirrored), ", ".join(r for _, r in self.mirrored[:5])))
        if self.own_sources:
            warning(
                "Not shipped: %d source files of your program's own modules that the runs "
                "read or listed (the program's source stays out of the dist; "
                "--hinted-keep-data=PATH ships one): %s." % (
                    len(self.own_sources), ", ".join(sorted(set(self.own_sources))[:5])))
        if self.left_out:
            by_top = collections.Counter(d.split("/")[0] for d in self.left_out)
            info(
                "Left out %d data files (%.1f MB) no run read (keep some with "
                "--hinted-keep-data=PATTERN, all with --hinted-data=all); most from: %s."
                % (len(self.left_out), sum(self.left_out.values()) / 1e6,
                   hinted_report.most_common(by_top, 5)))
        self.gate.report(warning)
        if self.stale:
            warning(
                "%d data files the runs read are not on this machine (a stale record? "
                "trace again): %s." % (len(self.stale), ", ".join(self.stale[:5])))


@functools.lru_cache(maxsize=None)
def _environment_roots_json():
    """Nuitka runs itself with ``-S``, without the environment's site-packages
    in ``sysconfig``: ask an interpreter started as the program's is."""
    code = ("import json, sys; sys.path.insert(0, %r); import hints_file; "
            "print(json.dumps(hints_file.sys_path_roots()))"
            % os.path.dirname(os.path.abspath(hints_file.__file__)))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout


def environment_roots():
    """Folder -> root label of the environment the program runs in."""
    return json.loads(_environment_roots_json())


def is_installed(filename):
    """Is this module file an installed package's (below a site-packages folder)?"""
    real = os.path.realpath(filename) if filename else ""
    return real.startswith(_installed_folders())


@functools.lru_cache(maxsize=None)
def _installed_folders():
    """The environment's site-packages folders by their real paths, each ending in a
    separator (``str.startswith`` takes them as a tuple)."""
    return tuple(sorted({os.path.realpath(root) + os.sep
                         for root in hints_file.site_packages_dirs(environment_roots())}))


def _is_binary(filename):
    """Compiled code Nuitka ships itself (extension modules, libraries) or never
    needs (``.pyc``): not mirrored as data."""
    return filename.endswith((".pyc", ".pyo")) or hinted_runtime.is_shared_object(filename)


def entry_point_groups(path):
    """The entry points an ``entry_points.txt`` holds (``name = module:attribute``),
    by group: {group: [(name, module), ...]}; none for a file that cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    groups, group = {}, ""
    for line in (line.strip() for line in lines):
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        name, equals, value = line.partition("=")
        module = value.partition(":")[0].partition("[")[0].strip()
        if equals and not line.startswith(("#", ";")) and \
                module and all(part.isidentifier() for part in module.split(".")):
            groups.setdefault(group, []).append((name.strip(), module))
    return groups


def _family_patterns(relative):
    """The families a data file read (path with "/") is one of: (pattern, the
    file's part that stands for ``*``)."""
    parts = relative.split("/")
    suffix = os.path.splitext(parts[-1])[1]
    if suffix or len(parts) > 1:  # "folder/*": the files without a suffix (time zones)
        yield "/".join(parts[:-1] + ["*" + suffix]), parts[-1]
    for wild in (len(parts) - 2, len(parts) - 3):  # its folder, the one above
        if wild >= 1:
            yield "/".join(parts[:wild] + ["*"] + parts[wild + 1:]), parts[wild]


def _member_path(pattern, name):
    """The path of a family's member: ``name`` for the part with ``*``."""
    parts, wild = _wild_part(pattern)
    return "/".join(parts[:wild] + [name] + parts[wild + 1:])


def _wild_part(pattern):
    """A family's pattern as its parts, and the index of the part with ``*``."""
    parts = pattern.split("/")
    return parts, next(i for i, part in enumerate(parts) if "*" in part)


class Gate:
    """The one rule for every file the build adds to the dist beside what Nuitka
    ships: the data files the runs read, their families, the entries of the
    folders they listed, the files a binary lacked (learned), a cold package's
    folder, and what ``--hinted-keep-data`` names.

    A file whose real path leaves the folder it was found in (a symbolic link)
    never ships, nor one that must not leave this machine (``must_not_ship``:
    keys, credentials, dotfiles), by its name or its target's, unless it is an
    installed distribution's own file (published with it: certifi's
    ``cacert.pem``); a pattern never ships a secret, an exact path in the dist
    does, with a warning.  What it held back, and why, the build names."""

    def __init__(self, keep_patterns, roots):
        """``roots``: folder -> root label (``hints_file.sys_path_roots``): a file
        whose innermost root is the standard library's or site-packages is an
        installed distribution's."""
        self.exact = {p.strip("/") for p in keep_patterns if not is_pattern(p)}
        self.roots = roots
        self.held_back = {}  # dest path -> why
        self.shipped_as_named = set()  # secrets an exact --hinted-keep-data named

    def admits(self, source, dest):
        """May file ``source`` ship as ``dest`` (with "/")?"""
        real, folder = os.path.realpath(source), os.path.dirname(source)
        if not real.startswith(os.path.realpath(folder) + os.sep):
            self.held_back[dest] = "a link to %s, outside %s" % (real, folder)
            return False
        root, real_relative = hints_file.below_root(real, self.roots)
        if self.roots.get(root) in (hints_file.STDLIB, hints_file.SITE_PACKAGES) or not (
                must_not_ship(dest) or must_not_ship(real_relative or os.path.basename(real))):
            return True  # (a link's target by its own path: conf/ -> .secrets/)
        if dest in self.exact:
            self.shipped_as_named.add(dest)
            return True
        self.held_back[dest] = "a key, credential or dotfile by its name"
        return False

    def report(self, warning):
        if self.held_back:
            warning("Held back %d files that must not leave this machine (keys, credentials, "
                    "dotfiles, links leading out of their folder): %s; --hinted-keep-data="
                    "PATH (the exact path in the dist) ships a key you mean to, "
                    "--include-data-files a link you trust." % (
                        len(self.held_back), ", ".join(sorted(self.held_back)[:10])))
        if self.shipped_as_named:
            warning("Shipped %d files that look like keys or credentials, as "
                    "--hinted-keep-data named them: %s." % (
                        len(self.shipped_as_named), ", ".join(sorted(self.shipped_as_named))))


# Files that must not leave the machine (``must_not_ship``), by name (lower case):
# private keys and keystores, credentials and tokens, environment files, password
# stores, infrastructure state; and, in a path, every dotfile and dot-folder
# (.env, .git/, .ssh/) and a folder named for secrets.
SECRET_PATTERNS = (
    "*.pem", "*.key", "*.p8", "*.pk8", "*.p12", "*.pfx", "*.pkcs12", "*.ppk", "*.keystore",
    "*.jks", "*.bks", "*.snk", "*.gpg", "*.pgp", "*.kdb", "*.kdbx", "*.keytab", "*.keychain",
    "*.keychain-db", "*.ovpn", "*.kubeconfig", "kubeconfig", "*.jwk",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*_rsa", "*_dsa", "*_ecdsa",
    "*_ed25519", "ssh_host_*", "deploy_key*",
    "*credential*", "secret", "secrets", "secret.*", "secrets.*", "client_secret*", "*.secret",
    "service-account*", "service_account*", "token.json", "token.pickle", "*.token",
    "*.env", "env.local", "*.env.local", "netrc", "_netrc", "pgpass", "_pgpass", "htpasswd",
    "*.htpasswd", "*.tfstate", "*.tfstate.*", "*.tfvars", "*.tfvars.json")
SECRET_FOLDERS = ("secrets",)


def must_not_ship(relative):
    """Is a data file (path with "/") one that must not leave the machine?"""
    parts = relative.lower().split("/")
    return any(part.startswith(".") and part not in (".", "..") for part in parts) or \
        any(part in SECRET_FOLDERS for part in parts[:-1]) or \
        any(fnmatch.fnmatch(parts[-1], pattern) for pattern in SECRET_PATTERNS)


def _matches_path_patterns(path, patterns):
    return any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/")
               for p in patterns)
