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


def _plain_extractor(backbone, layers):
    """torchvision's feature extractor of the backbone's model, every activation out of place (as the
    model's modules are): the reference the in-place graph is held to."""
    from torchvision.models.feature_extraction import create_feature_extractor

    return create_feature_extractor(backbone.model, return_nodes={backbone.layer_table[k]: k for k in layers},
                                    tracer_kwargs={"leaf_modules": backbone._leaf_modules})


@pytest.mark.parametrize("net, weights", [("vgg16", "random"), ("alexnet", "random"), ("squeezenet1_1", "random"),
                                          ("resnet18", "random"), ("efficientnet_lite0", "imagenet")])
def test_in_place_activations_change_no_value_and_no_gradient(net, weights):
    """Issue 48: the extractor computes ReLU / ReLU6 in place where its input is a fresh conv / BN output
    read by nothing else and not returned. Every seventh layer (pre-activation layers among them, with
    deeper ones in the same pass) and the gradient reaching the input equal the out-of-place extractor's
    bit for bit, and some activations were made in place."""
    from iqa_bench.backbones.registry import IN_PLACE

    backbone = Backbone(net, weights)
    layers = list(backbone.layer_table)[::7]
    x = torch.rand(2, 3, 64, 64, requires_grad=True)
    ours = backbone.extract(x, layers)
    plain = _plain_extractor(backbone, layers)((x - backbone.mean) / backbone.std)
    assert all(torch.equal(ours[k], plain[k]) for k in layers)
    grads = [torch.autograd.grad(sum(f.square().sum() for f in out.values()), x)[0] for out in (ours, plain)]
    assert torch.equal(*grads)
    graph = backbone._extractor(tuple(sorted(set(layers)))).graph
    assert any(node.op == "call_function" and node.target in IN_PLACE.values() for node in graph.nodes)


def test_an_activation_whose_input_is_returned_stays_out_of_place():
    """VGG-16's conv3_1 returned with deeper layers: its ReLU is not made in place (the pre-activation layer
    keeps its negative values), the other ReLUs are."""
    from iqa_bench.backbones.registry import in_place_activations

    backbone = Backbone("vgg16", "random")
    extractor = in_place_activations(_plain_extractor(backbone, ["conv3_1", "relu5_3"]))
    relu_inputs = {str(node.args[0]) for node in extractor.graph.nodes
                   if node.op == "call_module" and isinstance(extractor.get_submodule(node.target), torch.nn.ReLU)}
    assert relu_inputs == {"features_10"}  # conv3_1's output: the one ReLU left out of place
    x = torch.rand(2, 3, 64, 64)
    assert (extractor(x)["conv3_1"] < 0).any()
