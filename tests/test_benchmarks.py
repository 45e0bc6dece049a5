"""The benchmark script's command line: bad input is one clear line, before any build."""

import os
import subprocess
import sys

from conftest import ROOT

COMPARE = [sys.executable, os.path.join(ROOT, "benchmarks", "compare.py")]


def test_an_unknown_method_is_named_with_the_known_ones():
    result = subprocess.run([*COMPARE, "--methods=nope", "hello"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.startswith("compare.py: error: unknown nope: examples are hello,")
    assert "hinted-ccache" in result.stderr and result.stderr.count("\n") == 1


def test_a_ccache_method_without_ccache_says_what_to_install():
    no_ccache = dict(os.environ, PATH=os.path.dirname(sys.executable))  # nor any build tool
    result = subprocess.run([*COMPARE, "--methods=hinted-ccache", "hello"], capture_output=True,
                            text=True, timeout=60, env=no_ccache)
    assert result.returncode != 0
    assert result.stderr == ("benchmark: error: the plain-ccache, hinted-ccache methods need "
                             "ccache: install it (apt-get install ccache)\n")
    assert "building" not in result.stdout


PGO = [sys.executable, os.path.join(ROOT, "benchmarks", "pgo.py")]


def test_pgo_benchmark_bad_input_is_one_line_before_any_environment_or_build():
    for args, line in (
            (["nope"], "pgo.py: error: unknown nope: the programs are markdown_render, "),
            (["--mode=app"], "pgo.py: error: --mode=app: choose standalone or onefile\n"),
            (["--pairs=0"],
             "pgo.py: error: --pairs=0: give a whole number of rounds, 1 or more\n")):
        result = subprocess.run([*PGO, *args], capture_output=True, text=True, timeout=60)
        assert result.returncode != 0 and result.stdout == ""
        assert result.stderr.startswith(line) and result.stderr.count("\n") == 1, result.stderr


def test_realworld_names_every_input_nobody_recorded_that_ran_over_three_times_longer(capsys):
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import realworld

    row = {"kind": "library", "method": "hinted", "size": 1e6, "files": 3, "seconds": 9,
           "verify": "same"}
    realworld.print_table([dict(row, program="quick", held_out="2/2 same", slowest=1.2),
                           dict(row, program="stuck", held_out="1/2 same", slowest=4.5),
                           dict(row, program="recorded only")])
    table = capsys.readouterr().out
    assert "hinted: 1 of 2 programs behave the same on every input nobody recorded\n" in table
    assert ("hinted: an input nobody recorded took at most 4.5 times the interpreter's time "
            "(stuck); over 3 times: stuck\n") in table
