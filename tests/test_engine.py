import numpy as np
import pandas as pd
import pytest
import torch

from iqa_bench import create_metric
from iqa_bench.datasets.base import Item
from iqa_bench.engine import Engine, resolve_device, score_keys, size_batches
from iqa_bench.images import load_rgb
from iqa_bench.store import ScoreStore

from conftest import random_rgb, write_image
from fault_helpers import evaluate, make_set, stored


def make_items(folder, sizes):
    items = []
    for k, (h, w) in enumerate(sizes):
        ref = random_rgb(k, h, w)
        noisy = np.clip(ref + np.random.default_rng(k).normal(0, 12, ref.shape), 0, 255).astype(np.uint8)
        items.append(Item(f"i{k}", write_image(folder / f"r{k}.png", ref),
                          write_image(folder / f"d{k}.png", noisy), float(k), {"distortion": "wn"}))
    return items


def test_size_batches_group_equal_sizes(tmp_path):
    items = make_items(tmp_path, [(32, 40), (48, 40), (32, 40), (32, 40), (48, 40)])
    batches, unreadable = size_batches(items, batch_size=2)
    assert batches == [[0, 2], [3], [1, 4]] and unreadable == []


def test_engine_scores_equal_direct_calls_and_resume(tmp_path):
    items = make_items(tmp_path, [(32, 40), (48, 40), (32, 40), (40, 32), (32, 40)])
    metrics = [create_metric("psnr"), create_metric("ssim")]
    with ScoreStore(tmp_path / "s.sqlite") as store:
        report = Engine(metrics, store, device="cpu", batch_size=2, progress=False).run("t", items)
        assert report.computed == 10 and report.reused == 0 and not report.failures
        for metric in metrics:
            stored = store.scores("t", metric.spec, metric.digest())
            for item in items:
                ref, dist = load_rgb(item.ref_path)[None], load_rgb(item.dist_path)[None]
                assert stored[item.item_id] == pytest.approx(metric(ref, dist).item(), rel=1e-6)
        again = Engine(metrics, store, device="cpu", batch_size=8, progress=False).run("t", items)
        assert again.computed == 0 and again.reused == 10
        fresh = Engine(metrics, store, device="cpu", batch_size=8, progress=False).run("t", items, fresh=True)
        assert fresh.computed == 10 and fresh.reused == 0


def test_bad_items_are_named_and_others_still_scored(tmp_path):
    items = make_items(tmp_path, [(32, 40), (32, 40), (32, 40), (32, 40)])
    truncated = items[1].dist_path
    truncated.write_bytes(truncated.read_bytes()[:200])
    write_image(items[2].dist_path, random_rgb(9, 40, 40))           # size mismatch
    items[3].dist_path.unlink()                                       # missing
    with ScoreStore(tmp_path / "s.sqlite") as store:
        report = Engine([create_metric("mse")], store, device="cpu", batch_size=8, progress=False).run("t", items)
        assert report.computed == 1
        messages = {f.item_id: f.message for f in report.failures}
        assert set(messages) == {"i1", "i2", "i3"}
        assert str(truncated) in messages["i1"]
        assert "size mismatch" in messages["i2"] and str(items[2].dist_path) in messages["i2"]
        assert "missing" in messages["i3"] and str(items[3].dist_path) in messages["i3"]
        assert list(store.scores("t", "mse", create_metric("mse").digest())) == ["i0"]


def test_grayscale_and_rgba_are_converted(tmp_path):
    gray = write_image(tmp_path / "g.png", random_rgb(1)[..., 0])
    rgba = write_image(tmp_path / "a.png", np.dstack([random_rgb(1), np.full((48, 64), 255, np.uint8)]))
    assert load_rgb(gray).shape == (3, 48, 64)
    torch.testing.assert_close(load_rgb(rgba), load_rgb(write_image(tmp_path / "c.png", random_rgb(1))))


