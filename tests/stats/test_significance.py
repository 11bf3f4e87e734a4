"""Significance between metrics: Williams' test against R's cocor, the F-test against scipy's F law with
known variance ratios, the paired bootstrap's coverage, and the matrix of a real TID2013 run."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from iqa_bench.reports.renderers import renderer
from iqa_bench.stats.evaluated_run import EvaluatedRun
from iqa_bench.stats.regression import MetricRegression
from iqa_bench.stats.significance import NOT_GAUSSIAN_NOTE, compare_metrics, f_test, williams_test

from stats_helpers import holm_by_hand


def test_williams_test_equals_cocor():
    """cocor 1.1-3 (R), cocor.dep.groups.overlap, printed: r.jk = 0.5447, r.jh = 0.8, r.kh = 0.0729,
    n = 70 -> "williams1959: Williams' t (1959) t = -2.8114, df = 67, p-value = 0.0065" (inputs as printed,
    rounded to four digits, hence the tolerance)."""
    t, p = williams_test(0.5447, 0.8, 0.0729, 70)
    assert t == pytest.approx(-2.8114, abs=5e-4)
    assert p == pytest.approx(0.0065, abs=5e-5)
    t2, p2 = williams_test(0.8, 0.5447, 0.0729, 70)
    assert (t2, p2) == pytest.approx((-t, p))


def test_f_test_is_scipys_f_law_and_holds_its_level():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1.3, 400), rng.normal(0, 1.0, 300)
    f, p = f_test(a, b)
    assert f == pytest.approx(np.var(a, ddof=1) / np.var(b, ddof=1))
    assert p == pytest.approx(2 * stats.f.sf(f, 399, 299))
    # equal variances: rejected in about 5 % of trials; ratio 1.5 with n = 500: nearly always
    level = np.mean([f_test(rng.normal(size=200), rng.normal(size=200))[1] < 0.05 for _ in range(400)])
    assert 0.025 <= level <= 0.08
    power = np.mean([f_test(rng.normal(0, np.sqrt(1.5), 500), rng.normal(size=500))[1] < 0.05 for _ in range(100)])
    assert power >= 0.95


def render_significance(result, fmt: str, dataset: str) -> str:
    return renderer(fmt).significance(result, dataset)


def _compare(frame, specs, directions, fit, n_boot, seed=0, **settings):
    """compare_metrics over a run of ``frame`` (the subjective score higher = better)."""
    return compare_metrics(EvaluatedRun.of(frame, specs, directions, True, fit=fit, bootstrap=n_boot, seed=seed,
                                           **settings))


def _two_metrics(seed, n=200, noise=(0.5, 1.0)):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    return pd.DataFrame({"item": range(n), "score": y, "a": y + noise[0] * rng.normal(size=n),
                         "b": y + noise[1] * rng.normal(size=n)})


def test_paired_bootstrap_interval_covers_the_true_srocc_difference():
    """a = y + 0.5 ε, b = y + ε with y, ε standard normal: Spearman's ρ_s = (6/π) asin(ρ/2) with
    ρ = 1/√(1 + σ²), so the population ΔSROCC is known in closed form."""
    def rho_s(sigma):
        return 6 / np.pi * np.arcsin(1 / np.sqrt(1 + sigma ** 2) / 2)

    truth = rho_s(0.5) - rho_s(1.0)
    covered = 0
    for seed in range(100):
        result = _compare(_two_metrics(seed), ["a", "b"], {"a": True, "b": True}, "cubic", 500, seed)
        row = result.pairs.set_index(["row", "col"]).loc[("a", "b")]
        covered += row["d_srocc_lo"] <= truth <= row["d_srocc_hi"]
    assert covered >= 90  # ≥ 90 % of 100 seeded trials (93 here; a 95 % interval)
    # paired: both metrics on the same resampled items; for two closely related metrics (b a noisier a)
    # independent resamples would give a far wider interval
    frame = _two_metrics(0)
    rng = np.random.default_rng(0)
    frame["b"] = frame["a"] + 0.3 * rng.normal(size=200)
    independent = []
    for _ in range(500):
        i, j = rng.integers(0, 200, 200), rng.integers(0, 200, 200)
        independent.append(stats.spearmanr(frame["a"][i], frame["score"][i])[0]
                           - stats.spearmanr(frame["b"][j], frame["score"][j])[0])
    row = _compare(frame, ["a", "b"], {"a": True, "b": True}, "cubic", 500).pairs.set_index(["row", "col"]).loc[("a", "b")]
    width = row["d_srocc_hi"] - row["d_srocc_lo"]
    assert width < 0.7 * np.subtract(*np.percentile(independent, [97.5, 2.5]))


def test_symbols_are_antisymmetric_and_a_distance_is_oriented():
    frame = _two_metrics(1, n=300, noise=(0.3, 1.5))
    frame["b"] = -frame["b"]  # a distance: lower = better
    result = _compare(frame, ["a", "b"], {"a": True, "b": False}, "cubic", 300)
    for test in ("f", "williams", "srocc", "plcc"):
        matrix = result.matrix(test)
        assert matrix.loc["a", "b"] == 1 and matrix.loc["b", "a"] == -1, test
    pairs = result.pairs.set_index(["row", "col"])
    assert pairs.loc[("a", "b"), "d_srocc"] > 0.1  # not the raw (negative) SROCC of the distance
    text = render_significance(result, "md", "synthetic")
    assert "| a |  | 1 |" in text and "| b | -1 |  |" in text


def test_an_f_symbol_is_marked_where_a_residual_kurtosis_is_outside_2_4():
    """Issue 26: a metric whose residuals are heavy-tailed (Student t, 3 d.o.f.: kurtosis far above 4) gets
    its F-test symbols marked ‡ with the footnote, in Markdown, LaTeX and the figure; the CSV keeps both
    kurtoses (equal to scipy's of the fitted residuals) and the reason. Two Gaussian metrics: no mark."""
    rng = np.random.default_rng(4)
    n = 400
    y = rng.normal(size=n)
    frame = pd.DataFrame({"item": range(n), "score": y, "a": y + 0.4 * rng.normal(size=n),
                          "b": y + 0.6 * rng.standard_t(3, size=n), "c": y + 0.8 * rng.normal(size=n)})
    result = _compare(frame, ["a", "b", "c"], {m: True for m in "abc"}, "cubic", 0)
    kurtosis = {}
    for m in "abc":
        model = MetricRegression(fit="cubic", n_boot=0).fit(frame[m], y)
        kurtosis[m] = stats.kurtosis(model.predict(frame[m]) - y, fisher=False)
    assert 2 < kurtosis["a"] < 4 and 2 < kurtosis["c"] < 4 and kurtosis["b"] > 4
    pairs = result.pairs.set_index(["row", "col"])
    assert pairs.loc[("a", "c"), "f_assumption"] == "ok" and pairs.loc[("a", "c"), "kurtosis_col"] == pytest.approx(kurtosis["c"])
    assert pairs.loc[("a", "b"), "f_assumption"] == f"kurtosis outside [2, 4]: b {kurtosis['b']:.2f}"
    assert pairs.loc[("b", "a"), "kurtosis_row"] == pytest.approx(kurtosis["b"])
    md = render_significance(result, "md", "synthetic")
    f_block = md.split("**")[2].split("**")[0]
    f_matrix = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
                for line in f_block.splitlines() if line.startswith("| ") and not line.startswith("| |")}
    assert f_matrix["a"][1].endswith("‡") and f_matrix["b"][0].endswith("‡") and f_matrix["b"][2].endswith("‡")
    assert not f_matrix["a"][2].endswith("‡") and not f_matrix["c"][0].endswith("‡")
    assert NOT_GAUSSIAN_NOTE in f_block
    williams_block = md.split("**")[4]
    assert "‡" not in williams_block  # only the F-test assumes Gaussian residuals
    tex = render_significance(result, "latex", "synthetic")
    assert r"$^\ddagger$" in tex and "‡" not in tex
    gaussian_only = render_significance(_compare(frame, ["a", "c"], {"a": True, "c": True}, "cubic", 0), "md", "synthetic")
    assert "‡" not in gaussian_only.split("Residual kurtosis")[0]


