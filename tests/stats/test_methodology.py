"""ITU-T P.1401 figures and Krasula et al.'s pair analysis (issue 31, items 1-2), each held to a computation
written here independently (loops, scipy, scikit-learn) or to a closed form, and shown to fail on an
injected error; the TID2013 adapter's score spread; the files a run writes with it."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from iqa_bench.stats import krasula as krasula_module
from iqa_bench.stats import p1401 as p1401_module
from iqa_bench.stats.evaluated_run import EvaluatedRun
from iqa_bench.stats.krasula import binomial_p, delong_p, fast_delong, krasula, pair_classes
from iqa_bench.stats.p1401 import interval_half_width, p1401, p1401_figures

from conftest import SHARED_DATA
from dataset_trees import build_tid2013_metadata

TID_DATA = SHARED_DATA / "iqa" / "tid2013" / "yy3948+IQA"
TID_META = SHARED_DATA / "iqa" / "tid2013" / "chaofengc+IQA-PyTorch" / "pyiqa" / "data" / "meta_info" / \
    "meta_info_TID2013Dataset.csv"


# --- P.1401 ----------------------------------------------------------------------------------------------

def _p1401_by_hand(y, pred, se, ratings, d):
    t = stats.t.ppf(0.975, ratings - 1)
    rmse = rmse_star = 0.0
    outliers = 0
    for yi, pi, si in zip(y, pred, se):
        e = abs(yi - pi)
        c = t * si
        rmse += e * e
        rmse_star += max(0.0, e - c) ** 2
        outliers += e > c
    n = len(y)
    return (rmse / (n - d)) ** 0.5, (rmse_star / (n - d)) ** 0.5, outliers / n


def test_p1401_figures_equal_the_formulas_written_out():
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    pred = y + np.array([0.1, -0.5, 0.2, 0.0, 0.3, -0.25, 0.05, 0.6])
    se = np.full(8, 0.1)
    # c = t(0.975, 9) x 0.1 = 0.2262: errors 0.5, 0.3, 0.25, 0.6 exceed it -> 4 outliers of 8
    assert interval_half_width(se, 10)[0] == pytest.approx(0.22622, abs=1e-5)
    fig = p1401_figures(y, pred, interval_half_width(se, 10), d=5)
    rmse, rmse_star, ratio = _p1401_by_hand(y, pred, se, 10, 5)
    assert (fig.rmse, fig.rmse_star, fig.outlier_ratio) == pytest.approx((rmse, rmse_star, ratio))
    assert fig.outliers == 4 and fig.outlier_ratio == 4 / 8
    assert fig.rmse == pytest.approx(np.sqrt(np.sum((y - pred) ** 2) / 3))  # N - d = 3
    assert interval_half_width(se, None)[0] == pytest.approx(0.1 * 1.959964)  # K unknown: normal quantile


def _demo_scores(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.uniform(1, 8, n)
    return pd.DataFrame({"score": y, "score_se": rng.uniform(0.05, 0.3, n),
                         "good": y + rng.normal(0, 0.4, n), "poor": y + rng.normal(0, 1.2, n),
                         "distance": -y + rng.normal(0, 0.6, n)})


def test_p1401_on_a_run_uses_the_fitted_mapping_and_its_parameters():
    from iqa_bench.stats.regression import MetricRegression

    scores = _demo_scores()
    result = p1401(EvaluatedRun.of(scores, ["good", "poor"], ratings=30))
    row = result.table.set_index("metric").loc["good"]
    model = MetricRegression(fit="logistic5", n_boot=0).fit(scores["good"], scores["score"])
    by_hand = _p1401_by_hand(scores["score"], model.predict(scores["good"].to_numpy()), scores["score_se"], 30, 5)
    assert (row["rmse_dof"], row["rmse_star"], row["outlier_ratio"]) == pytest.approx(by_hand)
    pair = result.pairs.set_index(["row", "col"]).loc[("good", "poor")]
    assert pair["rmse_symbol"] == 1.0 and pair["rmse_p"] < 1e-6  # the less noisy metric is better
    assert result.pairs.set_index(["row", "col"]).loc[("poor", "good"), "rmse_symbol"] == -1.0


def test_a_wrong_number_of_mapping_parameters_fails_the_p1401_check(monkeypatch):
    """Injected error: the mapping's d forgotten (N instead of N - d) -> the by-hand value is missed."""
    from iqa_bench.stats.regression import MetricRegression

    scores = _demo_scores(n=20)
    monkeypatch.setitem(p1401_module.MAPPING_PARAMETERS, "logistic5", 0)
    result = p1401(EvaluatedRun.of(scores, ["good"], ratings=30))
    model = MetricRegression(fit="logistic5", n_boot=0).fit(scores["good"], scores["score"])
    by_hand = _p1401_by_hand(scores["score"], model.predict(scores["good"].to_numpy()), scores["score_se"], 30, 5)
    assert result.table["rmse_dof"].iloc[0] != pytest.approx(by_hand[0], rel=1e-3)


