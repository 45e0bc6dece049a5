"""C-level PGO trained on the recorded runs (``--hinted-pgo``), against the
interpreter, plain Nuitka and the hinted build without it, side by side in one run.

    python benchmarks/pgo.py [--python=3.X] [--mode=standalone|onefile] [--pairs=N]
                             [program ...]                     (default: all)

Each program is a pure-Python library doing real work that nobody here wrote
(parsing, templating, formatting, encryption, a solver), and a small CLI for
start-up.  It is recorded on its training inputs (what ``--hinted-pgo``
replays), built plain (``--mode=...`` alone), hinted, hinted with every recorded
module compiled (``hinted-all``: what ``--hinted-pgo`` compiles, without the
profile, so that the profile's own share shows) and hinted with PGO, with ccache
off so that no build profits from another's objects; then every binary and the interpreter run
the program's timed input, which no run recorded, in ``--pairs`` rounds (7 by
default), each round running them all in turn.  A ratio is the median over
rounds of the two wall times of the same round (paired), so a slower minute of
the machine weighs on both.  Every output is compared with the interpreter's.

Runs in its own environment (``benchmarks/.venv-pgo-3.X``: Nuitka, this
project, the libraries), made on first use.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]

from realworld import _venv, made_environment  # noqa: E402

# name -> (distributions, source, training inputs, timed input).
PROGRAMS = {
    "markdown_render": (["markdown"], """\
import hashlib, sys
import markdown

def document(sections):
    return "\\n".join(
        "## Section %d\\n\\nSome *emphasis*, **strong** and `code`, a [link](http://x/%d).\\n\\n"
        "- item %d\\n- item two\\n    1. nested\\n\\n> quoted %d\\n\\n```\\ncode %d\\n```\\n\\n"
        "| a | b |\\n|---|---|\\n| %d | %d |\\n" % ((n,) * 6 + (n * n,)) for n in range(sections))

html = markdown.markdown(document(int(sys.argv[1])), extensions=["tables", "fenced_code", "toc"])
print(len(html), hashlib.sha256(html.encode()).hexdigest()[:16])
""", [["40"], ["120"]], ["2000"]),
    "lark_json": (["lark"], """\
import sys
from lark import Lark

GRAMMAR = r\"\"\"
    ?value: object | array | string | NUMBER -> number | "true" -> true | "false" -> false
          | "null" -> null
    array: "[" [value ("," value)*] "]"
    object: "{" [pair ("," pair)*] "}"
    pair: string ":" value
    string: ESCAPED_STRING
    %import common.ESCAPED_STRING
    %import common.SIGNED_NUMBER -> NUMBER
    %import common.WS
    %ignore WS
\"\"\"
parser = Lark(GRAMMAR, start="value", parser="lalr")
items = ", ".join('{"id": %d, "name": "item %d", "tags": ["a", "b"], "ok": %s, "x": %d.5}'
                  % (n, n, "true" if n % 2 else "false", n) for n in range(int(sys.argv[1])))
tree = parser.parse("[%s]" % items)
print(len(tree.children), sum(1 for _ in tree.iter_subtrees()))
""", [["200"], ["600"]], ["6000"]),
    "sqlparse_format": (["sqlparse"], """\
import sys
import sqlparse

statements = "\\n".join(
    "select a%d, b, count(*) from t%d join u on t%d.id = u.id where x > %d and y in (1, 2, 3)"
    " group by a%d order by b desc limit 10;" % ((n,) * 5) for n in range(int(sys.argv[1])))
formatted = sqlparse.format(statements, reindent=True, keyword_case="upper")
print(len(formatted), formatted.count("\\n"))
""", [["30"], ["90"]], ["400"]),
    "jinja_compile": (["jinja2"], """\
import sys
import jinja2

environment = jinja2.Environment(autoescape=True)
total = 0
for n in range(int(sys.argv[1])):
    template = environment.from_string(
        "{%% for x in items %%}<li class='{{ cls }}'>{{ x|upper }} {{ loop.index }}</li>"
        "{%% endfor %%}{%% if flag %%}{{ title|e }}{%% else %%}none{%% endif %%}{{ %d + value }}"
        % n)
    total += len(template.render(items=["a", "b", "c"], cls="c%d" % n, flag=n % 2,
                                 title="<t>", value=n))