@pytest.mark.skipif(not (__import__("conftest").SHARED_DATA / "iqa" / "tid2013" / "yy3948+IQA").is_dir(),
                    reason="TID2013 metrics_values not present (../shared/data is absent)")
def test_real_tid2013_fsim_is_significantly_better_than_psnr(tmp_path):
    from iqa_bench import evaluate

    from conftest import SHARED_DATA

    tid = SHARED_DATA / "iqa" / "tid2013" / "yy3948+IQA"
    result = evaluate("tid2013", root=str(tid), results=str(tmp_path), bootstrap=200, plots=True, progress=False,
                      by="", scores={"FSIM": str(tid / "metrics_values" / "FSIM.txt"),
                                     "PSNR": str(tid / "metrics_values" / "PSNR.txt")})
    table = pd.read_csv(result.run_dir / "significance.csv").set_index(["row", "col"])
    row = table.loc[("FSIM", "PSNR")]
    assert row["n"] == 3000
    assert (row["f_symbol"], row["williams_symbol"], row["srocc_symbol"], row["plcc_symbol"]) == (1, 1, 1, 1)
    assert row["d_srocc"] == pytest.approx(0.8007 - 0.6394, abs=2e-3)  # the paper's SROCCs (Table 4)
    # both residual kurtoses outside [2, 4] (the audit: FSIM 4.84, PSNR 4.39): the F symbol is marked
    assert row["kurtosis_row"] > 4 and row["kurtosis_col"] > 4 and row["f_assumption"].startswith("kurtosis outside")
    assert "| FSIM |  | 1‡ |" in (result.run_dir / "significance.md").read_text()
    assert (result.run_dir / "plots" / "significance_f.png").stat().st_size > 0
    assert r"\toprule" in (result.run_dir / "significance.tex").read_text()


