"""Names a dataset, a manifest, a colleague's score file or a label supply never run as script in a page
(issue 43, items 2-3): a payload through every name source into report.html and across.html, opened in
headless Chromium with the item panel shown for every item; nothing may run, and the names must still be
shown (as text). The check fails on a page whose tables are drawn without escaping their texts."""
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from iqa_bench.cli import cli
from iqa_bench.reports import html_tables

from browser import browser_or_skip, console_errors
from fault_helpers import make_set

#: Each source's payload marks the page when it runs (no ',', '=' or ':' where the source refuses them).
IMG = "<img src=x onerror=document.body.classList.add('pwned')>"
SCRIPT = "<script>document.body.classList.add('pwned')</script>"


def _entry_point(tmp_path: Path, monkeypatch) -> str:
    """An installed plugin whose entry-point name is a script (a package's name is the package's to choose)."""
    import importlib

    package = tmp_path / "pkgs" / "hostile_plugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("def mae(ref, dist):\n    return (ref - dist).abs().mean((1, 2, 3))\n"
                                         "mae.higher_is_better = False\n")
    info = tmp_path / "pkgs" / "hostile_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hostile-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[iqa_bench.metrics]\n{SCRIPT} = hostile_plugin:mae\n")
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    importlib.invalidate_caches()
    return SCRIPT.lower()


def _hostile_recipe(tmp_path: Path) -> Path:
    """A colleague's recipe file whose title, labels and source are scripts: its paper page."""
    import yaml

    recipe = tmp_path / "hostile.yaml"
    recipe.write_text(yaml.safe_dump({"title": f"Table 1{IMG}", "kind": "regression", "columns": ["srocc"],
                                      "header": [f"Metric{IMG}"], "sources": [{"dataset": "sample"}],
                                      "source": f"a paper{SCRIPT}",
                                      "rows": [{"labels": [f"PSNR{IMG}"], "metric": "psnr", "published": [0.9]}]}))
    out = CliRunner().invoke(cli, ["paper", "--recipe-file", str(recipe), "--out", str(tmp_path / "paper"),
                                   "--results", str(tmp_path / "paper-res"), "--no-plots", "--bootstrap", "0"])
    assert out.exit_code == 0, out.output
    pages = list((tmp_path / "paper").glob("*.html"))
    assert len(pages) == 1
    return pages[0]


def _hostile_run(tmp_path: Path, monkeypatch) -> Path:
    plugin = _entry_point(tmp_path, monkeypatch)
    root = make_set(tmp_path / "set", n=6)
    rows = ["ref,dist,score,item,distortion,reference"]
    for k in range(6):
        dist = f"x{k}{IMG}.png"  # a file named so
        (root / f"dist{k}.png").rename(root / dist)
        rows.append(f"ref{k}.png,{dist},{10 - k},item{k}{IMG},{'jpeg' if k % 2 else IMG},ref{k}{IMG}")
    (root / "manifest.csv").write_text("\n".join(rows) + "\n")
    values = root / "values.txt"
    values.write_text("".join(f"{v}\n" for v in (1, 2, 3, 4, 5, 6)))
    config = tmp_path / "run.yaml"
    config.write_text(f"scores:\n  \"{SCRIPT}:lower\": {values}\n")
    out = CliRunner().invoke(cli, ["evaluate", "--config", str(config), "-d", "custom", "--root", str(root),
                                   "-o", f"score_name=MOS{SCRIPT}", "--metrics", f"psnr,ssim,{plugin}", "--label",
                                   f"psnr=PSNR{IMG}", "--fit", "all", "--bootstrap", "20", "--no-progress",
                                   "--batch-size", "2", "--results", str(tmp_path / "res"), "--run", "hostile"])
    assert out.exit_code == 0, out.output
    run = tmp_path / "res" / "hostile"
    across = CliRunner().invoke(cli, ["across", str(run), "--format", "html"])
    assert across.exit_code == 0, across.output
    (run / "across.html").write_text(across.output)
    (run / "paper.html").write_text(_hostile_recipe(tmp_path).read_text())
    return run


def check_nothing_runs(run: Path) -> None:
    driver = browser_or_skip()
    try:
        for page in ("report.html", "across.html", "paper.html"):
            if not (run / page).exists():
                continue
            driver.get((run / page).resolve().as_uri())
            driver.execute_script("if(window.showItem&&document.getElementById('run-data')){"
                                  "const D=JSON.parse(document.getElementById('run-data').textContent);"
                                  "for(let i=0;i<D.items.length;i+=1)showItem(i);}")
            ran = driver.execute_script("return document.body.classList.contains('pwned')")
            assert not ran, f"{page}: a name ran as script"
            text = driver.execute_script("return document.body.innerText")
            assert "onerror=document.body" in text or "<script>" in text, f"{page}: the names are not shown"
            assert [e for e in console_errors(driver) if "pwned" in e.get("message", "")] == []
    finally:
        driver.quit()


def test_no_name_runs_as_script_in_any_page(tmp_path, monkeypatch):
    run = _hostile_run(tmp_path, monkeypatch)
    page = (run / "report.html").read_text()
    assert IMG not in re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)
    check_nothing_runs(run)


def test_the_injection_check_fails_on_raw_html(tmp_path, monkeypatch):
    """The tables drawn with their texts passed through unescaped (as raw HTML in Markdown once was): the
    check fails."""
    monkeypatch.setattr(html_tables, "escape", str)
    run = _hostile_run(tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="ran as script"):
        check_nothing_runs(run)


@pytest.mark.parametrize("name,cell", [("noise|white", r"noise\|white"), ("two\nlines", "two lines")])
def test_a_pipe_or_a_newline_in_a_name_keeps_the_markdown_table_whole(name, cell):
    from iqa_bench.reports.renderers import RENDERERS
    from iqa_bench.reports.table_model import Cell, Column, Document, Row, Table
    from iqa_bench.reports.tables import md_cell

    assert md_cell(name) == cell
    text = RENDERERS["md"].draw(Document([Table([Column("b")], [Row(name, [Cell("1")])], name_header="a")]))
    assert text.splitlines()[2] == f"| {cell} | 1 |"


def test_the_injection_check_fails_on_unescaped_script_insertion(tmp_path, monkeypatch):
    """The page's script inserting names with innerHTML unescaped (as before): the check fails too."""
    from iqa_bench.reports import html_run

    identity = "const esc=t=>String(t);"
    assert html_run.SCRIPT.count("const esc=") == 1
    monkeypatch.setattr(html_run, "SCRIPT", re.sub(r"const esc=.*?;\n", identity + "\n", html_run.SCRIPT, count=1))
    run = _hostile_run(tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="ran as script"):
        check_nothing_runs(run)
