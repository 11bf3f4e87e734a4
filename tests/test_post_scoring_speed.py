"""The stage after scoring made fast without changing a value: the fits and bootstraps in worker
processes, the fits kept in the score store for a rerun (issue 27)."""
import json

import numpy as np
import pandas as pd
import pytest

from iqa_bench import parallel
from iqa_bench.stats import fit_memory, regression
from iqa_bench.stats.fit_memory import FitMemory
from iqa_bench.stats.summaries import summarize
from iqa_bench.store import ScoreStore


def _scores(n=96, seed=3):
    rng = np.random.default_rng(seed)
    quality = rng.uniform(0, 1, n)
    return pd.DataFrame({
        "score": 1 + 4 * quality + rng.normal(0, 0.3, n),
        "a": np.log1p(9 * quality) + rng.normal(0, 0.1, n),
        "b": -quality ** 2 + rng.normal(0, 0.2, n),
        "group:distortion": np.repeat(["blur", "noise", "jpeg", "jp2k"], n // 4),
        "group:reference": np.tile([f"r{k}" for k in range(12)], n // 12)})


@pytest.fixture(autouse=True)
def memory():
    """A run's fit memory, active for the test (as :func:`iqa_bench.run.outputs.write_run` makes one)."""
    with fit_memory.using(FitMemory()) as active:
        yield active


def test_the_summary_in_two_processes_equals_the_serial_one_bit_for_bit(monkeypatch, memory):
    scores = _scores()
    calls = []
    original = parallel.ProcessPoolExecutor

    def counting(*args, **kwargs):
        calls.append(kwargs.get("mp_context"))
        return original(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", counting)
    serial = summarize(scores, ["a", "b"], by="group:distortion", n_boot=200, workers=1)
    assert calls == []
    memory.fits.clear()
    forked = summarize(scores, ["a", "b"], by="group:distortion", n_boot=200, workers=2)
    assert len(calls) == 1  # the 10 fits did go to worker processes
    pd.testing.assert_frame_equal(serial, forked, check_exact=True)
    assert len(memory.fits) == 10  # and are remembered in the run's memory


def test_map_forked_keeps_the_order_and_runs_closures_it_never_pickles():
    data = [np.arange(k) for k in range(12)]
    assert parallel.map_forked(lambda a: int(a.sum()), data, workers=2, cost=len) == [int(a.sum()) for a in data]


def test_fits_kept_in_the_store_come_back_bit_for_bit_and_a_rerun_refits_nothing(tmp_path, monkeypatch, memory):
    scores = _scores()
    first = summarize(scores, ["a", "b"], by="group:distortion", n_boot=50, workers=1)
    with ScoreStore(tmp_path / "s.sqlite") as store:
        assert memory.keep(store) == 10
        assert memory.keep(store) == 0  # nothing new since
    remembered = dict(memory.fits)
    memory.fits.clear()
    with ScoreStore(tmp_path / "s.sqlite") as store:
        assert memory.recall(store) == 10
    for key, fit in remembered.items():
        assert memory.fits[key].params.tobytes() == fit.params.tobytes()
    monkeypatch.setitem(regression.FITTERS, "logistic5", lambda z, y: pytest.fail("refitted"))
    again = summarize(scores, ["a", "b"], by="group:distortion", n_boot=50, workers=1)
    pd.testing.assert_frame_equal(first, again, check_exact=True)


def test_a_damaged_foreign_or_stale_kept_fit_is_skipped_never_used(tmp_path, monkeypatch, memory):
    scores = _scores()
    summarize(scores, ["a"], n_boot=0, workers=1)
    with ScoreStore(tmp_path / "s.sqlite") as store:
        memory.keep(store)
        (key, text), = store.blobs(fit_memory.FIT_BLOB)
        kind, size, data, code = key.split(":")
        good = json.loads(text)
        bad = {
            "not json": "{",
            "too few parameters": json.dumps({"params": good["params"][:3], "status": "ok"}),
            "a NaN": json.dumps({"params": [float("nan")] * 5, "status": "ok"}),
            "a string": json.dumps({"params": ["1"] * 5, "status": "ok"}),
            "no status": json.dumps({"params": good["params"]}),
        }
        store.put_blobs(fit_memory.FIT_BLOB, [(f"{kind}:{size}:{data[:-2]}{'%02x' % k}:{code}", text)
                                              for k, text in enumerate(bad.values())])
        store.put_blobs(fit_memory.FIT_BLOB, [(f"{kind}:{size}:{data}:0000000000000000", text),  # other code
                                              (f"nonsense:{size}:{data}:{code}", text), ("a:b", text)])
    memory.fits.clear()
    with ScoreStore(tmp_path / "s.sqlite") as store:
        assert memory.recall(store) == 1  # only the good one
    monkeypatch.setattr(fit_memory, "fit_code", lambda: "0123456789abcdef")  # the code changed
    memory.fits.clear()
    with ScoreStore(tmp_path / "s.sqlite") as store:
        assert memory.recall(store) == 0
        summarize(scores, ["a"], n_boot=0, workers=1)
        assert memory.keep(store) == 1
        assert [key.rsplit(":", 1)[1] for key, _ in store.blobs(fit_memory.FIT_BLOB)] == ["0123456789abcdef"]


@pytest.mark.slow
def test_a_rerun_of_evaluate_reads_the_kept_fits_and_writes_the_same_files(tmp_path, monkeypatch, memory):
    from iqa_bench import api

    options = dict(results=str(tmp_path / "run"), progress=False, bootstrap=100, plots=False)
    first = api.evaluate("sample", metrics=["psnr", "ssim"], **options)
    written = {p.name: p.read_bytes() for p in first.run_dir.glob("*.*") if p.suffix in (".csv", ".md", ".tex")}
    memory.fits.clear()
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


def test_no_fit_is_remembered_outside_a_run_and_a_run_leaves_none_active(tmp_path):
    """The fit memory is the run's: without one nothing is kept between calls, and after ``evaluate`` the
    memory that was active before it is active again (none set process-wide)."""
    from iqa_bench.api import evaluate

    outer = fit_memory.active()
    evaluate("sample", metrics=["psnr"], results=str(tmp_path / "run"), progress=False, bootstrap=0, plots=False)
    assert fit_memory.active() is outer and not outer.fits  # the run's fits went to its own memory
    with fit_memory.using(None):
        summarize(_scores(), ["a"], n_boot=0, workers=1)
        assert fit_memory.active() is None
    calls = []
    fitters = {"logistic5": lambda z, y: calls.append(1) or regression.FITTERS["logistic5"](z, y)}
    z, y = np.linspace(-1, 1, 20), np.linspace(0, 5, 20) ** 1.5
    with fit_memory.using(None):
        fit_memory.fit("logistic5", z, y, fitters), fit_memory.fit("logistic5", z, y, fitters)
    with fit_memory.using(FitMemory()):
        fit_memory.fit("logistic5", z, y, fitters), fit_memory.fit("logistic5", z, y, fitters)
    assert len(calls) == 3  # twice without a memory, once with one
