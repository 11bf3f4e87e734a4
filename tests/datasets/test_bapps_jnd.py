"""The BAPPS JND adapter (datasets/bapps.py, ``bapps_jnd``) on a JND set the test builds in the official layout
(no JND data is on this machine): each pair an item of p0 against p1 with its "same" fraction; ``evaluate``
writes the JND mAP table (the statistic is held to LPIPS's own computation in tests/stats/test_jnd.py); a folder that
does not match the judgements and a damaged fraction are named."""
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from iqa_bench.cli import cli
from iqa_bench.datasets import create_dataset
from iqa_bench.datasets.common import DamagedFileError
from iqa_bench.stats.jnd import jnd_average_precision

from dataset_trees import noisy, save, smooth_image


def build_jnd_tree(root, per_subset=12, seed=0):
    """jnd/val/{traditional,cnn}/{p0,p1,same}: p1 is p0 with noise; the "same" fraction falls with it."""
    rng = np.random.default_rng(seed)
    for subset in ("traditional", "cnn"):
        base = root / "jnd" / "val" / subset
        (base / "same").mkdir(parents=True)
        for k in range(per_subset):
            sigma = float(rng.uniform(0, 30))
            p0 = smooth_image(seed + k, (32, 32))
            save(base / "p0" / f"{k:06d}.png", p0)
            save(base / "p1" / f"{k:06d}.png", noisy(p0, sigma, k))
            np.save(base / "same" / f"{k:06d}.npy", np.array([np.clip(1 - sigma / 30 + rng.normal(0, 0.1), 0, 1)],
                                                             dtype=np.float32))
    return root


def test_the_pairs_are_read_in_the_official_layout(tmp_path):
    dataset = create_dataset("bapps_jnd", root=build_jnd_tree(tmp_path))
    items = dataset.items()
    assert dataset.protocol == "jnd" and dataset.counts(items) == {"val/traditional": 12, "val/cnn": 12}
    first = items[0]
    assert first.item_id == "val/traditional/000000" and first.ref_path.parent.name == "p0"
    assert first.dist_path.parent.name == "p1" and 0 <= first.score <= 1
    assert create_dataset("bapps_jnd", root=tmp_path, subsets="cnn").counts(
        create_dataset("bapps_jnd", root=tmp_path, subsets="cnn").items()) == {"val/cnn": 12}


def test_evaluate_writes_the_jnd_table_with_the_lpips_value(tmp_path):
    root = build_jnd_tree(tmp_path / "bapps")
    result = CliRunner().invoke(cli, ["evaluate", "-d", "bapps_jnd", "--root", str(root), "-m", "mse",
                                      "--results", str(tmp_path / "results"), "--bootstrap", "100"])
    assert result.exit_code == 0, result.output
    run = tmp_path / "results" / "bapps_jnd"
    assert "JND mean average precision (%)" in (run / "table.md").read_text()
    scores, summary = pd.read_csv(run / "scores.csv"), pd.read_csv(run / "summary.csv")
    for subset in ("traditional", "cnn"):
        part = scores[scores["group:subset"] == subset]
        row = summary[(summary["metric"] == "mse") & (summary["group"] == subset)].iloc[0]
        assert row["jnd_map"] == pytest.approx(jnd_average_precision(part["mse"], part["score"]), abs=1e-12)
        assert row["jnd_map"] > part["score"].mean() + 0.1  # above chance: mse grows with the noise
    again = CliRunner().invoke(cli, ["report", str(run)])
    assert again.exit_code == 0 and "JND mean average precision" in again.output


def test_a_mismatched_folder_and_a_damaged_fraction_are_named(tmp_path):
    root = build_jnd_tree(tmp_path)
    (root / "jnd/val/cnn/p1/000003.png").unlink()
    with pytest.raises(ValueError, match=r"p1 has no image for 1 of the 12 judgements .*000003.png"):
        create_dataset("bapps_jnd", root=root).items()
    save(root / "jnd/val/cnn/p1/000003.png", smooth_image(0, (32, 32)))
    np.save(root / "jnd/val/cnn/same/000004.npy", np.array([1.5]))
    with pytest.raises(DamagedFileError, match="000004.npy"):
        create_dataset("bapps_jnd", root=root).items()
    with pytest.raises(ValueError, match="none of traditional, cnn"):
        create_dataset("bapps_jnd", root=root, subsets="superres")
