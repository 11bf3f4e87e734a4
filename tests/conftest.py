import logging
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


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """An empty torch hub cache and no network (a machine with internet would otherwise download)."""
    import urllib.error

    import torch

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("network unreachable (test)")
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    return tmp_path / "torch" / "hub" / "checkpoints"


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished run folder of six custom pairs (copy it before changing it: :func:`fault_helpers.copied`)."""
    from fault_helpers import evaluate, make_set

    base = tmp_path_factory.mktemp("finished")
    root = make_set(base / "set", n=6)
    result = evaluate(root, base / "res")
    assert result.exit_code == 0, result.output
    return base / "res" / "custom"


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


class _CurrentStderr(logging.StreamHandler):
    """A log handler writing to whatever ``sys.stderr`` is at the time (the CliRunner's stream)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def run_cli(*args, cwd=None, timeout=600):
    """Run ``iqa-bench ARGS`` in this process (click's CliRunner) and return what a subprocess would:
    a CompletedProcess with the exit status, stdout and stderr — with the traceback in stderr when the
    command ends in an uncaught exception, as ``python -m iqa_bench`` would print it, and the command's
    log lines (warnings and above) in stderr. The working folder and the environment are restored after
    the call. In-process because each subprocess spends seconds importing torch; tests that need a real
    process (kill -9, torchrun, start-up imports) start one themselves (``run_cli_subprocess``)."""
    import subprocess
    import traceback

    from click.testing import CliRunner

    from iqa_bench.cli import cli

    previous, environment = os.getcwd(), dict(os.environ)
    handler = _CurrentStderr()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(cli, [str(a) for a in args], prog_name="iqa-bench")
    finally:
        logging.getLogger().removeHandler(handler)
        os.chdir(previous)
        os.environ.clear()
        os.environ.update(environment)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n" + "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, stderr)


def run_cli_subprocess(*args, cwd=None, timeout=600):
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


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.gpu`` tests need a CUDA device: skipped, saying so, where there is none."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device (marker gpu); none is present here")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
