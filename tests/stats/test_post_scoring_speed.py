"""The stage after scoring made fast without changing a value: the fits and bootstraps in worker
processes, the fits kept in the score store for a rerun (issue 27)."""
import json

import numpy as np
import pandas as pd
import pytest

from iqa_bench import parallel
from iqa_bench.stats import fit_memory, regression
from iqa_bench.stats.fit_memory import FitMemory
from iqa_bench.stats.evaluated_run import StatisticsSettings
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


@pytest.fixture
def memory():
    """A run's fit memory (as :class:`~iqa_bench.stats.evaluated_run.EvaluatedRun` owns one), handed to
    every summary the test makes."""
    return FitMemory()


def test_the_summary_in_two_processes_equals_the_serial_one_bit_for_bit(monkeypatch, memory):
    scores = _scores()
    calls = []
    original = parallel.ProcessPoolExecutor

    def counting(*args, **kwargs):
        calls.append(kwargs.get("mp_context"))
        return original(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", counting)
    serial = summarize(scores, ["a", "b"], StatisticsSettings(by="distortion", bootstrap=200), workers=1, memory=memory)
    assert calls == []
    memory.fits.clear()
    forked = summarize(scores, ["a", "b"], StatisticsSettings(by="distortion", bootstrap=200), workers=2, memory=memory)
    assert len(calls) == 1  # the 10 fits did go to worker processes
    pd.testing.assert_frame_equal(serial, forked, check_exact=True)
    assert len(memory.fits) == 10  # and are remembered in the run's memory


def test_map_forked_keeps_the_order_and_runs_closures_it_never_pickles():
    data = [np.arange(k) for k in range(12)]
    assert parallel.map_forked(lambda a: int(a.sum()), data, workers=2, cost=len) == [int(a.sum()) for a in data]


def test_fits_kept_in_the_store_come_back_bit_for_bit_and_a_rerun_refits_nothing(tmp_path, monkeypatch, memory):
    scores = _scores()
    first = summarize(scores, ["a", "b"], StatisticsSettings(by="distortion", bootstrap=50), workers=1, memory=memory)
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
    again = summarize(scores, ["a", "b"], StatisticsSettings(by="distortion", bootstrap=50), workers=1, memory=memory)
    pd.testing.assert_frame_equal(first, again, check_exact=True)


def test_a_damaged_foreign_or_stale_kept_fit_is_skipped_never_used(tmp_path, monkeypatch, memory):
    scores = _scores()
    summarize(scores, ["a"], StatisticsSettings(bootstrap=0), workers=1, memory=memory)
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
        summarize(scores, ["a"], StatisticsSettings(bootstrap=0), workers=1, memory=memory)
        assert memory.keep(store) == 1
        assert [key.rsplit(":", 1)[1] for key, _ in store.blobs(fit_memory.FIT_BLOB)] == ["0123456789abcdef"]


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


def test_a_fit_is_remembered_only_in_the_memory_it_is_handed(monkeypatch):
    """Issue 44: no fit is process-wide state. A model made without a memory fits every time; models handed
    one memory fit the same data once; a summary made without one remembers nothing anywhere."""
    calls = []
    original = regression.FITTERS["logistic5"]
    monkeypatch.setitem(regression.FITTERS, "logistic5", lambda z, y: calls.append(1) or original(z, y))
    x, y = np.linspace(-1, 1, 20), np.linspace(0, 5, 20) ** 1.5
    for _ in range(2):
        regression.MetricRegression(n_boot=0).fit(x, y)
    assert len(calls) == 2  # no memory: each fit made
    shared = FitMemory()
    for _ in range(2):
        regression.MetricRegression(n_boot=0, memory=shared).fit(x, y)
    assert len(calls) == 3 and len(shared.fits) == 1  # one memory: made once
    summarize(_scores(), ["a"], StatisticsSettings(bootstrap=0), workers=1)
    summarize(_scores(), ["a"], StatisticsSettings(bootstrap=0), workers=1)
    assert len(calls) == 5  # without a memory nothing was kept between the two
    assert not any(hasattr(fit_memory, name) for name in ("active", "using"))  # no hidden memory to set
