"""Deep-feature metrics: values against direct computations and the lpips package; sharing; gradients."""

import pytest
import torch
import torch.nn.functional as F

from iqa_bench import create_metric
from iqa_bench.backbones import get_backbone
from iqa_bench.csf import csf_attention_map
from iqa_bench.datasets.base import Item
from iqa_bench.engine import Engine
from iqa_bench.errors import UnknownNameError
from iqa_bench.store import ScoreStore

from conftest import noisy_pair, random_rgb, write_image


@pytest.fixture(scope="module")
def pair():
    return noisy_pair(1, (2, 3, 64, 80), 0.1)


def _imagenet(x):
    return (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def test_lp_equals_direct_tensor_computation(pair):
    ref, dist = pair
    metric = create_metric("lp:vgg16:random/relu2_2")
    features = metric.backbone.model.features[:9]
    with torch.no_grad():
        expected = ((features(_imagenet(dist)) - features(_imagenet(ref))) ** 2).mean((1, 2, 3))
        torch.testing.assert_close(metric(ref, dist), expected)


def test_lp_att_weights_the_difference_by_the_resized_csf_map(pair):
    ref, dist = pair
    metric = create_metric("lp_att:vgg16:random/relu2_2")
    features = metric.backbone.model.features[:9]
    with torch.no_grad():
        diff = features(_imagenet(dist)) - features(_imagenet(ref))
        attention = F.adaptive_avg_pool2d(csf_attention_map(ref), diff.shape[-2:])
        torch.testing.assert_close(metric(ref, dist), ((attention * diff) ** 2).mean((1, 2, 3)))


@pytest.mark.parametrize("spec", ["lp:squeezenet1_1:random/fire2_expand3x3", "lp_att:resnet18:random/res2b",
                                  "cx:efficientnet_lite0/block2", "cx_att:mobilenet_v2:random/block_1_expand_relu",
                                  "lpips:squeeze:random"])
def test_gradients_reach_the_input(spec, pair):
    ref, dist = pair
    x = dist.clone().requires_grad_(True)
    create_metric(spec)(ref, x).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_one_forward_per_backbone_per_batch(tmp_path):
    items = []
    for k in range(5):
        items.append(Item(f"i{k}", write_image(tmp_path / f"r{k}.png", random_rgb(k)),
                          write_image(tmp_path / f"d{k}.png", random_rgb(k + 10)), float(k)))
    backbone = get_backbone("vgg16", "random")
    specs = ([f"lp:vgg16:random/relu{b}_1" for b in range(1, 6)] + ["lp_att:vgg16:random/relu2_2",
             "cx:vgg16:random/relu3_2", "cx_att:vgg16:random/relu3_2", "lpips:vgg:random"])
    calls = []
    handle = backbone.model.features[0].register_forward_hook(lambda *a: calls.append(a[1][0].shape[0]))
    try:
        with ScoreStore(tmp_path / "s.sqlite") as store:
            report = Engine([create_metric(s) for s in specs], store, device="cpu", batch_size=2,
                            progress=False).run("t", items)
    finally:
        handle.remove()
    assert not report.failures and report.computed == 5 * len(specs)
    assert calls == [4, 4, 2]  # 3 batches (2+2+1 pairs), each ONE forward of [ref; dist]


def test_unknown_layer_and_network_are_named():
    with pytest.raises(UnknownNameError, match="relu2_2"):
        create_metric("lp:vgg16:random/relu2_9")
    with pytest.raises(UnknownNameError, match="efficientnet_lite0"):
        create_metric("lp:vgg99/relu2_2")
    with pytest.raises(ValueError, match="<net>/<layer>"):
        create_metric("cx:vgg16")


def test_unavailable_weights_fail_one_metric_not_the_run(tmp_path, monkeypatch):
    import urllib.error

    import iqa_bench
    from iqa_bench.backbones import registry

    def offline(*args, **kwargs):
        raise urllib.error.URLError("offline")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    registry.get_backbone.cache_clear()
    result = iqa_bench.evaluate("sample", ["psnr", "lpips:alex"], results=tmp_path, bootstrap=0, plots=False,
                                progress=False)
    registry.get_backbone.cache_clear()
    assert [f.metric for f in result.failures] == ["lpips:alex"]
    assert "AlexNet_Weights.IMAGENET1K_V1" in result.failures[0].message
    assert list(result.summary["metric"].unique()) == ["psnr", "lpips:alex"] and result.scores["psnr"].notna().all()
    lpips_row = result.summary[result.summary["metric"] == "lpips:alex"].iloc[0]
    assert lpips_row["n"] == 0 and "AlexNet_Weights.IMAGENET1K_V1" in lpips_row["note"]
    assert "| LPIPS (AlexNet) | 0 | not computed |" in result.table("md") and "LPIPS (AlexNet) = lpips:alex" in result.table("md")
