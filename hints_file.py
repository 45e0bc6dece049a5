"""The hints file: its format and its one owner, ``Hints``.

Written by the tracer (``hinted_mods.py``) and read by the invoker, the Nuitka
plugin (inside Nuitka's process) and the benchmarks.  Its own module, beside the
three entry files, so that the tracer does not compile it on every run (a
script has no cached bytecode; a module has).  Like the tracer it imports only
``os`` and ``sys`` at module level: it is loaded before the program runs.
"""

import os
import sys

from hinted_runtime import COLD, COMPILED_SUFFIXES, MISSES_VARIABLE, normalized_name

# This release's version (the one place it is written: pyproject.toml reads it),
# and the Nuitka versions it is tested with: from the first, up to the second.
__version__ = "0.2.0"
SUPPORTED_NUITKA = ((4, 3), (4, 4))

# The hints file, a JSON object (README, "The hints file", has an example):
#   schema, tag, python {version, implementation, platform, machine, bits}
#   modules {name: {kind, file, where, runs, [startup], [by_name]}},
#   packages [top-level names]
#   libraries {file: {where}}, looked_up {name: runs}
#   data_files {where: {file: runs}}, listed_directories {where: {folder: runs}}
#   learned {name: {importer, runs [numbers], reports [misses files]}}
#   learned_files {where: {file: {runs [numbers], reports [misses files]}}}
#   runs [{argv, module, cwd, exit_status, duration, started, processes,
#          [profile {samples, modules {name: samples}}], [stdin], [stdout]
#          ({text} or {base64}, [truncated]),
#          against {program_files {file: "sha256:..."}, distributions {name: version}}}]
# ``where``: "stdlib", "site-packages", "program" (files relative to that root) or
# "absolute".  Every key is in every file.  The schema number grew with what the
# tracer records (7: "learned_files", the data files a built binary looked for and
# lacked); a file of an older schema lacks what the build decides by, and is
# refused, with the way out: trace again.
SCHEMA = 7
KEYS = ("tag", "python", "modules", "packages", "libraries", "looked_up", "data_files",
        "listed_directories", "learned", "learned_files", "runs")


class _Object:
    """The shape of an object with these fields (see ``SHAPES``); split here once,
    not for each of the tens of thousands of entries a hints file can have."""

    def __init__(self, fields):
        self.fields = [(name.rstrip("?"), name.endswith("?"), shape)
                       for name, shape in fields.items()]


# What the readers rely on in each key, checked on load (``_check_hints``) so that
# a damaged file is one line, not a traceback in the build: a type (or types);
# [shape], a list of such; {str: shape}, an object of such by name; or
# _Object({"field": shape, "field?": shape}), an object with those fields (the
# second optional).
_LEARNED = {"runs": [int], "reports": [str]}
_STREAM = _Object({"text?": str, "base64?": str, "truncated?": bool})
SHAPES = {
    "tag": str,
    "python": dict,
    "modules": {str: _Object({"kind": str, "file?": str, "where?": str, "runs?": int,
                              "startup?": bool, "by_name?": bool})},
    "packages": [str],
    "libraries": {str: _Object({"where?": str})},
    "looked_up": {str: int},
    "data_files": {str: {str: int}},
    "listed_directories": {str: {str: int}},
    "learned": {str: _Object({"importer": str, **_LEARNED})},
    "learned_files": {str: {str: _Object(_LEARNED)}},
    "runs": [_Object({
        "argv": [str], "module?": bool, "cwd?": str, "exit_status?": int,
        "duration?": (int, float), "stdin?": _STREAM, "stdout?": _STREAM,
        "profile?": _Object({"samples": int, "modules": {str: int}}),
        "against": _Object({"program_files": {str: (str, type(None))},
                            "distributions": {str: str}})})],
}

# Where a recorded file lies (``where``): below one of these roots, or elsewhere.
STDLIB, SITE_PACKAGES, PROGRAM, ABSOLUTE = "stdlib", "site-packages", "program", "absolute"
ROOTS = (STDLIB, SITE_PACKAGES, PROGRAM)

# What a recorded module is (``kind``), by the loader that loaded it.
SOURCE, BYTECODE, EXTENSION, BUILTIN, FROZEN, NAMESPACE, OTHER, UNKNOWN = (
    "source", "bytecode", "extension", "builtin", "frozen", "namespace", "other", "unknown")
PYTHON_CODE = (SOURCE, BYTECODE)  # modules Nuitka compiles or keeps as bytecode


# Files the import system reads for modules: the tracer records them as modules,
# not as data, and the build never leaves them out as data.
MODULE_SUFFIXES = (".py",) + COMPILED_SUFFIXES

# The folders of installed distributions' metadata (``metadata_folder``).
METADATA_SUFFIXES = (".dist-info", ".egg-info")


class HintsError(Exception):
    """Something the user can fix, said in one line: the base of this tool's errors."""


class HintsFileError(HintsError):
    """A hints file that cannot be read, written or trusted (missing, not JSON,
    another Python or schema, an entry leading out of its folder)."""