# --- Krasula ---------------------------------------------------------------------------------------------

def test_fast_delong_auc_has_its_closed_form_with_ties():
    aucs, _ = fast_delong(np.array([[1.0, 2.0, 3.0, 1.5]]), np.array([[0.0, 1.5]]))
    # pairs (pos > neg) + 1/2 ties: 1:(1,0) 2:(2,2) 3:(2,2) 1.5:(1, tie) -> (1 + 2 + 2 + 1.5) / 8
    assert aucs[0] == pytest.approx(6.5 / 8)


def _delong_by_hand(pos, neg):
    """DeLong et al. 1988's structural components, written as the O(mn) double loop."""
    psi = (pos[:, :, None] > neg[:, None, :]) + 0.5 * (pos[:, :, None] == neg[:, None, :])  # k x m x n
    v10, v01 = psi.mean(axis=2), psi.mean(axis=1)
    return psi.mean(axis=(1, 2)), np.cov(v10) / pos.shape[1] + np.cov(v01) / neg.shape[1]


def test_fast_delong_covariance_equals_the_structural_components():
    rng = np.random.default_rng(1)
    pos = np.round(rng.normal(1, 1, (3, 40)), 1)  # rounded: ties included
    neg = np.round(rng.normal(0, 1, (3, 30)), 1)
    aucs, cov = fast_delong(pos, neg)
    ref_aucs, ref_cov = _delong_by_hand(pos, neg)
    np.testing.assert_allclose(aucs, ref_aucs)
    np.testing.assert_allclose(cov, ref_cov)
    z = (aucs[0] - aucs[1]) / np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert delong_p(aucs[:2], cov[:2, :2]) == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert binomial_p(0.8, 0.7, 500) == pytest.approx(2 * stats.norm.sf(0.1 / np.sqrt(0.75 * 0.25 * 2 / 500)))


def _krasula_by_hand(scores, metric, higher=True):
    """Pairs classified with a double loop, AUCs from scikit-learn, C0 counted."""
    y, se, x = (scores[c].to_numpy(float) for c in ("score", "score_se", metric))
    sign = 1.0 if higher else -1.0
    labels_ds, values_ds, better = [], [], []
    for i in range(len(y)):
        for j in range(i + 1, len(y)):
            z = (y[i] - y[j]) / np.hypot(se[i], se[j])
            delta = sign * (x[i] - x[j])
            different = abs(z) > 1.959963984540054
            labels_ds.append(int(different))
            values_ds.append(abs(delta))
            if different:
                better.append(delta if z > 0 else -delta)
    better = np.array(better)
    auc_bw = roc_auc_score(np.r_[np.ones(better.size), np.zeros(better.size)], np.r_[better, -better])
    return roc_auc_score(labels_ds, values_ds), auc_bw, float((better > 0).mean())


def test_krasula_equals_scikit_learn_on_the_same_pairs():
    scores = _demo_scores(n=70, seed=2)
    scores[["good", "poor", "distance"]] = scores[["good", "poor", "distance"]].round(1)  # ties in Δ
    result = krasula(EvaluatedRun.of(scores, ["good", "poor", "distance"], {"distance": False}, True))
    table = result.table.set_index("metric")
    for metric, higher in (("good", True), ("poor", True), ("distance", False)):
        expected = _krasula_by_hand(scores, metric, higher)
        got = table.loc[metric, ["auc_ds", "auc_bw", "c0"]].to_numpy(float)
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert result.counts["pairs"] == 70 * 69 // 2
    assert table.loc["good", "auc_bw"] > table.loc["poor", "auc_bw"]
    pair = result.pairs.set_index(["row", "col"]).loc[("good", "poor")]
    assert pair["auc_bw_symbol"] == 1.0 and pair["d_auc_bw"] > 0


