"""The backbone registry (backbones/registry.py): features equal a direct torchvision forward, random weights
seeded, offline without a cache a clear error, TORCH_HOME honoured, unknown names listing the valid ones."""

import urllib.error

import pytest
import torch
import torchvision

from iqa_bench.backbones import Backbone, BackboneWeightsError
from iqa_bench.errors import UnknownNameError


def test_features_equal_a_direct_torchvision_forward():
    backbone = Backbone("vgg16", "random3")
    x = torch.rand(2, 3, 40, 40)
    normalised = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor(
        [0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        ours = backbone.extract(x, ["relu2_2", "relu3_1"])
        direct = backbone.model.features[:9](normalised)
    torch.testing.assert_close(ours["relu2_2"], direct)
    assert ours["relu3_1"].shape == (2, 256, 10, 10)


def test_random_weights_are_seeded():
    a, b = Backbone("alexnet", "random"), Backbone("alexnet", "random")
    c = Backbone("alexnet", "random1")
    torch.testing.assert_close(a.model.features[0].weight, b.model.features[0].weight)
    assert not torch.equal(a.model.features[0].weight, c.model.features[0].weight)
    assert a.digest() != c.digest()


def test_offline_without_cache_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(BackboneWeightsError) as info:
        Backbone("squeezenet1_1")
    message = str(info.value)
    assert "SqueezeNet1_1_Weights.IMAGENET1K_V1" in message and str(tmp_path) in message
    assert "download.pytorch.org" in message and "Pre-fetch" in message
    # the random-weight hint is spelled as specs a user can type (issue 27: it said 'alexnet:random')
    assert "lp:squeezenet1_1:random/<layer>" in message and "lpips:alex|vgg|squeeze:random" in message
    from iqa_bench import create_metric

    assert create_metric("lpips:alex:random") is not None and create_metric("lp:squeezenet1_1:random/fire2") is not None


def test_torch_home_cache_is_honoured(tmp_path, monkeypatch):
    """A weights file in $TORCH_HOME/hub/checkpoints is loaded through torchvision's weights API."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    url = torchvision.models.AlexNet_Weights.IMAGENET1K_V1.url
    cached = tmp_path / "hub" / "checkpoints" / url.rsplit("/", 1)[-1]
    cached.parent.mkdir(parents=True)
    reference = Backbone("alexnet", "random5").model
    torch.save(reference.state_dict(), cached)
    loaded = Backbone("alexnet")
    torch.testing.assert_close(loaded.model.features[3].weight, reference.features[3].weight)
    assert loaded.digest() == "alexnet-AlexNet_Weights.IMAGENET1K_V1-f2"


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(UnknownNameError, match="vgg16"):
        Backbone("vgg17")
    with pytest.raises(UnknownNameError, match="relu2_2"):
        Backbone("vgg16", "random").check_layers(["relu9_9"])
    with pytest.raises(ValueError, match="random<seed>"):
        Backbone("vgg16", "places365")
