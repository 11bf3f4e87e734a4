"""The KADID-10k adapter (datasets/kadid10k.py)."""
import numpy as np
import pandas as pd
import pytest

from iqa_bench.datasets import create_dataset

import dataset_trees as trees
from dataset_trees import needs_shared


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


# -- KADID-10k and CSIQ -----------------------------------------------------------------------
@needs_shared
def test_kadid10k_official_csv(tmp_path):
    (tmp_path / "kadid").mkdir()
    (tmp_path / "kadid" / "dmos.csv").write_bytes(trees.KADID_VQMT.read_bytes())
    items = create_dataset("kadid10k", root=tmp_path / "kadid").items()
    assert len(items) == 10125 and len({it.ref_path for it in items}) == 81
    assert len({it.groups["distortion"] for it in items}) == 25
    other = pd.read_csv(trees.KADID_ICBCBICC)
    assert {it.item_id: it.score for it in items} == pytest.approx(
        {p.split("/")[-1]: s for p, s in zip(other["dis_img_path"], other["score"])}, abs=1e-6)
