"""Issue 26, item 1: every mapping is monotone on the observed metric range (VQEG, ITU-T P.1401), and the
fit kept is the monotone optimum -- at least as good as a brute-force monotone search written here
independently (SLSQP on b1..b5 directly, the slope constrained on a grid, its own starts).

The cases: a constructed set (36 pairs of three distortion types whose scores dip and rise: the U-shape
of the audit), the embedded sample's psnr/ssim/vifp/ms_ssim, TID2013's PSNRc and VIFP (the authors'
metric values of ../shared/data; skipped without them)."""
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import optimize, stats

from iqa_bench.recipes.paper import run_recipe
from iqa_bench.recipes.recipe import load_recipe
from iqa_bench.run.evaluate import evaluate
from iqa_bench.stats import monotone_fits
from iqa_bench.stats.evaluated_run import StatisticsSettings
from iqa_bench.stats.regression import FITS, FitResult, MetricRegression, logistic5

from conftest import SHARED_DATA
from dataset_trees import LIVE_REALIGNED_MAT, build_live_md_tree, build_live_tree


TID = SHARED_DATA / "iqa" / "tid2013" / "yy3948+IQA"
needs_tid = pytest.mark.skipif(not (TID / "metrics_values").is_dir(), reason=f"TID2013 metric values not available: {TID} is absent")
#: The rule of docs/pipeline.md: the logistic term may rise from 12 % to 88 % over no less than 20 % of the robust
#: spread (IQR / 1.349) of the metric, |b2| · spread ≤ 20.
STEEPEST = 20.0
LIVE_SCORES = LIVE_REALIGNED_MAT.parent


def is_monotone_on_grid(model: MetricRegression, x, points: int = 20001) -> bool:
    grid = np.linspace(np.min(x), np.max(x), points)
    values = model.predict(grid)
    steps = np.diff(values)
    tol = 1e-9 * max(1.0, float(np.abs(values).max()))
    return bool(np.all(steps >= -tol) or np.all(steps <= tol))


def u_shaped_set():
    """36 pairs: noise (low metric values, middling scores), blur (the scores fall to a minimum then rise
    with the metric), JPEG (high values, high scores): the data dip and rise, as the audit's ssim did."""
    rng = np.random.default_rng(7)
    noise_x, blur_x, jpeg_x = rng.uniform(0.30, 0.50, 12), rng.uniform(0.55, 0.75, 12), rng.uniform(0.80, 0.95, 12)
    x = np.concatenate([noise_x, blur_x, jpeg_x])
    y = np.concatenate([45 + 50 * (noise_x - 0.3), 20 + 200 * (blur_x - 0.55), 60 + 130 * (jpeg_x - 0.8)])
    return x, y + rng.normal(0, 2, x.size)


def previous_rule(z, y):
    """The logistic-5 fit before issue 26 (curve_fit from eight starts, the best converged kept): the
    test below shows it is not monotone on these cases, so the monotonicity check can fail."""
    span = float(np.ptp(y))
    sign = 1.0 if stats.spearmanr(z, y)[0] >= 0 else -1.0
    best, best_sse = None, np.inf
    for slope in (1.0, 3.0, 0.3, 10.0):
        for amplitude in (span, 2 * span):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    params, _ = optimize.curve_fit(logistic5, z, y, p0=[sign * amplitude, slope, np.median(z), 0, np.mean(y)],
                                                   maxfev=20000)
            except RuntimeError:
                continue
            sse = float(np.sum((logistic5(z, *params) - y) ** 2))
            if sse < best_sse:
                best, best_sse = params, sse
    return best


