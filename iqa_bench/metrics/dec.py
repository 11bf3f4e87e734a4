"""DECLoss and ICOO (Xu et al., "What hinders perceptual quality of PSNR-oriented methods?").

High-frequency enhancement (Eq. 12-17): Y_f = DFT(Y) (unshifted), Y_f' = (K^(H))ᵀ K^(W) · Y_f with
K_i^(N) = α · exp(−(i − (N−1)/2)² / (2μ²)) — centred on the middle of the unshifted spectrum, i.e. on
the highest frequencies, so low frequencies are suppressed ("inverse Gaussian") — then the inverse
DFT, real part. Defaults (not given in the paper): α = 1, μ = N/4 (per axis).

Spatial contrastive loss (Eq. 18-23) over a batch: enhanced SR and HR images cut into P×P mini-patches
(default 8; B* = B·HW/P² of them); S^{sr→hr}, S^{sr→sr} cosine similarities; HR–HR PSNR mask
M_ij = −20 log10(‖y_i − y_j‖₂ / MAX) (MAX = 1; ‖·‖₂ taken as the RMS difference so M is a PSNR);
positives M_ij ≥ η (default 25 dB, not given in the paper); Q_pos,i = Σ_j 1[M_ij ≥ η](e^{S^{sr→sr}_ij} +
2e^{S^{sr→hr}_ij}) / t_pos, Q_neg,i likewise over M_ij < η with t_neg; (t_pos, t_neg) = (0.5, 1.5);
L_d = −(1/B*) Σ_i log(Q_pos,i / Q_neg,i). As a metric (``dec``), each image's value is the mean of
−log(Q_pos/Q_neg) over its own mini-patches, contrasted against every mini-patch of the batch (so it
depends on the batch: a set-level measure).

ICOO (Eq. 11): over a set of SR images and their HR images, draw N = 8 mini-patches (12×12) from each
SR and M = 100 from each HR (seeded); for each SR patch with distances d (L2) to all HR patches, y_k the
nearest, P* = d_k / Σ_{j≠k} d_j; ICOO = −10 log10(Σ P*), averaged over 10 rounds.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F

from .base import Metric
from .registry import MetricFamily, register


def enhance_high_frequencies(images: torch.Tensor, alpha: float = 1.0, mu: Optional[float] = None) -> torch.Tensor:
    """Eq. 12-17 on N×C×H×W images (per channel)."""
    h, w = images.shape[-2:]

    def kernel(n: int) -> torch.Tensor:
        width = mu if mu is not None else n / 4
        i = torch.arange(n, dtype=torch.float64, device=images.device)
        return alpha * torch.exp(-(i - (n - 1) / 2) ** 2 / (2 * width ** 2))

    weights = (kernel(h)[:, None] * kernel(w)[None, :]).to(images.dtype)
    return torch.fft.ifft2(torch.fft.fft2(images) * weights).real


def mini_patches(images: torch.Tensor, size: int) -> torch.Tensor:
    """N×C×H×W -> (N·(H/P)·(W/P))×(C·P·P), row-major per image (H, W cropped to multiples of P)."""
    n, c, h, w = images.shape
    h, w = h - h % size, w - w % size
    if h == 0 or w == 0:
        raise ValueError(f"images of {images.shape[-2]}×{images.shape[-1]} are smaller than a {size}×{size} mini-patch")
    patches = F.unfold(images[..., :h, :w], kernel_size=size, stride=size)   # N × CPP × L
    return patches.transpose(1, 2).reshape(-1, c * size * size)


def dec_terms(sr: torch.Tensor, hr: torch.Tensor, patch: int = 8, eta: float = 25.0, t_pos: float = 0.5,
              t_neg: float = 1.5, alpha: float = 1.0, mu: Optional[float] = None) -> torch.Tensor:
    """−log(Q_pos,i / Q_neg,i) for every SR mini-patch i of the batch (B*,)."""
    sr_p = mini_patches(enhance_high_frequencies(sr, alpha, mu), patch)
    with torch.no_grad():
        hr_p = mini_patches(enhance_high_frequencies(hr, alpha, mu), patch)
        rms = torch.cdist(hr_p, hr_p) / math.sqrt(hr_p.shape[1])
        mask = -20 * torch.log10(rms.clamp_min(1e-12)) >= eta          # M_ij ≥ η (i = j: +inf)
    sr_n = F.normalize(sr_p, dim=1)
    s_hr = sr_n @ F.normalize(hr_p, dim=1).t()
    s_sr = sr_n @ sr_n.t()
    score = torch.exp(s_sr) + 2 * torch.exp(s_hr)
    q_pos = (score * mask).sum(1) / t_pos
    q_neg = (score * ~mask).sum(1) / t_neg
    return -torch.log(q_pos / q_neg.clamp_min(1e-12))


def dec_loss(sr: torch.Tensor, hr: torch.Tensor, **options) -> torch.Tensor:
    """Eq. 23: the batch DECLoss (a scalar) for training."""
    return dec_terms(sr, hr, **options).mean()


class DECMetric(Metric):
    higher_is_better = False
    needs_weights = False
    source = "paper: Xu et al. Eq. 12-23"

    def __init__(self, patch: int = 8):
        super().__init__()
        self.patch = patch

    def digest(self) -> str:
        return f"dec-v1-p{self.patch}"

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        terms = dec_terms(dist, ref, patch=self.patch)
        return terms.view(dist.shape[0], -1).mean(1)


def icoo(sr: torch.Tensor, hr: torch.Tensor, patch: int = 12, sr_patches: int = 8, hr_patches: int = 100,
         rounds: int = 10, seed: int = 0) -> float:
    """Eq. 11 with the paper's protocol (Sec. 5.2). ``sr``/``hr``: N×C×H×W of equal sizes (or lists of
    1×C×H×W of any size). Lower is better (less centre-oriented optimisation: see README)."""
    sr_list = list(sr.split(1)) if isinstance(sr, torch.Tensor) else list(sr)
    hr_list = list(hr.split(1)) if isinstance(hr, torch.Tensor) else list(hr)
    generator = torch.Generator().manual_seed(seed)

    def crops(image, count):
        _, _, h, w = image.shape
        if h < patch or w < patch:
            raise ValueError(f"ICOO: a {h}×{w} image is smaller than a {patch}×{patch} mini-patch")
        ys = torch.randint(0, h - patch + 1, (count,), generator=generator)
        xs = torch.randint(0, w - patch + 1, (count,), generator=generator)
        return torch.stack([image[0, :, y:y + patch, x:x + patch].reshape(-1) for y, x in zip(ys, xs)])

    values = []
    for _ in range(rounds):
        s = torch.cat([crops(image, sr_patches) for image in sr_list]).double()
        h = torch.cat([crops(image, hr_patches) for image in hr_list]).double()
        d = torch.cdist(s, h)
        nearest = d.min(dim=1)
        others = d.sum(dim=1) - nearest.values
        values.append(-10 * math.log10(float((nearest.values / others).sum())))
    return float(sum(values) / len(values))


register(MetricFamily("dec", lambda arg: DECMetric(int(arg) if arg else 8), False, False,
                      "paper: Xu et al. Eq. 12-23", "DECLoss per image within its batch (set-level)",
                      argument="mini-patch size (default 8)"))
