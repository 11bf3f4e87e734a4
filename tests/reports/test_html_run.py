"""report.html (issue 30): one self-contained page per run, checked in the file and in headless Chromium
with the network blocked: no console error, one table row per metric, sorting by SROCC as summary.csv
sorted by |SROCC|, a hovered scatter point names the item scores.csv has at its coordinates, one heat-map
cell per ordered pair of significance.csv, the distortion filter obeyed by every scatter."""
import base64
import io
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from iqa_bench.cli import cli
from iqa_bench.reports import html_run
from iqa_bench.reports.html_page import json_block
from iqa_bench.reports.renderers import FORMATS, TABLE_RENDERERS, renderer

from browser import browser_or_skip, console_errors, open_page


SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "iqa" / "tid2013" / "yy3948+IQA"
SAMPLE_METRICS = "psnr,ssim,gmsd,haarpsi,mdsi"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """The embedded sample with five classical metrics, thumbnails on."""
    results = tmp_path_factory.mktemp("html") / "results"
    out = CliRunner().invoke(cli, ["evaluate", "--results", str(results), "--metrics", SAMPLE_METRICS,
                                   "--bootstrap", "100", "--no-progress", "--no-plots", "--thumbnails"])
    assert out.exit_code == 0, out.output
    return results / "sample"


def payload(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_html_is_a_format_of_every_command_but_not_a_per_table_file():
    assert "html" in FORMATS and "html" not in TABLE_RENDERERS
    assert set(TABLE_RENDERERS) == {"md", "latex", "csv"}


def test_the_page_holds_everything_and_fetches_nothing(sample_run):
    page = (sample_run / "report.html").read_text()
    markup = re.sub(r"<script.*?</script>", "", page, flags=re.S)  # the HTML outside the scripts
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.I)  # every script inline
    assert not re.search(r"""\s(src|href)\s*=\s*(?!["']?(#|data:))""", markup, re.I)  # only anchors and data URIs
    assert "<link" not in markup and "@import" not in page and "url(http" not in page
    assert page.count("<script") == page.count("</script>")
    assert "Plotly" in page and len(page) < 10_000_000
    data = payload(page)
    scores = pd.read_csv(sample_run / "scores.csv")
    assert data["items"] == list(scores["item"])
    assert data["score"] == list(scores["score"])
    for metric in data["metrics"]:  # every value exactly as scores.csv has it
        assert metric["values"] == [None if np.isnan(v) else v for v in scores[metric["spec"]]]
    assert [m["spec"] for m in data["metrics"]] == SAMPLE_METRICS.split(",")
    codes = data["groups"]["distortion"]
    assert [codes["names"][c] for c in codes["codes"]] == list(scores["group:distortion"])
    assert data["every"] == 1
    assert str(sample_run.parent.parent) not in page  # the root's name only, never an absolute path


def test_thumbnails_are_small_jpegs_of_the_items(sample_run):
    from PIL import Image

    data = payload((sample_run / "report.html").read_text())
    thumbs = data["thumbs"]
    references = pd.read_csv(sample_run / "scores.csv")["group:reference"]
    assert len(thumbs["dist"]) == len(data["items"]) and len(thumbs["ref"]) == references.nunique() == 6
    from iqa_bench.datasets import create_dataset
    from iqa_bench.reports.thumbnails import thumbnail_uri

    items = {it.item_id: it for it in create_dataset("sample").items()}
    for k in (0, 77, 149):  # each item's own images
        item = items[data["items"][k]]
        assert thumbs["dist"][k] == thumbnail_uri(item.dist_path)
        assert thumbs["ref"][thumbs["ref_of"][k]] == thumbnail_uri(item.ref_path)
    head, encoded = thumbs["dist"][0].split(",", 1)
    assert head == "data:image/jpeg;base64"
    image = Image.open(io.BytesIO(base64.b64decode(encoded)))
    assert image.format == "JPEG" and max(image.size) == 96


