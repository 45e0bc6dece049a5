"""A stdlib-only program: count words of its input, report as JSON or CSV.

Reads text from the files named on the command line, or from stdin; the output
format is chosen at run time, and the CSV writer is only imported when asked for.
"""

import collections
import json
import re
import sys


def main(argv):
    fmt = "json"
    if argv and argv[0].startswith("--format="):
        fmt = argv.pop(0).partition("=")[2]
    if argv:
        text = "".join(open(name, encoding="utf-8").read() for name in argv)
    else:
        text = sys.stdin.read()
    counts = collections.Counter(re.findall(r"[a-z']+", text.lower())).most_common(5)
    if fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["word", "count"])
        writer.writerows(counts)
    else:
        print(json.dumps(dict(counts), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
