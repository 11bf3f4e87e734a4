"""Dataset adapters on the real score files (../shared/data/iqa) and official-layout trees."""
from collections import Counter

import numpy as np
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


# -- TID2013 ---------------------------------------------------------------------------------
def test_tid2013_scores_match_all_copies(tmp_path):
    trees.build_tid2013_scores(tmp_path / "tid", pd.read_csv(trees.TID_PYIQA))
    items = create_dataset("tid2013", root=tmp_path / "tid").items()
    assert len(items) == 3000 and len({it.ref_path.name.upper() for it in items}) == 25
    assert len({it.groups["distortion"] for it in items}) == 24
    ours = {it.item_id: it.score for it in items}
    icbcbicc = pd.read_csv(trees.TID_ICBCBICC)
    assert ours == pytest.approx({p.split("/")[-1].lower(): s for p, s in
                                  zip(icbcbicc["dis_img_path"], icbcbicc["score"])}, abs=6e-5)
    vqmt = pd.read_csv(trees.TID_VQMT, dtype={"dst_type": str})
    assert ours == pytest.approx({n.lower(): m for n, m in zip(vqmt["dist_img"], vqmt["mos"])}, abs=1e-9)
    types = {it.item_id: it.groups["distortion"][:2] for it in items}
    assert all(types[n.lower()] == t for n, t in zip(vqmt["dist_img"], vqmt["dst_type"]))
    assert create_dataset("tid2013", root=tmp_path / "tid").score.higher_is_better


def test_tid2013_names_resolve_case_insensitively(tmp_path):
    trees.build_tid2013_real_pairs(tmp_path / "tid")
    items = create_dataset("tid2013", root=tmp_path / "tid").items()
    assert len(items) == 6
    assert all(it.ref_path.exists() and it.dist_path.exists() for it in items)
    assert any(it.ref_path.name == "I01.BMP" for it in items)


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


# -- KADID-10k and CSIQ -----------------------------------------------------------------------
def test_kadid10k_official_csv(tmp_path):
    (tmp_path / "kadid").mkdir()
    (tmp_path / "kadid" / "dmos.csv").write_bytes(trees.KADID_VQMT.read_bytes())
    items = create_dataset("kadid10k", root=tmp_path / "kadid").items()
    assert len(items) == 10125 and len({it.ref_path for it in items}) == 81
    assert len({it.groups["distortion"] for it in items}) == 25
    other = pd.read_csv(trees.KADID_ICBCBICC)
    assert {it.item_id: it.score for it in items} == pytest.approx(
        {p.split("/")[-1]: s for p, s in zip(other["dis_img_path"], other["score"])}, abs=1e-6)


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


def test_unknown_dataset_option_is_named(tmp_path):
    with pytest.raises(ValueError, match="no option part"):
        create_dataset("tid2013", root=tmp_path, part="1")
