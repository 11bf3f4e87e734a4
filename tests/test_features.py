"""Reference-feature reuse (issue 19): bit-identical scores with and without it on TID2013-shaped items
(several distortions per reference, across batches), BAPPS-shaped triplets (p0 and p1 sharing the
reference) and mixed sizes; forwards counted; out-of-memory split down to one pair, by injection.
Per-image feature transforms (issue 48): computed once per unique image, shared between metrics, added
to a kept reference that lacks them, a lone reference broadcast over its batch."""
import numpy as np
import pytest
import torch

from iqa_bench import create_metric
from iqa_bench.datasets.base import Item
from iqa_bench.engine import Engine
from iqa_bench.metrics.base import Metric
from iqa_bench.store import ScoreStore

from conftest import random_rgb, write_image

DEEP = ["lp:vgg16:random/relu2_2", "lp_att:squeezenet1_1:random/fire3", "cx:alexnet:random/relu2",
        "lpips:squeeze:random", "lp:efficientnet_lite0/block3", "lpv:resnet18:random/res3a",
        "cx_att:alexnet:random/relu2", "lp_att:alexnet:random/relu2", "lpips:alex:random"]


def shaped_items(folder, references, per_reference, sizes=((40, 48),)):
    """``references`` reference images (cycling through ``sizes``), each with ``per_reference`` noisy copies;
    items listed interleaved (the engine orders them by reference)."""
    items = []
    for r in range(references):
        h, w = sizes[r % len(sizes)]
        ref = random_rgb(r, h, w)
        write_image(folder / f"ref{r}.png", ref)
        for k in range(per_reference):
            noisy = np.clip(ref + np.random.default_rng(100 * r + k).normal(0, 4 + 6 * k, ref.shape), 0, 255)
            items.append(Item(f"r{r}d{k}", folder / f"ref{r}.png",
                              write_image(folder / f"r{r}d{k}.png", noisy.astype(np.uint8)), float(k),
                              {"reference": f"ref{r}"}))
    return sorted(items, key=lambda it: it.item_id[::-1])  # interleaved: r0d0, r1d0, ..., r0d1, ...


def scores(tmp_path, name, items, specs, reuse, batch_size):
    metrics = [create_metric(s) for s in specs]
    with ScoreStore(tmp_path / f"{name}.sqlite") as store:
        engine = Engine(metrics, store, device="cpu", batch_size=batch_size, progress=False, reuse_references=reuse)
        report = engine.run("t", items)
        assert not report.failures, report.failures
        return {m.spec: store.scores("t", m.spec, m.digest()) for m in metrics}, engine


@pytest.mark.parametrize("references, per_reference, sizes, batch_size", [
    (3, 5, ((40, 48),), 3),                  # TID2013-shaped: references straddle batches
    (6, 2, ((40, 48),), 4),                  # BAPPS-shaped: p0 / p1 share the reference
    (4, 3, ((40, 48), (56, 32)), 5),         # mixed sizes
    (2, 1, ((40, 48),), 8),                  # one pair per reference
    (1, 4, ((40, 48),), 3),                  # a last batch of one pair whose reference is kept: 1 image forwarded
])
def test_scores_are_bit_identical_with_and_without_reuse(tmp_path, references, per_reference, sizes, batch_size):
    items = shaped_items(tmp_path, references, per_reference, sizes)
    reused, _ = scores(tmp_path, "reuse", items, DEEP, True, batch_size)
    plain, _ = scores(tmp_path, "plain", items, DEEP, False, batch_size)
    for spec in DEEP:
        assert reused[spec] == plain[spec], spec  # float equality, not approx


def test_each_reference_is_forwarded_once(tmp_path):
    from iqa_bench.backbones import get_backbone

    items = shaped_items(tmp_path, 3, 6)
    backbone = get_backbone("vgg16", "random")  # shared by every metric on it (and across tests)
    before = backbone.images_forwarded
    _, engine = scores(tmp_path, "count", items, ["lp:vgg16:random/relu2_2"], True, 4)
    assert backbone.images_forwarded - before == 3 + 18  # each reference once, each distorted image once
    assert engine.references.count() <= 2   # only the last batch's references are kept


class _FailsAbove(Metric):
    """psnr, but raising CUDA's out-of-memory error on batches larger than ``limit`` (or always)."""

    higher_is_better = True

    def __init__(self, limit):
        super().__init__()
        self.limit, self.psnr, self.calls = limit, create_metric("psnr"), []

    def score(self, ref, dist):
        self.calls.append(ref.shape[0])
        if ref.shape[0] > self.limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (injected)")
        return self.psnr(ref, dist)


