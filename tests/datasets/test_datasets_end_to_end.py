"""`iqa-bench evaluate` and `datasets check` on official-layout trees built from the real score files."""
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import dataset_trees as trees
from conftest import run_cli
from dataset_trees import needs_shared

pytestmark = [needs_shared, pytest.mark.slow]


@pytest.fixture(scope="module")
def live_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("live")
    trees.build_live_tree(root)
    return root


def test_evaluate_live_tree_end_to_end(live_tree, tmp_path):
    result = run_cli("evaluate", "--dataset", "live", "--root", live_tree, "--metrics", "psnr,ssim",
                     "--bootstrap", "100", "--no-plots", "--no-progress", "--results", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "DMOS" in result.stdout and "higher = worse quality" in result.stdout
    summary = pd.read_csv(tmp_path / "live" / "summary.csv")
    overall = summary[(summary["group"] == "all")].set_index("metric")
    assert (overall["n"] == 779).all()
    assert overall.loc["psnr", "srocc"] < -0.9   # noise grows with DMOS: PSNR falls
    assert set(summary["group"]) == {"all", "jp2k", "jpeg", "wn", "gblur", "fastfading"}
    original = run_cli("evaluate", "--dataset", "live", "--root", live_tree, "--live-dmos", "original",
                       "--metrics", "psnr", "--bootstrap", "0", "--no-plots", "--no-progress",
                       "--results", tmp_path, "--run", "live-original")
    assert original.returncode == 0, original.stderr
    scores = pd.read_csv(tmp_path / "live-original" / "scores.csv")
    pyiqa = pd.read_csv(trees.LIVE_PYIQA)
    assert dict(zip(scores["item"], scores["score"])) == pytest.approx(dict(zip(pyiqa["dist_name"], pyiqa["mos"])))


def test_datasets_check_reports_deleted_and_truncated_files(live_tree, tmp_path):
    clean = run_cli("datasets", "check", "live", "--root", live_tree)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "distorted: 779 (official: 779)" in clean.stdout and "references: 29" in clean.stdout
    assert "live: complete" in clean.stdout
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(live_tree, broken)
    deleted = sorted((broken / "wn").glob("*.bmp"))[0]
    deleted.unlink()
    truncated = sorted((broken / "jpeg").glob("*.bmp"))[0]
    truncated.write_bytes(truncated.read_bytes()[:300])
    report = run_cli("datasets", "check", "live", "--root", broken)
    assert report.returncode == 1
    assert f"missing file {deleted}" in report.stdout
    assert f"undecodable or truncated file {truncated}" in report.stdout
    assert "live: 2 problem(s)" in report.stdout
    # many missing files: one line per folder with the count, not one line each
    for path in sorted((broken / "gblur").glob("*.bmp"))[:5]:
        path.unlink()
    report = run_cli("datasets", "check", "live", "--root", broken)
    assert f"5 missing files in {broken / 'gblur'}: " in report.stdout and ", ..." in report.stdout
    assert "live: 3 problem(s)" in report.stdout
    # the score file: every missing one listed, with the alternative that is present
    (broken / "dmos_realigned.mat").unlink()
    (broken / "refnames_all.mat").unlink()
    report = run_cli("datasets", "check", "live", "--root", broken)
    assert report.returncode == 1
    assert f"missing score file {broken / 'dmos_realigned.mat'} (dmos.mat is present: use it with --live-dmos " \
           "original" in report.stdout
    assert f"missing score file {broken / 'refnames_all.mat'}" in report.stdout
    missing_scores = tmp_path / "noscores"
    missing_scores.mkdir()
    empty = run_cli("datasets", "check", "tid2013", "--root", missing_scores)
    assert empty.returncode == 1 and "mos_with_names.txt" in empty.stdout and "mos_std.txt" in empty.stdout


def test_evaluate_live_md_tree(tmp_path):
    trees.build_live_md_tree(tmp_path / "md", images=True)
    result = run_cli("evaluate", "--dataset", "live_md", "--root", tmp_path / "md", "--part", "1",
                     "--metrics", "mse", "--bootstrap", "0", "--no-plots", "--no-progress", "--results",
                     tmp_path / "res")
    assert result.returncode == 0, result.stderr
    scores = pd.read_csv(tmp_path / "res" / "live_md" / "scores.csv")
    assert len(scores) == 225 and scores["mse"].notna().all()


def test_six_real_tid2013_pairs_with_human_mos(tmp_path):
    pairs = trees.build_tid2013_real_pairs(tmp_path / "tid")
    result = run_cli("evaluate", "--dataset", "tid2013", "--root", tmp_path / "tid", "--metrics",
                     "psnr,ssim,fsim", "--bootstrap", "100", "--no-progress", "--results", tmp_path / "res")
    assert result.returncode == 0, result.stderr
    assert "MOS, 0-9, higher = better quality" in result.stdout
    scores = pd.read_csv(tmp_path / "res" / "tid2013" / "scores.csv").set_index("item")
    assert len(scores) == 6
    assert dict(scores["score"]) == pytest.approx(dict(zip(pairs["tid2013_name"], pairs["mos"])))
    # TID2013's own metrics_values/PSNRc.txt (colour PSNR) for the two pairs without a luminance change.
    assert scores.loc["i04_18_5.bmp", "psnr"] == pytest.approx(20.9872, abs=2e-4)
    assert scores.loc["i06_18_3.bmp", "psnr"] == pytest.approx(27.0139, abs=2e-4)
    summary = pd.read_csv(tmp_path / "res" / "tid2013" / "summary.csv")
    assert summary["status"].str.startswith("too few items").all()  # 6 < 8: said, not faked
    assert summary[summary["group"] == "all"]["srocc"].notna().all()


def test_bapps_tree_2afc_score(tmp_path):
    rows = trees.build_bapps_tree(tmp_path / "bapps", {"traditional": 30, "superres": 25})
    result = run_cli("evaluate", "--dataset", "bapps", "--root", tmp_path / "bapps", "--subsets",
                     "traditional,superres", "--metrics", "psnr,mse,ssim", "--bootstrap", "200",
                     "--no-progress", "--results", tmp_path / "res")
    assert result.returncode == 0, result.stderr
    summary = pd.read_csv(tmp_path / "res" / "bapps" / "summary.csv")
    # The less noisy patch is always the one most raters preferred: every metric earns max(j, 1 - j).
    expected = {s: np.maximum(p["judge"], 1 - p["judge"]).mean() for s, p in rows.groupby("subset")}
    for metric in ("psnr", "mse", "ssim"):
        got = summary[summary["metric"] == metric].set_index("group")["twoafc"]
        assert got["traditional"] == pytest.approx(expected["traditional"])
        assert got["superres"] == pytest.approx(expected["superres"])
        assert got["all"] == pytest.approx(np.mean(list(expected.values())))
    assert "2AFC score (%)" in result.stdout
    meta = json.loads((tmp_path / "res" / "bapps" / "run.json").read_text())
    assert meta["protocol"] == "2afc"
    report = run_cli("report", tmp_path / "res" / "bapps", "--format", "latex")
    assert report.returncode == 0 and r"\toprule" in report.stdout


def test_several_datasets_one_table_equal_to_scipy_on_each_dataset(live_tree, tmp_path):
    """-d sample -d live: each dataset's run under RESULTS/RUN/NAME, one across table whose cells are scipy's
    rank correlations of that dataset's own scores, pyiqa's published LIVE values beside ours, and
    `iqa-bench across` on the two run folders giving the same table."""
    result = run_cli("evaluate", "-d", "sample", "-d", "live", "--root", f"live={live_tree}", "-m", "psnr,fsimc",
                     "--bootstrap", "50", "--no-plots", "--no-progress", "--results", tmp_path)
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / "sample+live"
    across = pd.read_csv(run_dir / "across.csv")
    assert len(across) == 4
    for row in across.itertuples():
        scores = pd.read_csv(run_dir / row.dataset / "scores.csv")
        assert row.srocc == pytest.approx(abs(stats.spearmanr(scores[row.metric], scores["score"])[0]), abs=1e-12)
        assert row.krocc == pytest.approx(abs(stats.kendalltau(scores[row.metric], scores["score"])[0]), abs=1e-12)
        assert row.n == len(scores)
    live = across[across["dataset"] == "live"].set_index("metric")
    assert (live.loc["psnr", "pyiqa_srocc"], live.loc["fsimc", "pyiqa_row"]) == (0.8013, "fsim")
    assert across.loc[across["dataset"] == "sample", "pyiqa_srocc"].isna().all()
    table = (run_dir / "across.md").read_text()
    assert table in result.stdout and "| live pyiqa SROCC / KROCC |" in table and "0.8013 / 0.5964" in table
    assert "sample: written:" in result.stdout and "live: written:" in result.stdout
    again = run_cli("across", run_dir / "sample", run_dir / "live")
    assert again.returncode == 0, again.stderr
    assert again.stdout == table + "\n" + (run_dir / "transfer.md").read_text()  # the run wrote the transfer too
