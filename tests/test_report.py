"""hinted_report.py: the page carries its data intact, whatever the data holds."""

import json
import os

import hinted_report


def test_the_embedded_data_survives_script_tags_and_the_title_placeholder():
    report = {"program": "TITLE<b>", "runs": [{"argv": ["app.py", "TITLE", "</script><!--"]}]}
    page = hinted_report.render(report)
    start = page.index('id="report">') + len('id="report">')
    embedded = page[start:page.index("</script>", start)]
    assert json.loads(embedded) == report and "<" not in embedded
    assert "<title>TITLE&lt;b&gt;: hinted build report</title>" in page


def test_report_paths_sit_beside_the_dist_folder():
    assert hinted_report.report_paths("out/app.dist") == (
        "out/app.hints-report.json", "out/app.hints.html")


def tree(root, files):
    """Files (path -> bytes) below ``root``; a str value makes a symbolic link to it."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.symlink_to(content)
        else:
            path.write_bytes(content)
    return root


def test_the_dist_inventory_sorts_files_by_folder_and_kind(tmp_path):
    dist = tree(tmp_path / "app.dist", {
        "app.bin": b"b" * 100, "_json.so": b"e" * 10, "libssl.so.3": b"l" * 20,
        "pkg/fast.so": b"e" * 30, "pkg/libhelper-1a2b.so.1": b"l" * 40, "pkg/data.txt": b"d" * 5,
        "pkg/same.so": "fast.so", "certifi/cacert.pem": b"d" * 7})
    inventory = hinted_report.dist_inventory(str(dist), "app.bin", ["_json", "pkg.fast"])
    link_size = os.lstat(dist / "pkg" / "same.so").st_size
    assert inventory["files"] == 8
    assert inventory["size"] == 100 + 10 + 20 + 30 + 40 + 5 + 7 + link_size
    by_package = inventory["by_package"]
    assert by_package["(program binary)"] == {"binary": 100, "extension": 0, "library": 0,
                                              "data": 0}
    assert by_package["(extension modules beside the binary)"]["extension"] == 10
    assert by_package["libssl"]["library"] == 20
    assert by_package["pkg"] == {"binary": 0, "extension": 30, "library": 40 + link_size,
                                 "data": 5}
    assert by_package["certifi"]["data"] == 7


def test_verify_results_go_into_the_report_beside_the_dist(tmp_path):
    dist = tmp_path / "out" / "app.dist"
    dist.mkdir(parents=True)
    assert hinted_report.add_verify(str(dist), [{"run": 1}]) is None  # no build report yet
    report = {"program": "app", "runs": [], "verify": None}
    page = hinted_report.write(report, str(dist))
    assert page == str(tmp_path / "out" / "app.hints.html")
    results = [{"run": 1, "argv": ["app.py"], "verdict": "same", "explanation": []}]
    assert hinted_report.add_verify(str(dist), results) == page
    with open(tmp_path / "out" / "app.hints-report.json") as handle:
        assert json.load(handle)["verify"] == results
    assert '"verdict": "same"' in (tmp_path / "out" / "app.hints.html").read_text()


def test_the_binary_is_found_by_its_stem_or_as_the_one_executable(tmp_path):
    dist = tree(tmp_path / "app.dist", {"renamed": b"x", "libz.so.1": b"y", "notes.txt": b"z"})
    assert hinted_report.binary_in(str(dist)) == "app" + hinted_report.BINARY_SUFFIX
    os.chmod(dist / "renamed", 0o755)
    os.chmod(dist / "libz.so.1", 0o755)
    assert hinted_report.binary_in(str(dist)) == "renamed"
    (dist / ("app" + hinted_report.BINARY_SUFFIX)).write_bytes(b"x")
    assert hinted_report.binary_in(str(dist)) == "app" + hinted_report.BINARY_SUFFIX
