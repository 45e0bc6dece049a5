"""Nuitka user plugin: build only the modules that recorded runs really imported.

    python -m nuitka --mode=standalone --user-plugin=hinted_compilation.py \\
        --hinted-json-file=script-<tag>.json script.py

(``nuitka_hints.py`` writes that command for you; the hints come from
``hinted_mods.py``.)  A thin adapter: each of Nuitka's hooks is translated to
the module that decides and answered from it.  ``hinted_decisions``: which
modules are kept (compiled to C when a run spent its CPU time in them, else
bytecode), left to Python or dropped, each with its reason, giving way to
Nuitka's other plugins; ``hinted_data_files``: the data files and libraries
that ship, through one gate; ``hinted_cold``: the cold tier and the index the
binary reads (``hinted_runtime`` runs first in every binary); ``hinted_dist``
and ``hinted_report``: the finished dist slimmed and reported on.  Everything
read from Nuitka beyond the plugin API is in ``hinted_nuitka``.
"""

import importlib.machinery
import importlib.util
import os
import sys
import time

from nuitka.plugins.PluginBase import NuitkaPluginBase
from nuitka.utils.ModuleNames import ModuleName

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # installed or copied
try:  # only for these imports: Nuitka evaluates some calls (entry_points()) on sys.path
    import hinted_cold
    import hinted_data_files
    import hinted_decisions
    import hinted_dist
    import hinted_nuitka
    import hinted_report
    import hinted_runtime
    import hints_file
finally:
    del sys.path[0]

from hinted_decisions import HOT_SAMPLES, HOT_SHARE, LEFT_TO_PYTHON, Reason  # noqa: E402

# What a process the binary starts for multiprocessing runs first: a worker the main
# script's copy (WORKERS_MAIN, by Nuitka's multiprocessing plugin), the fork server and
# resource tracker the package.  Its post-load code watches the work (not a module in
# the package: those stay bytecode, and Nuitka 4.3 crashes on a bytecode trigger).
WORKERS_MAIN = "__parents_main__"
WORKERS_START = (WORKERS_MAIN, "multiprocessing")
WORKERS_WATCH = "multiprocessing"

# The plugin's options: name -> optparse settings (dest: the name, in snake case).
OPTIONS = [
    ("--hinted-json-file", dict(
        default=None,
        help="[REQUIRED] Hints file written by hinted_mods.py for the program.")),
    ("--hinted-keep", dict(
        action="append", default=[],
        help="Keep modules matching this shell pattern even if no recorded run "
        "imported them; a package keeps its submodules. Repeatable.")),
    ("--hinted-unrecorded", dict(
        choices=("drop", "bytecode"), default="drop",
        help="What to do with modules no recorded run imported: 'drop' them "
        "(default) or include them as 'bytecode' (not compiled).")),
    ("--hinted-data", dict(
        choices=("opened", "all"), default="opened",
        help="Which data files of the kept packages to ship: 'opened' (default): "
        "those a recorded run read, also where Nuitka's package configuration does "
        "not list them; 'all' that Nuitka's configuration lists.")),
    ("--hinted-keep-data", dict(
        action="append", default=[],
        help="Ship data files whose path in the dist matches this shell pattern "
        "(or lies below it) although no recorded run read them; a key or credential "
        "(by its name) only when this is its exact path. Repeatable.")),
    ("--hinted-families", dict(
        choices=("name", "keep"), default="name",
        help="A program picks from a family at run time: a module it imported by a "
        "computed name picks from its package's modules, a data file it read from "
        "the files of that kind in its folder. 'name' (default): say which families "
        "the runs picked from (with the cold tier, the rest of each is in it; "
        "without, left out); 'keep': ship them in the binary (modules as bytecode).")),
    ("--hinted-cold", dict(
        choices=("distributions", "reached", "no"), default="distributions",
        help="The cold tier: what the program could reach on paths no recorded run "
        "took ships as bytecode in one compressed archive in the dist, never "
        "compiled, imported only if the program asks, with the data files of the "
        "families the runs read from. 'distributions' (default): every other module "
        "of each distribution the runs imported from, and of those a group of entry "
        "points the program loads from names, with their data, and a distribution "
        "with compiled code that one in the build imports and declares; 'reached' "
        "(the former default): only the modules Nuitka met that no run imported, "
        "the rest of the families the runs picked from, the modules of package "
        "folders a run listed, the entry points of the program's groups; with either, "
        "what those import; 'no' (the smallest dist).")),
    ("--hinted-safe", dict(
        action="store_true", default=False,
        help="Keep what the runs cannot prove unused: the families (as with "
        "--hinted-families=keep), the modules no run imported that Nuitka finds (as "
        "bytecode: --hinted-unrecorded=bytecode) and every data file Nuitka's "
        "configuration offers (--hinted-data=all); still compiling only the hot "
        "modules to C.")),
    ("--hinted-source", dict(
        action="append", default=[],
        help="Leave this module to Python: Nuitka does not follow it, its source "
        "file ships in the dist beside its package and is imported from there "
        "(nuitka_hints.py adds it for a module Nuitka fails on). Repeatable.")),
    ("--hinted-strip", dict(
        choices=("yes", "no"), default="yes",
        help="Strip the extension modules and libraries the dist ships of the symbols "
        "the dynamic loader does not need, and keep one copy of byte-identical "
        "files: 'yes' (default) or 'no'.")),
    ("--hinted-compile", dict(
        choices=("hot", "all"), default="hot",
        help="Which recorded modules to compile to C: 'hot' (default): the "
        "program's own and those where a recorded run spent at least %d%% of "
        "its CPU time (%d samples), installed packages' other modules as "
        "bytecode; 'all' of them." % (HOT_SHARE * 100, HOT_SAMPLES))),
]


