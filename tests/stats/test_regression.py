import numpy as np
import pytest
from scipy import stats

from iqa_bench.stats.regression import MetricRegression, logistic5


def test_monotone_data_gives_rank_correlations_of_one():
    x = np.linspace(0, 1, 50)
    report = MetricRegression(n_boot=200).fit(x, np.exp(3 * x)).report()
    assert report["srocc"] == pytest.approx(1.0)
    assert report["krocc"] == pytest.approx(1.0)
    decreasing = MetricRegression(n_boot=0).fit(x, -x ** 3).report()
    assert decreasing["srocc"] == pytest.approx(-1.0)


def test_logistic_recovers_known_parameters():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 10, 400)
    true = (50.0, 1.2, 5.0, 0.5, 30.0)
    y = logistic5(x, *true) + rng.normal(0, 0.05, x.size)
    model = MetricRegression(n_boot=0).fit(x, y)
    assert model.result_.status == "ok"
    np.testing.assert_allclose(model.params_, true, rtol=0.02, atol=0.02)
    np.testing.assert_allclose(model.predict(x), logistic5(x, *true), atol=0.05)


def test_cubic_option_recovers_polynomial():
    x = np.linspace(-3, 5, 60)
    model = MetricRegression(fit="cubic", n_boot=0).fit(x, 2 * x ** 3 + x + 4)
    np.testing.assert_allclose(model.params_, [2, 0, 1, 4], atol=1e-8)


def test_statistics_match_scipy_after_fit():
    rng = np.random.default_rng(0)
    x = rng.random(120)
    y = 100 / (1 + np.exp(-8 * (x - 0.5))) + rng.normal(0, 5, x.size)
    model = MetricRegression(n_boot=0).fit(x, y)
    report = model.report()
    pred = model.predict(x)
    assert report["plcc"] == pytest.approx(stats.pearsonr(pred, y)[0])
    assert report["rmse"] == pytest.approx(np.sqrt(np.mean((pred - y) ** 2)))
    assert report["srocc"] == pytest.approx(stats.spearmanr(x, y)[0])
    assert report["krocc"] == pytest.approx(stats.kendalltau(x, y)[0])
    # The logistic can only improve on a straight line (it contains one).
    assert report["plcc"] >= stats.pearsonr(x, y)[0] - 1e-9


def test_bootstrap_interval_covers_the_population_value():
    # Population: bivariate normal with rho = 0.6, whose Spearman correlation is (6/pi)·asin(rho/2).
    rho = 0.6
    true_srocc = 6 / np.pi * np.arcsin(rho / 2)
    covered = 0
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        x, y = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=300).T
        # the SROCC interval does not depend on the mapping: the cubic spares 20 logistic fits of a cloud
        report = MetricRegression(fit="cubic", n_boot=1000, seed=seed).fit(x, y).report()
        assert report["srocc_lo"] < report["srocc"] < report["srocc_hi"]
        covered += report["srocc_lo"] <= true_srocc <= report["srocc_hi"]
    assert covered >= 16  # a 95 % interval: 19 of 20 expected; binomial slack


def test_bootstrap_is_seeded():
    rng = np.random.default_rng(1)
    x, y = rng.random(80), rng.random(80)
    a = MetricRegression(seed=7).fit(x, y).report()
    b = MetricRegression(seed=7).fit(x, y).report()
    assert a == b


def test_failed_fits_say_so():
    constant = MetricRegression(n_boot=10).fit(np.ones(30), np.arange(30.0))
    assert constant.result_.status == "metric is constant: nothing to fit"
    assert np.isnan(constant.report()["plcc"])
    few = MetricRegression(n_boot=10).fit(np.arange(4.0), np.arange(4.0))
    assert few.result_.status.startswith("too few items")
    assert np.isnan(few.report()["rmse"])


def test_non_finite_values_are_dropped_and_counted():
    x = np.r_[np.linspace(0, 1, 30), np.nan]
    model = MetricRegression(n_boot=0).fit(x, np.r_[np.linspace(0, 1, 30), 0.5])
    assert model.n_dropped_ == 1 and model.report()["n"] == 30


def test_unknown_fit_is_rejected():
    with pytest.raises(ValueError, match="valid fits"):
        MetricRegression(fit="quartic")


