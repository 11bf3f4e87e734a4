"""The CSIQ adapter (datasets/csiq.py): the score sheet's export."""
import pandas as pd
import pytest

from iqa_bench.datasets import create_dataset

import dataset_trees as trees
from dataset_trees import needs_shared


pytestmark = needs_shared


def test_csiq_score_sheet_export(tmp_path):
    (tmp_path / "csiq").mkdir()
    (tmp_path / "csiq" / "csiq.DMOS.csv").write_bytes(trees.CSIQ_VQMT.read_bytes())
    items = create_dataset("csiq", root=tmp_path / "csiq").items()
    assert len(items) == 866 and len({it.ref_path for it in items}) == 30
    other = pd.read_csv(trees.CSIQ_ICBCBICC)
    expected = {p.split("/")[-1]: s for p, s in zip(other["dis_img_path"], other["score"])}
    assert {it.item_id: it.score for it in items} == pytest.approx(expected, abs=1e-5)
    assert {it.dist_path.parent.name for it in items} == {"AWGN", "BLUR", "JPEG", "contrast", "fnoise",
                                                          "jpeg2000"}