class LinkedOutOfItsFolder(HintsFileError):
    """A recorded file is a symbolic link to somewhere outside its root."""


class OtherPythonsHints(HintsFileError):
    """A hints file recorded by another Python (its tag differs): never merged."""


class CommandLineError(HintsError):
    """Options or arguments the tools cannot use."""


def version_line():
    """What ``--version`` of both commands prints: this release, the Nuitka found
    and the Python they run with."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        nuitka = "Nuitka %s" % version("nuitka")
    except PackageNotFoundError:
        nuitka = "no Nuitka installed"
    return "nuitka-hints %s, %s, Python %s (%s)" % (
        __version__, nuitka, sys.version.split()[0], sys.executable)


def platform_tag():
    """The tag that hints files carry, e.g. ``311-linux-64``.

    Python minor version, OS and bitness: what decides which modules exist.
    """
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    bits = _bits()
    return "%d%d-%s-%d" % (sys.version_info[0], sys.version_info[1], system, bits)


def hints_path(script, tag=None):
    """Where the hints for ``script`` live by default: next to it, tagged."""
    directory, name = os.path.split(os.path.abspath(script))
    stem = os.path.splitext(name)[0]
    return os.path.join(directory, "%s-%s.json" % (stem, tag or platform_tag()))


def trace_command(argv, module=False, output=None):
    """The command that traces a run (``argv``: the script or module first, then
    its arguments) into ``output``, when that is not the default hints file:
    quoted for a POSIX shell, ready to paste wherever it is pasted."""
    import shlex

    return shlex.join([*tracer(), *(["-o", output] if output else []),
                       *(["-m"] if module else []), *argv])


def tracer():
    """How to run the tracer of this Python from anywhere: its ``hinted-mods``
    script when it is on PATH, else this Python and ``hinted_mods.py`` by path."""
    import shutil
    import sysconfig

    script = shutil.which("hinted-mods")
    if script and os.path.dirname(script) == sysconfig.get_path("scripts"):
        return ["hinted-mods"]
    return [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         "hinted_mods.py")]


class Hints:
    """The hints file's one owner: read it (``load``), make it from a run
    (``new``), add runs (``merged``), write it (``save``: merged, locked,
    atomic), and answer what the invoker, the plugin and the benchmarks ask."""

    def __init__(self, data, filename="hints"):
        self.data = data
        self.filename = filename

    @classmethod
    def load(cls, filename, tag=None, script=None, any_tag=False):
        """Read and check a hints file; raise HintsError with a one-line reason.

        ``tag`` (default: this Python's) must match the file's tag, unless
        ``any_tag`` (for tools that only read or merge).  ``script`` only improves
        the message when the file is missing.
        """
        import json

        tag = tag or platform_tag()
        try:
            with open(filename, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            how = trace_command([script]) if script else "the tracer (hinted_mods.py)"
            raise HintsFileError(
                "hints file %s not found: run %s first" % (filename, how)
            ) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise HintsFileError(
                "hints file %s is not valid JSON (%s): trace again with --fresh"
                % (filename, exc)
            ) from None
        except OSError as exc:
            raise HintsFileError("cannot read hints file %s: %s" % (filename, exc.strerror))
        _check_hints(filename, data, None if any_tag else tag)
        return cls(data, filename)

    @classmethod
    def new(cls, modules, runs, libraries, looked_up, data_files, listed, recorded_by=None,
            learned=None, learned_files=None):
        """Hints from what runs recorded; ``recorded_by`` (tag and Python facts)
        defaults to this Python."""
        recorded_by = recorded_by or {"tag": platform_tag(), "python": _python_facts()}
        return cls({
            "schema": SCHEMA,
            "tag": recorded_by["tag"],
            "python": recorded_by["python"],
            "modules": dict(sorted(modules.items())),
            "packages": _top_level_packages(modules),
            "libraries": dict(sorted(libraries.items())),
            "looked_up": {n: c for n, c in sorted(looked_up.items()) if n not in modules},
            "data_files": _sorted_by_root(data_files),
            "listed_directories": _sorted_by_root(listed),
            "learned": {n: e for n, e in sorted((learned or {}).items()) if n not in modules},
            "learned_files": _sorted_by_root({
                where: {f: e for f, e in files.items() if f not in data_files.get(where, {})}
                for where, files in (learned_files or {}).items()}),
            "runs": runs,
        })

    def merged(self, other):
        """The union of these hints and ``other``: run counts add up, runs are appended."""
        old, new = self.data, other.data
        modules = {name: dict(entry) for name, entry in old["modules"].items()}
        for name, entry in new["modules"].items():
            known = modules.get(name)
            if known is None:
                modules[name] = dict(entry)
                continue
            known["runs"] = known.get("runs", 0) + entry.get("runs", 0)
            if not entry.get("startup"):
                known.pop("startup", None)
            if entry.get("by_name"):
                known["by_name"] = True
        looked_up = dict(old["looked_up"])
        for name, count in new["looked_up"].items():
            looked_up[name] = looked_up.get(name, 0) + count
        libraries = dict(old["libraries"], **new["libraries"])
        data_files, listed = {}, {}
        for hints in (old, new):
            _add_counts(data_files, hints["data_files"])
            _add_counts(listed, hints["listed_directories"])
        recorded_by = {"tag": old["tag"], "python": old["python"]}
        learned = _learned_union(self.learned, other.learned, len(old["runs"]))
        learned_files = {where: _learned_union(self.learned_files.get(where, {}), files,
                                               len(old["runs"]))
                         for where, files in other.learned_files.items()}
        learned_files = {**self.learned_files, **learned_files}
        return Hints.new(modules, old["runs"] + new["runs"], libraries, looked_up, data_files,
                         listed, recorded_by, learned, learned_files)

    def learn(self, misses):
        """These hints with what a built binary lacked added: modules to
        ``learned``, data files to ``learned_files`` (``misses``: ``learnable``
        entries, each with the ``run`` whose replay lacked it or the ``report``,
        the misses file of a binary in the field, it came from).  Returns (hints,
        the names new to them: modules, and files as their paths in the dist)."""
        learned = {name: dict(entry) for name, entry in self.learned.items()}
        learned_files = {where: {name: dict(entry) for name, entry in files.items()}
                         for where, files in self.learned_files.items()}
        new = []
        for miss in misses:
            name = miss_name(miss)
            if "file" in miss:
                known = learned_files.setdefault(miss["where"], {})
                fresh = {"runs": [], "reports": []}
            elif name not in self.modules:
                known, fresh = learned, {"importer": miss["importer"], "runs": [], "reports": []}
            else:
                continue
            if name not in known:
                known[name] = fresh
                new.append(name)
            entry = known[name]
            for key, evidence in (("runs", miss.get("run")), ("reports", miss.get("report"))):
                if evidence is not None and evidence not in entry[key]:
                    entry[key] = sorted(entry[key] + [evidence])
        data = dict(self.data, learned=dict(sorted(learned.items())),
                    learned_files=_sorted_by_root(learned_files))
        return Hints(data, self.filename), new

    def save(self, output, fresh=False):
        """Merge these hints into the hints file ``output`` (replace it if ``fresh``),
        atomically and under a lock; the runs of the file that these hints' runs
        supersede (``superseded_by``) go.  Returns the numbers those runs had.

        If the existing file cannot be read, it is left untouched and these hints
        are saved beside it: recorded data is never lost.
        """
        new, superseded = self, []
        with FileLock(output):
            if not fresh and os.path.exists(output):
                try:
                    old = Hints.load(output, tag=self.tag)
                    superseded = old.superseded_by(self.runs)
                    new = old.without_runs(superseded).merged(self)
                except HintsError as exc:
                    rescue = "%s.%d.json" % (os.path.splitext(output)[0], os.getpid())
                    self.write(rescue)
                    then = ("a hints file of this Python's own (build from it with "
                            "--hints=%s)" % rescue if isinstance(exc, OtherPythonsHints)
                            else "combine it with --combine once fixed")
                    raise HintsFileError("%s; this run was saved to %s, %s" % (
                        exc, rescue, then)) from None
            new.write(output)
        return superseded

    def superseded_by(self, runs):
        """The numbers of the runs that new ``runs`` repeat (the same command, in
        the same folder, with the same stdin) and that are stale now
        (``staleness``, asked once: a program file or package changed since): a
        re-trace replaces them, so that the command the stale
        message suggests clears it.  A run of the same command that is not stale
        stays, whatever it imported."""
        same = ("argv", "module", "cwd", "stdin")
        repeated = [number for number, old in enumerate(self.runs, 1)
                    if any(all(old.get(key) == run.get(key) for key in same) for run in runs)]
        staleness = self.staleness() if repeated else {}
        return [number for number in repeated if staleness[number]]

    def without_runs(self, numbers):
        """These hints without the runs ``numbers`` (from 1); the modules they
        recorded stay (the record does not say which run loaded which), the
        learned modules' run numbers follow the runs that remain."""
        if not numbers:
            return self
        renumbered = {}
        for old, run in enumerate(self.runs, 1):
            if old not in numbers:
                renumbered[old] = len(renumbered) + 1
        learned = _renumbered(self.learned, renumbered)
        learned_files = {where: _renumbered(files, renumbered)
                         for where, files in self.learned_files.items()}
        runs = [run for number, run in enumerate(self.runs, 1) if number not in numbers]
        return Hints(dict(self.data, runs=runs, learned=learned, learned_files=learned_files),
                     self.filename)

    def write(self, filename):
        """Write the file whole, or not at all (a temporary file, then a rename)."""
        import json
        import tempfile

        directory, name = os.path.split(os.path.abspath(filename))
        fd, temporary = tempfile.mkstemp(prefix="." + name + ".", suffix=".tmp", dir=directory)
        os.chmod(temporary, 0o644)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.data, handle, indent=1, ensure_ascii=False)
                handle.write("\n")
            os.replace(temporary, filename)
        except BaseException:
            os.unlink(temporary)
            raise

    @property
    def tag(self):
        return self.data["tag"]

    @property
    def schema(self):
        return self.data["schema"]

    @property
    def modules(self):
        """Module name -> {"kind", "file", "where", "runs", ["startup"], ["by_name"]}."""
        return self.data["modules"]

    @property
    def runs(self):
        return self.data["runs"]

    @property
    def libraries(self):
        """Shared library file -> {"where"}: the libraries the runs had mapped."""
        return self.data["libraries"]

    @property
    def looked_up(self):
        """Module name -> in how many runs it was looked up but never loaded."""
        return self.data["looked_up"]

    @property
    def data_files(self):
        """Root label -> {file relative to it: in how many runs it was read}."""
        return self.data["data_files"]

    @property
    def learned(self):
        """Module name -> {"importer", "runs", "reports"}: modules a built binary
        tried to import and lacked, learned by ``--verify`` (the recorded runs it
        replayed) or from a misses file (``hinted_mods.py --learn``)."""
        return self.data["learned"]

    @property
    def learned_files(self):
        """Root label -> {file relative to it: {"runs", "reports"}}: data files a
        built binary looked for below its folder and lacked, learned as
        ``learned`` modules are."""
        return self.data["learned_files"]

    def files_known(self):
        """(root label, file) of every data file a run read or a binary lacked."""
        return {(where, name) for files in (self.data_files, self.learned_files)
                for where, names in files.items() for name in names}

    def learned_evidence(self, name, where=None):
        """What showed the binary lacked a learned module (or the data file
        ``name`` of root ``where``): 'run 1, misses.txt'."""
        entry = self.learned[name] if where is None else self.learned_files[where][name]
        return ", ".join(["run %d" % n for n in entry["runs"]] + entry["reports"])

    @property
    def listed_directories(self):
        """Root label -> {directory relative to it: in how many runs it was listed}."""
        return self.data["listed_directories"]

    def staleness(self, program_dir=None):
        """Run number (from 1) -> what changed since it was recorded: the program's
        files (by content) and the distributions its modules came from (by
        version).  ``program_dir``: where the script is now (default, and for ``-m`` runs:
        where each run found the program)."""
        from importlib.metadata import PackageNotFoundError, version

        hashes, versions = {}, {}  # each file and distribution is looked at once
        result = {}
        for number, run in enumerate(self.runs, 1):
            against = run["against"]
            folder = program_dir if program_dir and not run.get("module") else _program_dir_of(run)
            changes = []
            for relative, digest in against["program_files"].items():
                path = os.path.join(folder, relative)
                if path not in hashes:
                    hashes[path] = file_hash(path)
                if hashes[path] != digest:
                    changes.append("%s %s" % (
                        relative, "is gone" if hashes[path] is None else "changed"))
            for name, recorded in against["distributions"].items():
                if name not in versions:
                    try:
                        versions[name] = version(name)
                    except PackageNotFoundError:
                        versions[name] = None
                if versions[name] is None:
                    changes.append("%s %s is no longer installed" % (name, recorded))
                elif versions[name] != recorded:
                    changes.append("%s %s -> %s" % (name, recorded, versions[name]))
            result[number] = changes
        return result

    def distributions_read(self, site_dirs):
        """Installed distributions whose metadata (``*.dist-info``) a run read, of
        those that own a package the runs imported (Nuitka ships metadata only
        with its package; scanning all metadata reads every distribution's)."""
        read = {metadata_distribution(folder) for folder in self._metadata_folders_read()}
        return [name for name in self.distributions_imported(site_dirs)
                if normalized_name(name) in read]

    def distributions_imported(self, site_dirs):
        """Installed distributions that own a package the runs imported."""
        owners = read_distributions(site_dirs)
        return sorted({name for top in self.top_level_packages()
                       for name, _ in owners.get(top, ())})

    def metadata_without_package(self, site_dirs):
        """The metadata folders (``name-1.0.dist-info``) a run read of distributions
        whose package no run imported: Nuitka ships none of theirs, so the build
        ships the files the runs read, where ``importlib.metadata`` finds them."""
        shipped = {normalized_name(name) for name in self.distributions_read(site_dirs)}
        return sorted(folder for folder in self._metadata_folders_read()
                      if metadata_distribution(folder) not in shipped)

    def _metadata_folders_read(self):
        return {metadata_folder(f) for f in self.data_files.get(SITE_PACKAGES, {})} - {None}

    def locate(self, where, relative, roots):
        """The path on this machine of a file recorded below root ``where``, or None
        if it is not there.  ``roots``: ``sys_path_roots`` of the environment the
        program runs in.  A hints file is input: an entry leading out of its root
        is an error, ``LinkedOutOfItsFolder`` for a symbolic link leading out."""
        if os.path.isabs(relative) or ".." in relative.replace("\\", "/").split("/"):
            raise HintsFileError(
                "%s: recorded file %r leads out of its folder %s: trace again with "
                "--fresh, or remove the entry" % (self.filename, relative, where))
        for root, label in roots.items():
            if label != where:
                continue
            path = os.path.join(root, relative)
            if not os.path.exists(path):
                continue
            if not os.path.realpath(path).startswith(os.path.realpath(root) + os.sep):
                raise LinkedOutOfItsFolder(
                    "%s: recorded file %r of %s is a symbolic link to %s, outside it: "
                    "not copied (include it with --include-data-files if you trust it)"
                    % (self.filename, relative, where, os.path.realpath(path)))
            return path
        return None

    def aliased_modules(self):
        """Module name -> the name its file has, for the modules recorded under
        another name than their file's: a vendoring importer
        (``pkg_resources.extern``) loads ``pkg_resources._vendor.packaging`` and
        the program imports it as ``pkg_resources.extern.packaging``.  A build
        finds a module by its file's name."""
        aliases = {}
        for name, entry in self.modules.items():
            if entry.get("where") in ROOTS and entry["kind"] in (*PYTHON_CODE, EXTENSION):
                real = module_name_of(entry.get("file", ""))
                if real and real != name:
                    aliases[name] = real
        return aliases

    def program_modules(self):
        """Names the program itself imported (not the interpreter's start-up set)."""
        return sorted(n for n, m in self.modules.items() if not m.get("startup"))

    def top_level_packages(self):
        """The top-level packages the program imported, or the binary lacked."""
        learned = {name.partition(".")[0] for name in self.learned}
        return sorted(set(self.data["packages"]) | learned)

    def hot_modules(self, min_share, min_samples):
        """Modules in which some run spent at least ``min_share`` of its CPU samples,
        and at least ``min_samples`` of them (fewer are noise: a short run's one
        sample lands in a different module each time it is traced).

        None when a run has no profile (traced with --no-profile, on Windows, or
        by an older tracer): then no module is known to be cold.
        """
        hot = set()
        for run in self.runs:
            profile = run.get("profile")
            if profile is None:
                return None
            threshold = max(min_share * profile["samples"], min_samples)
            hot.update(n for n, count in profile["modules"].items() if count >= threshold)
        return hot

    def cpu_shares(self):
        """Module -> the largest share of a run's CPU samples spent in it."""
        shares = {}
        for run in self.runs:
            profile = run.get("profile")
            for name, count in (profile["modules"].items() if profile and profile["samples"]
                                else ()):
                shares[name] = max(shares.get(name, 0), round(count / profile["samples"], 4))
        return shares

    def cpu_totals(self):
        """(samples in all runs with a profile, module -> its samples in them)."""
        totals = {}
        for run in self.runs:
            for name, count in run.get("profile", {}).get("modules", {}).items():
                totals[name] = totals.get(name, 0) + count
        return sum(run.get("profile", {}).get("samples", 0) for run in self.runs), totals

    def __contains__(self, module_name):
        return module_name in self.modules


