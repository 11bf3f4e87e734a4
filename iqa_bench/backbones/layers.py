"""The papers' layer names, normalised to lower snake case, mapped to torchvision node names.

One table per backbone (ordered from input to output). Names follow the Caffe/Keras conventions the
papers use: VGG ``relu2_2``; AlexNet ``relu1``…``relu5``, ``conv2``; SqueezeNet ``fire2_expand3x3`` (the
ReLU after expand3x3); ResNet-18 ``res2a``…``res5b`` (block outputs, after their ReLU); GoogLeNet
``conv2_3x3_relu``, ``inception_4a_relu_3x3``; MobileNet-v2 ``block_1_expand_relu``; ShuffleNet-v2
``stage2``…; EfficientNet-Lite0 ``block3_expand_relu``. Values are node names for
``torchvision.models.feature_extraction.create_feature_extractor`` (a module path returns its output).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict

VGG_CONFIGS = {"vgg16": [2, 2, 3, 3, 3], "vgg19": [2, 2, 4, 4, 4]}


def vgg_layers(name: str) -> Dict[str, str]:
    table: Dict[str, str] = OrderedDict()
    index = 0
    for block, convs in enumerate(VGG_CONFIGS[name], start=1):
        for conv in range(1, convs + 1):
            table[f"conv{block}_{conv}"] = f"features.{index}"
            table[f"relu{block}_{conv}"] = f"features.{index + 1}"
            index += 2
        table[f"pool{block}"] = f"features.{index}"
        index += 1
    return table


ALEXNET = OrderedDict([("conv1", "features.0"), ("relu1", "features.1"), ("pool1", "features.2"),
                       ("conv2", "features.3"), ("relu2", "features.4"), ("pool2", "features.5"),
                       ("conv3", "features.6"), ("relu3", "features.7"), ("conv4", "features.8"),
                       ("relu4", "features.9"), ("conv5", "features.10"), ("relu5", "features.11"),
                       ("pool5", "features.12")])

#: Index of each Fire module (fire2..fire9) in ``features`` of SqueezeNet 1.0 and 1.1.
SQUEEZENET_FIRES = {"squeezenet1_0": [3, 4, 5, 7, 8, 9, 10, 12], "squeezenet1_1": [3, 4, 6, 7, 9, 10, 11, 12]}


def squeezenet_layers(name: str) -> Dict[str, str]:
    table: Dict[str, str] = OrderedDict([("conv1", "features.0"), ("conv1_relu", "features.1")])
    for number, index in enumerate(SQUEEZENET_FIRES[name], start=2):
        table[f"fire{number}_squeeze"] = f"features.{index}.squeeze_activation"
        table[f"fire{number}_expand1x1"] = f"features.{index}.expand1x1_activation"
        table[f"fire{number}_expand3x3"] = f"features.{index}.expand3x3_activation"
        table[f"fire{number}"] = f"features.{index}"
    return table


def resnet18_layers() -> Dict[str, str]:
    table: Dict[str, str] = OrderedDict([("conv1_relu", "relu"), ("pool1", "maxpool")])
    for stage in range(1, 5):
        for block, letter in enumerate("ab"):
            table[f"res{stage + 1}{letter}_branch2a_relu"] = f"layer{stage}.{block}.relu"
            table[f"res{stage + 1}{letter}"] = f"layer{stage}.{block}"
    return table


def googlenet_layers() -> Dict[str, str]:
    table: Dict[str, str] = OrderedDict([("conv1_7x7_relu", "conv1"), ("pool1", "maxpool1"),
                                         ("conv2_3x3_reduce_relu", "conv2"), ("conv2_3x3_relu", "conv3"),
                                         ("pool2", "maxpool2")])
    for block in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"):
        module = f"inception{block}"
        # torchvision's "5x5" branch uses a 3x3 kernel (a known quirk kept for weight compatibility).
        for suffix, path in (("relu_1x1", "branch1"), ("relu_3x3_reduce", "branch2.0"), ("relu_3x3", "branch2.1"),
                             ("relu_5x5_reduce", "branch3.0"), ("relu_5x5", "branch3.1"),
                             ("relu_pool_proj", "branch4.1")):
            table[f"inception_{block}_{suffix}"] = f"{module}.{path}"
        table[f"inception_{block}_output"] = module
    return table


def mobilenet_v2_layers() -> Dict[str, str]:
    table: Dict[str, str] = OrderedDict([("conv1_relu", "features.0"),
                                         ("expanded_conv_depthwise_relu", "features.1.conv.0"),
                                         ("expanded_conv_project", "features.1")])
    for n in range(1, 17):
        table[f"block_{n}_expand_relu"] = f"features.{n + 1}.conv.0"
        table[f"block_{n}_depthwise_relu"] = f"features.{n + 1}.conv.1"
        table[f"block_{n}_project"] = f"features.{n + 1}"
    table["out_relu"] = "features.18"
    return table


def shufflenet_v2_layers() -> Dict[str, str]:
    table: Dict[str, str] = OrderedDict([("conv1_relu", "conv1"), ("pool1", "maxpool")])
    for stage, units in ((2, 4), (3, 8), (4, 4)):
        for unit in range(units):
            table[f"stage{stage}_unit{unit + 1}"] = f"stage{stage}.{unit}"
        table[f"stage{stage}"] = f"stage{stage}"
    table["conv5_relu"] = "conv5"
    return table


def efficientnet_lite0_layers() -> Dict[str, str]:
    table: Dict[str, str] = OrderedDict([("stem_relu", "stem_relu")])
    for n in range(16):
        if n > 0:
            table[f"block{n}_expand_relu"] = f"_blocks.{n}.expand_relu"
        table[f"block{n}_depthwise_relu"] = f"_blocks.{n}.depthwise_relu"
        table[f"block{n}"] = f"_blocks.{n}"
    table["head_relu"] = "head_relu"
    return table


LAYER_TABLES = {
    "vgg16": vgg_layers("vgg16"),
    "vgg19": vgg_layers("vgg19"),
    "alexnet": ALEXNET,
    "squeezenet1_0": squeezenet_layers("squeezenet1_0"),
    "squeezenet1_1": squeezenet_layers("squeezenet1_1"),
    "resnet18": resnet18_layers(),
    "googlenet": googlenet_layers(),
    "mobilenet_v2": mobilenet_v2_layers(),
    "shufflenet_v2_x1_0": shufflenet_v2_layers(),
    "efficientnet_lite0": efficientnet_lite0_layers(),
}