def test_ordinal_ranks_instead_of_midranks_fail_the_krasula_check(monkeypatch):
    """Injected error: ties ranked in order of appearance (no midranks) -> scikit-learn's AUC is missed."""
    scores = _demo_scores(n=50, seed=3)
    scores["good"] = scores["good"].round(0)  # many tied differences
    monkeypatch.setattr(krasula_module, "_midrank", lambda x: stats.rankdata(x, method="ordinal"))
    result = krasula(EvaluatedRun.of(scores, ["good"], {}, True))
    expected = _krasula_by_hand(scores, "good")
    assert not np.allclose(result.table[["auc_ds", "auc_bw"]].to_numpy(float)[0], expected[:2], rtol=1e-6)


def test_pair_classes_follow_the_score_direction_and_zero_spreads():
    i, j, signif = pair_classes(np.array([5.0, 1.0, 1.0]), np.array([0.0, 0.0, 0.0]), higher_is_better=True)
    assert list(zip(i, j, signif)) == [(0, 1, 1), (0, 2, 1), (1, 2, 0)]
    _, _, flipped = pair_classes(np.array([5.0, 1.0, 1.0]), np.zeros(3), higher_is_better=False)
    assert list(flipped) == [-1, -1, 0]


# --- the TID2013 spread and a run's files ------------------------------------------------------------------

def test_tid2013_reads_its_mos_std_in_both_layouts(tmp_path):
    from iqa_bench.datasets import create_dataset

    root = tmp_path / "tid"
    root.mkdir()
    (root / "mos_with_names.txt").write_text("5.5 i01_01_1.bmp\n3.25 I01_01_2.BMP\n")
    (root / "mos_std.txt").write_text("0.125\n0.25\n")
    items = create_dataset("tid2013", root=root).items()
    # K from each MOS's denominator (5.5 = 220/40, 3.25 = 104/32), the unbiased error std·√(K/(K − 1))
    assert [it.ratings for it in items] == [40, 32]
    assert [it.spread for it in items] == pytest.approx([0.125 * (40 / 39) ** 0.5, 0.25 * (32 / 31) ** 0.5])
    mean = 1048680 / 27000  # where no K fits: the readme's mean
    assert create_dataset("tid2013", root=root).spread.ratings == pytest.approx(mean)
    table = tmp_path / "meta.csv"
    table.write_text("ref_name,dist_name,mos,std\nI01.BMP,I01_01_2.bmp,3.25,0.5\nI01.BMP,I01_01_1.bmp,5.5,0.75\n")
    read = create_dataset("tid2013", root=root, mos_std=str(table)).items()
    assert [it.spread for it in read] == pytest.approx([s * (it.ratings / (it.ratings - 1)) ** 0.5
                                                        for s, it in zip((0.75, 0.5), read)])
    (root / "mos_std.txt").write_text("0.125\n")
    with pytest.raises(ValueError, match="mos_std.txt has 1 values"):
        create_dataset("tid2013", root=root).items()
    with pytest.raises(ValueError, match="-o mos_std=FILE"):
        create_dataset("tid2013", root=root, mos_std=str(tmp_path / "absent.txt"))


# --- held-out mapping (item 4) ------------------------------------------------------------------------------

def _grouped_scores(seed=4, refs=10, per_ref=12):
    rng = np.random.default_rng(seed)
    reference = np.repeat([f"r{k:02d}" for k in range(refs)], per_ref)
    y = rng.uniform(0, 9, reference.size)
    x = 1 / (1 + np.exp(-(y - 4.5))) + rng.normal(0, 0.08, y.size)
    return pd.DataFrame({"score": y, "group:reference": reference, "m": x})


def test_folds_are_content_disjoint_and_seeded():
    from iqa_bench.stats.held_out import reference_folds

    scores = _grouped_scores()
    folds = reference_folds(scores["group:reference"], 5, seed=0)
    for ref, part in scores.groupby("group:reference"):
        assert len(set(folds[part.index])) == 1  # a reference's items all in one fold
    assert sorted(np.bincount(folds)) == [24] * 5  # 10 references -> 2 per fold
    assert np.array_equal(folds, reference_folds(scores["group:reference"], 5, seed=0))
    assert reference_folds(["a", "a", "b"], 5).max() == 1  # k capped at the number of references


