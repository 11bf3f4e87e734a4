"""The backbones' layers (backbones/layers.py): every layer of every backbone extracts, the papers' layer names map
to the expected modules, a pre-activation layer is not overwritten by its ReLU."""
import pytest
import torch

from iqa_bench.backbones import BACKBONES, LAYER_TABLES, Backbone, layer_info


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
