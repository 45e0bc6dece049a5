"""The build report: what the dist holds, what was left out and why, what verify found.

Written by the plugin when Nuitka has finished the dist, as JSON
(``<output-dir>/<stem>.hints-report.json``, for CI and other tools) and as one
self-contained HTML page beside it (``<stem>.hints.html``: no network, no
external file; it draws its picture itself from the JSON embedded in it).
``nuitka_hints.py --verify`` adds the verify results to both.

The report's one owner: the plugin hands it its decisions (``build``), the
invoker its verify results (``add_verify``).  Shared by both, so it sits beside
them; it imports only the standard library and the hints file's owner.
"""

import collections
import json
import os
import sys

import hints_file
from hinted_decisions import HOT_SAMPLES, HOT_SHARE, LEFT_TO_PYTHON
from hinted_runtime import LEFT_OUT_START, is_shared_object

REPORT_FORMAT = 1

# What a file in the dist is, for the picture.
KINDS = ("binary", "extension", "library", "data")


# What Nuitka names a program binary: <script stem> + this, unless told otherwise.
BINARY_SUFFIX = ".exe" if sys.platform == "win32" else ".bin"


def stem_of(dist_dir):
    """The name of a dist folder without Nuitka's ``.dist``."""
    name = os.path.basename(os.path.normpath(dist_dir))
    return name[: -len(".dist")] if name.endswith(".dist") else name


def report_paths(dist_dir):
    """(json, html) paths of the report of the build whose dist folder is ``dist_dir``."""
    folder, stem = os.path.dirname(os.path.normpath(dist_dir)), stem_of(dist_dir)
    return (os.path.join(folder, stem + ".hints-report.json"),
            os.path.join(folder, stem + ".hints.html"))


def build(dist_dir, hints, built, nuitka, why, left_out, overruled, families, data_files,
          slimmed, cold=None, left_to_python=()):
    """The report's data: the dist (``dist_inventory``), the modules in the build
    (``built``: name -> how, ``why`` each is there), those left out ((module, the
    module importing it, the reason) each; those the program's own code imports
    first: the branches no recorded run took), where the record was overruled
    (``overruled``: name -> why; the modules ``left_to_python``), the data files
    (``hinted_data_files.DataFiles``), the families the runs picked from, what
    slimming the dist saved; the cold tier (``hinted_cold.ColdTier.write``'s
    summary, None without one; the modules left out that it holds are marked
    "cold"); verify fills ``verify`` in later."""
    program = {n for n, m in hints.modules.items() if m.get("where") == hints_file.PROGRAM}
    program.add("__main__")
    cold = {key: value for key, value in cold.items() if key != "index"} if cold else None
    cold_modules = (cold or {}).get("why", {})
    left = [{"module": name, "imported_by": using,
             "reason": reason + ("; in the cold tier" if name in cold_modules else ""),
             "by_program": using in program, "cold": name in cold_modules,
             "fix": "trace a run that imports it, or --hinted-keep=%s" % name}
            for name, using, reason in left_out]
    left.sort(key=lambda item: (not item["by_program"], item["module"]))
    shares = hints.cpu_shares()
    extensions = [name for name, how in built.items() if how == "extension"]
    return {
        "report": REPORT_FORMAT,
        "program": stem_of(dist_dir),
        "tag": hints.tag,
        "python": sys.version.split()[0],
        "nuitka": nuitka,
        "hints_file": os.path.basename(hints.filename),
        "runs": [{"number": number, "argv": run["argv"], "exit_status": run["exit_status"],
                  "started": run.get("started"), "duration": run.get("duration")}
                 for number, run in enumerate(hints.runs, 1)],
        "dist": dist_inventory(dist_dir, binary_in(dist_dir), extensions),
        "modules": {how: sum(1 for h in built.values() if h == how)
                    for how in ("compiled", "bytecode", "extension")},
        "kept": [{"module": name, "how": how, "why": why[name], "cpu_share": shares.get(name)}
                 for name, how in sorted(built.items())],
        "left_out": left,
        "overruled": [{"module": name, "why": why} for name, why in sorted(overruled.items())]
        + [{"module": name, "why": LEFT_TO_PYTHON} for name in sorted(left_to_python)],
        "families": families,
        "data_files": {"added": data_files.added, "left_out": data_files.left_out,
                       "stale": data_files.stale, "held_back": data_files.gate.held_back},
        "slimmed": slimmed,
        "cold": cold,
        "verify": None,
    }