def test_held_out_predictions_equal_refits_without_each_fold():
    """Independent computation: each fold's mapping refitted here on the other folds' items, PLCC by scipy."""
    from iqa_bench.stats.held_out import held_out_table, reference_folds
    from iqa_bench.stats.regression import MetricRegression

    scores = _grouped_scores()
    folds = reference_folds(scores["group:reference"], 5, seed=0)
    x, y = scores["m"].to_numpy(), scores["score"].to_numpy()
    expected = np.empty_like(y)
    for fold in range(5):
        train = folds != fold
        expected[~train] = MetricRegression(fit="logistic5", n_boot=0).fit(x[train], y[train]).predict(x[~train])
    row = held_out_table(EvaluatedRun.of(scores, ["m"])).iloc[0]
    assert row["plcc_held_out"] == pytest.approx(stats.pearsonr(expected, y)[0])
    assert row["rmse_held_out"] == pytest.approx(np.sqrt(np.mean((expected - y) ** 2)))
    inside = MetricRegression(fit="logistic5", n_boot=0).fit(x, y).predict(x)
    assert row["rmse_in_sample"] == pytest.approx(np.sqrt(np.mean((inside - y) ** 2)))
    assert row["rmse_held_out"] > row["rmse_in_sample"]  # the in-sample figure is the optimistic one
    assert row["d_rmse"] == pytest.approx(row["rmse_held_out"] - row["rmse_in_sample"])


# --- contamination flags (item 5) ---------------------------------------------------------------------------

def test_learned_metrics_are_flagged_on_their_training_data_only():
    from iqa_bench.metrics.training_data import trained_on

    assert trained_on("dists", "kadid10k").dataset == "kadid10k"
    assert trained_on("dists", "tid2013") is None
    assert trained_on("lpips:alex", "bapps", ["val"]) is None  # BAPPS val is the held-out split
    assert "Zhang et al. 2018" in trained_on("lpips:vgg", "bapps", ["train", "val"]).source
    assert trained_on("pyiqa:topiq_fr", "kadid10k").dataset == "kadid10k"
    assert trained_on("pyiqa:topiq_fr-pipal", "kadid10k") is None
    assert trained_on("psnr", "kadid10k") is None


def test_a_flagged_metric_is_marked_in_every_table_and_in_summary_csv(tmp_path):
    import shutil

    import dataset_trees as trees
    from click.testing import CliRunner
    from iqa_bench.cli import cli

    trees.build_bapps_tree(tmp_path / "val", {"traditional": 12}, real=False)  # no ../shared needed
    root = tmp_path / "bapps"
    (root / "2afc").mkdir(parents=True)
    shutil.copytree(tmp_path / "val" / "2afc" / "val", root / "2afc" / "train")
    out = CliRunner().invoke(cli, ["evaluate", "-d", "bapps", "--root", str(root), "--split", "train", "--subsets",
                                   "traditional", "--metrics", "psnr,lpips:alex:random", "--bootstrap", "0",
                                   "--no-progress", "--results", str(tmp_path / "res")])
    assert out.exit_code == 0, out.output
    run = tmp_path / "res" / "bapps"
    summary = pd.read_csv(run / "summary.csv")
    flagged = summary[summary["metric"] == "lpips:alex:random"]
    assert flagged["trained_on"].str.contains("BAPPS 2AFC train split").all()
    assert summary.loc[summary["metric"] == "psnr", "trained_on"].isna().all()
    assert "LPIPS (AlexNet, random) §" in (run / "table.md").read_text()
    assert "§ evaluated on data its weights were trained on" in (run / "table.md").read_text()
    tex = (run / "table.tex").read_text()
    assert r"\S{}" in tex and "evaluated on data its weights were trained on" in tex
    assert "§" in (run / "report.html").read_text()


