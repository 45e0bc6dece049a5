"""How much wall time the tracer adds to an import-heavy program.

    python benchmarks/trace_overhead.py [rounds]

Runs the program below plainly and under hinted_mods.py, alternating, and
compares the medians.  The tracer's target is at most 5% over plain python.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

IMPORT_HEAVY = """\
import argparse, asyncio, csv, decimal, difflib, email.mime.multipart, fractions
import http.client, http.server, json, logging.handlers, pydoc, sqlite3, ssl
import tarfile, urllib.request, xml.dom.minidom, zipfile, concurrent.futures
import numpy, numpy.linalg
import PIL.Image, PIL.PngImagePlugin
print(len(__import__("sys").modules))
"""


def main(argv):
    rounds = int(argv[0]) if argv else 15
    with tempfile.TemporaryDirectory() as work:
        script = os.path.join(work, "heavy.py")
        with open(script, "w") as handle:
            handle.write(IMPORT_HEAVY)
        plain_command = [sys.executable, script]
        traced_command = [sys.executable, os.path.join(ROOT, "hinted_mods.py"), script]
        for command in (plain_command, traced_command):  # warm the OS file cache
            subprocess.run(command, check=True, capture_output=True)
        plain, traced = [], []
        for _ in range(rounds):
            plain.append(timed(plain_command))
            traced.append(timed(traced_command))
        modules = subprocess.run(plain_command, capture_output=True, text=True).stdout.strip()
    p, t = statistics.median(plain), statistics.median(traced)
    print("import-heavy program (%s modules), median of %d runs:" % (modules, rounds))
    print("  plain python  %.1f ms" % (p * 1000))
    print("  hinted_mods   %.1f ms" % (t * 1000))
    print("  overhead      %+.1f%%" % ((t / p - 1) * 100))


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


if __name__ == "__main__":
    main(sys.argv[1:])