def _clustered_scores(seed=3, references=12, per=6):
    """Items sharing a reference share a random offset (the correlation a cluster bootstrap respects)."""
    rng = np.random.default_rng(seed)
    ref = np.repeat(np.arange(references), per)
    y = rng.normal(size=ref.size) + rng.normal(size=references)[ref]
    return pd.DataFrame({"score": y, "a": y + rng.normal(scale=0.5, size=y.size),
                         "b": y + rng.normal(scale=0.8, size=y.size) + rng.normal(scale=0.8, size=references)[ref],
                         "group:reference": [f"I{r:02d}" for r in ref]})


def test_the_matrices_paired_bootstrap_resamples_whole_references_when_asked():
    """Issue 31, item 6: the paired bootstrap's ΔSROCC interval under ``clusters`` equals an independent
    loop (scipy's spearmanr on each resample of whole references, the same draws); singleton clusters are
    the item bootstrap exactly; the unit is stated in both renderings."""
    scores = _clustered_scores()
    directions = {"a": True, "b": True}
    n_boot, seed = 300, 5
    result = _compare(scores, ["a", "b"], directions, "none", n_boot, seed, resample="references")
    pair = result.pairs.query("row == 'a' and col == 'b'").iloc[0]
    labels = scores["group:reference"].to_numpy()
    names = np.unique(labels)
    members = [np.flatnonzero(labels == name) for name in names]
    rng = np.random.default_rng(seed)
    deltas = []
    for chosen in rng.integers(0, len(members), size=(n_boot, len(members))):
        rows = np.concatenate([members[k] for k in chosen])
        part = scores.iloc[rows]
        deltas.append(stats.spearmanr(part["a"], part["score"])[0] - stats.spearmanr(part["b"], part["score"])[0])
    lo, hi = np.percentile(deltas, [2.5, 97.5])
    assert (pair["d_srocc_lo"], pair["d_srocc_hi"]) == pytest.approx((lo, hi), abs=1e-12)
    items = _compare(scores, ["a", "b"], directions, "none", n_boot, seed)
    singletons = _compare(scores.assign(**{"group:reference": np.arange(len(scores))}), ["a", "b"], directions, "none", n_boot,
                          seed, resample="references")
    pd.testing.assert_frame_equal(items.pairs, singletons.pairs)
    assert items.pairs["d_srocc_lo"].iloc[0] != pair["d_srocc_lo"]
    assert "cluster bootstrap" in render_significance(result, "md", "x") and \
        "Paired bootstrap: whole reference images resampled" in render_significance(result, "latex", "x")
    assert "paired bootstrap: items resampled" in render_significance(items, "md", "x")


# --- multiple comparisons (issue 31, item 3) ---------------------------------------------------------------


def test_corrected_symbols_in_the_matrices_and_the_caption():
    rng = np.random.default_rng(0)
    y = rng.normal(size=120)
    scores = pd.DataFrame({"score": y, **{f"m{k}": y + rng.normal(size=120) * (0.4 + 0.25 * k) for k in range(5)}})
    specs = [f"m{k}" for k in range(5)]
    directions = dict.fromkeys(specs, True)
    plain = _compare(scores, specs, directions, "logistic5", 200, 0)
    holm = _compare(scores, specs, directions, "logistic5", 200, 0, correct="holm")
    pairs = holm.pairs
    once = pairs[pairs["row"] < pairs["col"]]
    assert len(once) == 10  # the family: every unordered pair once
    np.testing.assert_allclose(once["f_p_holm"], holm_by_hand(list(once["f_p"])))
    np.testing.assert_allclose(once["f_p_bh"], stats.false_discovery_control(once["f_p"], method="bh"))
    assert (pairs["f_p_holm"] >= pairs["f_p"] - 1e-15).all()
    expected = np.where(pairs["f_p_holm"] < 0.05, np.where(pairs["f"] < 1, 1.0, -1.0), 0.0)
    np.testing.assert_array_equal(pairs["f_symbol_holm"], expected)
    assert (holm.matrix("f").fillna(9) == holm.pairs.pivot(index="row", columns="col", values="f_symbol_holm")
            .reindex(index=specs, columns=specs).fillna(9)).all().all()
    assert (plain.matrix("f").abs().sum().sum() >= holm.matrix("f").abs().sum().sum())  # never more rejections
    assert "Holm's correction" in render_significance(holm, "md", "demo")
    assert "no correction for multiple comparisons" in render_significance(plain, "latex", "demo")