@pytest.mark.slow
def test_a_run_with_score_spreads_writes_every_method_table_and_they_compile(tmp_path):
    from click.testing import CliRunner
    from iqa_bench.cli import cli
    from latex_helpers import compile_if_available

    root = build_tid2013_metadata(tmp_path / "tid")
    out = CliRunner().invoke(cli, ["evaluate", "-d", "tid2013", "--root", str(root), "--scores-dir",
                                   str(root / "metrics_values"), "--bootstrap", "50", "--no-progress", "--no-plots",
                                   "--mapping", "held-out", "--correct", "bh", "--results", str(tmp_path / "res")])
    assert out.exit_code == 0, out.output
    run = tmp_path / "res" / "tid2013"
    for stem in ("p1401", "krasula", "mapping"):
        assert all((run / f"{stem}{suffix}").is_file() for suffix in (".md", ".tex", ".csv")), stem
    summary = pd.read_csv(run / "summary.csv")
    overall = summary[summary["group"] == "all"].set_index("metric")
    assert overall.loc["GOOD", "rmse_star"] < overall.loc["POOR", "rmse_star"]
    assert overall.loc["GOOD", "auc_bw"] > overall.loc["POOR", "auc_bw"]
    assert summary[summary["group"] != "all"]["rmse_star"].isna().all()  # the rows of all items only
    scores = pd.read_csv(run / "scores.csv")
    assert "score_se" in scores.columns and scores["score_se"].between(0.05, 0.31).all()
    assert "Benjamini–Hochberg" in (run / "significance.md").read_text()
    assert "Benjamini–Hochberg" in (run / "p1401.md").read_text()
    page = (run / "report.html").read_text()
    assert 'id="p1401"' in page and 'id="krasula"' in page and 'id="mapping"' in page
    tex = [run / f"{stem}.tex" for stem in ("p1401", "krasula", "mapping", "significance")]
    for path in tex:
        body = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("%"))
        assert body.isascii(), (path.name, sorted({c for c in body if not c.isascii()}))
    compile_if_available(tmp_path, [p.read_text() for p in tex], body_size=True)


def test_kadid_spread_needs_the_number_of_ratings(tmp_path):
    from iqa_bench.datasets import create_dataset

    root = tmp_path / "kadid"
    root.mkdir()
    (root / "dmos.csv").write_text("dist_img,ref_img,dmos,var\nI01_01_01.png,I01.png,4.57,0.496\n"
                                   "I01_01_02.png,I01.png,4.33,0.869\n")
    assert [it.spread for it in create_dataset("kadid10k", root=root).items()] == [None, None]
    assert create_dataset("kadid10k", root=root).spread is None
    items = create_dataset("kadid10k", root=root, ratings="30").items()
    assert [it.spread for it in items] == pytest.approx([np.sqrt(0.496 / 30), np.sqrt(0.869 / 30)])
    assert create_dataset("kadid10k", root=root, ratings="30").spread.ratings == 30
    with pytest.raises(ValueError, match="-o ratings=K"):
        create_dataset("kadid10k", root=root, ratings="one")


def test_a_mapping_that_sees_its_test_items_fails_the_held_out_check(monkeypatch):
    """Injected error: every fold's mapping fitted on all items (the leak held-out mapping exists to stop)
    -> the held-out RMSE no longer equals the independent refits'."""
    from iqa_bench.stats import held_out as held_out_module
    from iqa_bench.stats.regression import MetricRegression

    scores = _grouped_scores()
    x, y = scores["m"].to_numpy(), scores["score"].to_numpy()
    folds = held_out_module.reference_folds(scores["group:reference"], 5, seed=0)
    expected = np.empty_like(y)
    for fold in range(5):
        train = folds != fold
        expected[~train] = MetricRegression(fit="logistic5", n_boot=0).fit(x[train], y[train]).predict(x[~train])
    monkeypatch.setattr(held_out_module, "held_out_predictions",
                        lambda x, y, folds, fit, *_: MetricRegression(fit=fit, n_boot=0).fit(x, y).predict(x))
    row = held_out_module.held_out_table(EvaluatedRun.of(scores, ["m"])).iloc[0]
    assert row["rmse_held_out"] != pytest.approx(np.sqrt(np.mean((expected - y) ** 2)), rel=1e-6)


# --- TID2013's mos_std: σ_pop/√K, K from each MOS's denominator (issue 42, item 5) ------------------------------