def test_device_resolution():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="^device: ") as info:   # the library names the key
        resolve_device("warp-drive")
    assert info.value.naming("--device").startswith("--device: ")  # the command line, the flag


@pytest.mark.gpu
@pytest.mark.parametrize("amp", [None, "bf16"])
def test_the_engine_on_cuda_gives_the_cpu_scores(tmp_path, amp):
    """The GPU path: the same items scored on CUDA and on the CPU (classical metrics exactly up to float
    rounding; a backbone metric under bf16 autocast within its precision)."""
    items = make_items(tmp_path, [(64, 64)] * 4 + [(48, 64)] * 2)
    specs = ["psnr", "ssim", "lp:vgg16:random/relu2_2"]
    scores = {}
    for device in ("cpu", "cuda"):
        with ScoreStore(tmp_path / f"{device}.sqlite") as store:
            metrics, precision = [create_metric(s) for s in specs], amp if device == "cuda" else None
            Engine(metrics, store, device=device, batch_size=4, progress=False, amp=precision).run("d", items)
            scores[device] = {s: store.scores(*key) for s, key in score_keys("d", metrics, precision).items()}
    for spec in specs:
        tolerance = 2e-2 if amp and spec.startswith("lp") else 1e-4
        for item in items:
            assert scores["cuda"][spec][item.item_id] == pytest.approx(scores["cpu"][spec][item.item_id],
                                                                       rel=tolerance, abs=1e-5)


def test_a_pair_too_large_for_memory_is_that_items_failure(tmp_path, monkeypatch):
    """The memory guard (budget forced down to 1.6 MiB): the 96×96 pair cannot be scored by the
    metrics that would need more, and fails alone; the small pairs are scored, batches are split."""
    root = make_set(tmp_path / "set", n=4, size=(24, 24))
    write_image(root / "ref3.png", random_rgb(3, 96, 96))
    write_image(root / "dist3.png", random_rgb(13, 96, 96))
    monkeypatch.setenv("IQA_BENCH_MAX_MEMORY_GB", str(1.6 / 1024))  # psnr needs 1.4 MB here, ssim 1.8
    result = evaluate(root, tmp_path / "res", options=["--metrics", "psnr,ssim", "--no-plots", "--bootstrap", "0",
                                                       "--no-progress", "--batch-size", "4"])
    assert result.exit_code == 1
    assert "ssim on" in result.output and "dist3.png: needs about" in result.output and "96×96" in result.output
    scores = pd.read_csv(tmp_path / "res" / "custom" / "scores.csv").set_index("item")
    assert scores.loc[["dist0.png", "dist1.png", "dist2.png"], "ssim"].notna().all()
    assert np.isnan(scores.loc["dist3.png", "ssim"]) and np.isfinite(scores.loc["dist3.png", "psnr"])


def test_a_metric_that_cannot_run_on_the_image_size_is_unavailable_before_any_work(tmp_path):
    """40×48 images: ms_ssim (161) and vif (48) are reported once each, not per item, and never run;
    the table says why each cell is empty (issue 16.3)."""
    root = make_set(tmp_path / "set", n=6)
    result = evaluate(root, tmp_path / "res", options=["-m", "psnr,ms_ssim,vif", "--no-plots", "--bootstrap", "0",
                                                       "--no-progress"])
    assert result.exit_code == 1
    assert result.output.count("needs images of at least 161×161 pixels") == 2   # table note + failure line
    assert result.output.count("vif: needs images of at least 48×48 pixels") == 1 and "(6 items" not in result.output
    assert "3 failure" not in result.output and "2 failure(s), 2 reason(s)" in result.output
    assert {m for _, m in stored(tmp_path / "res")} == {"psnr"}
    table = (tmp_path / "res" / "custom" / "table.md").read_text()
    assert "| PSNR | 6 | n = 6 < 8 | n = 6 < 8 |" in table and "| MS-SSIM | 0 | not computed |" in table
    assert "- VIF not computed: needs images of at least 48×48" in table