@pytest.mark.parametrize("limit", [1, 3])
def test_out_of_memory_splits_the_batch_down_and_keeps_everything(tmp_path, limit):
    items = shaped_items(tmp_path, 2, 4)
    failing, psnr = _FailsAbove(limit), create_metric("psnr")
    failing.spec = "oom_psnr"
    with ScoreStore(tmp_path / "s.sqlite") as store:
        report = Engine([psnr, failing], store, device="cpu", batch_size=8, progress=False).run("t", items)
        assert not report.failures and report.computed == 16
        assert store.scores("t", "oom_psnr", failing.digest()) == store.scores("t", "psnr", psnr.digest())
    assert failing.calls[0] == 8 and max(c for c in failing.calls if c <= limit) <= limit


def test_a_single_pair_out_of_memory_is_that_items_failure(tmp_path):
    items = shaped_items(tmp_path, 1, 3)
    failing = _FailsAbove(0)
    failing.spec = "oom_psnr"
    with ScoreStore(tmp_path / "s.sqlite") as store:
        report = Engine([create_metric("psnr"), failing], store, device="cpu", batch_size=8,
                        progress=False).run("t", items)
        assert len(store.scores("t", "psnr", create_metric("psnr").digest())) == 3  # nothing else lost
    assert sorted(f.item_id for f in report.failures) == sorted(it.item_id for it in items)
    assert all("out of memory" in f.message and "48×40" in f.message and f.metric == "oom_psnr"
               for f in report.failures)
    assert failing.calls == [3, 1, 2, 1, 1]  # 3 -> 1 + 2 -> 1 + 1


def _images_through(monkeypatch, module, name):
    """Count the images ``module.name`` (a function of N×… tensors) is applied to."""
    calls = []
    real = getattr(module, name)

    def counted(tensor, *args, **kwargs):
        calls.append(tensor.shape[0])
        return real(tensor, *args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_lpips_normalises_each_image_once_per_layer(tmp_path, monkeypatch):
    """3 references × 6 distortions, batches of 4: each reference's and each distorted image's channels
    normalised once per layer (before issue 48: both sides of every pair, 36 per layer)."""
    import lpips

    items = shaped_items(tmp_path, 3, 6)
    calls = _images_through(monkeypatch, lpips, "normalize_tensor")
    scores(tmp_path, "count", items, ["lpips:alex:random"], True, 4)
    assert sum(calls) == 5 * (3 + 18)  # five AlexNet layers


def test_a_transform_named_by_two_metrics_is_computed_once(tmp_path, monkeypatch):
    """lp_att and cx_att on one layer share the CSF attention map on its grid: per reference, that map
    once, plus cx_att's weighted target (its mean and its centred vectors): 3 maps, not 4."""
    import iqa_bench.metrics.deep as deep

    items = shaped_items(tmp_path, 2, 5)
    calls = _images_through(monkeypatch, deep, "csf_attention_map")
    scores(tmp_path, "shared", items, ["lp_att:alexnet:random/relu2", "cx_att:alexnet:random/relu2"], True, 4)
    assert sum(calls) == 3 * 2


def test_a_kept_reference_gains_the_transforms_a_later_batch_names(tmp_path):
    """A reference kept from a batch whose metrics named no transform gets LPIPS's normalisation when a
    later batch's metric names it, equal bit for bit to computing it on the batch directly."""
    from iqa_bench.engine import ReferenceFeatures, shared_features
    from iqa_bench.images import load_rgb

    items = shaped_items(tmp_path, 1, 2)
    ref = torch.stack([load_rgb(it.ref_path) for it in items])
    dist = torch.stack([load_rgb(it.dist_path) for it in items])
    keys = [str(it.ref_path) for it in items]
    lp, lpips_metric = create_metric("lp:alexnet:random/relu2"), create_metric("lpips:alex:random")
    cache = ReferenceFeatures()
    shared_features([lp], ref, dist, ref_keys=keys, cache=cache)
    kept, _ = shared_features([lpips_metric], ref, dist, ref_keys=keys, cache=cache)
    plain, _ = shared_features([lpips_metric], ref, dist)
    backbone = lpips_metric.backbone
    for transform in lpips_metric.reference_transforms:
        assert torch.equal(kept[backbone][0][transform], plain[backbone][0][transform])
        assert kept[backbone][0][transform].stride(0) == 0  # one reference: broadcast, not copied
    assert torch.equal(lpips_metric.score_features(ref, dist, *kept[backbone]), lpips_metric(ref, dist))
