"""The LIVE release 2 adapter (datasets/live.py): the real realigned .mat in the official order, modified files
refused naming them, both DMOS versions, a missing score file named."""
from collections import Counter

import pandas as pd
import pytest

from iqa_bench.datasets import create_dataset
from iqa_bench.datasets.live import TOTAL, _vector, official_order, read_refnames

import dataset_trees as trees
from dataset_trees import needs_shared


pytestmark = needs_shared


# -- LIVE release 2 --------------------------------------------------------------------------
def test_live_real_realigned_mat_in_official_order_matches_csv():
    dmos_new = _vector(trees.LIVE_REALIGNED_MAT, "dmos_new")
    by_name = {f"{folder}/{name}": value
               for (folder, name), value in zip(official_order(), dmos_new) if value != 0}
    assert len(by_name) == 779 and TOTAL == 982
    csv = pd.read_csv(trees.LIVE_ICBCBICC)
    expected = {path.split("/", 1)[1]: score for path, score in zip(csv["dis_img_path"], csv["score"])}
    assert set(by_name) == set(expected)
    assert max(abs(by_name[k] - expected[k]) for k in expected) < 1e-9
    assert Counter(k.split("/")[0] for k in by_name) == {"jpeg": 175, "jp2k": 169, "wn": 145, "gblur": 145,
                                                        "fastfading": 145}


def test_live_real_modified_files_are_rejected_naming_them():
    # This repository's orgs (1x779) and refnames_all (779) are not the official 982-entry arrays.
    with pytest.raises(ValueError, match=r"dmos_realigned\.mat: orgs has 779 entries.*982"):
        _vector(trees.LIVE_REALIGNED_MAT, "orgs")
    with pytest.raises(ValueError, match=r"refnames_all\.mat: refnames_all has 779 entries"):
        read_refnames(trees.LIVE_REFNAMES_MAT)


def test_live_tree_parses_both_dmos_versions(tmp_path):
    vqmt = trees.build_live_tree(tmp_path / "live", images=False)
    realigned = create_dataset("live", root=tmp_path / "live").items()
    assert len(realigned) == 779 and len({it.ref_path for it in realigned}) == 29
    truth = {f"{r.dst_type}/{r.dist_img}": (r.dmos_new, r.refnames_all) for r in vqmt.itertuples()}
    for item in realigned:
        score, ref = truth[item.item_id]
        assert item.score == pytest.approx(score, abs=1e-9) and item.ref_path.name == ref
        assert item.groups["distortion"] == item.item_id.split("/")[0]
    original = create_dataset("live", root=tmp_path / "live", dmos="original").items()
    pyiqa = pd.read_csv(trees.LIVE_PYIQA)
    mos = dict(zip(pyiqa["dist_name"], pyiqa["mos"]))
    assert {it.item_id: it.score for it in original} == pytest.approx(mos)
    with_orgs = create_dataset("live", root=tmp_path / "live", include_orgs=True).items()
    assert len(with_orgs) == 982 and sum(it.groups["orgs"] == "1" for it in with_orgs) == 203


def test_live_missing_score_file_is_named(tmp_path):
    trees.build_live_tree(tmp_path / "live", images=False)
    (tmp_path / "live" / "dmos.mat").unlink()
    with pytest.raises(FileNotFoundError, match=r"live: missing file .*dmos\.mat"):
        create_dataset("live", root=tmp_path / "live", dmos="original").items()
    with pytest.raises(ValueError, match="realigned or original"):
        create_dataset("live", root=tmp_path / "live", dmos="newest")