def module_name_of(relative):
    """The module a file relative to a root is (``a/b/__init__.py``: ``a.b``,
    ``a/c.cpython-311-x86_64-linux-gnu.so``: ``a.c``), or None."""
    parts = relative.split("/")
    parts[-1] = parts[-1].partition(".")[0]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


def below_root(path, roots):
    """(the innermost of ``roots`` that ``path`` lies below, the path relative to
    it with "/"), or (None, None).  ``roots`` are normcased, as
    ``sys_path_roots`` gives them."""
    matched = os.path.normcase(path)
    best = max((root for root in roots if matched.startswith(root + os.sep)), key=len,
               default=None)
    if best is None:
        return None, None
    return best, path[len(best) + 1:].replace(os.sep, "/")


def sys_path_roots(program_dir=None):
    """Folder -> label ("stdlib", "site-packages", "program"): recorded files are
    relative to these, so that a hints file is portable between machines."""
    import sysconfig

    import site

    roots = {}
    paths = sysconfig.get_paths()
    installed = [paths["purelib"], paths["platlib"], site.getusersitepackages()]
    for path in installed + site.getsitepackages():  # user's, and a venv's base
        roots[os.path.normcase(path)] = SITE_PACKAGES
    for key in ("stdlib", "platstdlib"):  # extension modules: lib-dynload/...
        roots[os.path.normcase(paths[key])] = STDLIB
    if program_dir is not None:
        roots[os.path.normcase(program_dir)] = PROGRAM
    for root, label in list(roots.items()):  # a package finds its files by its real path
        roots.setdefault(os.path.normcase(os.path.realpath(root)), label)
    return roots


