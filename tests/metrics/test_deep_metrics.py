"""Deep-feature metrics: values against direct computations and the lpips package; sharing; gradients."""
import math

import lpips
import pytest
import torch
import torch.nn.functional as F

from iqa_bench import create_metric
from iqa_bench.backbones import get_backbone
from iqa_bench.datasets.base import Item
from iqa_bench.engine import Engine
from iqa_bench.errors import UnknownNameError
from iqa_bench.metrics.contextual import contextual_loss
from iqa_bench.csf import csf_attention_map, cycles_per_degree_scale, mannos_sakrison
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


def _contextual_loop(x, y, h=0.5):
    """The contextual loss written with plain loops, for one image's C×P features."""
    c, p = x.shape
    mu = [sum(y[k, j] for j in range(p)) / p for k in range(c)]
    xs = [[x[k, i] - mu[k] for k in range(c)] for i in range(p)]
    ys = [[y[k, j] - mu[k] for k in range(c)] for j in range(p)]
    norm = lambda v: math.sqrt(sum(a * a for a in v))  # noqa: E731
    d = [[1 - sum(a * b for a, b in zip(xi, yj)) / (norm(xi) * norm(yj)) for yj in ys] for xi in xs]
    rel = [[d[i][j] / (min(d[i]) + 1e-5) for j in range(p)] for i in range(p)]
    w = [[math.exp((1 - rel[i][j]) / h) for j in range(p)] for i in range(p)]
    a = [[w[i][j] / sum(w[i]) for j in range(p)] for i in range(p)]
    cx = sum(max(a[i][j] for i in range(p)) for j in range(p)) / p
    return -math.log(cx)


def test_cx_equals_a_plain_loop_implementation():
    gen = torch.Generator().manual_seed(2)
    x = torch.rand(2, 4, 3, 3, generator=gen, dtype=torch.float64)
    y = torch.rand(2, 4, 3, 3, generator=gen, dtype=torch.float64)
    ours = contextual_loss(x, y)
    for n in range(2):
        expected = _contextual_loop(x[n].flatten(1), y[n].flatten(1))
        assert ours[n].item() == pytest.approx(expected, rel=1e-9)
    assert contextual_loss(y, y).abs().max() < 1e-6  # identical features: CX = 1


def test_cx_samples_large_layers_deterministically():
    x, y = torch.rand(1, 2, 70, 70), torch.rand(1, 2, 70, 70)
    assert torch.equal(contextual_loss(x, y), contextual_loss(x, y))


def _lpips_twins(net):
    """Our lpips metric and the package's, sharing one random backbone whose conv biases are non-zero:
    with zero biases a ReLU network is positively homogeneous, so LPIPS's channel normalisation would
    hide an input-scale error."""
    ours = create_metric(f"lpips:{net}:random")
    gen = torch.Generator().manual_seed(7)
    features = ours.backbone.model.features
    with torch.no_grad():
        for module in features.modules():
            if isinstance(module, torch.nn.Conv2d) and module.bias is not None:
                module.bias.copy_(0.2 * torch.randn(module.bias.shape, generator=gen))
    theirs = lpips.LPIPS(net=net, pnet_rand=True, verbose=False).eval()
    slices = [getattr(theirs.net, f"slice{k}") for k in range(1, theirs.net.N_slices + 1)]
    for part in slices:  # give the package the same (random) backbone weights as ours
        for name, module in part.named_children():
            module.load_state_dict(features[int(name)].state_dict())
    return ours, theirs


def _lpips_parity(ours, theirs, ref, dist):
    with torch.no_grad():
        mine, package = ours(ref, dist), theirs(ref, dist, normalize=True).flatten()
    assert package.min() > 1e-3  # values large enough for a relative comparison to mean something
    torch.testing.assert_close(mine, package, rtol=1e-4, atol=0)


@pytest.mark.parametrize("net", ["alex", "vgg", "squeeze"])
def test_lpips_equals_the_lpips_package(net, pair):
    ref, dist = pair
    _lpips_parity(*_lpips_twins(net), ref, dist)


@pytest.mark.parametrize("net", ["alex", "vgg", "squeeze"])
def test_lpips_parity_fails_on_an_input_scale_error(net, pair):
    """The parity test can fail: our backbone fed twice its normalised input (a ×2 scale error) is caught."""
    ref, dist = pair
    ours, theirs = _lpips_twins(net)
    ours.backbone.std = ours.backbone.std / 2
    with pytest.raises(AssertionError):
        _lpips_parity(ours, theirs, ref, dist)


def test_csf_map_properties():
    image = torch.rand(1, 3, 96, 128, generator=torch.Generator().manual_seed(4))
    attention = csf_attention_map(image)
    assert attention.shape == (1, 1, 96, 128)
    assert attention.max().item() == pytest.approx(1.0)
    shifted = csf_attention_map((image * 0.8 + 0.1))
    torch.testing.assert_close(csf_attention_map(image * 0.8), shifted, atol=1e-6, rtol=1e-6)


def _grating(cpd, size=256):
    """A vertical grating at (the periodic frequency nearest) ``cpd`` cycles/degree."""
    cycles_per_pixel = round(cpd / cycles_per_degree_scale() * size) / size
    x = torch.arange(size, dtype=torch.float64)
    row = 0.5 + 0.4 * torch.sin(2 * math.pi * cycles_per_pixel * x)
    return row.view(1, 1, 1, size).expand(1, 3, size, size).float()


def test_csf_band_keeps_8_cpd_and_removes_1_cpd():
    """The un-normalised band-passed magnitude: strong for an 8 c/deg grating, ~0 for 1 c/deg."""
    from iqa_bench import csf

    def passed_energy(image):
        y = csf.luma(image.double())
        s = csf.frequency_grid_cpd(*y.shape[-2:])
        keep = (s >= 2) & (s <= 23)
        return torch.fft.ifft2(torch.fft.fft2(y) * keep).abs().mean().item()

    assert passed_energy(_grating(8)) > 0.2
    assert passed_energy(_grating(1)) < 0.01 * passed_energy(_grating(8))


def test_mannos_sakrison_peaks_near_8_cycles_per_degree():
    f = torch.linspace(0.5, 40, 400)
    assert 6 < f[mannos_sakrison(f).argmax()].item() < 10
    assert mannos_sakrison(8.0).item() == pytest.approx(2.6 * (0.0192 + 0.912) * math.exp(-(0.912 ** 1.1)))


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