def test_tid2013_ratings_come_from_each_mos_denominator():
    from iqa_bench.datasets.tid2013 import ratings_behind, ratings_per_image

    # K = 35 ratings, their sum 193, their squares' sum 1085 (σ_pop² = 1085/35 − (193/35)² = 0.5935):
    # the distribution prints MOS = 193/35 and std = σ_pop/√35, each to five decimals
    mos, sigma = round(193 / 35, 5), (1085 / 35 - (193 / 35) ** 2) ** 0.5
    assert ratings_behind(mos, round(sigma / 35 ** 0.5, 5)) == [35]
    # the unbiased-σ reading (σ_{K-1}/√K) of the same ratings is not an integer sum of squares at K = 35
    assert 35 not in ratings_behind(mos, round(sigma * (35 / 34) ** 0.5 / 35 ** 0.5, 5))
    # an image with no single fitting K takes the candidate nearest its reference's median
    assert ratings_per_image([mos, mos, 2.51237], [round(sigma / 35 ** 0.5, 5)] * 2 + [0.1], ["01", "01", "01"]) \
        == [35.0, 35.0, 35.0]


def test_tid2013_items_carry_the_unbiased_standard_error_and_their_k(tmp_path):
    from iqa_bench.datasets import create_dataset

    root = tmp_path / "tid"
    root.mkdir()
    sigma = (1085 / 35 - (193 / 35) ** 2) ** 0.5
    std = round(sigma / 35 ** 0.5, 5)
    (root / "mos_with_names.txt").write_text(f"{193 / 35:.5f} i01_01_1.bmp\n")
    (root / "mos_std.txt").write_text(f"{std:.5f}\n")
    item = create_dataset("tid2013", root=root).items()[0]
    assert item.ratings == 35
    assert item.spread == pytest.approx(std * (35 / 34) ** 0.5)


@pytest.mark.skipif(not (TID_DATA / "mos_with_names.txt").is_file(), reason=f"{TID_DATA} is absent")
def test_tid2013_ratings_on_the_real_score_files():
    """The real MOS and std: K per image between 30 and 45 (mean 38.0, against the readme's overall 38.84),
    2917 of 3000 images with exactly one K, and two images whose std is 0."""
    from iqa_bench.datasets import create_dataset
    from iqa_bench.datasets.tid2013 import ratings_behind

    items = create_dataset("tid2013", root=TID_DATA, mos_std=str(TID_META)).items()
    ratings = np.array([it.ratings for it in items])
    assert ratings.min() == 30 and ratings.max() == 45 and ratings.mean() == pytest.approx(38.04, abs=0.01)
    meta = pd.read_csv(TID_META)
    unique = sum(len(ratings_behind(m, s)) == 1 for m, s in zip(meta["mos"], meta["std"]))
    assert unique == 2917
    assert sorted(it.item_id for it in items if it.spread == 0) == ["i04_11_4.bmp", "i04_21_5.bmp"]


def test_fit_none_writes_no_table_in_mos_units_and_says_why(tmp_path):
    """Issue 42, item 3: under --fit none there is no mapping to the MOS scale -- no P.1401 (nor held-out
    mapping) table, one line saying why; a stale one from an earlier run is removed; Krasula (fit-free) stays."""
    from click.testing import CliRunner
    from iqa_bench.cli import cli

    root = build_tid2013_metadata(tmp_path / "tid")
    common = ["evaluate", "-d", "tid2013", "--root", str(root), "--scores-dir", str(root / "metrics_values"),
              "--bootstrap", "0", "--no-progress", "--no-plots", "--mapping", "held-out", "--results",
              str(tmp_path / "res")]
    assert CliRunner().invoke(cli, common).exit_code == 0
    run = tmp_path / "res" / "tid2013"
    assert (run / "p1401.md").is_file()
    out = CliRunner().invoke(cli, common + ["--fit", "none"])
    assert out.exit_code == 0, out.output
    lines = [line for line in out.output.splitlines() if "no P.1401 table" in line]
    assert len(lines) == 1 and "--fit none" in lines[0]
    assert not any((run / f"{stem}{suffix}").exists() for stem in ("p1401", "mapping")
                   for suffix in (".md", ".tex", ".csv"))
    assert (run / "krasula.md").is_file()
    assert "rmse_dof" not in pd.read_csv(run / "summary.csv").columns


