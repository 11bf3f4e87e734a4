"""What every file-backed adapter shares (datasets/common.py): the metadata cache, invalidated when a file changes."""
import pandas as pd
import pytest

from iqa_bench.datasets import create_dataset

import dataset_trees as trees
from dataset_trees import needs_shared


pytestmark = needs_shared


# -- metadata cache and options ----------------------------------------------------------------
def test_metadata_is_cached_and_invalidated(tmp_path, monkeypatch):
    from iqa_bench.datasets import tid2013

    trees.build_tid2013_scores(tmp_path / "tid", pd.read_csv(trees.TID_PYIQA).head(40))
    first = create_dataset("tid2013", root=tmp_path / "tid").items()
    monkeypatch.setattr(tid2013.TID2013, "_parse", lambda self: pytest.fail("parsed again"))
    assert create_dataset("tid2013", root=tmp_path / "tid").items() == first
    monkeypatch.undo()
    trees.build_tid2013_scores(tmp_path / "tid", pd.read_csv(trees.TID_PYIQA).head(41))
    assert len(create_dataset("tid2013", root=tmp_path / "tid").items()) == 41
