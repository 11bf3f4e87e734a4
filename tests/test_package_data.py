"""The pages' CSS and JavaScript are package data (``iqa_bench/reports/assets``, issue 44): a wheel built
from the checkout ships them (and the metric listing and the recipes' YAML), and the pages read them from
the installed package, not from the source tree."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_wheel_of_the_checkout_ships_the_pages_assets(tmp_path):
    source = tmp_path / "source"  # a copy of what git tracks: the build writes nothing into the checkout
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=CHECKOUT, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout: the tracked files are unknown")
    for name in tracked.stdout.split("\0"):
        if name and (name.startswith("iqa_bench/") or name in ("setup.cfg", "pyproject.toml", "README.md")):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(CHECKOUT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                            str(tmp_path / "wheel"), str(source)], capture_output=True, text=True, timeout=600)
    if built.returncode != 0 and "No module named" in built.stderr:
        pytest.skip(f"cannot build a wheel here: {built.stderr.strip().splitlines()[-1]}")
    assert built.returncode == 0, built.stderr[-2000:]
    wheel, = (tmp_path / "wheel").glob("iqa_bench-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for asset in sorted((CHECKOUT / "iqa_bench" / "reports" / "assets").iterdir()):
        assert f"iqa_bench/reports/assets/{asset.name}" in names
    assert "iqa_bench/metrics_catalog.json" in names
    assert any(n.startswith("iqa_bench/recipes/published/") and n.endswith(".yaml") for n in names)


def test_the_pages_embed_the_asset_files_as_they_are():
    from iqa_bench.reports import html_page, html_run

    assets = CHECKOUT / "iqa_bench" / "reports" / "assets"
    assert html_page.STYLE == (assets / "page.css").read_text(encoding="utf-8")
    assert html_page.GLUE == (assets / "sortable_tables.js").read_text(encoding="utf-8")
    assert html_run.SCRIPT == (assets / "run_page.js").read_text(encoding="utf-8")
    text = html_page.page("t", ["<p>x</p>"], [html_run.SCRIPT], figures=False)
    assert f"<style>{html_page.STYLE}</style>" in text and f"<script>{html_run.SCRIPT}</script>" in text