print(total)
""", [["40"], ["120"]], ["500"]),
    "pyparsing_arith": (["pyparsing"], """\
import sys
import pyparsing as pp

operand = pp.pyparsing_common.integer | pp.Word(pp.alphas)
expression = pp.infix_notation(operand, [(pp.one_of("* /"), 2, pp.OpAssoc.LEFT),
                                         (pp.one_of("+ -"), 2, pp.OpAssoc.LEFT)])
size = 0
for n in range(int(sys.argv[1])):
    size += len(str(expression.parse_string(
        "%d * (x + %d) - y / (%d + z * %d)" % (n, n + 1, n + 2, n + 3), parse_all=True)))
print(size)
""", [["100"], ["300"]], ["2000"]),
    "constraint_queens": (["python-constraint"], """\
import sys
from constraint import AllDifferentConstraint, FunctionConstraint, Problem

size = int(sys.argv[1])
problem = Problem()
columns = range(size)
problem.addVariables(columns, range(size))
problem.addConstraint(AllDifferentConstraint())
for first in columns:
    for second in columns:
        if first < second:
            problem.addConstraint(FunctionConstraint(
                lambda a, b, distance=second - first: abs(a - b) != distance), (first, second))
solutions = problem.getSolutions()
print(len(solutions), min(tuple(s[c] for c in columns) for s in solutions))
""", [["6"], ["7"]], ["11"]),
    "pyaes_encrypt": (["pyaes"], """\
import hashlib, sys
import pyaes

key = bytes(range(32))
data = bytes(n * 7 % 256 for n in range(int(sys.argv[1]) * 16))
encrypted = pyaes.AESModeOfOperationCTR(key, pyaes.Counter(5)).encrypt(data)
decrypted = pyaes.AESModeOfOperationCTR(key, pyaes.Counter(5)).decrypt(encrypted)
print(hashlib.sha256(encrypted).hexdigest()[:16], decrypted == data)
""", [["500"], ["1500"]], ["12000"]),
    "small_cli": ([], """\
import argparse, json

