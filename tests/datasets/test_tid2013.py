"""The TID2013 adapter (datasets/tid2013.py): its score spread in both layouts, the ratings behind each MOS, the
unbiased standard error."""
import numpy as np
import pandas as pd
import pytest

from iqa_bench.datasets import create_dataset

import dataset_trees as trees
from conftest import SHARED_DATA
from dataset_trees import needs_shared


TID_DATA = SHARED_DATA / "iqa" / "tid2013" / "yy3948+IQA"
TID_META = SHARED_DATA / "iqa" / "tid2013" / "chaofengc+IQA-PyTorch" / "pyiqa" / "data" / "meta_info" / \
    "meta_info_TID2013Dataset.csv"


def test_tid2013_reads_its_mos_std_in_both_layouts(tmp_path):
    from iqa_bench.datasets import create_dataset

    root = tmp_path / "tid"
    root.mkdir()
    (root / "mos_with_names.txt").write_text("5.5 i01_01_1.bmp\n3.25 I01_01_2.BMP\n")
    (root / "mos_std.txt").write_text("0.125\n0.25\n")
    items = create_dataset("tid2013", root=root).items()
    # K from each MOS's denominator (5.5 = 220/40, 3.25 = 104/32), the unbiased error std·√(K/(K − 1))
    assert [it.ratings for it in items] == [40, 32]
    assert [it.spread for it in items] == pytest.approx([0.125 * (40 / 39) ** 0.5, 0.25 * (32 / 31) ** 0.5])
    mean = 1048680 / 27000  # where no K fits: the readme's mean
    assert create_dataset("tid2013", root=root).spread.ratings == pytest.approx(mean)
    table = tmp_path / "meta.csv"
    table.write_text("ref_name,dist_name,mos,std\nI01.BMP,I01_01_2.bmp,3.25,0.5\nI01.BMP,I01_01_1.bmp,5.5,0.75\n")
    read = create_dataset("tid2013", root=root, mos_std=str(table)).items()
    assert [it.spread for it in read] == pytest.approx([s * (it.ratings / (it.ratings - 1)) ** 0.5
                                                        for s, it in zip((0.75, 0.5), read)])
    (root / "mos_std.txt").write_text("0.125\n")
    with pytest.raises(ValueError, match="mos_std.txt has 1 values"):
        create_dataset("tid2013", root=root).items()
    with pytest.raises(ValueError, match="-o mos_std=FILE"):
        create_dataset("tid2013", root=root, mos_std=str(tmp_path / "absent.txt"))


def test_tid2013_ratings_come_from_each_mos_denominator():
    from iqa_bench.datasets.tid2013 import ratings_behind, ratings_per_image

    # K = 35 ratings, their sum 193, their squares' sum 1085 (σ_pop² = 1085/35 − (193/35)² = 0.5935):
    # the distribution prints MOS = 193/35 and std = σ_pop/√35, each to five decimals
    mos, sigma = round(193 / 35, 5), (1085 / 35 - (193 / 35) ** 2) ** 0.5
    assert ratings_behind(mos, round(sigma / 35 ** 0.5, 5)) == [35]
    # the unbiased-σ reading (σ_{K-1}/√K) of the same ratings is not an integer sum of squares at K = 35
    assert 35 not in ratings_behind(mos, round(sigma * (35 / 34) ** 0.5 / 35 ** 0.5, 5))
    # an image with no single fitting K takes the candidate nearest its reference's median
    assert ratings_per_image([mos, mos, 2.51237], [round(sigma / 35 ** 0.5, 5)] * 2 + [0.1], ["01", "01", "01"]) \
        == [35.0, 35.0, 35.0]


def test_tid2013_items_carry_the_unbiased_standard_error_and_their_k(tmp_path):
    from iqa_bench.datasets import create_dataset

    root = tmp_path / "tid"
    root.mkdir()
    sigma = (1085 / 35 - (193 / 35) ** 2) ** 0.5
    std = round(sigma / 35 ** 0.5, 5)
    (root / "mos_with_names.txt").write_text(f"{193 / 35:.5f} i01_01_1.bmp\n")
    (root / "mos_std.txt").write_text(f"{std:.5f}\n")
    item = create_dataset("tid2013", root=root).items()[0]
    assert item.ratings == 35
    assert item.spread == pytest.approx(std * (35 / 34) ** 0.5)


@pytest.mark.skipif(not (TID_DATA / "mos_with_names.txt").is_file(), reason=f"{TID_DATA} is absent")
def test_tid2013_ratings_on_the_real_score_files():
    """The real MOS and std: K per image between 30 and 45 (mean 38.0, against the readme's overall 38.84),
    2917 of 3000 images with exactly one K, and two images whose std is 0."""
    from iqa_bench.datasets import create_dataset
    from iqa_bench.datasets.tid2013 import ratings_behind

    items = create_dataset("tid2013", root=TID_DATA, mos_std=str(TID_META)).items()
    ratings = np.array([it.ratings for it in items])
    assert ratings.min() == 30 and ratings.max() == 45 and ratings.mean() == pytest.approx(38.04, abs=0.01)
    meta = pd.read_csv(TID_META)
    unique = sum(len(ratings_behind(m, s)) == 1 for m, s in zip(meta["mos"], meta["std"]))
    assert unique == 2917
    assert sorted(it.item_id for it in items if it.spread == 0) == ["i04_11_4.bmp", "i04_21_5.bmp"]


# -- TID2013 ---------------------------------------------------------------------------------
@needs_shared
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


@needs_shared
def test_tid2013_names_resolve_case_insensitively(tmp_path):
    trees.build_tid2013_real_pairs(tmp_path / "tid")
    items = create_dataset("tid2013", root=tmp_path / "tid").items()
    assert len(items) == 6
    assert all(it.ref_path.exists() and it.dist_path.exists() for it in items)
    assert any(it.ref_path.name == "I01.BMP" for it in items)
