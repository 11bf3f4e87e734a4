"""The summary statistics (stats/summaries.py): in two processes equal to the serial ones bit for bit."""
import pandas as pd
import pytest

from iqa_bench import parallel
from iqa_bench.stats.evaluated_run import StatisticsSettings
from iqa_bench.stats.fit_memory import FitMemory
from iqa_bench.stats.summaries import summarize

from stats_helpers import two_metric_scores


@pytest.fixture
def memory():
    """A run's fit memory (as :class:`~iqa_bench.stats.evaluated_run.EvaluatedRun` owns one), handed to
    every summary the test makes."""
    return FitMemory()


def test_the_summary_in_two_processes_equals_the_serial_one_bit_for_bit(monkeypatch, memory):
    scores = two_metric_scores()
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