def brute_force_monotone_logistic5(z, y):
    """SLSQP on (b1..b5) with s·Q'(g) ≥ 0 on 200 grid points of [min z, max z] and |b2| within the
    documented cap, 168 starts (both directions, 7 centres, 4 slopes, 3 amplitudes); a result counts only
    if its slope keeps one sign on a 20001-point grid. Returns the least squared error."""
    lo, hi = z.min(), z.max()
    grid, check = np.linspace(lo, hi, 200), np.linspace(lo, hi, 20001)
    spread = np.subtract(*np.percentile(z, [75, 25])) / 1.349
    cap = STEEPEST / spread

    def slope(p, t):
        b1, b2, b3, b4, _ = p
        e = np.exp(-np.abs(b2 * (t - b3)))
        return b1 * b2 * e / (1 + e) ** 2 + b4

    best = np.inf
    for s in (1, -1):
        for q in np.linspace(0.05, 0.95, 7):
            for b2 in (0.3, 1, 3, 10):
                for amplitude in (0.5, 1, 2):
                    p0 = [s * amplitude * np.ptp(y), min(b2 / np.std(z), 0.9 * cap), np.quantile(z, q), 0.0, np.mean(y)]
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        found = optimize.minimize(
                            lambda p: np.sum((logistic5(z, *p) - y) ** 2), p0, method="SLSQP",
                            bounds=[(None, None), (-cap, cap)] + [(None, None)] * 3,
                            constraints=[{"type": "ineq", "fun": lambda p, s=s: s * slope(p, grid)}],
                            options={"maxiter": 1000, "ftol": 1e-12})
                    if np.all(s * slope(found.x, check) >= -1e-9) and found.fun < best:
                        best = found.fun
    return best


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    found = {"constructed U-shape": u_shaped_set()}
    result = evaluate("sample", metrics=["psnr", "ssim", "vifp", "ms_ssim"], bootstrap=0, plots=False,
                      progress=False, results=str(tmp_path_factory.mktemp("sample")))
    for name in ("psnr", "ssim", "vifp", "ms_ssim"):
        found[f"sample {name}"] = (result.scores[name].to_numpy(), result.scores["score"].to_numpy())
    if (TID / "metrics_values").is_dir():
        mos = pd.read_csv(TID / "mos_with_names.txt", sep=" ", header=None)[0].to_numpy()
        for name in ("PSNRc", "VIFP"):
            found[f"TID2013 {name}"] = (np.loadtxt(TID / "metrics_values" / f"{name}.txt"), mos)
    return found


CASE_NAMES = ["constructed U-shape", "sample psnr", "sample ssim", "sample vifp", "sample ms_ssim",
              "TID2013 PSNRc", "TID2013 VIFP"]


def _case(cases, name):
    if name not in cases:
        pytest.skip(f"TID2013 metric values not available: {TID} is absent")
    return cases[name]


def test_the_cap_is_the_readmes():
    assert monotone_fits.MAX_STEEPNESS == STEEPEST


@pytest.mark.slow  # quick loop ≤ 3 min: runs in the full suite (CI)
@pytest.mark.parametrize("name", ["constructed U-shape", "sample vifp", "TID2013 PSNRc"])
def test_the_previous_rule_was_not_monotone_here(cases, name):
    """Before the change: the U-shape and PSNRc curves turn back, the sample's vifp has a step steeper
    than the cap (b2 · spread ≈ 390, a vertical step at vifp ≈ 0.43)."""
    x, y = _case(cases, name)
    model = MetricRegression(n_boot=0).fit(x, y)
    old = previous_rule(model._z(x), y)
    model.result_ = FitResult("logistic5", old, "ok")  # not the cached result: a copy
    spread = np.subtract(*np.percentile(model._z(x), [75, 25])) / 1.349
    assert not is_monotone_on_grid(model, x) or abs(old[1]) * spread > 5 * STEEPEST


@pytest.mark.parametrize("fit", [f for f in FITS if f != "none"])
@pytest.mark.parametrize("name", CASE_NAMES)
def test_every_mapping_is_monotone_on_the_data_range(cases, name, fit):
    x, y = _case(cases, name)
    model = MetricRegression(fit=fit, n_boot=0).fit(x, y)
    assert model.ok and is_monotone_on_grid(model, x)
    if fit == "logistic5":
        assert abs(model.result_.params[1]) * monotone_fits.robust_spread(model._z(x)) <= STEEPEST * (1 + 1e-12)


@pytest.mark.slow  # quick loop ≤ 3 min: runs in the full suite (CI)
@pytest.mark.parametrize("name", CASE_NAMES)
def test_the_monotone_optimum_is_at_least_as_good_as_a_brute_force_search(cases, name):
    x, y = _case(cases, name)
    model = MetricRegression(n_boot=0).fit(x, y)
    ours = float(np.sum((model.predict(x) - y) ** 2))
    assert ours <= brute_force_monotone_logistic5(model._z(x), y) * (1 + 1e-6)


