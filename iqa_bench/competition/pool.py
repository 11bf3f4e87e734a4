"""A gMAD pool from a folder of pristine images: each image distorted with the project's five distortion
types at their five levels (:data:`~iqa_bench.datasets.synthetic_distortions.DISTORTIONS`, those of the
embedded sample), written as a ``custom`` dataset (``refs/``, ``distorted/``, ``manifest.csv``) that
``iqa-bench gmad -d custom --root OUT`` reads. The manifest's score is the known severity (the level, 0-100,
higher = worse: read it with ``-o higher_is_better=false``): the distortion by construction, not an opinion.
"""
from __future__ import annotations

import csv
import io
import zlib
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
from PIL import Image

from ..datasets.synthetic_distortions import DISTORTIONS
from ..images import image_files
from ..io_utils import atomic_write, atomic_write_text

FIELDS = ("item", "ref", "dist", "score", "reference", "distortion", "level")


def generate_pool(pristine: Path, out: Path, distortions: Optional[Sequence[str]] = None,
                  size: int = 0) -> Path:
    """``out``/manifest.csv and the images of every pristine image of ``pristine`` under each of
    ``distortions`` (default: all five) at its five levels, each distortion seeded by the item's name (the
    same pool every time); ``size``: the centre crop of each pristine image first (0: whole)."""
    chosen = list(distortions or DISTORTIONS)
    unknown = [d for d in chosen if d not in DISTORTIONS]
    if unknown:
        raise ValueError(f"pool: unknown distortion {unknown[0]!r}; valid: {', '.join(DISTORTIONS)}")
    out = Path(out)
    rows: List[Dict[str, object]] = []
    for path in image_files(pristine):
        try:
            with Image.open(path) as image:
                ref = np.asarray(image.convert("RGB"))
        except OSError as err:
            raise ValueError(f"pool: {path} is not a readable image ({err})") from None
        if size:
            top, left = max((ref.shape[0] - size) // 2, 0), max((ref.shape[1] - size) // 2, 0)
            ref = ref[top:top + size, left:left + size]
        name = path.stem
        ref_file = f"refs/{name}.png"
        atomic_write(out / ref_file, lambda tmp, ref=ref: Image.fromarray(ref).save(tmp, "PNG"))
        for distortion in chosen:
            function, _, levels = DISTORTIONS[distortion]
            for level, value in enumerate(levels, start=1):
                item = f"{name}_{distortion}_{level}"
                distorted = function(ref, value, np.random.default_rng(zlib.crc32(f"iqa-bench-pool/{item}".encode())))
                dist_file = f"distorted/{item}.png"
                atomic_write(out / dist_file, lambda tmp, d=distorted: Image.fromarray(d).save(tmp, "PNG"))
                rows.append({"item": item, "ref": ref_file, "dist": dist_file, "score": 100.0 * level / len(levels),
                             "reference": name, "distortion": distortion, "level": level})
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_text(out / "manifest.csv", text.getvalue())
