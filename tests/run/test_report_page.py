"""``report --format html`` of a finished run (``run/report_page.py``): the page evaluate wrote, drawn again
from the folder; the method tables (P.1401, Krasula, held-out mapping) as the run kept them, computed again
only where the kept file is absent, damaged or the settings changed."""
import json

import pytest
from click.testing import CliRunner

from iqa_bench.cli import cli
from iqa_bench.run import method_outputs
from iqa_bench.run.method_outputs import SECTIONS_FILE, read_sections

from dataset_trees import build_tid2013_metadata


@pytest.fixture(scope="module")
def spread_run(tmp_path_factory):
    """A metadata-only TID2013 run with score spreads: every method table, its sections kept."""
    tmp = tmp_path_factory.mktemp("spread")
    root = build_tid2013_metadata(tmp / "tid")
    out = CliRunner().invoke(cli, ["evaluate", "-d", "tid2013", "--root", str(root), "--scores-dir",
                                   str(root / "metrics_values"), "--bootstrap", "20", "--no-progress", "--no-plots",
                                   "--mapping", "held-out", "--correct", "holm", "--results", str(tmp / "res")])
    assert out.exit_code == 0, out.output
    return tmp / "res" / "tid2013"


def _report(run, path, *options):
    done = CliRunner().invoke(cli, ["report", str(run), "--format", "html", "-o", str(path), *options])
    assert done.exit_code == 0, done.output
    return path.read_text()


def _counting(monkeypatch):
    computed = []
    real = method_outputs.method_results
    monkeypatch.setattr("iqa_bench.run.report_page.method_results",
                        lambda run: computed.append(run) or real(run))
    return computed


def test_the_report_page_is_the_run_page_and_draws_the_kept_sections(spread_run, tmp_path, monkeypatch):
    computed = _counting(monkeypatch)
    page = _report(spread_run, tmp_path / "again.html")
    assert computed == []  # nothing computed again: the sections the run kept
    assert page == (spread_run / "report.html").read_text()
    assert [anchor for anchor, _, _ in read_sections(spread_run)] == ["p1401", "krasula", "mapping", "waterloo"]
    for anchor in ("p1401", "krasula", "mapping", "waterloo"):
        section = page.split(f'id="{anchor}"')[1].split("<h2 ")[0]
        assert '<table class="sortable">' in section and "|---" not in section and "**" not in section  # not Markdown


@pytest.mark.parametrize("damage", ["absent", "not json", "a field of the wrong type", "an unknown section"])
def test_a_missing_or_damaged_sections_file_is_computed_again_to_the_same_page(spread_run, tmp_path, monkeypatch,
                                                                                damage):
    kept = (spread_run / SECTIONS_FILE).read_text()
    record = json.loads(kept)
    try:
        if damage == "absent":
            (spread_run / SECTIONS_FILE).unlink()
        elif damage == "not json":
            (spread_run / SECTIONS_FILE).write_text(kept[: len(kept) // 2])
        elif damage == "a field of the wrong type":
            record["sections"][0]["document"]["tables"][0]["matrix"] = "<script>"
            (spread_run / SECTIONS_FILE).write_text(json.dumps(record))
        else:
            record["sections"][0]["anchor"] = "<img src=x onerror=alert(1)>"
            (spread_run / SECTIONS_FILE).write_text(json.dumps(record))
        computed = _counting(monkeypatch)
        page = _report(spread_run, tmp_path / "again.html")
    finally:
        (spread_run / SECTIONS_FILE).write_text(kept)
    assert len(computed) == 1
    assert page == (spread_run / "report.html").read_text()


def test_changed_settings_compute_the_sections_again(spread_run, tmp_path, monkeypatch):
    computed = _counting(monkeypatch)
    page = _report(spread_run, tmp_path / "logistic4.html", "--fit", "logistic4")
    assert len(computed) == 1 and computed[0].settings.fit == "logistic4"
    assert page != (spread_run / "report.html").read_text()


def test_a_kept_section_is_drawn_as_text_never_as_markup(spread_run, tmp_path):
    kept = (spread_run / SECTIONS_FILE).read_text()
    record = json.loads(kept)
    record["sections"][0]["document"]["tables"][0]["rows"][0]["name"] = "<script>alert(1)</script>"
    try:
        (spread_run / SECTIONS_FILE).write_text(json.dumps(record))
        page = _report(spread_run, tmp_path / "again.html")
    finally:
        (spread_run / SECTIONS_FILE).write_text(kept)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
