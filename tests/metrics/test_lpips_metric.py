"""LPIPS (metrics/lpips_metric.py) equal to the lpips package's own forward, and the parity check failing on an
input-scale error."""
import lpips
import pytest
import torch

from iqa_bench import create_metric

from conftest import noisy_pair


@pytest.fixture(scope="module")
def pair():
    return noisy_pair(1, (2, 3, 64, 80), 0.1)


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
