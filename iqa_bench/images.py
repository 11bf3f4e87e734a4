"""Image decoding for the engine: files to float RGB tensors in [0, 1]."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Tuple

import numpy as np
import torch
from PIL import Image

log = logging.getLogger(__name__)
_NOTED_MODES = set()


def image_size(path: Path) -> Tuple[int, int]:
    """(height, width) from the file header, without decoding the pixels."""
    try:
        with Image.open(path) as im:
            return im.height, im.width
    except FileNotFoundError:
        raise FileNotFoundError(f"missing image file: {path}") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise OSError(f"unreadable image file {path}: {err}") from None


def load_rgb(path: Path) -> torch.Tensor:
    """Decode to a 3×H×W float32 tensor in [0, 1]; grayscale, palette and RGBA become RGB (noted once).

    A truncated or corrupt file raises OSError naming the file (Pillow's lenient truncated-image
    loading is never enabled).
    """
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode != "RGB":
                if im.mode not in _NOTED_MODES:
                    _NOTED_MODES.add(im.mode)
                    note = "alpha discarded" if "A" in im.mode else "channels replicated/converted"
                    log.warning("converting %s images to RGB (%s), first seen: %s", im.mode, note, path)
                im = im.convert("RGB")
            array = np.asarray(im, dtype=np.uint8)
    except FileNotFoundError:
        raise FileNotFoundError(f"missing image file: {path}") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise OSError(f"unreadable or truncated image file {path}: {err}") from None
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div_(255.0)
