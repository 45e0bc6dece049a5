"""What the warm tier would weigh, and cost at start-up, in the cold tier's archive.

    python benchmarks/warm_archive.py DIST_FOLDER [rounds]

A hinted build keeps the modules the runs imported but spent no CPU time in as
bytecode inside the binary (the warm tier), marshaled and uncompressed, as
Nuitka stores it.  The cold tier keeps its modules as ``.pyc`` files in one
deflated archive.  For the warm modules of a finished build (its report's
``kept`` with how "bytecode"), this compiles each with this Python, as the cold
tier does, and says what they weigh marshaled (about what the binary holds)
and deflated in such an archive, and how long loading all of them takes from
the archive (read, inflate, unmarshal) against unmarshaling them from memory:
the start-up cost of moving the warm tier there.  Run it with the Python the
build was made with (the one whose modules the report names).
"""

import importlib.util
import io
import json
import marshal
import os
import statistics
import sys
import time
import zipfile
import zipimport

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import hinted_report  # noqa: E402
import hinted_runtime  # noqa: E402


def main(argv):
    if not argv:
        sys.exit(__doc__)
    dist, rounds = argv[0], int(argv[1]) if len(argv) > 1 else 9
    with open(hinted_report.report_paths(dist)[0]) as handle:
        report = json.load(handle)
    warm = sorted(item["module"] for item in report["kept"] if item["how"] == "bytecode")
    codes = {}
    for name in warm:
        path = locate(name)
        if path and path.endswith(".py"):
            with open(path, "rb") as handle:
                source = importlib.util.decode_source(handle.read())
            codes[name] = marshal.dumps(compile(source, path, "exec", dont_inherit=True))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zipped:
        for name, data in codes.items():
            zipped.writestr(name.replace(".", "/") + ".pyc", importlib.util.MAGIC_NUMBER
                            + bytes(12) + data)
    path = os.path.join(dist, ".warm-archive-measure.zip")
    with open(path, "wb") as handle:
        handle.write(archive.getvalue())
    try:
        from_archive = statistics.median(load_all(path, codes) for _ in range(rounds))
    finally:
        os.remove(path)
    from_memory = statistics.median(unmarshal_all(codes) for _ in range(rounds))
    raw = sum(len(data) for data in codes.values())
    print("warm modules: %d (%d with a source here); marshaled %.2f MB, in the archive "
          "%.2f MB (%.2f); loading all: %.1f ms from the archive, %.1f ms from memory "
          "(+%.1f ms at start-up)" % (
              len(warm), len(codes), raw / 1e6, len(archive.getvalue()) / 1e6,
              len(archive.getvalue()) / raw if raw else 0, from_archive * 1e3,
              from_memory * 1e3, (from_archive - from_memory) * 1e3))


def locate(name):
    """The module's file here, found as the import system finds it, nothing run."""
    from importlib.machinery import PathFinder

    locations, spec = None, None
    parts = name.split(".")
    for depth in range(1, len(parts) + 1):
        spec = PathFinder.find_spec(".".join(parts[:depth]), locations)
        if spec is None:
            return None
        locations = spec.submodule_search_locations
    return spec.origin


def load_all(path, codes):
    """Seconds to read, inflate and unmarshal every module from the archive."""
    started = time.perf_counter()
    reader = zipimport.zipimporter(path)
    for name in codes:
        marshal.loads(reader.get_data(name.replace(".", "/") + ".pyc")
                      [hinted_runtime.PYC_HEADER_SIZE:])
    return time.perf_counter() - started


def unmarshal_all(codes):
    started = time.perf_counter()
    for data in codes.values():
        marshal.loads(data)
    return time.perf_counter() - started


if __name__ == "__main__":
    main(sys.argv[1:])