def binary_in(dist_dir):
    """The program binary's name in a dist folder: ``<stem>.bin`` unless
    ``--output-filename`` named it otherwise, then the one executable file
    beside the libraries."""
    named = stem_of(dist_dir) + BINARY_SUFFIX
    if os.path.isfile(os.path.join(dist_dir, named)):
        return named
    executables = [n for n in sorted(os.listdir(dist_dir)) if not is_shared_object(n) and
                   os.path.isfile(os.path.join(dist_dir, n)) and
                   os.access(os.path.join(dist_dir, n), os.X_OK)]
    return executables[0] if len(executables) == 1 else named


def dist_inventory(dist_dir, binary_name, extension_modules):
    """Size and files of the dist, by top-level folder and kind of file.

    ``extension_modules``: names of the extension modules in the build (Nuitka
    puts ``a.b`` at ``a/b.so``); other shared objects are libraries.  Extension
    modules beside the binary (most of them the standard library's) are one row.
    """
    extension_files = {name.replace(".", "/") + suffix
                       for name in extension_modules for suffix in (".so", ".pyd")}
    by_package, size, files = {}, 0, 0
    for directory, _, names in os.walk(dist_dir):
        for name in names:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, dist_dir).replace(os.sep, "/")
            if name == binary_name:
                kind, top = "binary", "(program binary)"
            elif relative in extension_files:
                kind = "extension"
                top = relative.split("/")[0] if "/" in relative else \
                    "(extension modules beside the binary)"
            else:
                kind = "library" if is_shared_object(name) else "data"
                top = relative.split("/")[0] if "/" in relative else name.split(".")[0]
            bytes_ = os.lstat(path).st_size  # a link to an identical file costs its name
            entry = by_package.setdefault(top, dict.fromkeys(KINDS, 0))
            entry[kind] += bytes_
            size += bytes_
            files += 1
    return {"folder": dist_dir, "size": size, "files": files, "by_package": by_package}


