"""Image decoding for the engine: files to float RGB tensors in [0, 1]."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import List, Tuple

import numpy as np
import torch
from PIL import Image

log = logging.getLogger(__name__)
_NOTED_MODES = set()


#: Pixel modes holding more than 8 bits per sample, decoded by their true range instead of
#: ``convert("RGB")`` (which clips 16-bit values to 255, i.e. white).
_SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
_HIGH_DEPTH = _SIXTEEN_BIT | {"I", "F"}
#: Overrides Pillow's decompression-bomb limit (pixels per image); see :func:`pixel_limit`.
PIXEL_LIMIT_ENV = "IQA_BENCH_MAX_PIXELS"


def pixel_limit() -> int:
    """The largest image (pixels) decoded: Pillow's default guard (≈ 89.5 M, a 9459² image), or
    ``$IQA_BENCH_MAX_PIXELS``. Larger files are refused as that item's failure, never the run's."""
    value = os.environ.get(PIXEL_LIMIT_ENV)
    if value:
        try:
            Image.MAX_IMAGE_PIXELS = int(value)
        except ValueError:
            raise ValueError(f"${PIXEL_LIMIT_ENV}={value!r} is not a number of pixels") from None
    return Image.MAX_IMAGE_PIXELS


def _too_large(path: Path, pixels, limit: int) -> OSError:
    return OSError(f"image file {path} has {pixels} pixels, above the decompression-bomb limit of {limit}: "
                   f"refused (raise the limit with {PIXEL_LIMIT_ENV}=N if the file is trusted)")


def _open(path: Path):
    limit = pixel_limit()
    try:
        im = Image.open(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"missing image file: {path}") from None
    except Image.DecompressionBombError:
        raise _too_large(path, "more than twice that many", limit) from None
    except (OSError, SyntaxError, ValueError) as err:
        raise OSError(f"unreadable image file {path}: {err}") from None
    if limit and im.width * im.height > limit:  # Pillow only warns between 1× and 2× its limit
        im.close()
        raise _too_large(path, im.width * im.height, limit)
    return im


def image_size(path: Path) -> Tuple[int, int]:
    """(height, width) from the file header, without decoding the pixels."""
    with _open(path) as im:
        return im.height, im.width


def _to_unit_rgb(im: Image.Image) -> np.ndarray:
    """H×W×3 float32 in [0, 1]. 8-bit modes via Pillow's conversion; 16-bit, 32-bit integer and float
    greyscale by their true range (16-bit: /65535; 32-bit integer: /65535 when the values fit 16 bits,
    else /(2^32 - 1); float: as is when within [0, 1], else /255 up to 255, else /65535)."""
    if im.mode in _HIGH_DEPTH:
        values = np.asarray(im, dtype=np.float64)
        if im.mode in _SIXTEEN_BIT:
            scale = 65535.0
        elif im.mode == "I":
            scale = 65535.0 if values.min() >= 0 and values.max() <= 65535 else 4294967295.0
            values = values - min(values.min(), 0)
        else:
            if not np.isfinite(values).all():
                raise ValueError("float image holds NaN or infinite values")
            top = values.max()
            scale = 1.0 if top <= 1 else 255.0 if top <= 255 else 65535.0
            values = values - min(values.min(), 0)
        grey = np.clip(values / scale, 0, 1).astype(np.float32)
        return np.repeat(grey[..., None], 3, axis=2)
    if im.mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im, dtype=np.float32) / 255.0


def load_rgb(path: Path) -> torch.Tensor:
    """Decode to a 3×H×W float32 tensor in [0, 1]; grayscale, palette and RGBA become RGB (noted once),
    16-bit and float images are scaled by their true range (not clipped by an 8-bit conversion).

    A truncated or corrupt file raises OSError naming the file (Pillow's lenient truncated-image
    loading is never enabled); so does an image above the decompression-bomb limit.
    """
    try:
        with _open(path) as im:
            im.load()
            if im.mode != "RGB" and im.mode not in _NOTED_MODES:
                _NOTED_MODES.add(im.mode)
                note = ("alpha discarded" if "A" in im.mode else
                        "scaled by its true range" if im.mode in _HIGH_DEPTH else
                        "channels replicated/converted")
                log.warning("converting %s images to RGB (%s), first seen: %s", im.mode, note, path)
            array = _to_unit_rgb(im)
    except (FileNotFoundError, OSError) as err:
        if str(path) in str(err):
            raise
        raise OSError(f"unreadable or truncated image file {path}: {err}") from None
    except (SyntaxError, ValueError) as err:
        raise OSError(f"unreadable or truncated image file {path}: {err}") from None
    return torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1)


#: The image files a folder of images is read for (pristine images, test sets).
IMAGE_SUFFIXES = {".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff"}


def image_files(folder) -> List[Path]:
    """The image files of ``folder`` (:data:`IMAGE_SUFFIXES`, any case), sorted; FileNotFoundError naming the
    folder when it is missing or holds none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder not found: {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {folder}")
    return files


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """An image tensor in [0, 1] (3×H×W, or the first image of an N×3×H×W batch) as the H×W×3 uint8 array of
    an 8-bit file: clamped to [0, 1], times 255, rounded to the nearest integer (numpy's, half to even)."""
    image = image.detach()
    image = image[0] if image.dim() == 4 else image
    return (image.clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255).round().astype(np.uint8)
