"""Small JPEG thumbnails of a run's images, as data URIs for ``report.html`` (``--thumbnails``): each
reference once, each distorted image once, decoded as the engine decodes them
(:func:`iqa_bench.images.load_rgb`: 16-bit and palette files included)."""
from __future__ import annotations

import base64
import io
import logging
from pathlib import Path
from typing import Dict, Optional, Sequence

log = logging.getLogger(__name__)

#: The longer side of a thumbnail, in pixels, and its JPEG quality (about 2-4 KB each).
SIDE, QUALITY = 96, 70


def thumbnail_uri(path: Path) -> Optional[str]:
    """``data:image/jpeg;base64,...`` of the image at ``path`` (None when it cannot be read: said once
    in the log, the page shows no image for that item)."""
    from PIL import Image

    from ..images import load_rgb

    try:
        pixels = (load_rgb(Path(path)).clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).numpy())
    except (OSError, ValueError) as err:
        log.warning("thumbnail of %s: %s", path, err)
        return None
    image = Image.fromarray(pixels)
    image.thumbnail((SIDE, SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def thumbnails(items: Sequence) -> Dict[str, object]:
    """{"ref": {reference key: URI}, "ref_of": [key per item], "dist": [URI per item]} in item order;
    the key is the reference's file name (never its folder)."""
    refs: Dict[str, Optional[str]] = {}
    keys: Dict[Path, str] = {}
    ref_of, dist = [], []
    for item in items:
        path = Path(item.ref_path)
        if path not in keys:
            keys[path] = f"{len(keys)}:{path.name}"
            refs[keys[path]] = thumbnail_uri(path)
        ref_of.append(keys[path])
        dist.append(thumbnail_uri(Path(item.dist_path)))
    return {"ref": refs, "ref_of": ref_of, "dist": dist}
