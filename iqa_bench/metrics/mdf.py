"""MDF loss (Mustafa et al., WACV 2022, Eq. 2, as the authors' ``mdfloss.py`` computes it).

Every discriminator D_k of the multi-scale set sees the same full-resolution images (RGB in [0, 1],
no normalisation, BatchNorm in evaluation mode); features per D are its head, body and (raw) tail
outputs; per image, loss = Σ_k Σ_l mean over (C, H, W) of (φ_l^k(x) − φ_l^k(y))², over the first
``scales`` discriminators (default 8: D0…D7). The batch mean of this is the training loss.

Specs: ``mdf:sisr``, ``mdf:jpeg``, ``mdf:denoise`` (the authors' files ``Ds_SISR.pth``, ``Ds_JPEG.pth``,
``Ds_Denoising.pth``), or ``mdf:<path>`` (an official file or one written by ``iqa-bench mdf-train``).
The official files are looked for in the folder a run passes down (``--mdf-weights``,
``create_metric(spec, weights_folder=...)``), else ``$IQA_BENCH_MDF_WEIGHTS``, then the cache folder's
``mdf/``, and downloaded there from the authors' repository if absent and the network allows. An official file is used only when its SHA-256 equals the
authors' (``OFFICIAL_SHA256``): a different or damaged file under an official name is refused.

Upstream, ``Ds_SISR.pth`` and ``Ds_Denoising.pth`` are byte-identical (one git blob, 236f120d; both the
discriminators the authors trained on their "stone" image), so ``mdf:sisr`` and ``mdf:denoise`` are the
same loss with the same scores (and share stored scores through the weight digest); ``mdf:denoise`` uses
``Ds_SISR.pth`` when only that file is present.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Optional

import torch

from ..io_utils import download_timeout
from ..learned.singan import load_discriminators
from ..weights import WeightFile
from .base import Metric
from .registry import MetricFamily, register

OFFICIAL = {"sisr": "Ds_SISR.pth", "jpeg": "Ds_JPEG.pth", "denoise": "Ds_Denoising.pth"}
OFFICIAL_URL = "https://github.com/gfxdisp/mdf/raw/main/weights/{name}"
#: SHA-256 of the authors' files (github.com/gfxdisp/mdf, commit 3901f237, weights/).
OFFICIAL_SHA256 = {
    "Ds_SISR.pth": "69ff954e399176a4869cbc27019df02a32b6600f0f4458f5580c1a7cae8c50b1",
    "Ds_Denoising.pth": "69ff954e399176a4869cbc27019df02a32b6600f0f4458f5580c1a7cae8c50b1",
    "Ds_JPEG.pth": "6eee1fbf452c7789db78cfd70de6ff375ed15efa9e48be34eb0bb88ed511ca46",
}
SAME_UPSTREAM = "mdf:sisr and mdf:denoise are the same weights upstream (Ds_SISR.pth = Ds_Denoising.pth)"
DEFAULT_SCALES = 8


#: The user's folder of the official files, when no run passes one (``--mdf-weights``).
MDF_ENV = "IQA_BENCH_MDF_WEIGHTS"


def weights_folder(folder: Optional[Path] = None) -> Path:
    """``folder`` (a run's ``--mdf-weights``, passed down), else ``$IQA_BENCH_MDF_WEIGHTS``, else the
    cache folder's ``mdf/``."""
    from ..io_utils import default_cache_dir

    return Path(folder or os.environ.get(MDF_ENV) or default_cache_dir() / "mdf")


def resolve_weights(task_or_path: str, folder: Optional[Path] = None) -> Path:
    """The discriminator file for a task name or a path (an official file in :func:`weights_folder` of
    ``folder``); downloads an official file if needed."""
    if task_or_path.lower() not in OFFICIAL:
        path = Path(task_or_path).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"mdf: no such discriminator file {path} (tasks: {', '.join(OFFICIAL)})")
        return path
    name = OFFICIAL[task_or_path.lower()]
    folder = weights_folder(folder)
    target = folder / name
    if not target.exists():
        twin = [other for other, digest in OFFICIAL_SHA256.items()
                if other != name and digest == OFFICIAL_SHA256[name] and (folder / other).exists()]
        if twin:  # the same bytes upstream (SAME_UPSTREAM)
            return verified_official(folder / twin[0], twin[0])
    if target.exists():
        return verified_official(target, name)
    url = OFFICIAL_URL.format(name=name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with download_timeout():
            torch.hub.download_url_to_file(url, str(target), progress=False)
    except Exception as err:
        raise FileNotFoundError(
            f"mdf:{task_or_path}: {name} is not in {folder} and could not be downloaded from {url} ({err}). "
            f"Download it there by hand, or pass --mdf-weights FOLDER (or mdf:<path>).") from None
    try:
        return verified_official(target, name)
    except ValueError:
        target.unlink(missing_ok=True)  # never keep a download that is not the authors' file
        raise


def verified_official(path: Path, name: str) -> Path:
    """``path`` when its SHA-256 is the authors' ``name``; otherwise a ValueError naming both digests."""
    from ..io_utils import file_sha256

    digest = file_sha256(path)
    if digest != OFFICIAL_SHA256[name]:
        raise ValueError(f"mdf: {path} is not the authors' {name}: SHA-256 {digest[:16]}… differs from "
                         f"{OFFICIAL_SHA256[name][:16]}… (a different or damaged file; remove it or pass "
                         f"mdf:<path> to use it as your own discriminator file)")
    return path


class MDFLoss(Metric):
    higher_is_better = False
    needs_weights = True
    source = "paper: Mustafa et al. 2022 Eq. 2 (authors' discriminators)"

    def __init__(self, path: Path, scales: int = DEFAULT_SCALES):
        super().__init__()
        self.path = Path(path)
        discriminators = load_discriminators(self.path)
        if len(discriminators) < scales:
            scales = len(discriminators)
        self.discriminators = torch.nn.ModuleList(discriminators[:scales]).requires_grad_(False).eval()
        digest = hashlib.sha256()
        for d in self.discriminators:
            for tensor in d.state_dict().values():
                digest.update(tensor.detach().cpu().numpy().tobytes())
        self._digest = f"mdf-v1-{scales}-{digest.hexdigest()[:12]}"

    def digest(self) -> str:
        return self._digest

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        return self.loss(ref, dist)

    def loss(self, ref: torch.Tensor, dist: torch.Tensor, ref_features=None) -> torch.Tensor:
        """Per-image MDF; ``ref_features`` (from :meth:`reference_features`) skips the reference pass."""
        total = torch.zeros(dist.shape[0], dtype=dist.dtype, device=dist.device)
        if ref_features is None:
            ref_features = self.reference_features(ref)
        for d, targets in zip(self.discriminators, ref_features):
            for phi_x, phi_y in zip(d.features(dist), targets):
                total = total + (phi_x - phi_y).pow(2).mean(dim=(1, 2, 3))
        return total

    def reference_features(self, ref: torch.Tensor):
        with torch.no_grad():
            return [d.features(ref) for d in self.discriminators]


def _create(arg: Optional[str], weights_folder: Optional[Path] = None) -> MDFLoss:
    if not arg:
        raise ValueError(f"mdf: expected mdf:<task> ({', '.join(OFFICIAL)}) or mdf:<path>")
    return MDFLoss(resolve_weights(arg, weights_folder))


#: The authors' discriminators (URL, SHA-256 above), in the MDF folder.
WEIGHT_FILES = tuple(WeightFile(key, name, OFFICIAL_URL.format(name=name), users, "BSD-3-Clause (gfxdisp/mdf)",
                                sha256=OFFICIAL_SHA256[name], size=size, where="mdf",
                                locate=lambda name=name: weights_folder() / name)
                     for key, name, users, size in (
                         ("mdf-sisr", "Ds_SISR.pth", "mdf:sisr, mdf:denoise (Ds_Denoising.pth is the same file)",
                          "4.2 MB"),
                         ("mdf-jpeg", "Ds_JPEG.pth", "mdf:jpeg", "2.4 MB")))
_FILE_OF_TASK = {"jpeg": "mdf-jpeg", None: "mdf-sisr", "sisr": "mdf-sisr", "denoise": "mdf-sisr"}

register(MetricFamily("mdf", _create, False, True, "paper: Mustafa et al. 2022 Eq. 2",
                      f"multi-scale discriminator feature loss ({SAME_UPSTREAM})",
                      argument="sisr|jpeg|denoise|<path>", group="learned", weight_files=WEIGHT_FILES,
                      files_needed=lambda arg: [_FILE_OF_TASK.get(arg, "")], takes_weights_folder=True,
                      files_named=lambda arg: [] if arg is None or arg.lower() in OFFICIAL else [arg]))
