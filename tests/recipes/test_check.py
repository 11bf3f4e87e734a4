"""`iqa-bench check`: passes on an unchanged benchmark, fails on a perturbed metric."""
import json
from pathlib import Path

import pytest
import torch

from iqa_bench.recipes.check import Tolerance, diff_table, run_check

from conftest import run_cli


def _baseline(path: Path, metrics):
    path.write_text(json.dumps({"version": 1, "runs": [
        {"name": "sample", "dataset": "sample", "metrics": metrics, "bootstrap": 200, "seed": 0, "by": "distortion"},
        {"name": "elsewhere", "dataset": "tid2013", "root": str(path.parent / "no-such-folder"), "metrics": ["psnr"]}]}))
    return path


@pytest.mark.slow
def test_check_passes_then_fails_on_a_perturbed_metric(tmp_path, monkeypatch):
    baseline = _baseline(tmp_path / "baseline.json", ["psnr", "ssim"])
    update = run_cli("check", "--baseline", baseline, "--update", "--results", tmp_path / "r1")
    assert update.returncode == 0, update.stderr
    assert "no-such-folder not found" in update.stderr
    figures = json.loads(baseline.read_text())["runs"][0]["figures"]
    assert "ssim|all|srocc" in figures and "ssim|gblur|plcc" in figures
    assert {"ssim>psnr|all|sig_f", "psnr>ssim|all|sig_williams"} <= set(figures)  # the significance matrix
    ok = run_cli("check", "--baseline", baseline, "--results", tmp_path / "r1")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 failed" in ok.stdout
    assert "checking run sample: sample, 2 metrics ..." in ok.stderr                # progress, run names
    # 36 + 2 × 2 Waterloo tests + 2 ordered pairs × 4 tests × 3 symbols each (uncorrected, Holm, Benjamini-Hochberg)
    assert "sample: 64 figures compared, 0 changed, 0 failed" in ok.stderr
    assert {"ssim>psnr|all|sig_f_holm", "psnr>ssim|all|sig_srocc_bh"} <= set(figures)
    assert "no figure changed (64 compared)" in ok.stdout and "| run | metric |" not in ok.stdout
    assert "psnr|all|l_test" in figures and "ssim|all|p_test" in figures

    import iqa_bench.metrics.piq_measures as measures

    original = measures.OfficialMeasure.score

    def perturbed(self, ref, dist):
        values = original(self, ref, dist)
        if self.name == "ssim":  # a broken SSIM: noise instead of structure
            return torch.rand(values.shape, generator=torch.Generator().manual_seed(int(ref.sum() * 1000)))
        return values

    monkeypatch.setattr(measures.OfficialMeasure, "score", perturbed)
    comparisons, notes = run_check(baseline, Tolerance(0.01), results=tmp_path / "r2")
    failed = {(c.metric, c.group, c.stat) for c in comparisons if c.failed}
    assert ("ssim", "all", "srocc") in failed
    assert not any(metric == "psnr" for metric, _, _ in failed)
    table = diff_table(comparisons)
    assert "FAIL" in table and "| sample | ssim | all | srocc |" in table and "| psnr |" not in table
    ci_comparisons, _ = run_check(baseline, Tolerance(use_ci=True), results=tmp_path / "r2")
    assert any(c.failed for c in ci_comparisons if c.metric == "ssim")


def _refuse_constant(name):
    raise ValueError(f"not strict JSON: {name}")


def test_the_shipped_baseline_is_strict_json():
    """RFC 8259 has no NaN: intervals a run has none of are null (issue 27, item 5)."""
    text = (Path(__file__).resolve().parents[2] / "reports" / "baseline.json").read_text()
    data = json.loads(text, parse_constant=_refuse_constant)
    assert any(f["lo"] is None for run in data["runs"] for f in run["figures"].values())


def test_update_writes_strict_json_and_changes_below_the_shown_digits_are_not_counted(tmp_path):
    from iqa_bench.recipes.check import Comparison, _changed, _strict_json

    written = json.dumps(_strict_json({"a": [float("nan"), 1.0, {"lo": float("inf")}]}), allow_nan=False)
    assert json.loads(written, parse_constant=_refuse_constant) == {"a": [None, 1.0, {"lo": None}]}
    tiny = Comparison("r", "m", "all", "srocc", 0.5, 0.5 + 2e-5, 0.49, failed=False)
    shown = Comparison("r", "m", "all", "srocc", 0.5, 0.5 + 1e-4, 0.49, failed=False)
    assert not _changed(tiny) and _changed(shown)
    assert diff_table([tiny]).startswith("no figure changed")


def _half(folder: Path, references, items):
    import pandas as pd

    folder.mkdir(parents=True)
    chosen = [it for it in items if it.groups["reference"] in references]
    pd.DataFrame({"item": [it.item_id for it in chosen], "ref": [str(it.ref_path) for it in chosen],
                  "dist": [str(it.dist_path) for it in chosen], "score": [it.score for it in chosen]}).to_csv(
        folder / "manifest.csv", index=False)
    return {"dataset": "custom", "root": str(folder), "metrics": ["psnr", "ssim"], "bootstrap": 0,
            "options": {"dataset_options": {"outside": True, "higher_is_better": False}}}


@pytest.mark.slow
def test_the_mapping_transferred_between_runs_is_checked(tmp_path, sample_items):
    baseline = tmp_path / "baseline.json"
    runs = [{"name": "a", **_half(tmp_path / "a", ("astronaut", "chelsea", "coffee"), sample_items)},
            {"name": "b", **_half(tmp_path / "b", ("rocket", "motorcycle", "hubble"), sample_items)}]
    baseline.write_text(json.dumps({"version": 1, "runs": runs}))
    run_check(baseline, results=tmp_path / "r", update=True)
    transfer = json.loads(baseline.read_text())["transfer"]["figures"]
    assert {"psnr|a>b|transfer_plcc", "psnr|b>a|transfer_rmse", "ssim|a>b|transfer_rmse"} <= set(transfer)
    comparisons, _ = run_check(baseline, results=tmp_path / "r")
    moved = [c for c in comparisons if c.run == "transfer"]
    assert len(moved) == len(transfer) == 8 and not any(c.failed for c in moved)
    record = json.loads(baseline.read_text())
    record["transfer"]["figures"]["psnr|a>b|transfer_rmse"]["value"] -= 0.05  # a baseline the mapping now misses
    baseline.write_text(json.dumps(record))
    comparisons, _ = run_check(baseline, results=tmp_path / "r")
    assert [(c.metric, c.group, c.stat) for c in comparisons if c.failed] == [("psnr", "a>b", "transfer_rmse")]
    record["transfer"] = {"figures": {"psnr": {"value": 1}}}
    baseline.write_text(json.dumps(record))
    with pytest.raises(ValueError, match="transfer: figure key 'psnr' must be 'metric|group|statistic'"):
        run_check(baseline, results=tmp_path / "r")