def write(report, dist_dir):
    """Write the report as JSON and as the HTML page; return the page's path."""
    json_path, html_path = report_paths(dist_dir)
    with open(json_path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    with open(html_path, "w", encoding="utf-8") as handle:
        handle.write(render(report))
    return html_path


def add_verify(dist_dir, results):
    """Put verify's results (one dict per run) into an existing report."""
    json_path, _ = report_paths(dist_dir)
    if not os.path.exists(json_path):
        return None
    with open(json_path, encoding="utf-8") as handle:
        report = json.load(handle)
    report["verify"] = results
    return write(report, dist_dir)


def summary_line(report, html_path):
    modules = report["modules"]
    return ("nuitka-hints: dist %.1f MB in %d files; modules kept %d (compiled %d, bytecode %d, "
            "extension %d), %s, left out %d; data files added %d, left out %d; %s; %s; runs %d; "
            "report %s"
            % (report["dist"]["size"] / 1e6, report["dist"]["files"],
               sum(modules.values()), modules["compiled"], modules["bytecode"],
               modules["extension"], cold_text(report.get("cold")),
               sum(1 for item in report["left_out"] if not item["cold"]),
               len(report["data_files"]["added"]), len(report["data_files"]["left_out"]),
               families_text(report.get("families") or []),
               slimmed_text(report.get("slimmed") or {}), len(report["runs"]), html_path))


def cold_text(cold):
    """The cold tier, in a few words."""
    if not cold:
        return "no cold tier"
    return "cold %d (%.1f MB archive, %d extension modules, %d of them in it, %.1f s%s)" % (
        cold["modules"], cold["archive_size"] / 1e6, len(cold["extensions"]),
        len(cold["extensions_in_archive"]), cold["seconds"],
        "; %d distributions with compiled code no run imported left out" % len(
            {name.partition(".")[0] for name, _ in cold["left_out"]}) if cold["left_out"] else "")


def families_text(families):
    """The families the runs picked from, in a few words."""
    members = sum(len(family["left_out"]) for family in families)
    fate = "kept" if families and families[0]["kept"] else "left out"
    return "families %d (%d members %s)" % (len(families), members, fate)


def slimmed_text(slimmed):
    """What ``hinted_dist.slim`` did, in a few words."""
    parts = []
    for key, verb in (("stripped", "stripped"), ("linked", "identical files linked")):
        done = slimmed.get(key)
        if isinstance(done, dict):
            parts.append("%s %d (-%.1f MB)" % (verb, done["files"], done["saved"] / 1e6))
            for file, why in done.get("failed", [])[:1]:  # the JSON report lists them all
                parts.append("%d left unstripped (%s: %s)" % (len(done["failed"]), file, why))
        elif done:
            parts.append("not %s: %s" % (verb, done))
    return ", ".join(parts) or "not slimmed"


def render(report):
    """The HTML page: the report's JSON embedded, drawn by the page's own script."""
    data = json.dumps(report).replace("<", "\\u003c")  # nothing in it can end the script
    page = PAGE.replace("TITLE", _escape_html(report["program"]))
    return page.replace("/*DATA*/", data)


def _escape_html(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>TITLE: hinted build report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1240px;
       color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
.numbers { display: flex; flex-wrap: wrap; gap: .6em; margin: .8em 0; }
.number { border: 1px solid #ccd; border-radius: 6px; padding: .4em .8em; background: #f7f8fb; }
.number b { display: block; font-size: 1.3em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; }
th, td { text-align: left; padding: .2em .5em; border-bottom: 1px solid #e3e3e8;
         vertical-align: top; }
th { cursor: pointer; background: #eef0f5; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.95em; }
.program { background: #fff4e0; }
.bars { margin: .5em 0; }
.row { display: flex; align-items: center; margin: 2px 0; }
.row .label { width: 16em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.row .track { flex: 1; display: flex; height: 1.1em; }
.row .size { width: 7em; text-align: right; font-variant-numeric: tabular-nums; }
.bar { height: 100%; }
.binary { background: #4c72b0; } .extension { background: #dd8452; }
.library { background: #55a868; } .data { background: #c44e52; }
.legend span { display: inline-block; width: .9em; height: .9em; margin: 0 .3em 0 1em;
               vertical-align: middle; }
.same { color: #1a7f37; } .differs { color: #cf222e; font-weight: bold; }
input[type=search] { font-size: 1em; padding: .3em .5em; width: 24em; }
@media print { input[type=search] { display: none; } th { position: static; } }
</style></head>
<body>
<h1>TITLE</h1>
<div id="facts"></div>
<div class="numbers" id="numbers"></div>
<h2>Runs</h2>
<table id="runs"><thead><tr><th>run</th><th>command</th><th class="num">exit status</th>
<th>when</th><th class="num">seconds</th></tr></thead><tbody></tbody></table>
<h2>What the dist holds</h2>
<div class="legend">by top-level folder and kind, bytes on disk:<span class="binary"></span>program
binary (compiled C and bytecode)<span class="extension"></span>extension modules
<span class="library"></span>shared libraries<span class="data"></span>data files</div>
<div class="bars" id="bars"></div>
<p><input type="search" id="search" placeholder="filter modules by name"></p>
<h2>Left out</h2>
<p>Modules Nuitka met that no recorded run imported. Those imported by the program's own code
(highlighted, listed first) are the branches no recorded run took: the likely failures.</p>
<table id="left-out"><thead><tr><th>module</th><th>imported by</th><th>reason</th>
<th>fix</th></tr></thead><tbody></tbody></table>
<h2>Overruled</h2>
<p>Where Nuitka's own configuration, or Nuitka itself, decided against the record.</p>
<table id="overruled"><thead><tr><th>module</th><th>why</th></tr></thead><tbody></tbody>
</table>
<h2>Families</h2>
<p>A program picks from a family at run time: a module it imports by a computed name from
its package's modules, a data file from the files of its kind in its folder. What the
runs picked, and the rest (shipped with --hinted-families=keep or --hinted-safe).</p>
<table id="families"><thead><tr><th>family</th><th>kind</th><th>picked</th>
<th>the rest</th></tr></thead><tbody></tbody></table>
<h2>Kept</h2>
<table id="kept"><thead><tr><th>module</th><th>in the build as</th><th>why</th>
<th class="num">CPU share</th></tr></thead><tbody></tbody></table>
<h2>Data files</h2>
<table id="data-files"><thead><tr><th>file</th><th>what happened</th>
<th class="num">size</th></tr></thead><tbody></tbody></table>
<h2>Verify</h2>
<table id="verify"><thead><tr><th>run</th><th>command</th><th>verdict</th>
<th>explanation</th></tr></thead><tbody></tbody></table>
<script type="application/json" id="report">/*DATA*/</script>
<script>
"use strict";
const report = JSON.parse(document.getElementById("report").textContent);
const mb = (bytes) => (bytes / 1e6).toFixed(1) + " MB";

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}
function fill(id, rows, make) {
  const body = document.querySelector("#" + id + " tbody");
  for (const item of rows) make(body.insertRow(), item);
  if (!rows.length) cell(body.insertRow(), "none").colSpan = 4;
}

document.getElementById("facts").textContent =
  "tag " + report.tag + ", Python " + report.python + ", Nuitka " + report.nuitka +
  ", hints " + report.hints_file;
const numbers = [
  [mb(report.dist.size), "dist, " + report.dist.files + " files"],
  [report.modules.compiled, "modules compiled to C"],
  [report.modules.bytecode, "modules as bytecode"],
  [report.modules.extension, "extension modules"],
  [report.cold ? report.cold.modules : 0, "modules in the cold tier" + (report.cold ?
    " (" + mb(report.cold.archive_size) + " archive)" : "")],
  [report.left_out.filter((item) => !item.cold).length, "modules left out"],
  [report.data_files.added.length, "data files added"],
  [Object.keys(report.data_files.left_out).length, "data files left out"],
  [report.runs.length, "recorded runs"],
  [mb(["stripped", "linked"].reduce((sum, key) => sum + (
    (report.slimmed || {})[key] && report.slimmed[key].saved || 0), 0)),
   "saved: libraries stripped, identical files linked"],
];
for (const [value, label] of numbers) {
  const box = document.createElement("div");
  box.className = "number";
  box.innerHTML = "<b></b><span></span>";
  box.firstChild.textContent = value;
  box.lastChild.textContent = label;
  document.getElementById("numbers").appendChild(box);
}
fill("runs", report.runs, (row, run) => {
  cell(row, run.number); cell(row, run.argv.join(" "));
  cell(row, run.exit_status, "num"); cell(row, run.started || "");
  cell(row, (run.duration || 0).toFixed(2), "num");
});

const packages = Object.entries(report.dist.by_package)
  .map(([name, kinds]) => [name, kinds, Object.values(kinds).reduce((a, b) => a + b, 0)])
  .sort((a, b) => b[2] - a[2]);
const largest = packages.length ? packages[0][2] : 1;
for (const [name, kinds, total] of packages) {
  const row = document.createElement("div");
  row.className = "row";
  for (const part of ["label", "track", "size"]) {
    row.appendChild(document.createElement("span")).className = part;
  }
  row.children[0].textContent = name;
  row.children[0].title = name;
  row.children[2].textContent = mb(total);
  for (const kind of ["binary", "extension", "library", "data"]) {
    if (!kinds[kind]) continue;
    const bar = document.createElement("span");
    bar.className = "bar " + kind;
    bar.style.width = (100 * kinds[kind] / largest) + "%";
    bar.title = name + ": " + kind + " " + mb(kinds[kind]);
    row.children[1].appendChild(bar);
  }
  document.getElementById("bars").appendChild(row);
}

fill("left-out", report.left_out, (row, item) => {
  if (item.by_program) row.className = "program";
  row.dataset.module = item.module;
  cell(row, item.module); cell(row, item.imported_by || ""); cell(row, item.reason);
  cell(row, item.fix);
});
fill("overruled", report.overruled || [], (row, item) => {
  row.dataset.module = item.module;
  cell(row, item.module); cell(row, item.why);
});
fill("families", report.families || [], (row, item) => {
  row.dataset.module = item.family;
  cell(row, item.family); cell(row, item.kind); cell(row, item.picked.join(", "));
  cell(row, (item.kept ? "shipped: " : "left out: ") + item.left_out.join(", "));
});
fill("kept", report.kept, (row, item) => {
  row.dataset.module = item.module;
  cell(row, item.module); cell(row, item.how); cell(row, item.why);
  cell(row, item.cpu_share === null ? "" : (100 * item.cpu_share).toFixed(1) + "%", "num");
});
const dataRows = report.data_files.added.map((f) => [f, "added: a run read it", null])
  .concat(Object.entries(report.data_files.left_out)
          .map(([f, size]) => [f, "left out: no run read it", size]))
  .concat(report.data_files.stale.map((f) => [f, "read in a run, not on this machine", null]))
  .concat(Object.entries(report.data_files.held_back)
    .map(([f, why]) => [f, "held back: " + why, null]));
fill("data-files", dataRows, (row, [file, what, size]) => {
  row.dataset.module = file;
  cell(row, file); cell(row, what);
  cell(row, size === null ? "" : (size / 1e3).toFixed(1) + " kB", "num");
});
fill("verify", report.verify || [], (row, item) => {
  cell(row, item.run); cell(row, item.argv.join(" "));
  cell(row, item.verdict, item.verdict === "differs" ? "differs" : "same");
  cell(row, (item.explanation || []).join(" / "));
});
if (!report.verify) {
  document.querySelector("#verify tbody").rows[0].cells[0].textContent =
    "not verified: nuitka_hints.py --verify adds the results here";
}

document.getElementById("search").addEventListener("input", (event) => {
  const text = event.target.value.toLowerCase();
  for (const row of document.querySelectorAll("tr[data-module]")) {
    row.hidden = !row.dataset.module.toLowerCase().includes(text);
  }
});
for (const table of document.querySelectorAll("table")) {
  table.querySelectorAll("th").forEach((th, column) => th.addEventListener("click", () => {
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const numeric = th.classList.contains("num");
    const key = (row) => numeric ? parseFloat(row.cells[column].textContent) || 0
                                 : row.cells[column].textContent;
    const direction = th.dataset.sorted === "up" ? -1 : 1;
    th.dataset.sorted = direction === 1 ? "up" : "down";
    rows.sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * direction);
    rows.forEach((row) => body.appendChild(row));
  }));
}
</script>
</body></html>
"""


def build_log(decisions, hints, kept, families, keep_families, cold_tier):
    """The lines the build logs about its decisions (``hinted_decisions``): what it
    kept and why, the families the runs picked from, what it dropped."""
    lines = ["Kept %d recorded modules and packages." % kept]
    if decisions.kept_without_record:
        reasons = collections.Counter(map(str, decisions.kept_without_record.values()))
        lines.append("Kept %d modules no run imported: %s." % (
            len(decisions.kept_without_record), most_common(reasons, 10)))
    if decisions.given_way:
        plugins = collections.Counter(p for names in decisions.given_way.values() for p in names)
        lines.append("Kept %d modules other plugins require: %s." % (
            len(decisions.given_way), ", ".join(
                "the %s plugin (%d)" % item for item in sorted(plugins.items()))))
    if decisions.as_bytecode:
        lines.append("Included %d unrecorded modules as bytecode." % len(decisions.as_bytecode))
    if families:
        lines.append(
            "The runs picked from %d families at run time (a module imported by a computed "
            "name, a data file among files of its kind): %s; %s." % (
                len(families), ", ".join("%s (%d of %d)" % (
                    f["family"], len(f["picked"]), len(f["picked"]) + len(f["left_out"]))
                    for f in families[:5]),
                "the rest of each ships" if keep_families else
                "the rest of each is in the cold tier (data files ship)" if cold_tier
                else "the rest of each is left out: --hinted-families=keep (or --hinted-safe) "
                "ships them"))
    if decisions.not_hot:
        lines.append(
            "Included %d recorded modules as bytecode: no recorded run spent %d%% of its CPU "
            "time (%d samples) in them (--hinted-compile=all compiles them)." % (
                len(decisions.not_hot), HOT_SHARE * 100, HOT_SAMPLES))
    looked_up = sorted(n for n in hints.looked_up if n not in decisions.kept_without_record)
    if looked_up:
        lines.append("Left out %d modules the runs looked up but never loaded (keep one with "
                     "--hinted-keep=NAME): %s." % (len(looked_up), ", ".join(looked_up[:10])))
    if decisions.dropped:
        stdlib = [n for n in decisions.dropped if n.partition(".")[0] in sys.stdlib_module_names]
        by_package = collections.Counter(name.partition(".")[0] for name in decisions.dropped)
        lines.append(
            "Dropped %d modules never imported in recorded runs (%d of the standard library); "
            "most from: %s." % (len(decisions.dropped), len(stdlib),
                                most_common(by_package, 10)))
    return lines


def family_rows(module_families, data_families, kept):
    """The families the runs picked from, modules and data files, as the report
    lists them: [{"family", "kind", "picked", "left_out", "kept"}], those with
    members the runs did not use."""
    rows = [{"family": package + ".*", "kind": "modules", "picked": picked,
             "left_out": left, "kept": kept}
            for package, (picked, left) in sorted(module_families.items()) if left]
    rows += [{"family": pattern, "kind": "data files", "picked": read, "left_out": left,
              "kept": kept}
             for pattern, (read, left) in sorted(data_families.items())]
    return rows


def no_run_of(hints, hints_name, script, cold_tier):
    """The line the build logs when no recorded run ran the script being built
    (None when one did, or the tracer was too old to say)."""
    runs = [run for run in hints.runs if "cwd" in run]
    ran = {os.path.realpath(os.path.join(run["cwd"], run["argv"][0]))
           for run in runs if not run.get("module") and run.get("argv")}
    if not script or not runs or os.path.realpath(script) in ran:
        return None
    return "No recorded run in %s ran %s (they ran %s): what it imports at module level is " \
        "kept%s." % (hints_name, os.path.basename(script), ", ".join(sorted({
            " ".join(run["argv"][:2]) for run in runs})) or "nothing",
            ", the rest it could reach is in the cold tier" if cold_tier else "")


def families_note(families):
    """The line a failing binary built without its families adds to its stderr."""
    named = ", ".join("%s (%d of %d shipped)" % (
        f["family"], len(f["picked"]), len(f["picked"]) + len(f["left_out"]))
        for f in families[:4])
    more = " and %d more" % (len(families) - 4) if len(families) > 4 else ""
    return ("%swhat no recorded run read of %s%s; if the program looked for one of them, "
            "rebuild with --hinted-families=keep (or --hinted-safe)\n" % (
                LEFT_OUT_START, named, more))


def most_common(counts, limit):
    """'name (count), ...' for the ``limit`` largest counts."""
    largest = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return ", ".join("%s (%d)" % item for item in largest)
