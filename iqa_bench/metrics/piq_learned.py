"""piq's full-reference measures that need weights, as piq's own modules: DISTS, PieAPP, and the content
and style losses on torchvision's VGG.

piq fetches its files with ``torch.hub.load_state_dict_from_url`` and torchvision's ``vgg16(pretrained=
True)``, both reading torch hub's cache; :func:`iqa_bench.weights.require` fills that same cache first
(or says in one line where the file comes from and how to pre-fetch it), so piq then loads from disk
exactly as it would on its own.

Specs: ``dists``, ``pieapp``, ``content[:<net>/<layer>[+<layer>...]]`` and ``style[:...]`` with
``<net>`` vgg16 or vgg19 and piq's layer names (``relu3_3``, ``conv4_2``, ...); the bare names are piq's
defaults (vgg16, relu3_3, MSE).
"""
from __future__ import annotations

from typing import Callable, Optional

import piq
import torch
from piq.perceptual import VGG16_LAYERS, VGG19_LAYERS

from ..weights import WeightFile, require
from ..safe_loading import weights_only_loads
from .base import Metric
from .registry import MetricFamily, register

NETS = {"vgg16": VGG16_LAYERS, "vgg19": VGG19_LAYERS}


class PiqModule(Metric):
    """A piq loss module as a metric: ``module(dist, ref)`` per image (piq's order: prediction, target)."""

    needs_weights = True
    source = f"library: piq {piq.__version__}"
    bytes_per_pixel = 2500.0  # VGG activations of both images at full resolution

    def __init__(self, module: torch.nn.Module, higher_is_better: bool, identity: str, min_side: int = 0,
                 min_side_reason: str = ""):
        super().__init__()
        self.module, self.identity = module, identity
        self.higher_is_better = higher_is_better
        self.min_side, self.min_side_reason = min_side, min_side_reason

    def digest(self) -> str:
        return f"piq-{piq.__version__}-{self.identity}"

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        return self.module(dist, ref).flatten()


def _spec(name: str, arg: Optional[str]) -> str:
    return name if arg is None else f"{name}:{arg}"


def _needs(name: str, arg: Optional[str]) -> None:
    spec = _spec(name, arg)
    from .weight_manifest import files_for_spec

    require(spec, files_for_spec(spec))


def parse_layers(family: str, arg: Optional[str]):
    """``vgg19/relu4_2+relu5_1`` -> ("vgg19", ["relu4_2", "relu5_1"]); None -> piq's defaults."""
    if arg is None:
        return "vgg16", ["relu3_3"]
    net, sep, layers = arg.partition("/")
    net = net.strip().lower()
    if net not in NETS or not sep:
        raise ValueError(f"{family}: expected {family}:<net>/<layer>[+<layer>...] with <net> vgg16 or vgg19, "
                         f"e.g. {family}:vgg19/relu4_2, got {arg!r}")
    names = [layer.strip().lower() for layer in layers.split("+") if layer.strip()]
    unknown = [layer for layer in names if layer not in NETS[net]]
    if unknown or not names:
        raise ValueError(f"{family}: unknown layer(s) {', '.join(unknown) or '(none)'} of {net}; piq's layers: "
                         f"{', '.join(NETS[net])}")
    return net, names


def _feature_loss(name: str, cls: Callable) -> Callable[[Optional[str]], Metric]:
    def create(arg: Optional[str]) -> Metric:
        net, layers = parse_layers(name, arg)
        _needs(name, arg)
        with weights_only_loads():
            module = cls(feature_extractor=net, layers=layers, weights=[1.0] * len(layers), reduction="none")
        return PiqModule(module, False, f"{name}-{net}-{'+'.join(layers)}-mse")
    return create


def _dists(arg: Optional[str]) -> Metric:
    _needs("dists", arg)
    with weights_only_loads():  # piq's torch.load of its release asset (unrestricted before torch 2.6)
        return PiqModule(piq.DISTS(reduction="none"), False, "dists-v0.4.1")


def _pieapp(arg: Optional[str]) -> Metric:
    _needs("pieapp", arg)
    with weights_only_loads():
        return PiqModule(piq.PieAPP(reduction="none", data_range=1.0), False, "pieapp-v0.1-stride27", 64,
                         "PieAPP scores 64×64 patches")


#: piq's release assets (piq publishes no hash for them).
DISTS_FILE = WeightFile("dists", "dists_weights.pt",
                        "https://github.com/photosynthesis-team/piq/releases/download/v0.4.1/dists_weights.pt",
                        "dists (with vgg16)", "piq release asset (piq: Apache-2.0); DISTS by Ding et al. 2020")
PIEAPP_FILE = WeightFile("pieapp", "PieAPPv0.1.pth",
                         "https://github.com/photosynthesis-team/piq/releases/download/v0.5.4/PieAPPv0.1.pth",
                         "pieapp", "piq release asset (piq: Apache-2.0); PieAPP by Prashnani et al. 2018")


def _register(name: str, factory, source: str, description: str, **fields) -> None:
    """A family of piq's learned measures registered (lower is better, weights needed, the group "learned"
    unless ``fields`` say otherwise: the other :class:`MetricFamily` fields)."""
    register(MetricFamily(name, factory, higher_is_better=False, needs_weights=True, source=source,
                          description=description, **{"group": "learned", **fields}))


def _vgg_of(arg: Optional[str]) -> list:
    return [(arg or "vgg16").partition("/")[0]]


_register("dists", _dists, "library: piq DISTS; paper: Ding et al. 2020",
          "deep image structure and texture similarity (DISTS, a distance: lower = more alike)",
          weight_files=(DISTS_FILE,), files_needed=lambda arg: ["vgg16", "dists"])
_register("pieapp", _pieapp, "library: piq PieAPP; paper: Prashnani et al. 2018",
          "perceptual image-error assessment through pairwise preference (stride 27)",
          weight_files=(PIEAPP_FILE,), files_needed=lambda arg: ["pieapp"])
_register("content", _feature_loss("content", piq.ContentLoss), "library: piq ContentLoss; paper: Gatys et al. 2016",
          "content loss: MSE of VGG features (piq's default: vgg16 relu3_3)",
          argument="vgg16|vgg19/<layer>[+<layer>...]", group="deep features", files_needed=_vgg_of)
_register("style", _feature_loss("style", piq.StyleLoss), "library: piq StyleLoss; paper: Gatys et al. 2016",
          "style loss: MSE of Gram matrices of VGG features (piq's default: vgg16 relu3_3)",
          argument="vgg16|vgg19/<layer>[+<layer>...]", group="deep features", files_needed=_vgg_of)

