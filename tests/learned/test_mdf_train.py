"""MDF's phase-1 training (learned/mdf_train.py): a smoke run gives a loadable loss."""
import pytest
import torch
from PIL import Image

from iqa_bench import create_metric
from iqa_bench.learned.singan import load_discriminators

from conftest import run_cli


def test_mdf_train_smoke_gives_a_loadable_loss(tmp_path, sample_items):
    seed = tmp_path / "seed.png"
    Image.open(sample_items[0].ref_path).resize((48, 40)).save(seed)
    result = run_cli("mdf-train", "--seed-image", seed, "--task", "jpeg", "--scales", "2", "--iters", "2",
                     "--checkpoint-every", "1", "-o", tmp_path / "out", "--device", "cpu")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "out" / "discriminators.pth"
    assert len(load_discriminators(path)) == 2
    metric = create_metric(f"mdf:{path}")
    x = torch.rand(1, 3, 32, 32)
    assert metric(x, x).item() == pytest.approx(0.0, abs=1e-8) and metric(x, (x * 0.5)).item() > 1e-6
    again = run_cli("mdf-train", "--seed-image", seed, "--task", "jpeg", "--scales", "2", "--iters", "2",
                    "--checkpoint-every", "1", "-o", tmp_path / "out", "--device", "cpu")
    assert again.returncode == 0  # resumes: both scales already done
    too_small = run_cli("mdf-train", "--seed-image", seed, "--scales", "4", "--iters", "1", "-o", tmp_path / "x")
    assert too_small.returncode == 2 and "too small" in too_small.stderr