def site_packages_dirs(roots):
    """The site-packages folders among ``sys_path_roots``, each once (the roots
    hold a folder by its path and by its real path)."""
    found = {}
    for root, label in roots.items():
        if label == SITE_PACKAGES:
            found.setdefault(os.path.realpath(root), root)
    return tuple(found.values())


def _check_hints(filename, data, tag):
    """Refuse, in one line saying what to do, a file that is not a hints file of
    this schema, lacks a key, has one not of the shape the readers rely on
    (``SHAPES``), or (unless ``tag`` is None) was recorded for another Python."""
    if not isinstance(data, dict) or "schema" not in data:
        raise HintsFileError(
            "%s is not a nuitka-hints file (no \"schema\"): trace again with --fresh"
            % filename
        )
    if data["schema"] != SCHEMA:
        raise HintsFileError(
            "%s has schema %r, this nuitka-hints reads schema %d: %s" % (
                filename, data["schema"], SCHEMA,
                "trace again with --fresh" if isinstance(data["schema"], int) and
                data["schema"] < SCHEMA else "upgrade nuitka-hints or trace again with --fresh"))
    missing = [k for k in KEYS if k not in data]
    if missing:
        raise HintsFileError(
            "%s lacks %s: trace again with --fresh" % (filename, ", ".join(missing))
        )
    for key in KEYS:
        damage = _damage(data[key], SHAPES[key])
        if damage:
            raise HintsFileError(_damage_line(filename, key, *damage))
    if tag is not None and data["tag"] != tag:
        raise OtherPythonsHints(
            "%s was recorded for %s but this Python is %s: trace the program "
            "with this Python" % (filename, data["tag"], tag)
        )