class HintedCompilationPlugin(NuitkaPluginBase):
    """Keep what the recorded runs imported, drop the rest, say why."""

    plugin_name = "hinted-compilation"
    plugin_desc = "Include only the modules that recorded runs imported (nuitka-hints)."

    @classmethod
    def addPluginCommandLineOptions(cls, group):
        for name, settings in OPTIONS:
            group.add_option(name, dest=name[2:].replace("-", "_"), **settings)

    def __init__(self, hinted_json_file, hinted_keep, hinted_unrecorded, hinted_compile,
                 hinted_data, hinted_keep_data, hinted_source, hinted_strip,
                 hinted_families="name", hinted_safe=False, hinted_cold="distributions"):
        if hinted_safe:
            hinted_families, hinted_unrecorded, hinted_data = "keep", "bytecode", "all"
        self.keep_families = hinted_families == "keep"
        self.cold_tier = hinted_cold != "no"
        self.whole_distributions = hinted_cold == "distributions"
        try:
            self.hints = hints_file.Hints.load(hinted_json_file)
            self.aliases = self.hints.aliased_modules()
            self.kept = _with_parent_packages(
                [*self.hints.modules, *self.hints.learned, *self.aliases.values()])
            self.data_files = hinted_data_files.DataFiles(
                self.hints, hinted_data, hinted_keep_data, frozenset(self.kept),
                self.keep_families or self.cold_tier)
            self.data_files.prepare()
        except hints_file.HintsError as exc:
            self.sysexit(str(exc))
        self.keep_patterns = list(hinted_keep)
        for literal in (p for p in self.keep_patterns if not hinted_decisions.is_pattern(p)):
            self.kept.update(p.asString() for p in ModuleName(literal).getParentPackageNames())
        self.decisions = hinted_decisions.ModuleDecisions(
            self.hints, self.kept, self.keep_patterns, hinted_unrecorded,
            compile_hot=hinted_compile == "hot", left_to_python=hinted_source, safe=hinted_safe,
            loaded_by=hinted_nuitka.modules_loaded_by,
            loaded_at_startup=hinted_nuitka.loaded_at_startup)
        self.left_to_python = self.decisions.left_to_python  # Nuitka failed on them
        self.strip = hinted_strip == "yes"
        self.overruled = {}  # recorded module name -> why Nuitka's configuration keeps it out
        self.cold_written = None  # what hinted_cold wrote into the dist
        self.hints_name = os.path.basename(hinted_json_file)
        self.info(
            "Hints %s: %d modules from %d run(s); unrecorded modules: %s; families: %s; "
            "cold tier: %s." % (hinted_json_file, len(self.hints.modules), len(self.hints.runs),
                                hinted_unrecorded, hinted_families, hinted_cold)
        )
        self.families = None  # package -> its modules the runs picked by name, the others
        self._check_build()
        self.learned_importers = {e["importer"] for e in self.hints.learned.values()} & self.kept
        if hinted_unrecorded == "drop":
            hinted_nuitka.leave_standard_library_to_plugins()
            for name in hinted_nuitka.runtime_imports(self.hints.modules):
                if name not in self.kept:
                    self.decisions.kept_without_record[name] = Reason.FOR_RUNTIME
            self.decisions.keep_loaded_by(self.hints.learned, Reason.FOR_LEARNED)
        if hinted_compile == "hot" and self.decisions.hot is None:
            self.info(
                "A recorded run has no CPU profile (traced with --no-profile or by "
                "an older tracer): compiling every recorded module."
            )

    def _check_build(self):
        """Stop, saying what to do, where Nuitka's options make a build that cannot
        work: not standalone, ``--pgo-c`` (Nuitka runs the binary before the dist
        has its cold tier and index), a standard plugin the program needs or the
        metadata the runs read not asked for (``nuitka_hints.py`` asks for both)."""
        packages = self.hints.top_level_packages()
        kept_out = hinted_nuitka.packages_kept_out(packages, self.hints.modules,
                                                   hinted_nuitka.user_yaml_files())
        for package, why in sorted(kept_out.items()):
            self.overruled[package] = why
            self.info("Not enabling the %s plugin although the runs imported %s: %s." % (
                hinted_nuitka.PLUGINS_FOR_PACKAGES[package], package, why))
        needed = hinted_nuitka.required_plugins(packages, kept_out=kept_out)
        plugins = hinted_nuitka.plugins_not_enabled(needed)
        metadata = hinted_nuitka.metadata_not_asked_for(self.hints.distributions_read(
            hints_file.site_packages_dirs(self.data_files.roots)))
        problem = hinted_nuitka.build_refusal() or plugins and (
            "The program needs Nuitka plugin(s) %s: add --enable-plugins=%s (nuitka_hints.py "
            "does this for you)." % (", ".join(plugins), ",".join(plugins))) or metadata and (
            "The runs read the metadata of %s, which ships only when asked for: add %s "
            "(nuitka_hints.py does this for you)." % (", ".join(metadata), " ".join(
                "--include-distribution-metadata=%s" % name for name in metadata)))
        if problem:
            self.sysexit(problem)
        if needed:
            self.info("Standard plugins the program needs, enabled: %s." % ", ".join(needed))

    def createPreModuleLoadCode(self, module):
        """The code the binary runs before the program (``hinted_runtime``): the
        cold tier, the modules Nuitka failed on imported from their source files
        in the dist, what it lacked noted when asked (``--verify`` replays, or a
        user setting NUITKA_HINTS_MISSES in the field), and on stderr what the
        build left out that the program imported or looked for.  The same, once,
        in each process the binary starts for multiprocessing (spawn and forkserver
        workers, the fork server, the resource tracker), which runs no ``__main__``."""
        name = module.getFullName()
        if not module.isMainModule() and name not in WORKERS_START:
            return None
        if module.isMainModule() or name == WORKERS_MAIN:
            self._add_program_folder(module)  # its families, before the note is made
        return (preload_code(dict(self.preload_settings(), worker=not module.isMainModule())),
                "nuitka-hints: the cold tier, and what this binary lacks noted (in the file "
                "%s names, and on stderr what the build left out that the program imported "
                "or looked for)" % hinted_runtime.MISSES_VARIABLE)

    @staticmethod
    def createPostModuleLoadCode(module):
        """In a process started for multiprocessing, a worker's work ended by an
        ImportError of a module the build left out ends the program
        (``hinted_runtime.Workers``): its pool would start it again for ever."""
        if module.getFullName() != WORKERS_WATCH:
            return None
        return ("import sys\nsys.modules[%r].watch(sys.modules['multiprocessing.process'])\n"
                % hinted_runtime.STARTED, "nuitka-hints: a process for multiprocessing that "
                "lacks a module ends the program")

    def _add_program_folder(self, main_module):
        """The main script's folder, to the data files: Nuitka offers the main
        module to two hooks, in an order of its own (each adds it once)."""
        self.data_files.add_program_folder(
            os.path.dirname(os.path.abspath(main_module.getCompileTimeFilename())))

    def preload_settings(self):
        """What ``hinted_runtime.start`` is told at build time (the rest is known
        when the dist is done: the index beside the binary)."""
        settings = {"sources": True} if self.cold_tier else {}
        if self.left_to_python:
            files = self.decisions.left_to_python_files(self.locateModule)
            settings["left_to_python"] = {name: dest for name, (_, dest) in files.items()}
        families = [] if self.keep_families or self.cold_tier else self.all_families()
        if families:
            settings["left_out_files"] = sorted(self.data_files.family_members_left_out())
            settings["families_note"] = hinted_report.families_note(families)
            settings["statuses"] = sorted({0} | {
                run["exit_status"] % 256 for run in self.hints.runs
                if isinstance(run.get("exit_status"), int)})
        return settings

    def onModuleEncounter(self, using_module_name, module_name, module_filename, module_kind):
        """``hinted_decisions`` decides; the other plugins' answers and Nuitka's
        names come from here."""
        using = using_module_name.asString() if using_module_name is not None else None
        why_not = self.decisions.encounter(
            module_name.asString(), using, module_filename,
            nuitka_code=using_module_name is not None and using_module_name.isFakeModuleName(),
            others_including=lambda: hinted_nuitka.plugins_including(
                self, using_module_name, module_name, module_filename, module_kind),
            installed=lambda: hinted_data_files.is_installed(module_filename),
            loaded_files=self.data_files.libraries)
        return None if why_not is None else (False, why_not)

    def onModuleSourceCode(self, module_name, source_filename, source_code):
        """Keep what a kept module imports where the record cannot be trusted for it.

        The imports Nuitka's package configuration wrote into it: anti-bloat
        replacements can import what the original never did (OpenCV's ``cv2``
        gets ``import imp`` on Python < 3.12); user plugins come after Nuitka's
        own, so ``source_code`` is the rewritten source here.  And every import
        of a module that, in the binary, imported a module no run loaded: it
        took another path there (anyio, with no source to read, imports all
        its submodules instead of lazily), so what it imports goes in whole.
        """
        name = module_name.asString()
        if name == "__main__" or self.decisions.kept_without_record.get(name) == Reason.FOR_MAIN:
            self._keep_certain_imports(name, source_filename, source_code)
        if name not in self.kept or not source_filename:
            return None
        is_package = os.path.basename(source_filename).startswith("__init__.")
        imported = hinted_cold.imported_names(source_code, name, is_package)
        if name in self.learned_importers:
            self.decisions.loaded_for_nuitka[name] = self.decisions.keep_loaded_by(
                imported | hinted_decisions.families_picked_by(
                    self.hints, name, imported, self._modules_of), Reason.FOR_OTHER_PATH)
            return None
        try:
            with open(source_filename, "rb") as handle:
                original = importlib.util.decode_source(handle.read())
        except (OSError, SyntaxError, UnicodeDecodeError):
            return None
        added = imported - hinted_cold.imported_names(original, name, is_package)
        if added:
            self.decisions.loaded_for_nuitka[name] = self.decisions.keep_loaded_by(
                added, Reason.FOR_REWRITE)
        return None

    def _keep_certain_imports(self, name, source_filename, source_code):
        """What certainly runs is never dropped: the module-level, unconditional
        imports of the main script (and of the modules it loads that way), which
        a record of other runs (a test suite's) may lack."""
        if name == "__main__":
            line = hinted_report.no_run_of(self.hints, self.hints_name, source_filename,
                                           self.cold_tier)
            if line:
                self.info(line)
        is_package = os.path.basename(source_filename or "").startswith("__init__.")

        def location(imported):
            found = self.locateModule(imported)
            return found is not None, hinted_data_files.is_installed(found)

        self.decisions.keep_certain_imports(
            hinted_cold.unconditional_imports(source_code, name, is_package), location)

    def module_families(self):
        """``hinted_decisions.module_families``, once Nuitka can locate packages."""
        if self.families is None:
            self.families = hinted_decisions.module_families(
                self.hints, self.kept, self._modules_of)
        return self.families

    def _modules_of(self, package):
        return hinted_cold.package_modules(package, self.locateModule)

    def _family_members_kept(self):
        """With --hinted-families=keep: the modules of the families the runs picked
        from that no run imported, with what they import (as ``--hinted-keep``
        does), an installed package's as bytecode."""
        if not self.keep_families:
            return []
        members = [m for _, left in self.module_families().values() for m in left]
        for member in members:
            installed = hinted_data_files.is_installed(self.locateModule(member))
            self.decisions.keep_unrecorded(member, Reason.FOR_FAMILY, installed)
        return members

    def getImplicitImports(self, module):
        """Make Nuitka include recorded modules it cannot see being imported, the
        modules the binary was seen to lack, and what Nuitka's own code in the
        binary imports: its compiled runtime (for the main module), a plugin's
        code or its package configuration's rewrite (for the module that runs
        it), whatever the order Nuitka meets the modules in.  Never a module
        Nuitka's anti-bloat keeps out: forcing it in would stop the build."""
        name = module.getFullName().asString()
        wanted = [(n, "%s (nuitka-hints)" % self._kept_reason(n))
                  for n in sorted(self.decisions.loaded_for_nuitka.get(name, ()))]
        if module.isMainModule():
            wanted += [(n, "%s (nuitka-hints)" % Reason.FOR_FAMILY)
                       for n in self._family_members_kept()]
            wanted += [(n, "%s (nuitka-hints)" % why)
                       for n, why in self.decisions.wanted_by_main(self.aliases)]
        for wanted_name, reason in wanted:
            avoided = hinted_nuitka.avoided_by_anti_bloat(ModuleName(wanted_name))
            if avoided:
                self.overruled.setdefault(wanted_name, avoided)
            elif self.locateModule(wanted_name) is not None:
                yield wanted_name, reason

    def decideCompilation(self, module_name):
        name = module_name.asString()
        return self.decisions.compilation(
            name, installed=lambda: hinted_data_files.is_installed(self.locateModule(name)),
            compiled_by_another=lambda: hinted_nuitka.compiled_by_another_plugin(self, module_name))

    def considerDataFiles(self, module):
        """The data files the runs read that belong to ``module``'s package (the
        deepest package folder holding them) and Nuitka has not listed."""
        try:
            if module.isMainModule():
                self._add_program_folder(module)
            for source, dest in self.data_files.files_to_add(_owner_name(module)):
                yield self.makeIncludedDataFile(
                    source, dest, "read in a recorded run (nuitka-hints)")
        except hints_file.HintsError as exc:  # an entry of the hints leads out of its folder
            self.sysexit(str(exc))
        for name, (source, dest) in self.decisions.left_to_python_files(self.locateModule).items():
            package = ModuleName(name).getPackageName()  # a top-level one: with the program
            if package == module.getFullName() or package is None and module.isMainModule():
                yield self.makeIncludedDataFile(source, dest, "%s (nuitka-hints)" % LEFT_TO_PYTHON)

    def getExtraDlls(self, module):
        """The shared libraries the runs loaded by path (``ctypes``), or a binary
        lacked, that go with ``module``."""
        for source, dest in self.data_files.libraries_to_add(_owner_name(module)):
            yield self.makeDllEntryPoint(
                source_path=source, dest_path=dest, module_name=module.getFullName(),
                package_name=module.getFullName().getPackageName(),
                reason="loaded in a recorded run (nuitka-hints)")

    def onDataFileTags(self, included_datafile):
        """Leave out a data file Nuitka's package configuration offers that no
        recorded run read (options' data files are never left out)."""
        datafile = included_datafile
        offered_by_plugin = isinstance(datafile.tracer, NuitkaPluginBase)
        if offered_by_plugin and datafile.tracer is not self and \
                self.data_files.leave_out(datafile.kind, datafile.source_path, datafile.dest_path):
            datafile.tags.discard("copy")
            datafile.tags.add("inhibit")
        self.data_files.listed_by_nuitka.add(datafile.dest_path)

    def onStandaloneDistributionFinished(self, dist_dir):
        from nuitka.options.Options import isOnefileMode

        built = hinted_nuitka.built_modules()
        self._write_cold_tier(dist_dir, built)
        for line in hinted_report.build_log(self.decisions, self.hints, len(self.kept),
                                            self.all_families(), self.keep_families,
                                            self.cold_tier):
            self.info(line)
        self.data_files.report(self.info, self.warning)
        slimmed = hinted_dist.slim(dist_dir, hinted_report.binary_in(dist_dir), self.strip,
                                   link=not isOnefileMode())
        report = self.build_report(dist_dir, built, slimmed)
        self.info(hinted_report.summary_line(report, hinted_report.write(report, dist_dir)))

    def _write_cold_tier(self, dist_dir, built):
        """The cold tier (``hinted_cold``) into the dist, and the index the binary
        reads: the cold modules, the installed modules in neither the dist nor
        the cold tier (the binary names one the program imports), and the entry
        points of the program's groups (it names one it does not list)."""
        from nuitka.options.Options import isOnefileMode

        cold_index, started = None, time.monotonic()
        site_dirs = hints_file.site_packages_dirs(self.data_files.roots)
        entry_points = hinted_cold.program_entry_points(
            site_dirs, {name.partition(".")[0] for name in built},
            {name for name, entry in self.hints.modules.items() if entry.get("by_name")})
        if self.cold_tier:
            tier = self._cold_tier(built, site_dirs, entry_points)
            self.cold_written = dict(tier.write(
                dist_dir, self.data_files.gate.admits, link=not isOnefileMode(),
                content_of=hinted_dist.stripped_content if self.strip else None),
                why=dict(sorted(tier.why.items())), seconds=round(time.monotonic() - started, 2))
            cold_index = self.cold_written["index"]
        present = set(built) | set(cold_index["modules"] if cold_index else ())
        left_out = hinted_cold.left_out_modules(
            present, self.decisions.dropped, self.left_to_python, self.locateModule)
        hinted_cold.write_index(dist_dir, cold_index, left_out, entry_points[2])

    def _cold_tier(self, built, site_dirs, entry_points):
        """The cold set, decided (``hinted_cold.ColdTier``, ``hinted_cold.reach``)."""
        implicit = hinted_nuitka.configured_implicit_imports(hinted_nuitka.user_yaml_files())
        distributions = hinted_cold.Distributions(hints_file.read_distributions(site_dirs))
        tier = hinted_cold.ColdTier(
            self.locateModule, built,
            refused=lambda name: hinted_nuitka.avoided_by_anti_bloat(ModuleName(name)),
            implied=lambda name: implicit.get(name, ()),
            companions=distributions.joining if self.whole_distributions else None)
        hinted_cold.reach(tier, self.hints, self.decisions.dropped, self.module_families(),
                          entry_points, distributions if self.whole_distributions else None)
        return tier

    def build_report(self, dist_dir, built, slimmed):
        """The report of this build (``hinted_report.build``): ``built`` (name ->
        "compiled", "bytecode" or "extension"), what ``hinted_dist.slim`` did."""
        from nuitka.Version import getNuitkaVersion

        return hinted_report.build(
            dist_dir, self.hints, built, nuitka=getNuitkaVersion(),
            why={name: self._kept_reason(name) for name in built},
            left_out=[(name, using, self.decisions.drop_reason(name))
                      for name, using in self.decisions.dropped.items()],
            overruled=self.overruled, families=self.all_families(), data_files=self.data_files,
            slimmed=slimmed, cold=self.cold_written, left_to_python=self.left_to_python)

    def all_families(self):
        """``hinted_report.family_rows`` of the module and data-file families."""
        return hinted_report.family_rows(self.module_families(), self.data_files.families,
                                         self.keep_families)

    def _kept_reason(self, name):
        return self.decisions.kept_reason(name, self.aliases)


def _owner_name(module):
    """A Nuitka module as the data files know it: its name, None for the main one."""
    return None if module.isMainModule() else module.getFullName().asString()


def _with_parent_packages(names):
    """The names, and the names of the packages holding them."""
    return set().union(*map(hinted_cold.with_packages, names))


def preload_code(settings):
    """The binary's pre-load code: ``hinted_runtime``'s source, as the tests
    import it, and the call that starts it with this build's ``settings``."""
    with open(hinted_runtime.__file__.replace(".pyc", ".py"), encoding="utf-8") as handle:
        source = handle.read()
    return "%s\n\nstart(%r)\n" % (source, settings)
