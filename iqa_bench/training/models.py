"""Super-resolution models of the papers, behind a name registry (BasicSR style).

* ``vdsr`` — Kim et al. 2016: 20 3×3 conv layers of 64 channels with ReLU, global residual added to
  the bicubic-upsampled input (the network sees the upsampled image).
* ``edsr_baseline`` / ``edsr`` — Lim et al. 2017: 16 residual blocks × 64 channels (scaling 1) or
  32 × 256 (residual scaling 0.1), no BatchNorm, sub-pixel upsampling.
* ``srresnet`` — as the adversarial-feature-matching paper describes it: 16 residual blocks, no
  BatchNorm, LeakyReLU(0.2), two sub-pixel ×2 stages (×4).
* ``rrdb`` — ESRGAN's generator (Wang et al. 2018): 23 residual-in-residual dense blocks, 64 channels,
  growth 32, residual scaling 0.2, nearest-neighbour upsampling + conv.
* ``srgan_discriminator`` — :class:`iqa_bench.learned.afm.SRGANDiscriminator`.
* ``bicubic`` — no parameters: MATLAB-exact bicubic up-sampling (the papers' "Bicubic" column).

All models take LR images in [0, 1] and return SR images of ``scale`` times the size (VDSR: of the
bicubic-upsampled input).
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import UnknownNameError
from ..registry import Registry
from ..learned.afm import SRGANDiscriminator
from .bicubic import imresize

MODELS: Registry[Callable[..., nn.Module]] = Registry("model")


def register_model(name: str):
    """Decorator: the factory under ``name`` (a name registered twice is refused)."""
    def wrap(factory):
        return MODELS.register(name, factory)
    return wrap


def create_model(name: str, scale: int = 4, **kwargs) -> nn.Module:
    if name not in MODELS:
        raise UnknownNameError("model", name, MODELS)
    return MODELS[name](scale=scale, **kwargs)


def _upsampler(channels: int, scale: int, activation=None) -> nn.Sequential:
    """Sub-pixel convolution: log2(scale) ×2 stages (or one ×3 stage)."""
    layers = []
    if scale in (2, 4, 8):
        for _ in range(int(math.log2(scale))):
            layers += [nn.Conv2d(channels, 4 * channels, 3, padding=1), nn.PixelShuffle(2)]
            if activation is not None:
                layers.append(activation())
    elif scale == 3:
        layers += [nn.Conv2d(channels, 9 * channels, 3, padding=1), nn.PixelShuffle(3)]
    else:
        raise ValueError(f"scale must be 2, 3, 4 or 8, got {scale}")
    return nn.Sequential(*layers)


class VDSR(nn.Module):
    def __init__(self, scale: int = 4, depth: int = 20, channels: int = 64):
        super().__init__()
        self.scale = scale
        layers = [nn.Conv2d(3, channels, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(channels, 3, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        upsampled = F.interpolate(lr, scale_factor=self.scale, mode="bicubic", align_corners=False)
        return upsampled + self.body(upsampled)


class Bicubic(nn.Module):
    """The tables' "Bicubic" baseline: MATLAB ``imresize(lr, scale)``, clamped to [0, 1]; nothing to train."""

    def __init__(self, scale: int = 4):
        super().__init__()
        self.scale = scale

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return imresize(lr.double(), self.scale).to(lr.dtype).clamp(0, 1)


class ResBlock(nn.Module):
    def __init__(self, channels: int, res_scale: float = 1.0, activation=None):
        super().__init__()
        act = activation() if activation is not None else nn.ReLU(inplace=True)
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), act,
                                  nn.Conv2d(channels, channels, 3, padding=1))
        self.res_scale = res_scale

    def forward(self, x):
        return x + self.res_scale * self.body(x)


class EDSR(nn.Module):
    def __init__(self, scale: int = 4, blocks: int = 16, channels: int = 64, res_scale: float = 1.0):
        super().__init__()
        self.head = nn.Conv2d(3, channels, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(channels, res_scale) for _ in range(blocks)],
                                  nn.Conv2d(channels, channels, 3, padding=1))
        self.tail = nn.Sequential(_upsampler(channels, scale), nn.Conv2d(channels, 3, 3, padding=1))

    def forward(self, lr):
        x = self.head(lr)
        return self.tail(x + self.body(x))


class SRResNet(nn.Module):
    def __init__(self, scale: int = 4, blocks: int = 16, channels: int = 64):
        super().__init__()
        act = lambda: nn.LeakyReLU(0.2, inplace=True)  # noqa: E731
        self.head = nn.Sequential(nn.Conv2d(3, channels, 9, padding=4), act())
        self.body = nn.Sequential(*[ResBlock(channels, 1.0, act) for _ in range(blocks)],
                                  nn.Conv2d(channels, channels, 3, padding=1))
        self.tail = nn.Sequential(_upsampler(channels, scale, act), nn.Conv2d(channels, 3, 9, padding=4))

    def forward(self, lr):
        x = self.head(lr)
        return self.tail(x + self.body(x))


class DenseBlock(nn.Module):
    def __init__(self, channels: int = 64, growth: int = 32):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(channels + i * growth, growth if i < 4 else channels, 3, padding=1)
                                   for i in range(5))
        self.act = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x):
        features = [x]
        for i, conv in enumerate(self.convs):
            out = conv(torch.cat(features, 1))
            if i < 4:
                features.append(self.act(out))
        return x + 0.2 * out


class RRDB(nn.Module):
    def __init__(self, channels: int = 64, growth: int = 32):
        super().__init__()
        self.blocks = nn.Sequential(*[DenseBlock(channels, growth) for _ in range(3)])

    def forward(self, x):
        return x + 0.2 * self.blocks(x)


class RRDBNet(nn.Module):
    def __init__(self, scale: int = 4, blocks: int = 23, channels: int = 64, growth: int = 32):
        super().__init__()
        if scale not in (2, 4):
            raise ValueError("rrdb supports scales 2 and 4")
        self.scale = scale
        self.head = nn.Conv2d(3, channels, 3, padding=1)
        self.body = nn.Sequential(*[RRDB(channels, growth) for _ in range(blocks)])
        self.body_conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.ups = nn.ModuleList(nn.Conv2d(channels, channels, 3, padding=1) for _ in range(int(math.log2(scale))))
        self.hr_conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.last = nn.Conv2d(channels, 3, 3, padding=1)
        self.act = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, lr):
        x = self.head(lr)
        x = x + self.body_conv(self.body(x))
        for conv in self.ups:
            x = self.act(conv(F.interpolate(x, scale_factor=2, mode="nearest")))
        return self.last(self.act(self.hr_conv(x)))


register_model("vdsr")(lambda scale=4, **kw: VDSR(scale, **kw))
register_model("edsr_baseline")(lambda scale=4, **kw: EDSR(scale, blocks=16, channels=64, res_scale=1.0, **kw))
register_model("edsr")(lambda scale=4, **kw: EDSR(scale, blocks=32, channels=256, res_scale=0.1, **kw))
register_model("srresnet")(lambda scale=4, **kw: SRResNet(scale, **kw))
register_model("rrdb")(lambda scale=4, **kw: RRDBNet(scale, **kw))
register_model("srgan_discriminator")(lambda scale=4, **kw: SRGANDiscriminator(**kw))
register_model("bicubic")(lambda scale=4, **kw: Bicubic(scale))