def _damage(value, shape):
    """Where ``value`` is not of ``shape`` (see ``SHAPES``), or None: (the steps
    into it, innermost first, each (key or index, whether it is an entry of a
    list or of an object by name), what is wrong there).  One look at each value."""
    if isinstance(shape, (type, tuple)):
        return None if isinstance(value, shape) else ([], _is_not(value, shape))
    expected = list if isinstance(shape, list) else dict
    if not isinstance(value, expected):
        return [], _is_not(value, expected)
    if isinstance(shape, _Object):
        for name, optional, inner in shape.fields:
            if name not in value:
                if not optional:
                    return [], "lacks \"%s\"" % name
            elif not isinstance(inner, (type, tuple)) or not isinstance(value[name], inner):
                damage = _damage(value[name], inner)
                if damage:
                    damage[0].append((name, False))
                    return damage
        return None
    inner = shape[0] if expected is list else shape[str]  # entries, all of one shape
    values = value if expected is list else value.values()
    if isinstance(inner, (type, tuple)) and all(isinstance(v, inner) for v in values):
        return None  # the common case of tens of thousands, at C speed
    for step, item in enumerate(value) if expected is list else value.items():
        damage = _damage(item, inner)
        if damage:
            damage[0].append((step, True))
            return damage
    return None


