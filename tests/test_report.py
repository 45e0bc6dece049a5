"""hinted_report.py: the page carries its data intact, whatever the data holds."""

import json

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