def test_significance_cells_are_the_pairs_of_significance_csv(sample_run):
    data = payload((sample_run / "report.html").read_text())
    pairs = pd.read_csv(sample_run / "significance.csv")
    f = data["significance"]["tests"]["f"]
    cells = sum(v is not None for row in f["z"] for v in row)
    assert cells == len(pairs) == 5 * 4
    names = data["significance"]["names"]
    summary = pd.read_csv(sample_run / "summary.csv")
    shown = dict(zip(summary["metric"], summary["label"]))
    for _, pair in pairs.iterrows():  # each cell holds its pair's symbol and p-value
        i, j = (names.index(shown[m]) for m in (pair.row, pair.col))
        assert f["z"][i][j] == pair.f_symbol
        assert f"p = {pair.f_p:.4g}" in f["text"][i][j]


def test_report_command_writes_the_same_page(sample_run, tmp_path):
    out = CliRunner().invoke(cli, ["report", str(sample_run), "--format", "html", "--thumbnails",
                                   "-o", str(tmp_path / "again.html")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "again.html").read_bytes() == (sample_run / "report.html").read_bytes()
    refused = CliRunner().invoke(cli, ["report", str(sample_run), "--thumbnails"])
    assert refused.exit_code == 2 and "--format html" in refused.output


def test_scatters_are_thinned_only_above_the_limit(monkeypatch):
    assert html_run._shown_every(3000, 14) == 1
    monkeypatch.setattr(html_run, "MAX_POINTS", 10_000)
    assert html_run._shown_every(3000, 14) == 5  # 42000 points / 10000 -> every 5th item


def test_tables_of_other_commands_are_sortable_pages(tmp_path):
    from iqa_bench.reports.table_model import Cell, Column, Document, Row, Table

    document = Document([Table([Column("SROCC")], [Row("A", [Cell("0.9", bold=True)]), Row("B", [Cell("0.8")])])])
    html = renderer("html").draw(document, "t")
    assert '<table class="sortable">' in html and "<strong>0.9</strong>" in html and "<h1>t</h1>" in html
    with pytest.raises(ValueError, match="html"):
        renderer("pdf")


def _isolated_point(driver, div_id: str) -> dict:
    """The point of a scatter farthest from any other (so "closest" hover cannot pick another), its
    trace, its coordinates and its position in the page."""
    return driver.execute_script("""
      const gd=document.getElementById(arguments[0]);const xa=gd._fullLayout.xaxis,ya=gd._fullLayout.yaxis;
      const pts=[];gd._fullData.forEach((t,k)=>{if(t.mode!=='markers'||t.visible!==true)return;
        t.x.forEach((x,i)=>pts.push({k:k,i:i,x:x,y:t.y[i],px:xa._offset+xa.l2p(xa.d2l(x)),py:ya._offset+ya.l2p(ya.d2l(t.y[i]))}));});
      let best=null,bestD=-1;pts.forEach(p=>{let d=1e9;pts.forEach(q=>{if(q!==p){const e=Math.hypot(p.px-q.px,p.py-q.py);if(e<d)d=e;}});
        if(d>bestD&&p.px>xa._offset+5&&p.py<ya._offset+ya._length-5){bestD=d;best=p;}});
      const r=gd.getBoundingClientRect();best.width=r.width;best.height=r.height;best.gap=bestD;return best;""", div_id)


def check_in_browser(run_dir: Path, screenshot: Path) -> float:
    """The Done-when checks of issue 30 on ``run_dir/report.html``; returns the load time (s)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver = browser_or_skip()
    try:
        seconds = open_page(driver, run_dir / "report.html",
                            "return window.Plotly!==undefined && document.querySelectorAll('.metric-scatter .main-svg').length>0"
                            " && document.getElementById('heatmap').data!==undefined")
        assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
        # issue 43, item 16: at 1400 px no table scrolls sideways (intervals under their values, SROCC per
        # group in tables of 8 groups with wrapping headings)
        assert driver.execute_script("return window.innerWidth") == 1400
        scrolling = driver.execute_script(
            "return Array.from(document.querySelectorAll('.wide')).filter(w=>w.scrollWidth>w.clientWidth+1)"
            ".map(w=>[w.querySelector('table').id||w.querySelector('table').className,w.scrollWidth])")
        assert scrolling == []
        summary = pd.read_csv(run_dir / "summary.csv")
        overall = summary[summary["group"] == "all"]
        rows = driver.find_elements(By.CSS_SELECTOR, "#summary-table tbody tr")
        assert len(rows) == len(overall)
        driver.find_element(By.CSS_SELECTOR, '#summary-table th[data-stat="srocc"]').click()
        shown = [r.get_attribute("data-spec") for r in driver.find_elements(By.CSS_SELECTOR, "#summary-table tbody tr")]
        expected = overall.assign(size=overall["srocc"].abs()).sort_values("size", ascending=False, kind="stable",
                                                                          na_position="last")
        assert shown == list(expected["metric"])

        scores = pd.read_csv(run_dir / "scores.csv")
        div = driver.find_element(By.ID, "scatter-0")
        point = _isolated_point(driver, "scatter-0")
        assert point["gap"] > 3, "no isolated point to hover"
        ActionChains(driver).move_to_element_with_offset(div, int(point["px"] - point["width"] / 2),
                                                         int(point["py"] - point["height"] / 2)).perform()
        deadline = time.time() + 10
        text = ""
        while not text and time.time() < deadline:
            text = driver.execute_script("const h=document.querySelector('#scatter-0 .hoverlayer .hovertext');"
                                         "return h?h.textContent:'';")
        spec = div.get_attribute("data-spec")
        at_point = scores[(scores[spec] == point["x"]) & (scores["score"] == point["y"])]
        assert len(at_point) >= 1, (point, spec)
        assert any(name in text for name in at_point["item"]), (text, list(at_point["item"]))

        pairs = pd.read_csv(run_dir / "significance.csv")
        cells = driver.execute_script("return document.getElementById('heatmap').data[0].z.flat()"
                                      ".filter(v=>v!==null).length")
        assert cells == len(pairs)

        first = driver.find_element(By.CSS_SELECTOR, "input.cat[data-cat='0']")
        first.click()  # one distortion type off: hidden in every scatter
        hidden = driver.execute_script("return Array.from(document.querySelectorAll('.metric-scatter')).map(d=>"
                                       "d.data.filter(t=>t.meta===0).every(t=>t.visible==='legendonly'))")
        assert hidden and all(hidden)
        first.click()
        assert console_errors(driver) == []
        driver.save_screenshot(str(screenshot))
        assert screenshot.stat().st_size > 10_000
    finally:
        driver.quit()
    return seconds


def test_sample_report_in_headless_chromium(sample_run, tmp_path):
    check_in_browser(sample_run, tmp_path / "report.png")


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "metrics_values").is_dir(), reason=f"TID2013 score files not at {SHARED}")
def test_tid2013_metadata_only_report_in_headless_chromium(tmp_path):
    """3000 items x 14 official metric values: the page stays under 10 MB and passes the same checks."""
    out = CliRunner().invoke(cli, ["evaluate", "-d", "tid2013", "--root", str(SHARED), "--scores-dir",
                                   str(SHARED / "metrics_values"), "--bootstrap", "100", "--no-progress",
                                   "--no-plots", "--results", str(tmp_path / "results"), "--run", "tid"])
    assert out.exit_code == 0, out.output
    run_dir = tmp_path / "results" / "tid"
    size = (run_dir / "report.html").stat().st_size
    assert size < 10_000_000
    data = payload((run_dir / "report.html").read_text())
    assert len(data["items"]) == 3000 and len(data["metrics"]) == 14 and data["every"] == 1
    check_in_browser(run_dir, tmp_path / "tid2013.png")


def _without_a_row(page: str) -> str:
    return re.sub(r'<tr data-spec="ssim">.*?</tr>', "", page, count=1, flags=re.S)


def _names_shifted(page: str) -> str:
    """Every item's name moved to the next item: a hover names the wrong item."""
    data = payload(page)
    data["items"] = data["items"][1:] + data["items"][:1]
    return re.sub(r'<script type="application/json" id="run-data">.*?</script>',
                  lambda _: json_block("run-data", data), page, count=1, flags=re.S)


def _fetching(page: str) -> str:
    return page.replace("</body>", '<img alt="" src="https://example.org/pixel.png"></body>')


@pytest.mark.parametrize("damage", [_without_a_row, _names_shifted, _fetching])
def test_a_broken_page_fails_the_browser_check(sample_run, tmp_path, damage):
    """The browser checks can fail: a table that lost a row, items misattributed, a request to a host."""
    broken = tmp_path / "broken"
    shutil.copytree(sample_run, broken)
    page = (broken / "report.html").read_text()
    assert damage(page) != page
    (broken / "report.html").write_text(damage(page))
    with pytest.raises(AssertionError):
        check_in_browser(broken, tmp_path / "broken.png")
