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
    # 36 + 2 ordered pairs × 4 tests × 3 symbols each (uncorrected, Holm, Benjamini-Hochberg)
    assert "sample: 60 figures compared, 0 changed, 0 failed" in ok.stderr
    assert {"ssim>psnr|all|sig_f_holm", "psnr>ssim|all|sig_srocc_bh"} <= set(figures)
    assert "no figure changed (60 compared)" in ok.stdout and "| run | metric |" not in ok.stdout

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
