import numpy as np
import pytest
import torch

from iqa_bench import create_metric
from iqa_bench.datasets.base import Item
from iqa_bench.engine import Engine, resolve_device, score_keys, size_batches
from iqa_bench.images import load_rgb
from iqa_bench.store import ScoreStore

from conftest import random_rgb, write_image


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
        again = Engine(metrics, store, device="cpu", progress=False).run("t", items)
        assert again.computed == 0 and again.reused == 10
        fresh = Engine(metrics, store, device="cpu", progress=False).run("t", items, fresh=True)
        assert fresh.computed == 10 and fresh.reused == 0


def test_bad_items_are_named_and_others_still_scored(tmp_path):
    items = make_items(tmp_path, [(32, 40), (32, 40), (32, 40), (32, 40)])
    truncated = items[1].dist_path
    truncated.write_bytes(truncated.read_bytes()[:200])
    write_image(items[2].dist_path, random_rgb(9, 40, 40))           # size mismatch
    items[3].dist_path.unlink()                                       # missing
    with ScoreStore(tmp_path / "s.sqlite") as store:
        report = Engine([create_metric("mse")], store, device="cpu", progress=False).run("t", items)
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
    with pytest.raises(ValueError, match="--device"):
        resolve_device("warp-drive")


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