def test_a_correlation_of_the_wrong_sign_is_flagged_in_every_table(caplog):
    """PSNR rising with DMOS (higher = worse) is inverted; |r| must not make it look perfect."""
    import pandas as pd

    from iqa_bench.reports.renderers import render_table
    from iqa_bench.stats.evaluated_run import StatisticsSettings
    from iqa_bench.stats.summaries import summarize

    gen = np.random.default_rng(0)
    dmos = np.linspace(0, 100, 40)
    scores = pd.DataFrame({"item": [f"i{k}" for k in range(40)], "score": dmos,
                           "psnr": 20 + 0.1 * dmos + gen.normal(0, 0.5, 40),     # inverted
                           "gmsd": 0.001 * dmos + gen.normal(0, 0.005, 40)})     # a distance: rises, correct
    with caplog.at_level("WARNING"):
        summary = summarize(scores, ["psnr", "gmsd"], StatisticsSettings(bootstrap=0),
                            directions={"psnr": True, "gmsd": False}, score_higher_is_better=False)
    assert summary.set_index("metric")["sign"].to_dict() == {"psnr": "inverted", "gmsd": "ok"}
    assert "psnr" in caplog.text and "ranks the images backwards" in caplog.text
    md, tex, csv = (render_table(summary, fmt, "toy", "DMOS", layout="groups") for fmt in ("md", "latex", "csv"))
    paper_md, paper_tex = (render_table(summary, fmt, "toy", "DMOS") for fmt in ("md", "latex"))
    assert "| PSNR † |" in paper_md and "† correlation sign contradicts" in paper_md
    assert r"PSNR$^\dagger$" in paper_tex and r"$^\dagger$ correlation sign contradicts" in paper_tex
    assert "| PSNR † |" in md and "| GMSD |" in md and "† correlation sign contradicts" in md
    assert r"PSNR$^\dagger$" in tex and r"$^\dagger$ correlation sign contradicts" in tex
    assert ",inverted" in csv
    # unknown score direction: no verdict either way
    unknown = summarize(scores, ["psnr"], StatisticsSettings(bootstrap=0), directions={"psnr": True})
    assert unknown["sign"].tolist() == [""]
    # the best value of a column goes to a correctly signed metric, never to the inverted one
    psnr_row = md.split("| PSNR † |")[1].split("\n")[0]
    gmsd_row = md.split("| GMSD |")[1].split("\n")[0]
    assert "**" not in psnr_row and gmsd_row.count("**") == 2 * 4


def test_logistic4_recovers_known_parameters_and_no_fit_is_raw_pearson():
    from scipy import stats

    from iqa_bench.stats.regression import logistic4

    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, 400)
    truth = (8.0, 1.0, 0.5, 0.08)  # VQEG's form: (b1 - b2) / (1 + exp(-(x - b3) / |b4|)) + b2
    y = logistic4(x, *truth) + rng.normal(0, 0.05, x.size)
    model = MetricRegression(fit="logistic4", n_boot=0).fit(x, y)
    np.testing.assert_allclose(model.params_, truth, rtol=0.05)
    np.testing.assert_allclose(model.predict(x), logistic4(x, *model.params_), rtol=1e-10)
    raw = MetricRegression(fit="none", n_boot=200).fit(x, y).report()
    assert raw["plcc"] == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
    assert np.isnan(raw["rmse"]) and np.isnan(raw["rmse_lo"])  # no mapping: not in the score's units


def test_cluster_bootstrap_is_wider_than_the_item_bootstrap_with_a_per_reference_effect():
    """20 references × 10 distortions; each reference shifts the opinion score (its content) and the
    metric by an unrelated offset, so the items of one reference are not independent: resampling whole
    references widens the interval."""
    rng = np.random.default_rng(7)
    reference = np.repeat(np.arange(20), 10)
    content = rng.normal(size=20)[reference]
    y = content + 0.5 * rng.normal(size=200)
    x = (y - content) + rng.normal(size=20)[reference] + 0.2 * rng.normal(size=200)
    items = MetricRegression(fit="cubic", n_boot=1000, seed=1).fit(x, y).report()
    clusters = MetricRegression(fit="cubic", n_boot=1000, seed=1).fit(x, y, clusters=reference).report()
    assert (items["resample"], clusters["resample"]) == ("items", "clusters")
    assert clusters["srocc"] == items["srocc"]  # the point values do not depend on the resampling
    for key in ("srocc", "plcc", "krocc"):
        assert clusters[f"{key}_hi"] - clusters[f"{key}_lo"] > 1.3 * (items[f"{key}_hi"] - items[f"{key}_lo"]), key
    # unequal cluster sizes are resampled too (the resamples then differ in length)
    uneven = MetricRegression(fit="cubic", n_boot=200, seed=1).fit(x[:-3], y[:-3], clusters=reference[:-3]).report()
    assert uneven["srocc_lo"] < uneven["srocc"] < uneven["srocc_hi"]
