"""The BAPPS 2AFC adapter (datasets/bapps.py): the real judgement table's counts, a tree of every val judgement."""
import numpy as np
import pytest

from iqa_bench.datasets import create_dataset

import dataset_trees as trees
from dataset_trees import needs_shared


pytestmark = needs_shared


# -- BAPPS -----------------------------------------------------------------------------------
def test_bapps_real_judgement_table_counts():
    table = trees.read_bapps_table()
    val = table[table["split"] == "val"].groupby("subset").size().to_dict()
    assert val == {"traditional": 4720, "cnn": 4720, "superres": 10856, "deblur": 9440, "color": 4720,
                   "frameinterp": 1888}
    from iqa_bench.datasets.bapps import EXPECTED

    assert {k: v for (s, k), v in EXPECTED.items() if s == "val"} == val
    train = table[table["split"] == "train"].groupby("subset").size().to_dict()
    assert train == {k: v for (s, k), v in EXPECTED.items() if s == "train"}
    assert table["judge"].between(0, 1).all()


@pytest.mark.slow
def test_bapps_tree_of_every_val_judgement(tmp_path):
    """The whole val split's judge files in the official layout: counts and values read back."""
    table = trees.read_bapps_table()
    val = table[table["split"] == "val"]
    for row in val.itertuples():
        folder = tmp_path / "2afc" / "val" / row.subset / "judge"
        if not folder.exists():
            folder.mkdir(parents=True)
        np.save(folder / f"{row.stem}.npy", np.array([row.judge], dtype=np.float32))
    dataset = create_dataset("bapps", root=tmp_path)
    items = dataset.items()
    assert dataset.counts(items) == dataset.expected
    assert len(items) == 2 * 36344
    judged = {it.groups["triplet"]: it.score for it in items}
    for row in val.sample(500, random_state=0).itertuples():
        assert judged[f"val/{row.subset}/{row.stem}"] == pytest.approx(row.judge, abs=1e-6)
