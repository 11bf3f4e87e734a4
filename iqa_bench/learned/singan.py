"""SinGAN's discriminator (Shaham et al. 2019) as the MDF loss uses it, and loading of the MDF
authors' official files.

The official ``Ds_*.pth`` files are legacy (pre-1.6) ``torch.save`` pickles of a list of
``SinGAN.models.WDiscriminator`` objects. :func:`load_discriminators` reads them with a restricted
unpickler that maps those two classes to this module's and allows only the torch/collections
globals such a file needs; anything else in the pickle is refused. The weights are then copied
(strictly, every tensor) into fresh modules. The project's own format is a plain dict of state dicts
(:func:`save_discriminators`).
"""
from __future__ import annotations

import pickle
import types
import warnings
from pathlib import Path
from typing import List, Sequence, Union

import torch
from torch import nn

OWN_FORMAT = "iqa-bench/mdf-discriminators/v1"
NEGATIVE_SLOPE = 0.2


class ConvBlock(nn.Sequential):
    """Conv2d (3×3, stride 1, no padding) → BatchNorm2d → LeakyReLU(0.2), as SinGAN's ConvBlock."""

    def __init__(self, c_in: int = 3, c_out: int = 32, kernel: int = 3, padding: int = 0):
        super().__init__()
        self.add_module("conv", nn.Conv2d(c_in, c_out, kernel_size=kernel, stride=1, padding=padding))
        self.add_module("norm", nn.BatchNorm2d(c_out))
        self.add_module("LeakyRelu", nn.LeakyReLU(NEGATIVE_SLOPE, inplace=False))


class WDiscriminator(nn.Module):
    """head ConvBlock(3→N), body block1..3 ConvBlock(N→N), tail Conv2d(N→1), all 3×3 (SinGAN, 5 layers).

    ``forward`` returns the critic map; :meth:`features` the (head, body, tail) outputs the MDF loss
    compares.
    """

    def __init__(self, channels: int = 32, num_layer: int = 5, kernel: int = 3, padding: int = 0):
        super().__init__()
        self.head = ConvBlock(3, channels, kernel, padding)
        self.body = nn.Sequential()
        for i in range(num_layer - 2):
            self.body.add_module(f"block{i + 1}", ConvBlock(channels, channels, kernel, padding))
        self.tail = nn.Conv2d(channels, 1, kernel_size=kernel, stride=1, padding=padding)

    def features(self, x: torch.Tensor) -> List[torch.Tensor]:
        head = self.head(x)
        body = self.body(head)
        return [head, body, self.tail(body)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(self.body(self.head(x)))


# -- loading -------------------------------------------------------------------------------------
_ALLOWED = {
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch", "FloatStorage"),
    ("torch", "LongStorage"),
    ("torch.nn.modules.conv", "Conv2d"),
    ("torch.nn.modules.batchnorm", "BatchNorm2d"),
    ("torch.nn.modules.activation", "LeakyReLU"),
    ("torch.nn.modules.container", "Sequential"),
}
_MAPPED = {("SinGAN.models", "WDiscriminator"): WDiscriminator, ("SinGAN.models", "ConvBlock"): ConvBlock}


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the globals an official MDF file needs; SinGAN classes become ours."""

    def find_class(self, module: str, name: str):
        if (module, name) in _MAPPED:
            return _MAPPED[(module, name)]
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not part of an MDF discriminator file")


def _restricted_load(file, **kwargs):
    """``pickle.load`` through :class:`RestrictedUnpickler`. torch's legacy (non-zip) format calls
    ``pickle_module.load`` directly for its header records (magic number, protocol, system info, storage
    keys), so every one of those must be restricted too, not only the main object."""
    return RestrictedUnpickler(file, **kwargs).load()


#: A pickle "module" for torch.load(pickle_module=...): both entry points torch uses (``Unpickler``
#: for the main object of either format, ``load`` for the legacy header records) are restricted.
restricted_pickle = types.SimpleNamespace(Unpickler=RestrictedUnpickler, load=_restricted_load,
                                          __name__="restricted_pickle")


def _fresh_copy(module: nn.Module) -> WDiscriminator:
    """A newly constructed discriminator holding ``module``'s tensors (strict: every key used)."""
    state = module.state_dict()
    channels = state["head.conv.weight"].shape[0]
    blocks = len({k.split(".")[1] for k in state if k.startswith("body.")})
    fresh = WDiscriminator(channels, num_layer=blocks + 2, kernel=state["head.conv.weight"].shape[-1])
    fresh.load_state_dict(state, strict=True)
    return fresh.eval()


def load_discriminators(path: Union[str, Path]) -> List[WDiscriminator]:
    """Discriminators D0…D(K−1) from an official MDF file or the project's own format."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"MDF discriminator file not found: {path}")
    try:
        own = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:
        own = None
    if isinstance(own, dict) and own.get("format") == OWN_FORMAT:
        out = []
        for entry in own["discriminators"]:
            d = WDiscriminator(entry["channels"], entry["num_layer"])
            d.load_state_dict(entry["state"], strict=True)
            out.append(d.eval())
        return out
    try:
        with warnings.catch_warnings():  # legacy pickles carry their classes' old source; irrelevant here
            warnings.simplefilter("ignore", torch.serialization.SourceChangeWarning)
            modules = torch.load(path, map_location="cpu", pickle_module=restricted_pickle, weights_only=False)
    except pickle.UnpicklingError as err:
        raise ValueError(f"{path}: {err}") from None
    except (RuntimeError, EOFError, OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"{path}: not a readable MDF discriminator file ({type(err).__name__}: {err})") from None
    if not isinstance(modules, (list, tuple)) or not all(isinstance(m, nn.Module) for m in modules):
        raise ValueError(f"{path}: expected a list of discriminators, got {type(modules).__name__}")
    return [_fresh_copy(m) for m in modules]


def save_discriminators(discriminators: Sequence[WDiscriminator], path: Union[str, Path]) -> Path:
    """The project's plain format: {"format", "discriminators": [{"channels", "num_layer", "state"}]}."""
    from ..io_utils import atomic_write

    payload = {"format": OWN_FORMAT, "discriminators": [
        {"channels": d.head.conv.out_channels, "num_layer": len(d.body) + 2,
         "state": {k: v.detach().cpu() for k, v in d.state_dict().items()}} for d in discriminators]}
    return atomic_write(path, lambda tmp: torch.save(payload, tmp))
