"""Whether a metric's mapping transfers (stats/transfer.py, ``iqa-bench across``): the sample split into two
halves by reference, each evaluated as a custom dataset; ``across`` writes the transfer table, and its values
equal an independent computation (the monotone least-squares cubic on the common 0-1 scale by scipy's SLSQP
with the derivative constrained on a grid, scipy's Pearson);
a metric whose scale shifts between datasets loses RMSE in transfer, one whose scale holds does not."""
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from iqa_bench.cli import cli
from iqa_bench.stats.transfer import TransferData, common_scale, transfer_table

HALVES = {"half_a": ("astronaut", "chelsea", "coffee"), "half_b": ("rocket", "motorcycle", "hubble")}


def test_a_shifted_scale_costs_rmse_and_a_held_one_does_not():
    rng = np.random.default_rng(0)
    quality = [rng.uniform(0, 1, 200) for _ in range(2)]
    data = [TransferData(name, pd.DataFrame({"score": 10 * q, "held": q + rng.normal(0, 0.05, 200),
                                             "shifted": q + shift + rng.normal(0, 0.05, 200)}), True, "cubic")
            for name, q, shift in (("one", quality[0], 0.0), ("two", quality[1], 0.5))]
    table = transfer_table(data, ["held", "shifted"]).set_index(["metric", "source"])
    assert abs(table.loc[("held", "one"), "d_rmse"]) < 0.01
    assert table.loc[("shifted", "one"), "d_rmse"] > 0.2 and table.loc[("shifted", "two"), "d_rmse"] > 0.2
    assert table.loc[("shifted", "one"), "plcc_in"] == pytest.approx(table.loc[("held", "one"), "plcc_in"], abs=0.05)


def test_the_common_scale_orients_and_normalises():
    np.testing.assert_allclose(common_scale([20, 60, 100], False), [1.0, 0.5, 0.0])  # a severity: higher worse
    np.testing.assert_allclose(common_scale([1, 3, 5], True), [0.0, 0.5, 1.0])
    assert np.isnan(common_scale([2, 2], True)).all()


def _monotone_cubic(x, y):
    """The least-squares cubic in x whose slope keeps the sign of the rank correlation over the range of x
    (written here from the definition: SLSQP, the derivative constrained at 201 points)."""
    from scipy import optimize

    centre, scale = x.mean(), x.std()
    z = (x - centre) / scale
    sign = np.sign(stats.spearmanr(x, y)[0]) or 1.0
    grid = np.linspace(z.min(), z.max(), 201)
    slope = lambda c: sign * (3 * c[0] * grid ** 2 + 2 * c[1] * grid + c[2])  # noqa: E731
    start = np.array([0.0, 0.0, *np.polyfit(z, y, 1)])
    fit = optimize.minimize(lambda c: np.sum((np.polyval(c, z) - y) ** 2), start, method="SLSQP",
                            constraints=[{"type": "ineq", "fun": slope}], options={"ftol": 1e-14, "maxiter": 1000})
    return lambda values: np.polyval(fit.x, (np.asarray(values, float) - centre) / scale)


def _half(root, name, references, sample_items):
    root.mkdir(parents=True)
    chosen = [it for it in sample_items if it.groups["reference"] in references]
    pd.DataFrame({"item": [it.item_id for it in chosen], "ref": [str(it.ref_path) for it in chosen],
                  "dist": [str(it.dist_path) for it in chosen], "score": [it.score for it in chosen],
                  "reference": [it.groups["reference"] for it in chosen]}).to_csv(root / "manifest.csv", index=False)
    return root


@pytest.mark.slow
def test_across_writes_the_transfer_of_the_sample_halves_as_computed_independently(tmp_path, sample_items):
    results = tmp_path / "results"
    for name, references in HALVES.items():
        root = _half(tmp_path / name, name, references, sample_items)
        done = CliRunner().invoke(cli, ["evaluate", "-d", "custom", "--root", str(root), "-o", "outside=true",
                                        "-o", "higher_is_better=false", "-o", "score_name=severity", "-m", "psnr,ssim",
                                        "--fit", "cubic", "--bootstrap", "0", "--results", str(results), "--run", name,
                                        "--no-plots"])
        assert done.exit_code == 0, done.output
    out = tmp_path / "across"
    shown = CliRunner().invoke(cli, ["across", str(results / "half_a"), str(results / "half_b"), "--out", str(out)])
    assert shown.exit_code == 0, shown.output
    assert "Does the mapping transfer?" in shown.output and (out / "transfer.tex").is_file()
    table = pd.read_csv(out / "transfer.csv")
    assert len(table) == 2 * 2  # two metrics, both directions
    scores = {f"custom ({name})": pd.read_csv(results / name / "scores.csv") for name in HALVES}  # as named
    for _, row in table.iterrows():
        source, target = scores[row["source"]], scores[row["target"]]
        y_source = (source["score"].max() - source["score"]) / np.ptp(source["score"])  # 1 = the mildest
        y_target = (target["score"].max() - target["score"]) / np.ptp(target["score"])
        moved = _monotone_cubic(source[row["metric"]].to_numpy(), y_source.to_numpy())(target[row["metric"]])
        assert row["plcc"] == pytest.approx(stats.pearsonr(moved, y_target)[0], abs=1e-4)
        assert row["rmse"] == pytest.approx(np.sqrt(np.mean((moved - y_target) ** 2)), abs=1e-4)
        own = _monotone_cubic(target[row["metric"]].to_numpy(), y_target.to_numpy())(target[row["metric"]])
        assert row["rmse_in"] == pytest.approx(np.sqrt(np.mean((own - y_target) ** 2)), abs=1e-4)
        assert row["rmse"] >= row["rmse_in"] - 1e-12  # the target's own least squares is the floor
        assert abs(row["rmse"] - np.sqrt(np.mean((moved - (1 - y_target)) ** 2))) > 0.05  # a wrong orientation shows