def test_placeholder_values_of_an_imported_file_are_found_said_and_recoded(tmp_path):
    """Issue 42, item 4: a power of ten far beyond the rest (TID2013's 100000 for an infinite PSNR) is named in
    one line with its file and count, recoded just beyond the other values (ranks kept), noted in the table."""
    from click.testing import CliRunner
    from iqa_bench.cli import cli

    root = build_tid2013_metadata(tmp_path / "tid")
    path = root / "metrics_values" / "GOOD.txt"
    values = [float(v) for v in path.read_text().split()]
    top = np.argsort(values)[-4:]  # the four best images: "identical", the distribution's placeholder
    for k in top:
        values[k] = 100000.0
    path.write_text("".join(f"{v:.6f}\n" for v in values))
    others = [v for v in values if v != 100000.0]
    args = ["evaluate", "-d", "tid2013", "--root", str(root), "--scores-dir", str(root / "metrics_values"),
            "--bootstrap", "0", "--no-progress", "--no-plots", "--results", str(tmp_path / "res")]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    said = [line for line in out.output.splitlines() if f"{path}: " in line]  # the table's note is the other mention
    assert len(said) == 1 and "4 value(s) of 100000 taken as a placeholder" in said[0], out.output
    scores = pd.read_csv(tmp_path / "res" / "tid2013" / "scores.csv")
    expected = max(others) + 0.01 * (max(others) - min(others))
    assert scores["GOOD"].iloc[top].to_numpy() == pytest.approx([expected] * 4)
    assert scores["GOOD"].max() == pytest.approx(expected)
    assert "GOOD: 4 value(s) of 100000 taken as a placeholder" in (tmp_path / "res" / "tid2013" / "table.md").read_text()
    out = CliRunner().invoke(cli, args + ["--sentinels", "exclude"])
    assert out.exit_code == 0, out.output
    scores = pd.read_csv(tmp_path / "res" / "tid2013" / "scores.csv")
    assert scores["GOOD"].iloc[top].isna().all() and scores["GOOD"].notna().sum() == len(values) - 4


def test_only_a_far_power_of_ten_is_a_placeholder():
    from iqa_bench.imported import find_sentinel

    rng = np.random.default_rng(0)
    body = {f"i{k}": float(v) for k, v in enumerate(rng.uniform(10, 50, 200))}
    assert find_sentinel(body) is None
    assert find_sentinel({**body, "a": 100000.0, "b": 100000.0}) == (100000.0, 2)
    assert find_sentinel({**body, "a": -1000.0}) == (-1000.0, 1)
    assert find_sentinel({**body, "a": 99999.0}) is None          # not a power of ten
    assert find_sentinel({**body, "a": 100.0}) is None            # a power of ten, but below 1000
    near = {f"i{k}": float(v) for k, v in enumerate(rng.uniform(500, 5000, 200))}
    assert find_sentinel({**near, "a": 1000.0}) is None           # a power of ten among the values


@pytest.mark.skipif(not (TID_DATA / "metrics_values").is_dir(), reason=f"{TID_DATA}/metrics_values is absent")
def test_the_tid2013_distributions_placeholders_are_found_in_the_five_files():
    from iqa_bench.imported import ImportedScores, apply_sentinel_rule, read_values

    ids = [line.split()[1] for line in (TID_DATA / "mos_with_names.txt").read_text().splitlines()]
    found = {}
    for path in sorted((TID_DATA / "metrics_values").glob("*.txt")):
        source = ImportedScores(path.stem, path)
        values, sentinel = apply_sentinel_rule(source, read_values(source, ids), "recode")
        if sentinel:
            found[path.stem] = (sentinel.value, sentinel.count)
            assert max(values.values()) < 1000 if path.stem != "VSNR" else max(values.values()) < 1500
    assert found == {name: (100000.0, 111) for name in ("NQM", "PSNR", "PSNRHVS", "PSNRHVSM", "WSNR")} | \
        {"VSNR": (100000.0, 1)}


def test_no_p1401_result_where_no_metric_has_more_items_than_mapping_parameters():
    """Five items and a 5-parameter mapping: no metric has figures, so there is no P.1401 result (the run
    writes no p1401 table) rather than a table without its columns."""
    scores = _demo_scores(n=5)
    assert p1401(EvaluatedRun.of(scores, ["good", "poor"], ratings=30)) is None
