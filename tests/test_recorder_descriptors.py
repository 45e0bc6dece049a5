"""The recorder and the program's file descriptors: a program that closes, dup2s
over or daemonizes keeps its files byte for byte and its record (issue 38); a
recorder that cannot write stops and says so, and never fails the program."""

import os
import time

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX descriptors")

OWN_BYTES = b"the program's own bytes\n"


def test_a_file_opened_after_closing_every_inherited_descriptor_holds_only_its_bytes(
        trace, tmp_path):
    """Daemons and servers close what they inherited; their next file gets the
    lowest number, the one a recorder keeping its descriptor would write to."""
    traced = trace(
        """
        import os
        os.closerange(3, 1024)
        with open("out.bin", "wb") as out:
            import fractions
            out.write(%r)
        """ % OWN_BYTES)
    assert traced.result.returncode == 0, traced.result.stderr
    assert (tmp_path / "out.bin").read_bytes() == OWN_BYTES
    assert "fractions" in traced.program_modules()


def test_imports_after_closing_every_inherited_descriptor_work_and_fail_only_as_theirs(
        trace, tmp_path):
    """Nothing of the recorder's reaches the program's imports; what its own
    finders and modules raise does, unchanged."""
    (tmp_path / "broken.py").write_text("raise ValueError(\"the module's own error\")\n")
    traced = trace(
        """
        import os, sys
        os.closerange(3, 1024)
        import fractions
        print(fractions.Fraction(1, 3))

        class Finder:
            def find_spec(self, name, path=None, target=None):
                if name == "wanted":
                    raise LookupError("the finder's own error")

        sys.meta_path.append(Finder())
        for name in ("wanted", "broken"):
            try:
                __import__(name)
            except Exception as exc:
                print(type(exc).__name__, exc)
        """)
    assert traced.result.stdout == "1/3\nLookupError the finder's own error\n" \
                                   "ValueError the module's own error\n", traced.result.stderr
    assert {"fractions", "broken"} <= traced.program_modules()


def test_a_file_dup2ed_over_every_descriptor_is_left_as_the_program_wrote_it(trace, tmp_path):
    traced = trace(
        """
        import os
        fd = os.open("out.bin", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, %r)
        for number in range(3, 51):
            if number != fd:
                os.dup2(fd, number)
        import fractions
        os.closerange(3, 51)
        """ % OWN_BYTES)
    assert traced.result.returncode == 0, traced.result.stderr
    assert (tmp_path / "out.bin").read_bytes() == OWN_BYTES
    assert "fractions" in traced.program_modules()


def test_a_daemon_outliving_the_tracer_keeps_its_file(trace, tmp_path):
    """Double fork, setsid, stdio to /dev/null, every other descriptor closed;
    the daemon opens its file, and imports and writes once the tracer has ended
    (its record's folder gone): nothing of the record goes into the file."""
    traced = trace(
        """
        import os, sys, time
        here = os.path.dirname(os.path.abspath(__file__))
        record = [os.path.join(here, n) for n in os.listdir(here) if ".parts-" in n]
        if os.fork():
            sys.exit(0)
        os.setsid()
        if os.fork():
            os._exit(0)
        null = os.open(os.devnull, os.O_RDWR)
        for number in (0, 1, 2):
            os.dup2(null, number)
        os.closerange(3, 1024)
        out = os.open(os.path.join(here, "daemon.out"), os.O_WRONLY | os.O_CREAT, 0o644)
        deadline = time.monotonic() + 60
        while any(map(os.path.isdir, record)) and time.monotonic() < deadline:
            time.sleep(0.05)  # until the tracer has ended
        import fractions
        os.write(out, %r)
        os.close(out)
        os.close(os.open(os.path.join(here, "daemon.done"), os.O_WRONLY | os.O_CREAT))
        """ % OWN_BYTES)
    assert traced.result.returncode == 0, traced.result.stderr
    deadline = time.monotonic() + 90
    while not (tmp_path / "daemon.done").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (tmp_path / "daemon.out").read_bytes() == OWN_BYTES


def test_a_process_that_cannot_write_its_record_stops_and_the_tracer_says_so(trace):
    """A server at its limit of open files: the recorder has no descriptor to
    write with, the program's import of a module that needs none (a built-in one)
    still works; the tracer names the process and why."""
    traced = trace(
        """
        import os, resource, sys
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 256), hard))
        held = []
        try:
            while True:
                held.append(os.open(os.devnull, os.O_RDONLY))
        except OSError:
            pass
        name = min(set(sys.builtin_module_names) - set(sys.modules))
        __import__(name)
        for fd in held:
            os.close(fd)
        print(os.getpid(), name)
        """)
    assert traced.result.returncode == 0, traced.result.stderr
    pid, name = traced.result.stdout.split()
    warnings = [line for line in traced.result.stderr.splitlines() if "warning" in line]
    assert warnings == ["hinted_mods: warning: process %s of the program stopped recording "
                        "(Too many open files): the record may lack what it imported after "
                        "that" % pid]
    assert "resource" in traced.program_modules() and name not in traced.modules


def test_a_program_removing_its_record_runs_on_and_the_tracer_says_so(trace):
    """A program cleaning its folder of hidden folders removes the record's too:
    its imports go on, and the tracer says what happened."""
    traced = trace(
        """
        import os, shutil
        here = os.path.dirname(os.path.abspath(__file__))
        for name in os.listdir(here):
            if name.startswith(".") and os.path.isdir(os.path.join(here, name)):
                shutil.rmtree(os.path.join(here, name))
        import fractions
        print(fractions.Fraction(1, 3))
        """)
    assert traced.result.stdout == "1/3\n", traced.result.stderr
    assert traced.result.returncode == 2
    assert traced.result.stderr.startswith("hinted_mods: error: the run's record, ")
    assert traced.result.stderr.endswith(" was removed while the program ran: nothing was "
                                         "recorded\n")
