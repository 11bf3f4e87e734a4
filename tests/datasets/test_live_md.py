"""The LIVE-MD adapter (datasets/live_md.py) against an independent copy of its scores."""
from collections import Counter

import pandas as pd
import pytest

from iqa_bench.datasets import create_dataset

import dataset_trees as trees
from dataset_trees import needs_shared


pytestmark = needs_shared


# -- LIVE-MD ---------------------------------------------------------------------------------
def test_live_md_tree_matches_independent_copy(tmp_path):
    trees.build_live_md_tree(tmp_path / "md")
    items = create_dataset("live_md", root=tmp_path / "md").items()
    assert len(items) == 450 and len({it.ref_path.name for it in items}) == 15
    other = pd.read_csv(trees.LIVEMD_ICBCBICC)
    expected = {"/".join(p.split("/")[-2:]): s for p, s in zip(other["dis_img_path"], other["score"])}
    assert {it.item_id: it.score for it in items} == pytest.approx(expected, abs=1e-4)
    for item in items:
        assert item.ref_path.name == item.dist_path.name.split("_")[0] + ".bmp"
    assert Counter(it.groups["distortion"] for it in items) == {"blurjpeg": 225, "blurnoise": 225}
    assert len(create_dataset("live_md", root=tmp_path / "md", part="2").items()) == 225