# What a value of each type in ``SHAPES`` is called in a hints file's damage.
_SHOULD_BE = {dict: "an object", list: "a list", str: "a string", int: "a whole number",
              bool: "true or false", (int, float): "a number",
              (str, type(None)): "a string or null"}


def _is_not(value, expected):
    import json

    what = {dict: "an object", list: "a list", str: "a string"}.get(type(value))
    return "is %s, should be %s" % (what or json.dumps(value), _SHOULD_BE[expected])


def _damage_line(filename, key, steps, wrong):
    """'h.json: modules["json"]["kind"] is 5, should be a string: remove
    modules["json"], or trace again with --fresh' (``steps``, ``wrong``: ``_damage``'s)."""
    import json

    steps = steps[::-1]
    path = [key] + ["[%s]" % json.dumps(step) for step, _ in steps]  # path[n]: steps[n - 1]
    entry = max((n for n, (_, is_entry) in enumerate(steps, 1) if is_entry), default=0)
    remedy = "remove %s, or " % "".join(path[:entry + 1]) if entry else ""
    return "%s: %s %s: %strace again with --fresh" % (filename, "".join(path), wrong, remedy)


def stream_entry(data, truncated):
    """A recorded stream as JSON: text when it is UTF-8, else base64."""
    try:
        entry = {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        import base64

        entry = {"base64": base64.b64encode(data).decode("ascii")}
    if truncated:
        entry["truncated"] = True
    return entry


def stream_bytes(entry):
    """The bytes of a recorded stream entry (see ``stream_entry``)."""
    if "text" in entry:
        return entry["text"].encode("utf-8")
    import base64

    return base64.b64decode(entry["base64"])


# -- what a built binary missed -------------------------------------------------------
#
# A hinted binary runs ``hinted_runtime`` before the program.  With the
# environment variable MISSES_VARIABLE naming a file, it appends one line to that
# file for each module the program tried to import and the binary did not have:
# left out of the build ("excluded") or not in it at all ("not found"), caught by
# the program or not, or taken from the cold tier ("cold"); and for each data
# file below the binary's folder that the program looked for (``os.stat``:
# exists, isfile; ``open``) and the binary does not have.  Each line is a Python
# dict literal, written with one os.write (a crash loses nothing):
#   {"module", "how", "importer", "lookup", "argv", "pid"}
#   {"file", "argv", "pid"}   (the file's path in the binary's folder, with "/")
# "lookup": found by importlib.util.find_spec and the like, not imported.
# Without the variable the binary writes nothing.
MODULE_MISS_KEYS = frozenset({"module", "how", "importer", "lookup", "argv", "pid"})
FILE_MISS_KEYS = frozenset({"file", "argv", "pid"})


def read_misses(filename, skipped=None):
    """The entries of a misses file, each {"module", "how", "importer", "lookup",
    "argv", "pid"} or {"file", "argv", "pid"}.  A line that is not one (cut
    short, edited) is left out, the others still count: a warning naming it goes
    to the list ``skipped``, if given.  HintsFileError if the file cannot be read."""
    import ast

    try:
        with open(filename, encoding="utf-8", errors="backslashreplace") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise HintsFileError("cannot read misses file %s: %s" % (filename, exc.strerror))
    misses = []
    for number, line in enumerate(lines, 1):
        try:
            entry, why = ast.literal_eval(line), "not a module's or a data file's entry"
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            entry, why = None, "cut short or garbled"
        if _is_miss(entry):
            misses.append(entry)
        elif skipped is not None:
            skipped.append(
                "%s:%d skipped: not a line a nuitka-hints binary writes (%s); the other lines "
                "count (give the file that %s named, if this is another)"
                % (filename, number, why, MISSES_VARIABLE))
    return misses


def _is_miss(entry):
    """Is ``entry`` a line a binary writes, with a module's name or a path in its
    folder, and an importer to keep in the hints file?"""
    keys = set(entry) if isinstance(entry, dict) else set()
    return keys == MODULE_MISS_KEYS and _is_module_name(entry["module"]) and \
        isinstance(entry["importer"], str) or \
        keys == FILE_MISS_KEYS and _is_relative_path(entry["file"])


def learnable(misses, known=(), program_dir=None, known_files=()):
    """The misses a build can put right, once per run or report: imports (not
    lookups) of modules that are installed here (or in ``program_dir``) and not
    in ``known``, found the way the import system finds them, folder by folder,
    with no module executed; data files that are installed here below a root
    (each gets its ``where``; a shared library the binary loaded by path too),
    not bytecode nor a distribution's metadata (Nuitka's to ship), and not in
    ``known_files`` ((where, file) pairs)."""
    search = [program_dir] + sys.path if program_dir else sys.path
    roots = sorted(sys_path_roots(program_dir).items(),
                   key=lambda item: (PROGRAM, SITE_PACKAGES, STDLIB).index(item[1]))
    wanted, seen = [], set()
    for miss in sorted(misses, key=miss_name):
        key = (miss_name(miss), miss.get("run"), miss.get("report"))
        if key in seen:
            continue
        if "file" in miss:
            where = _installed_root(miss["file"], roots)
            if where is None or (where, miss["file"]) in known_files:
                continue
            miss = dict(miss, where=where)
        elif miss["lookup"] or miss["module"] in known or \
                not _importable(miss["module"], search):
            continue
        seen.add(key)
        wanted.append(miss)
    return wanted


def miss_name(miss):
    """What a binary lacked: the module's name, or the data file's path in the dist."""
    return miss.get("module") or miss["file"]


def _installed_root(relative, roots):
    """The label of the first of ``roots`` ((folder, label), in the order to try)
    that holds data file ``relative``; None if none does, or if it is bytecode
    or a distribution's metadata (a module's source is data: astroid reads the
    standard library's; the binary names a shared object only when the program
    loaded it by path)."""
    if relative.endswith(".pyc") or metadata_folder(relative):
        return None
    for folder, label in roots:
        if os.path.isfile(os.path.join(folder, relative)):
            return label
    return None


def _is_relative_path(text):
    return isinstance(text, str) and bool(text) and not os.path.isabs(text) and \
        ".." not in text.split("/")


def _importable(name, search):
    """Is module ``name`` below one of the folders ``search`` (or built in)?"""
    from importlib.machinery import PathFinder

    if name in sys.builtin_module_names:
        return True
    parts, locations = name.split("."), search
    for depth in range(1, len(parts) + 1):
        if locations is None:
            return False
        spec = PathFinder.find_spec(".".join(parts[:depth]), locations)
        if spec is None:
            return False
        locations = spec.submodule_search_locations
    return True


def learn_into(filename, misses):
    """Learn ``misses`` (see ``Hints.learn``) into the hints file, under its lock;
    the names new to it."""
    with FileLock(filename):
        hints, new = Hints.load(filename).learn(misses)
        hints.write(filename)
    return new


def count_misses(misses, unrecorded=False):
    """'2 module(s)', '1 data file(s)' or '1 module(s) and 1 data file(s)': what a
    binary lacked, each once; ``unrecorded`` adds 'no recorded run imported (or
    read)'."""
    modules = {m["module"] for m in misses if "module" in m}
    files = {m["file"] for m in misses if "file" in m}
    counts = [(phrase % len(names), verb) for names, phrase, verb in (
        (modules, "%d module(s)", "imported"), (files, "%d data file(s)", "read")) if names]
    return " and ".join(phrase for phrase, _ in counts) + (
        " no recorded run " + " or ".join(verb for _, verb in counts) if unrecorded else "")


def describe_misses(misses):
    """'module (imported by importer), file (a data file), ...' for what a binary
    lacked, once each; 'from the cold tier' for a module it took from there."""
    first = {}
    for miss in misses:
        first.setdefault(miss_name(miss), "a data file" if "file" in miss else
                         "imported by %s%s" % (miss["importer"] or "?", "; from the cold tier"
                                               if miss["how"] == COLD else ""))
    return ", ".join("%s (%s)" % item for item in first.items())


def _is_module_name(text):
    return isinstance(text, str) and all(part.isidentifier() for part in text.split("."))


def _learned_union(old, new, old_runs):
    """Learned entries (``learned``, or one root's ``learned_files``) of two hints
    files merged: the second's run numbers shift by ``old_runs`` (its runs come
    after the first's)."""
    result = {name: dict(entry) for name, entry in old.items()}
    for name, entry in new.items():
        known = result.setdefault(name, dict(entry, runs=[], reports=[]))
        known["runs"] = sorted(set(known["runs"]) | {n + old_runs for n in entry["runs"]})
        known["reports"] = sorted(set(known["reports"]) | set(entry["reports"]))
    return result


def _renumbered(learned, renumbered):
    """Learned entries with their runs' new numbers (``renumbered``: old -> new),
    those with evidence left only."""
    entries = {name: dict(entry, runs=[renumbered[n] for n in entry["runs"] if n in renumbered])
               for name, entry in learned.items()}
    return {name: entry for name, entry in entries.items() if entry["runs"] or entry["reports"]}


def _program_dir_of(run):
    if run.get("module"):
        return run["cwd"]
    return os.path.dirname(os.path.join(run["cwd"], run["argv"][0]))


def file_hash(path):
    import hashlib

    try:
        with open(path, "rb") as handle:
            return "sha256:" + hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _sorted_by_root(files):
    return {where: dict(sorted(counts.items())) for where, counts in sorted(files.items())}


def _add_counts(into, more):
    """Add ``more`` ({where: {file: runs}}) into ``into``."""
    for where, counts in more.items():
        known = into.setdefault(where, {})
        for name, count in counts.items():
            known[name] = known.get(name, 0) + count


def _python_facts():
    return {
        "version": "%d.%d.%d" % sys.version_info[:3],
        "implementation": sys.implementation.name,
        "platform": sys.platform,
        "machine": os.uname().machine if hasattr(os, "uname") else _windows_machine(),
        "bits": _bits(),
    }


def _bits():
    return 64 if sys.maxsize > 2**32 else 32


def _windows_machine():
    import platform

    return platform.machine()


def _top_level_packages(modules):
    return sorted({n.partition(".")[0] for n, m in modules.items() if not m.get("startup")})


class FileLock:
    """An exclusive lock on a hidden side file, held while a hints file is rewritten.

    The hints file itself is replaced on every write, so it cannot carry the lock.
    """

    def __init__(self, hints_filename):
        directory, name = os.path.split(os.path.abspath(hints_filename))
        self.filename = os.path.join(directory, ".%s.lock" % name)
        self.handle = None

    def __enter__(self):
        self.handle = open(self.filename, "a+b")
        if sys.platform == "win32":
            import msvcrt

            self.handle.seek(0)
            msvcrt.locking(self.handle.fileno(), msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc_info):
        self.handle.close()  # closing releases the lock


def metadata_folder(relative):
    """The distribution's metadata folder (``foo-1.0.dist-info``, ``foo.egg-info``)
    that a path below site-packages lies in (or is), else None."""
    top = relative.partition("/")[0]
    return top if top.endswith(METADATA_SUFFIXES) else None


def metadata_distribution(folder):
    """The normalized name of the distribution a metadata folder is of:
    ``Foo_Bar-1.0.dist-info``, ``foo_bar.egg-info``, ``Foo_Bar-1.0-py3.11.egg-info``:
    ``foo-bar``."""
    return normalized_name(folder.rpartition(".")[0].partition("-")[0])


def read_distributions(site_dirs):
    """What ``_distributions_by_top_level`` says, read from the folders now."""
    owners = {}
    for site_dir in site_dirs:
        try:
            folders = [n for n in os.listdir(site_dir) if n.endswith(".dist-info")]
        except OSError:
            continue
        for folder in folders:
            name, version = _name_and_version(os.path.join(site_dir, folder))
            tops = set()
            for listing in ("top_level.txt", "RECORD"):
                try:
                    with open(os.path.join(site_dir, folder, listing), encoding="utf-8") as f:
                        lines = f.read().splitlines()
                except (OSError, UnicodeDecodeError):
                    continue
                tops = {line.split(",")[0].split("/")[0].partition(".")[0] for line in lines}
                break
            for top in tops - {"", "..", "__pycache__"}:
                owners.setdefault(top, []).append((name, version))
    return owners


def _name_and_version(folder):
    """A ``.dist-info`` folder's distribution name and version, as its METADATA
    spells them (Nuitka's ``--include-distribution-metadata`` wants that name:
    ``opencv-python-headless``, not the folder's ``opencv_python_headless``)."""
    name, _, version = os.path.basename(folder)[: -len(".dist-info")].partition("-")
    try:
        with open(os.path.join(folder, "METADATA"), encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    break  # the headers end at the first empty line
                key, _, value = line.partition(":")
                if key == "Name":
                    name = value.strip()
                elif key == "Version":
                    version = value.strip()
    except (OSError, UnicodeDecodeError):
        pass
    return name, version
