"""The evaluated run (issue 44): one value every statistic, figure and page reads, each metric's mapping
fitted once per run and once per ``report``, counted by wrapping the fitting functions."""
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from iqa_bench import parallel
from iqa_bench.cli import cli
from iqa_bench.stats import regression
from iqa_bench.stats.evaluated_run import EvaluatedRun
from iqa_bench.stats.fit_memory import fit_key

from fault_helpers import evaluate, make_set


@pytest.fixture
def fits(monkeypatch):
    """Every curve fitted in this process, as (kind, item count, data digest), in order."""
    made = []
    monkeypatch.setattr(parallel, "available_cores", lambda: 1)  # every fit here, where it is counted
    for kind, fitter in list(regression.FITTERS.items()):
        monkeypatch.setitem(regression.FITTERS, kind,
                            lambda z, y, _f=fitter, _k=kind: made.append(fit_key(_k, z, y)) or _f(z, y))
    return made


def _spread_run(**settings) -> EvaluatedRun:
    rng = np.random.default_rng(2)
    n = 96
    y = rng.uniform(1, 8, n)
    scores = pd.DataFrame({"item": [f"i{k}" for k in range(n)], "score": y, "score_se": rng.uniform(0.05, 0.3, n),
                           "group:reference": np.repeat([f"r{k}" for k in range(8)], n // 8),
                           "group:distortion": np.tile(["blur", "noise", "jpeg"], n // 3),
                           "good": y + rng.normal(0, 0.5, n), "poor": y + rng.normal(0, 1.2, n),
                           "distance": -y + rng.normal(0, 0.7, n)})
    return EvaluatedRun.of(scores, ["good", "poor", "distance"], {"distance": False}, True, ratings=30,
                           **{"bootstrap": 20, "resample": "references", "correct": "holm", "mapping": "held-out",
                              "by": "distortion", "all_fits": True, **settings})


def test_every_statistic_of_a_run_shares_one_mapping_per_metric(fits):
    """Summary (all items and per group), significance, P.1401, Krasula, held-out table and fit protocols
    of one run: each distinct curve is fitted once, and each metric's mapping on all items is one of them."""
    from iqa_bench.run.method_outputs import method_results
    from iqa_bench.run.outputs import significance_of
    from iqa_bench.stats.fit_protocols import fit_protocol_table
    from iqa_bench.stats.summaries import build_summary

    run = _spread_run()
    build_summary(run)
    significance = significance_of(run)
    methods = method_results(run)
    fit_protocol_table(run)
    assert significance is not None and methods.p1401 is not None and methods.held_out is not None
    assert methods.krasula is not None and methods.p1401.correction == methods.krasula.correction == "holm"
    counted = Counter(fits)
    assert counted and max(counted.values()) == 1, [k for k, c in counted.items() if c > 1]
    for spec in run.specs:  # the mapping every statistic used is the one fitted, and only once
        mapped = run.mapped(spec)
        key = fit_key("logistic5", mapped.model._z(mapped.model.x_), mapped.model.y_)
        assert counted[key] == 1
        assert run.mapped(spec, among=np.isfinite(run.scores["score_se"].to_numpy())) is mapped  # P.1401's too


def test_the_count_fails_where_a_statistic_fits_its_own_mapping(fits):
    """The check above can fail: significance tests that fit their mappings without the run's memory (as
    before issue 44) fit each main mapping a second time."""
    from iqa_bench.run.outputs import significance_of
    from iqa_bench.stats.summaries import build_summary

    class Forgetful(EvaluatedRun):
        def mapped(self, spec, among=None):  # a fresh run, with fits of its own, for every mapping asked
            return EvaluatedRun.of(self.scores, self.specs, self.directions).mapped(spec, among)
    run = _spread_run()
    build_summary(run)
    significance_of(Forgetful(run.scores, run.specs, run.directions, run.score_higher_is_better, run.settings))
    assert max(Counter(fits).values()) == 2


def test_a_run_and_its_report_fit_each_curve_once(tmp_path, fits):
    """``evaluate`` with every statistic and figure on (fit all, held-out mapping, references resampled,
    Holm) fits each distinct curve once; ``report`` in Markdown and HTML then fits none (the run kept
    them); without the store, ``report --format html`` fits each again, once."""
    root = make_set(tmp_path / "set", n=12)
    options = ["--metrics", "psnr,ssim,mse", "--bootstrap", "20", "--no-progress", "--fit", "all", "--mapping",
               "held-out", "--resample", "references", "--correct", "holm"]
    result = evaluate(root, tmp_path / "res", options=options)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "res" / "custom" / "plots" / "overview_scatter.png").is_file()
    counted = Counter(fits)
    assert counted and max(counted.values()) == 1, [k for k, c in counted.items() if c > 1]
    for fmt in ("md", "html"):
        fits.clear()
        done = CliRunner().invoke(cli, ["report", str(tmp_path / "res" / "custom"), "--format", fmt,
                                        "-o", str(tmp_path / f"again.{fmt}")])
        assert done.exit_code == 0, done.output
        assert fits == [], fmt
    (tmp_path / "res" / "scores.sqlite").rename(tmp_path / "elsewhere.sqlite")
    fits.clear()
    done = CliRunner().invoke(cli, ["report", str(tmp_path / "res" / "custom"), "--format", "html",
                                    "-o", str(tmp_path / "fresh.html")])
    assert done.exit_code == 0, done.output
    assert fits and max(Counter(fits).values()) == 1
