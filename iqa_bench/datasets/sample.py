"""The embedded ``sample`` dataset: scikit-image's photographs with LIVE's five distortion types.

Generated on first use into a cache folder (``$IQA_BENCH_CACHE``, else ``$XDG_CACHE_HOME/iqa_bench``,
else ``~/.cache/iqa_bench``) with a ``manifest.csv``; deterministic (seeded per item). Its target is
the **distortion severity on a 0-100 scale** (level k of 5 gives 20·k), a synthetic severity, not
human opinion: it lets the suite run and be checked anywhere, not rank metrics for publication.
"""
from __future__ import annotations

import csv
import os
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import List, Optional

import numpy as np
from PIL import Image

from ..io_utils import default_cache_dir  # noqa: F401  (re-exported: callers import it from here)

from .base import Dataset, Item, ScoreInfo
from .registry import register_dataset
from .synthetic_distortions import DISTORTIONS

#: Bump when the generated images would change; old caches are then regenerated beside.
SAMPLE_VERSION = 1
#: scikit-image's natural colour photographs (files shipped inside the package, no download).
PHOTOS = {
    "astronaut": "astronaut.png",
    "chelsea": "chelsea.png",
    "coffee": "coffee.png",
    "rocket": "rocket.jpg",
    "motorcycle": "motorcycle_left.png",
    "hubble": "hubble_deep_field.jpg",
}
#: References are resized (Lanczos) so their longer side has this many pixels.
LONG_SIDE = 256
SEVERITY_NOTE = "synthetic severity, not human opinion"
MANIFEST_FIELDS = ["item", "reference", "distortion", "level", "parameter", "value", "severity",
                   "ref_file", "dist_file"]


def _load_photo(filename: str) -> np.ndarray:
    import skimage.data

    path = Path(skimage.data.__file__).parent / filename
    with Image.open(path) as im:
        im = im.convert("RGB")
        scale = LONG_SIDE / max(im.size)
        size = (round(im.width * scale), round(im.height * scale))
        return np.asarray(im.resize(size, Image.LANCZOS))


def _item_seed(item_id: str) -> int:
    return zlib.crc32(f"iqa-bench-sample-v{SAMPLE_VERSION}/{item_id}".encode())


def generate_sample(folder: Path) -> Path:
    """Write references, distorted images and ``manifest.csv`` into ``folder`` (atomically)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=folder.name + ".tmp-", dir=folder.parent))
    try:
        (staging / "refs").mkdir()
        (staging / "distorted").mkdir()
        rows = []
        for ref_name, filename in PHOTOS.items():
            ref = _load_photo(filename)
            Image.fromarray(ref).save(staging / "refs" / f"{ref_name}.png")
            for dist_name, (function, parameter, levels) in DISTORTIONS.items():
                for level, value in enumerate(levels, start=1):
                    item_id = f"{ref_name}_{dist_name}_{level}"
                    rng = np.random.default_rng(_item_seed(item_id))
                    distorted = function(ref, value, rng)
                    Image.fromarray(distorted).save(staging / "distorted" / f"{item_id}.png")
                    rows.append({"item": item_id, "reference": ref_name, "distortion": dist_name,
                                 "level": level, "parameter": parameter, "value": value,
                                 "severity": 100.0 * level / len(levels),
                                 "ref_file": f"refs/{ref_name}.png",
                                 "dist_file": f"distorted/{item_id}.png"})
        with open(staging / "manifest.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=MANIFEST_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        try:
            os.replace(staging, folder)  # atomic; fails if another process finished first
        except OSError:
            if not (folder / "manifest.csv").exists():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return folder


@register_dataset
class SampleDataset(Dataset):
    """Embedded default: 6 scikit-image photographs × 5 LIVE distortion types × 5 levels = 150 pairs."""

    name = "sample"
    score = ScoreInfo("severity", higher_is_better=False, note=SEVERITY_NOTE, scale="0-100")
    description = "embedded: 6 scikit-image photos, LIVE's 5 distortion types at 5 levels (150 pairs)"
    homepage = "generated locally from scikit-image's bundled photographs (no download)"
    layout = "refs/<photo>.png, distorted/<photo>_<type>_<level>.png, manifest.csv"

    def __init__(self, root: Optional[Path] = None):
        super().__init__(root if root is not None else default_cache_dir() / f"sample-v{SAMPLE_VERSION}")

    @property
    def key(self) -> str:
        """Versioned, so scores of an older generation of the sample are never reused."""
        return f"sample-v{SAMPLE_VERSION}"

    def items(self) -> List[Item]:
        manifest = self.root / "manifest.csv"
        if not manifest.exists():
            generate_sample(self.root)
        with open(manifest, newline="") as handle:
            rows = list(csv.DictReader(handle))
        return [Item(row["item"], self.root / row["ref_file"], self.root / row["dist_file"],
                     float(row["severity"]),
                     {"distortion": row["distortion"], "reference": row["reference"], "level": row["level"]})
                for row in rows]
