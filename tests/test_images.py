"""Image decoding (iqa_bench.images, issue 14): bit depths scaled by their true range; a bad image, a
decompression bomb fail their own item only."""
import numpy as np
import pandas as pd
import torch
from PIL import Image

from iqa_bench.images import load_rgb

from conftest import random_rgb, write_image
from fault_helpers import make_set, evaluate


def test_sixteen_bit_and_float_images_are_scaled_by_their_true_range(tmp_path):
    grey8 = random_rgb(3, 40, 48)[..., 0]
    grey16 = grey8.astype(np.uint16) * 257                      # the same picture in 16 bits
    Image.fromarray(grey8).save(tmp_path / "g8.png")
    Image.fromarray(grey16).save(tmp_path / "g16.png")
    Image.fromarray(grey8.astype(np.float32) / 255).save(tmp_path / "f.tif")
    eight = load_rgb(tmp_path / "g8.png")
    torch.testing.assert_close(load_rgb(tmp_path / "g16.png"), eight, atol=1e-6, rtol=0)
    torch.testing.assert_close(load_rgb(tmp_path / "f.tif"), eight, atol=1e-6, rtol=0)


def test_bad_images_fail_alone(tmp_path):
    """Zero-byte, truncated, non-image, missing, size mismatch, 1×1, grey/RGBA: each item on its own."""
    root = make_set(tmp_path / "set", n=8)
    (root / "dist0.png").write_bytes(b"")
    data = (root / "dist1.png").read_bytes()
    (root / "dist1.png").write_bytes(data[: len(data) // 2])
    (root / "dist2.png").write_text("not an image")
    (root / "dist3.png").unlink()
    write_image(root / "dist4.png", random_rgb(9, 20, 20))                       # size mismatch
    write_image(root / "ref5.png", random_rgb(5, 1, 1))
    write_image(root / "dist5.png", random_rgb(6, 1, 1))                         # 1×1: PSNR still defined
    Image.fromarray(random_rgb(6, 40, 48)[..., 0]).save(root / "dist6.png")      # greyscale
    Image.fromarray(np.dstack([random_rgb(7, 40, 48), np.full((40, 48), 255, np.uint8)])).save(root / "dist7.png")
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 1
    for name in ("dist0.png", "dist1.png", "dist2.png", "dist3.png", "dist4.png"):
        assert name in result.output
    scores = pd.read_csv(tmp_path / "res" / "custom" / "scores.csv").set_index("item")
    assert scores.loc[["dist5.png", "dist6.png", "dist7.png"], "psnr"].notna().all()
    assert scores.loc[[f"dist{k}.png" for k in range(5)], "psnr"].isna().all()


def test_a_decompression_bomb_is_that_items_failure(tmp_path):
    root = make_set(tmp_path / "set", n=3)
    Image.new("1", (14000, 13000)).save(root / "dist1.png")   # ~180 M pixels in a few hundred KB
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 1
    assert "dist1.png" in result.output and "decompression-bomb limit" in result.output
    assert "IQA_BENCH_MAX_PIXELS" in result.output
    scores = pd.read_csv(tmp_path / "res" / "custom" / "scores.csv").set_index("item")
    assert scores["psnr"].notna().sum() == 2
