"""The record tools of ``hinted_mods.py``: ``--summary``, ``--combine``,
``--prune-stale`` and ``--learn``.  They read and write hints files
(``hints_file``) and never run a program."""

import os
import sys

from hints_file import (
    CommandLineError,
    FileLock,
    Hints,
    HintsFileError,
    LinkedOutOfItsFolder,
    count_misses,
    describe_misses,
    learn_into,
    learnable,
    miss_name,
    read_misses,
    sys_path_roots,
)


def print_summary(filename):
    """What a hints file holds: runs, and modules per top-level package."""
    hints = Hints.load(filename, any_tag=True)
    print("%s: tag %s, schema %s" % (filename, hints.tag, hints.schema))
    print("%d recorded run(s):" % len(hints.runs))
    staleness = hints.staleness()
    for number, run in enumerate(hints.runs, 1):
        changes = staleness[number]
        state = "stale: " + "; ".join(changes) if changes else "current"
        print(
            "  %s  exit %s  %.2fs  %s  [%s]"
            % (run.get("started", "?"), run["exit_status"], run["duration"],
               " ".join(run["argv"]), state)
        )
    program = hints.program_modules()
    print(
        "%d modules imported by the program, %d at interpreter start-up"
        % (len(program), len(hints.modules) - len(program))
    )
    looked_up = sorted(hints.looked_up)
    if looked_up:
        print("%d modules looked up but never loaded (left out of the build): %s" % (
            len(looked_up), ", ".join(looked_up)))
    for name, entry in hints.learned.items():
        print("learned from the binary: %s (imported by %s; %s)" % (
            name, entry["importer"] or "?", hints.learned_evidence(name)))
    for where, files in hints.learned_files.items():
        for name in files:
            print("learned from the binary: data file %s (%s; %s)" % (
                name, where, hints.learned_evidence(name, where)))
    counts = {}
    for name in program:
        top = name.partition(".")[0]
        counts[top] = counts.get(top, 0) + 1
    for top, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        where = hints.modules.get(top, {}).get("where", "")
        print("  %-30s %5d  %s" % (top, count, where))
    _print_data_files(hints, os.path.dirname(os.path.abspath(filename)))
    _print_cpu_profile(hints)


def _print_data_files(hints, program_dir):
    """Files the runs read, by root and top folder, with their size here."""
    roots = sys_path_roots(program_dir)
    groups, linked_out = {}, []
    for where, files in hints.data_files.items():
        for relative in files:
            try:
                path = hints.locate(where, relative, roots)
            except LinkedOutOfItsFolder as exc:  # the build warns and goes on: so do we
                linked_out.append(str(exc))
                path = None
            group = groups.setdefault((where, relative.partition("/")[0]), [0, 0])
            group[0] += 1
            group[1] += os.path.getsize(path) if path else 0
    print("%d data files read by the runs:" % sum(n for n, _ in groups.values()))
    for (where, top), (count, size) in sorted(groups.items()):
        print("  %-30s %5d  %9.1f kB  %s" % (top, count, size / 1e3, where))
    for message in linked_out:
        print("  warning: " + message)


def _print_cpu_profile(hints):
    """Where the sampled CPU time went, over all runs with a profile."""
    samples, totals = hints.cpu_totals()
    if not samples:
        print("no CPU profile recorded")
        return
    profiled = sum(1 for run in hints.runs if "profile" in run)
    print("CPU samples: %d in %d of %d run(s); most in:" % (samples, profiled, len(hints.runs)))
    for name, count in sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:10]:
        print("  %-30s %5.1f%%" % (name, 100.0 * count / samples))


def combine_files(output, inputs):
    """Merge several hints files of one tag (e.g. from several machines) into one."""
    if not output:
        raise CommandLineError("--combine needs -o OUT.json naming the combined file")
    if not inputs:
        raise CommandLineError("--combine needs at least one hints file to read")
    loaded = [Hints.load(name, any_tag=True) for name in inputs]
    tags = sorted({hints.tag for hints in loaded})
    if len(tags) > 1:
        raise CommandLineError(
            "cannot combine hints of different tags (%s): combine each tag apart"
            % ", ".join(tags)
        )
    combined = loaded[0]
    for hints in loaded[1:]:
        combined = combined.merged(hints)
    is_input = os.path.abspath(output) in map(os.path.abspath, inputs)
    combined.save(output, fresh=is_input)
    print("combined %d file(s) into %s" % (len(inputs), output))


def prune_stale(filename):
    """Drop the runs recorded against other program files or package versions.

    The record does not keep which run loaded which module, so the modules of
    the dropped runs stay; the file as it was is kept beside it."""
    import shutil

    with FileLock(filename):
        hints = Hints.load(filename)  # versions are compared with this Python's packages
        staleness = hints.staleness()
        stale = [number for number, changes in staleness.items() if changes]
        if not stale:
            print("%s: no stale runs" % filename)
            return
        if len(stale) == len(hints.runs):
            raise HintsFileError(
                "%s: every run is stale (%s): trace again with --fresh instead"
                % (filename, "; ".join(staleness[1])))
        backup = _unused_name(os.path.splitext(filename)[0] + ".before-prune", ".json")
        shutil.copyfile(filename, backup)
        for number in stale:
            print("dropped run %d (%s): %s" % (number, " ".join(hints.runs[number - 1]["argv"]),
                                               "; ".join(staleness[number])))
        hints.without_runs(stale).write(filename)
        print("%s: kept %d run(s); the file as it was is %s" % (
            filename, len(hints.runs) - len(stale), backup))


def _unused_name(stem, suffix):
    """``stem + suffix``, or with -2, -3 ... before the suffix: an earlier backup stays."""
    name, number = stem + suffix, 1
    while os.path.exists(name):
        number += 1
        name = "%s-%d%s" % (stem, number, suffix)
    return name


def learn_from_binary(filename, misses_files):
    """Add to the hints the modules and data files a built binary lacked, from its
    misses files; name each one learned and each one not, and warn of each line
    skipped (the rest of its file still counts)."""
    misses, skipped = [], []
    for name in misses_files:  # the evidence: each file as it was given
        misses += [dict(miss, report=name) for miss in read_misses(name, skipped)]
    for warning in skipped:
        sys.stderr.write("hinted_mods: warning: %s\n" % warning)
    hints = Hints.load(filename)
    wanted = learnable(misses, known=hints.modules, known_files=hints.files_known(),
                       program_dir=os.path.dirname(os.path.abspath(filename)))
    new = learn_into(filename, wanted)
    learned = [m for m in wanted if miss_name(m) in new]
    print("%s: learned %s the binary lacked%s" % (
        filename, count_misses(learned) if new else "0 module(s)",
        ": " + describe_misses(learned) if new else ""))
    others = sorted({miss_name(m) for m in misses} - set(new))
    if others:
        print("not learned (looked up only, not installed here, or recorded or learned "
              "already): %s" % ", ".join(others))
