"""The stage after scoring made fast without changing a value: the fits and bootstraps in worker
processes, the fits kept in the score store for a rerun (issue 27)."""

import pytest

from iqa_bench.stats import regression


@pytest.mark.slow
def test_a_rerun_of_evaluate_reads_the_kept_fits_and_writes_the_same_files(tmp_path, monkeypatch):
    from iqa_bench import api

    options = dict(results=str(tmp_path / "run"), progress=False, bootstrap=100, plots=False)
    first = api.evaluate("sample", metrics=["psnr", "ssim"], **options)
    written = {p.name: p.read_bytes() for p in first.run_dir.glob("*.*") if p.suffix in (".csv", ".md", ".tex")}
    monkeypatch.setitem(regression.FITTERS, "logistic5", lambda z, y: pytest.fail("refitted on a rerun"))
    again = api.evaluate("sample", metrics=["psnr", "ssim"], **options)
    assert again.computed == 0
    assert {p.name: p.read_bytes() for p in again.run_dir.glob("*.*") if p.suffix in (".csv", ".md", ".tex")} \
        == written


@pytest.mark.slow
def test_ci_separate_without_resamples_writes_no_empty_intervals_table(tmp_path):
    from iqa_bench import api

    options = dict(results=str(tmp_path / "run"), progress=False, plots=False, ci="separate")
    with_intervals = api.evaluate("sample", metrics=["psnr", "ssim"], bootstrap=50, **options)
    assert (with_intervals.run_dir / "table_ci.tex").exists()
    without = api.evaluate("sample", metrics=["psnr", "ssim"], bootstrap=0, **options)
    assert not (without.run_dir / "table_ci.tex").exists()  # and the earlier one is not left stale