def test_monotone_cubic_equals_a_convex_solver():
    """The monotone cubic is a convex problem (least squares over a convex cone of coefficients): the
    Lukács fit equals SLSQP on the coefficients with the slope constrained on a grid."""
    x, y = u_shaped_set()
    model = MetricRegression(fit="cubic", n_boot=0).fit(x, y)
    z = model._z(x)
    assert not monotone_fits.is_monotone_cubic(np.polyfit(z, y, 3), z.min(), z.max())  # the constraint binds
    grid = np.linspace(z.min(), z.max(), 400)
    best = np.inf
    for s in (1, -1):
        found = optimize.minimize(lambda a: np.sum((np.polyval(a, z) - y) ** 2), [0, 0, 0, np.mean(y)], method="SLSQP",
                                  constraints=[{"type": "ineq", "fun": lambda a, s=s: s * np.polyval(np.polyder(a), grid)}],
                                  options={"maxiter": 2000, "ftol": 1e-12})
        best = min(best, found.fun)
    assert np.sum((model.predict(x) - y) ** 2) == pytest.approx(best, rel=1e-5)


class FitRecorder:
    """Every MetricRegression fit made while it is installed, checked afterwards on a dense grid."""

    def __init__(self, monkeypatch):
        from iqa_bench.stats import regression, summaries

        self.fits = []
        original, original_many = MetricRegression.fit, regression.fit_and_report

        def fit(model, x, y, clusters=None):
            original(model, x, y, clusters)
            self.fits.append(model)
            return model

        def fit_and_report(models, workers=None):  # the summaries' fits, made in worker processes
            done = original_many(models, workers)
            self.fits.extend(model for model, _ in done)
            return done

        monkeypatch.setattr(MetricRegression, "fit", fit)
        monkeypatch.setattr(regression, "fit_and_report", fit_and_report)
        monkeypatch.setattr(summaries, "fit_and_report", fit_and_report)

    def not_monotone(self):
        return [(m.fit_kind, m.x_.size) for m in self.fits
                if m.ok and m.fit_kind != "none" and m.x_.size and not is_monotone_on_grid(m, m.x_, 4001)]


@pytest.mark.slow
def test_every_fit_of_every_table_and_figure_is_monotone(tmp_path, monkeypatch):
    """The sample with --fit all (tables per distortion, significance, fit protocols, figures), TID2013's
    official metric values (a subset, per distortion type, --fit all) and a paper recipe's pooled fit:
    every fit made is monotone on its data range."""
    recorder = FitRecorder(monkeypatch)
    evaluate("sample", metrics=["psnr", "ssim", "vifp", "ms_ssim"], fit="all", bootstrap=0, progress=False,
             results=str(tmp_path / "sample"))
    kinds = {m.fit_kind for m in recorder.fits}
    assert {"logistic5", "logistic4", "cubic"} <= kinds and len(recorder.fits) > 40
    if LIVE_SCORES.is_dir():  # a recipe pooling two datasets (LIVE trees built from the real score files)
        before = len(recorder.fits)
        build_live_tree(tmp_path / "live")
        build_live_md_tree(tmp_path / "live_md", images=True)
        recipe = tmp_path / "pooled.yaml"
        recipe.write_text(yaml.safe_dump({
            "title": "pooled", "kind": "regression", "columns": ["rmse", "lcc", "srocc"], "header": ["Metric"],
            "sources": [{"dataset": "live", "groups": {"distortion": ["gblur", "jpeg"]}}, {"dataset": "live_md"}],
            "rows": [{"labels": ["PSNR"], "metric": "psnr", "published": [9.0, 0.8, 0.8]}]}))
        run_recipe(load_recipe(recipe), [f"live={tmp_path / 'live'}", f"live_md={tmp_path / 'live_md'}"],
                   results=tmp_path / "recipe", settings=StatisticsSettings(bootstrap=0))
        assert len(recorder.fits) > before
    if (TID / "metrics_values").is_dir():
        values = tmp_path / "values"
        values.mkdir()
        for name in ("PSNR", "PSNRc", "VIFP", "VSNR"):
            shutil.copy(TID / "metrics_values" / f"{name}.txt", values)
        before = len(recorder.fits)
        evaluate("tid2013", root=str(TID), scores_dir=str(values), fit="all", bootstrap=0, plots=False, progress=False,
                 results=str(tmp_path / "tid"))
        assert len(recorder.fits) - before >= 4 * 25
    assert recorder.not_monotone() == []
