"""C-level profile-guided optimization trained on the recorded runs (``--hinted-pgo``).

Nuitka's own ``--pgo-c`` runs its instrumented binary before a standalone dist
has its data files and libraries, on arguments the user must invent.  Here the
whole hinted build is made instrumented (gcc's ``-fprofile-generate``, through
the ``CFLAGS`` and ``LDFLAGS`` that Nuitka's build adds to its own), every
recorded run is replayed against the finished dist, and the program is built
again with what they counted (``-fprofile-use``).

The profile lives beside the build (``<name>.pgo``) with the key of the C code
it counted: a later build whose C code is the same reuses it; one whose code
changed (the program, its hints, Nuitka) trains again, saying so.  Code no
recorded run took is optimized as without a profile (``-fprofile-partial-training``),
so an input nobody recorded is not made slower than the plain build runs it.
"""

import hashlib
import json
import os
import shutil
import sys

import hints_file

# The profile's file of record: the key of the code it counted, the runs it holds.
STAMP = "nuitka-hints-pgo.json"


class Profile:
    """One program's C profile: its folder, the compiler flags that write it and
    read it, and whether it was counted on the code being built."""

    def __init__(self, folder, build_folder):
        self.folder = os.path.abspath(folder)
        self.build_folder = os.path.abspath(build_folder)

    @classmethod
    def beside(cls, settings):
        """The profile of the build ``settings`` (``nuitka_hints.NuitkaSettings``) makes."""
        check_compiler()
        build_folder = settings.build_folder()
        return cls(build_folder[:-len(".build")] + ".pgo", build_folder)

    def generating(self):
        """Environment for the instrumented build: every C file counts into the folder
        (atomic counters where the program runs threads)."""
        count = "-fprofile-generate=%s -fprofile-update=prefer-atomic" % self.folder
        return {"CFLAGS": count, "LDFLAGS": "-fprofile-generate=%s" % self.folder}

    def using(self):
        """Environment for the build that uses the counts: functions no run took are
        optimized as usual; a file without counts, or whose code changed, is built
        as without a profile rather than failing."""
        use = "-fprofile-use=%s" % self.folder
        return {"CFLAGS": " ".join([use, "-fprofile-partial-training", "-fprofile-correction",
                                    "-Wno-missing-profile", "-Wno-coverage-mismatch"]),
                "LDFLAGS": use}

    def start(self):
        """An empty folder for a new training (counts merge into what is there)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        os.makedirs(self.folder)

    def kept(self):
        """Whether a training finished into the folder (it may be of other code)."""
        return os.path.isfile(os.path.join(self.folder, STAMP))

    def counted_runs(self):
        """The runs the profile holds, if it was counted on the code in the build
        folder now (built at the same place: the count files are named after it);
        else None."""
        try:
            with open(os.path.join(self.folder, STAMP)) as handle:
                stamp = json.load(handle)
        except (OSError, ValueError):
            return None
        runs = stamp.get("runs") if isinstance(stamp, dict) else None
        if not isinstance(runs, list) or not all(isinstance(run, int) for run in runs) or \
                stamp.get("code") != self.code_key():
            return None
        return runs

    def save(self, runs):
        """Record that the counts in the folder are of the code built now, from ``runs``."""
        with open(os.path.join(self.folder, STAMP), "w") as handle:
            json.dump({"code": self.code_key(), "runs": runs}, handle)

    def code_key(self):
        """The C code Nuitka generated into the build folder, and where it is."""
        digest = hashlib.sha256(self.build_folder.encode())
        for root, folders, files in os.walk(self.build_folder):
            folders.sort()
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    path = os.path.join(root, name)
                    digest.update(os.path.relpath(path, self.build_folder).encode() + b"\0")
                    with open(path, "rb") as handle:
                        digest.update(handle.read())
        return digest.hexdigest()

    def snapshot(self):
        """A copy of the counts so far, to go back to when a run must not count."""
        copy = self.folder + ".before-run"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(self.folder, copy)
        return copy

    def restore(self, copy):
        shutil.rmtree(self.folder)
        os.rename(copy, self.folder)

    def drop(self, copy):
        shutil.rmtree(copy, ignore_errors=True)


def check_compiler():
    """gcc is what counts into and reads the profile folder this way; refuse the
    rest in one line before anything is built."""
    if sys.platform in ("win32", "darwin"):
        raise hints_file.CommandLineError(
            "--hinted-pgo needs gcc, which Nuitka does not use on %s: build without it"
            % sys.platform)
    compiler = os.path.basename(os.environ.get("CC", "gcc"))
    if "clang" in compiler or "zig" in compiler:
        raise hints_file.CommandLineError(
            "--hinted-pgo needs gcc (CC=%s): unset CC, or build without it" % compiler)
