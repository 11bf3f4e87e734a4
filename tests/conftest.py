import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def sample_cache(tmp_path_factory):
    """The embedded sample is generated once per test session into a private cache folder."""
    folder = tmp_path_factory.mktemp("iqa_bench_cache")
    os.environ["IQA_BENCH_CACHE"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def sample_items(sample_cache):
    from iqa_bench.datasets import create_dataset

    return create_dataset("sample").items()


def write_image(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def random_rgb(seed: int, height: int = 48, width: int = 64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    smooth = rng.random((height // 8 + 1, width // 8 + 1, 3))
    big = np.kron(smooth, np.ones((8, 8, 1)))[:height, :width]
    return np.clip((big * 0.8 + 0.2 * rng.random((height, width, 3))) * 255, 0, 255).astype(np.uint8)


def noisy_pair(seed: int, shape, sigma: float):
    """(reference, distorted): seeded uniform images and the same plus Gaussian noise, clamped to [0, 1]."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    ref = torch.rand(*shape, generator=gen)
    return ref, (ref + sigma * torch.randn(ref.shape, generator=gen)).clamp(0, 1)


def run_cli(*args, cwd=None, timeout=600):
    """Run ``python -m iqa_bench ARGS`` in a subprocess; returns CompletedProcess."""
    import subprocess

    return subprocess.run([sys.executable, "-m", "iqa_bench", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout, env={**os.environ})


def photo(name: str, size: int = 128) -> "torch.Tensor":
    """A centred size×size crop of a scikit-image photograph (shipped with the package, no download),
    as a 1×3×H×W float tensor in [0, 1]: natural images for defects that noise images hide."""
    import skimage.data
    import torch

    array = getattr(skimage.data, name)()
    array = array[..., :3] if array.ndim == 3 else np.repeat(array[..., None], 3, axis=2)
    h, w = array.shape[:2]
    y, x = (h - size) // 2, (w - size) // 2
    crop = np.ascontiguousarray(array[y:y + size, x:x + size])
    return torch.from_numpy(crop).permute(2, 0, 1).float()[None] / 255