parser = argparse.ArgumentParser(description="A small command line.")
parser.add_argument("name")
parser.add_argument("--times", type=int, default=1)
arguments = parser.parse_args()
print(json.dumps({"hello": arguments.name, "times": arguments.times}))
""", [["world"], ["there", "--times=2"]], ["you", "--times=3"]),
}
VARIANTS = ("python", "plain", "hinted", "hinted-all", "hinted-pgo")
TIMED_OPTIONS = ["--disable-cache=ccache"]  # no build profits from another's objects


def main(argv):
    options = dict(arg[2:].partition("=")[::2] for arg in argv if arg.startswith("--"))
    names = [arg for arg in argv if not arg.startswith("--")] or list(PROGRAMS)
    python = options.pop("python", "%d.%d" % sys.version_info[:2])
    mode = options.pop("mode", "standalone")
    pairs = options.pop("pairs", "7")
    unknown = ["--" + name for name in options] + [n for n in names if n not in PROGRAMS]
    if unknown:
        sys.exit("pgo.py: error: unknown %s: the programs are %s"
                 % (", ".join(unknown), ", ".join(PROGRAMS)))
    if mode not in ("standalone", "onefile"):
        sys.exit("pgo.py: error: --mode=%s: choose standalone or onefile" % mode)
    if not pairs.isdecimal() or int(pairs) < 1:
        sys.exit("pgo.py: error: --pairs=%s: give a whole number of rounds, 1 or more" % pairs)
    if os.path.realpath(sys.prefix) != os.path.realpath(_venv(python, "pgo")):
        needs = sorted({need for name in names for need in PROGRAMS[name][0]})
        interpreter = made_environment(_venv(python, "pgo"), python, needs)
        return subprocess.call([interpreter, os.path.abspath(__file__), *argv])
    import compare

    work = tempfile.mkdtemp(prefix="nuitka-hints-pgo-")
    print("pgo: work folder %s" % work, flush=True)
    compare.warm_up(work, [])
    rows = [measure(name, os.path.join(work, name), mode, int(pairs)) for name in names]
    print_table(rows, mode)
    return 0 if all(row["same"] for row in rows) else 1


def measure(name, folder, mode, pairs):
    """Record, build each variant, time the timed input in paired rounds: a row."""
    import compare
    import nuitka_hints

    _, source, training, timed = PROGRAMS[name]
    os.makedirs(folder)
    script = os.path.join(folder, name + ".py")
    with open(script, "w") as handle:
        handle.write(source)
    for argv in training:
        subprocess.run([sys.executable, os.path.join(ROOT, "hinted_mods.py"), script, *argv],
                       cwd=folder, check=True, capture_output=True)
    row = {"program": name, "builds": {}, "sizes": {}}
    hinted = [sys.executable, os.path.join(ROOT, "nuitka_hints.py"), "--verify", "--mode=" + mode]
    commands = {"plain": [sys.executable, "-m", "nuitka", "--mode=" + mode], "hinted": hinted,
                "hinted-all": hinted + ["--hinted-compile=all"],
                "hinted-pgo": hinted + ["--hinted-pgo"]}
    binaries = {"python": [sys.executable, script]}
    for variant, command in commands.items():
        out = os.path.join(folder, variant)
        options = TIMED_OPTIONS + ["--output-dir=%s" % out]
        seconds, _ = compare.build(command + options + [script], folder, "%s %s" % (variant, name))
        settings = nuitka_hints.nuitka_settings(["--mode=" + mode] + options, script)
        binaries[variant] = [settings.result()]
        row["builds"][variant] = seconds
        row["sizes"][variant] = compare.shipped_size(settings.result(), settings.onefile)[0]
    times = {variant: [] for variant in VARIANTS}
    outputs = {}
    for round_number in range(pairs):
        order = VARIANTS[round_number % len(VARIANTS):] + VARIANTS[:round_number % len(VARIANTS)]
        for variant in order:
            started = time.perf_counter()
            result = subprocess.run(binaries[variant] + timed, cwd=folder, capture_output=True)
            times[variant].append(time.perf_counter() - started)
            outputs.setdefault(variant, (result.returncode, result.stdout))
    row["same"] = len(set(outputs.values())) == 1 and outputs["python"][0] == 0
    row["median"] = {variant: statistics.median(times[variant]) for variant in VARIANTS}
    row["paired"] = {variant: statistics.median(
        mine / plain for mine, plain in zip(times[variant], times["plain"]))
        for variant in VARIANTS}
    row["pgo_vs_all"] = statistics.median(
        pgo / hinted for pgo, hinted in zip(times["hinted-pgo"], times["hinted-all"]))
    print_table([row], mode, header=False)
    return row


def print_table(rows, mode, header=True):
    """Markdown: run time of the timed input (median of the rounds), and its
    paired ratio to plain Nuitka's; build time and size of each build."""
    if header:
        print("\n| program (%s) | python | plain | hinted | hinted-all | hinted-pgo | "
              "pgo / plain | pgo / hinted-all | build: plain, hinted, all, pgo | "
              "size MB: plain, hinted, all, pgo | output |" % mode)
        print("|" + " --- |" * 11)
    for row in rows:
        median, paired = row["median"], row["paired"]
        print("| %s | %.3f s | %.3f s | %.3f s (%.2f) | %.3f s (%.2f) | %.3f s | **%.3f** | "
              "%.3f | %s | %s | %s |" % (
                  row["program"], median["python"], median["plain"], median["hinted"],
                  paired["hinted"], median["hinted-all"], paired["hinted-all"],
                  median["hinted-pgo"], paired["hinted-pgo"], row["pgo_vs_all"],
                  ", ".join("%.0f s" % row["builds"][v] for v in VARIANTS[1:]),
                  ", ".join("%.1f" % (row["sizes"][v] / 1e6) for v in VARIANTS[1:]),
                  "same" if row["same"] else "**differs**"), flush=True)
    if len(rows) > 1:
        print("\nmedians: pgo / plain %.3f, pgo / hinted-all %.3f, pgo / hinted %.3f; "
              "build pgo / plain %.2f" % (
                  statistics.median(row["paired"]["hinted-pgo"] for row in rows),
                  statistics.median(row["pgo_vs_all"] for row in rows),
                  statistics.median(row["paired"]["hinted-pgo"] / row["paired"]["hinted"]
                                    for row in rows),
                  statistics.median(row["builds"]["hinted-pgo"] / row["builds"]["plain"]
                                    for row in rows)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
