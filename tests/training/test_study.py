"""sr-eval measures and the end-to-end study on a tiny configuration."""
import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from iqa_bench.training.restoration import crop_border, psnr_y, rgb_to_y, ssim_y

from conftest import noisy_pair, run_cli


def test_psnr_and_ssim_on_y_match_skimage():
    hr, sr = noisy_pair(0, (1, 3, 64, 72), 0.05)
    a = crop_border(rgb_to_y(sr.double()), 4)[0, 0].numpy()
    b = crop_border(rgb_to_y(hr.double()), 4)[0, 0].numpy()
    assert ssim_y(sr, hr, 4).item() == pytest.approx(
        structural_similarity(b, a, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0),
        abs=1e-4)
    assert psnr_y(sr, hr, 4).item() == pytest.approx(peak_signal_noise_ratio(b, a, data_range=1.0), abs=1e-4)
    # BT.601 luma of pure white and black: 235/255 and 16/255
    assert rgb_to_y(torch.ones(1, 3, 1, 1)).item() == pytest.approx(235 / 255)


@pytest.mark.slow
def test_tiny_study_end_to_end(tmp_path, sample_items):
    images = tmp_path / "hr"
    images.mkdir()
    for path in sorted({it.ref_path for it in sample_items})[:3]:
        Image.open(path).resize((96, 72)).save(images / path.name)
    perception = "lp:efficientnet_lite0/block1_expand_relu"
    config = {
        "train": {"model": "edsr_baseline", "scale": 4, "train_dir": str(images), "patch": 16, "batch_size": 2,
                  "iters": 6, "lr": 1e-3, "checkpoint_every": 3, "log_every": 1},
        "testset": str(images),
        "losses": [{"name": "l1", "loss": "l1", "predictor": "l1"},
                   {"name": "l2", "loss": "l2", "predictor": "mse"},
                   {"name": "lp", "loss": "{alpha}*l1 + {beta}*" + perception, "alphas": [0.5, 0.9],
                    "predictor": perception}],
        "iqa": {"dataset": "sample", "bootstrap": 0},
        "perception": perception, "distortion": "ssim_y", "quality": "psnr_y", "output": str(tmp_path / "study"),
    }
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(config))
    result = run_cli("study", tmp_path / "study.yaml", "--device", "cpu")
    assert result.returncode == 0, result.stderr[-3000:]
    out = tmp_path / "study"
    runs = pd.read_csv(out / "restoration.csv")
    assert runs["name"].tolist() == ["l1", "l2", "lp_a0.5", "lp_a0.9"]
    assert runs[["psnr_y", "ssim_y", "vif", perception, "icoo"]].notna().all().all()
    comparison = pd.read_csv(out / "loss_vs_metric.csv")
    assert comparison["family"].tolist() == ["l1", "l2", "lp"]
    assert comparison["abs_srocc"].between(0, 1).all()
    assert "Spearman correlation across losses" in (out / "loss_vs_metric.md").read_text()
    for name in ("perception_distortion.png", "loss_vs_metric.png", "perception_distortion.md"):
        assert (out / name).stat().st_size > 0
    assert "lpips" not in runs.columns  # never substituted
    assert (out / "runs" / "l1" / "eval" / "images").is_dir()
    evaluation = run_cli("sr-eval", out / "runs" / "l1" / "checkpoint.pt", "--testset", images, "--device", "cpu")
    assert evaluation.returncode == 0 and "psnr_y" in evaluation.stdout
    assert "niqe not computed" in evaluation.stderr and "pi not computed" in evaluation.stderr


def test_hr_lr_pairs_are_read_and_checked(tmp_path):
    from iqa_bench.training.data import test_pairs

    hr_dir, lr_dir = tmp_path / "hr", tmp_path / "lr"
    hr_dir.mkdir(), lr_dir.mkdir()
    Image.fromarray(np.zeros((40, 48, 3), np.uint8)).save(hr_dir / "0001.png")
    Image.fromarray(np.full((10, 12, 3), 255, np.uint8)).save(lr_dir / "0001x4.png")
    name, lr, hr = next(test_pairs(hr_dir, 4, lr_folder=lr_dir))
    assert name == "0001" and lr.shape == (1, 3, 10, 12) and lr.min() == 1.0 and hr.shape == (1, 3, 40, 48)
    Image.fromarray(np.zeros((11, 12, 3), np.uint8)).save(lr_dir / "0001x4.png")
    with pytest.raises(ValueError, match="expected 12×10"):
        next(test_pairs(hr_dir, 4, lr_folder=lr_dir))
