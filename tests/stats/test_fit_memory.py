"""The run's curve fits (stats/fit_memory.py): kept in the store and read back bit for bit, a damaged, foreign or
stale kept fit skipped, a fit remembered only in the memory it is handed."""
import json

import numpy as np
import pandas as pd
import pytest

from iqa_bench.stats import fit_memory, regression
from iqa_bench.stats.evaluated_run import StatisticsSettings
from iqa_bench.stats.fit_memory import FitMemory
from iqa_bench.stats.summaries import summarize
from iqa_bench.store import ScoreStore

from stats_helpers import two_metric_scores


@pytest.fixture
def memory():
    """A run's fit memory (as :class:`~iqa_bench.stats.evaluated_run.EvaluatedRun` owns one), handed to
    every summary the test makes."""
    return FitMemory()


def test_fits_kept_in_the_store_come_back_bit_for_bit_and_a_rerun_refits_nothing(tmp_path, monkeypatch, memory):
    scores = two_metric_scores()
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
    scores = two_metric_scores()
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
    summarize(two_metric_scores(), ["a"], StatisticsSettings(bootstrap=0), workers=1)
    summarize(two_metric_scores(), ["a"], StatisticsSettings(bootstrap=0), workers=1)
    assert len(calls) == 5  # without a memory nothing was kept between the two
    assert not any(hasattr(fit_memory, name) for name in ("active", "using"))  # no hidden memory to set
