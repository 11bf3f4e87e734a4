"""DECLoss and ICOO (Xu et al., "What hinders perceptual quality of PSNR-oriented methods?").

High-frequency enhancement (Eq. 12-17): Y_f = DFT(Y) (unshifted), Y_f' = (K^(H))ᵀ K^(W) · Y_f with
K_i^(N) = α · exp(−(i − (N−1)/2)² / (2μ²)) — centred on the middle of the unshifted spectrum, i.e. on
the highest frequencies, so low frequencies are suppressed ("inverse Gaussian") — then the inverse
DFT, real part. Defaults (not given in the paper): α = 1, μ = N/4 (per axis).

Spatial contrastive loss (Eq. 18-23): enhanced SR and HR images cut into P×P mini-patches (default 8;
B* = B·HW/P² of them); S^{sr→hr}, S^{sr→sr} cosine similarities of the *enhanced* mini-patches (Eq. 18-19);
the HR–HR PSNR mask M_ij = −20 log10(‖y_i − y_j‖ / MAX) (Eq. 20; MAX = 1, ‖·‖ the RMS difference so that
M is a PSNR); positives M_ij ≥ η (default 25 dB, not given in the paper);
Q_pos,i = Σ_j 1[M_ij ≥ η](e^{S^{sr→sr}_ij / t_pos} + 2e^{S^{sr→hr}_ij / t_pos}), Q_neg,i likewise over M_ij < η
with t_neg; (t_pos, t_neg) = (0.5, 1.5); L_d = −(1/B*) Σ_i log(Q_pos,i / Q_neg,i).

Two readings, both argued in the documentation (docs/metrics.md, "DECLoss: the readings taken"):
- **The mask is taken on the un-enhanced HR mini-patches.** Eq. 20 marks y with *, but it is a PSNR with
  "MAX the upper bound of color space": a quantity of images in the colour space [0, MAX], which the
  enhanced patches are not (zero-mean, about 1/20 of the amplitude: on natural photographs 99.9998 % of
  HR–HR pairs then exceed 25 dB, Q_neg is empty and the loss is a constant that prefers blur). Sec. 1 says
  what the mask is for: "all HR mini-patches that are really similar to the SR's ground truth". The
  literal reading stays available as ``mask_domain="enhanced"``.
- **Temperatures divide the similarity inside the exponential** (e^{S/t}, as in SimCLR [4], which the
  paper follows for them): Eq. 21-22 print ``(e^S …)/t``, which only adds the constant log(t_pos/t_neg)
  and leaves the gradient unchanged, contradicting Fig. 6 where results vary with t.

As a metric (``dec``), each image is contrasted against its **own** mini-patches only (B = 1), so the
value is a function of the pair alone, not of the batch it was scored in or of a resumed run's history;
lower is better. It is **not a fidelity metric**: Eq. 21-23 pull each SR mini-patch towards every
positive HR mini-patch j (not only its own ground truth i) and away from the negatives, so SR = HR is
not a stationary point of L_d -- its gradient there is non-zero on every photograph tested, and a small
step along it lowers the loss -- and on 37 of 240 scikit-image crops (10 photographs × 3 crops × 128 /
256 px × σ = 1 / 2.5 blur, bicubic ×2 / ×4) the degraded image scores below the original. No reading
of the unspecified constants removes this: raising η to 45 dB (positives only near-identical patches)
leaves it on flat 64-px crops (sky, clock face), where the enhanced HR patches are quantisation noise. Cost: O((HW/P²)²·3P²) per image, computed in row blocks of bounded memory.

ICOO (Eq. 11): over a set of SR images and their HR images, draw N = 8 mini-patches (12×12) from each
SR and M = 100 from each HR (seeded); for each SR patch with distances d (L2) to all HR patches, y_k the
nearest, P* = d_k / Σ_{j≠k} d_j; ICOO = −10 log10(Σ P*), averaged over 10 rounds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
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


def _pair_mask(hr: torch.Tensor, hr_enhanced: torch.Tensor, patch: int, mask_domain: str):
    """Mini-patches on which Eq. 20's PSNR is taken (see the module docstring)."""
    if mask_domain == "image":
        return mini_patches(hr, patch)
    if mask_domain == "enhanced":
        return mini_patches(hr_enhanced, patch)
    raise ValueError(f"dec: mask_domain must be 'image' or 'enhanced', got {mask_domain!r}")


def _patches(sr: torch.Tensor, hr: torch.Tensor, patch: int, alpha: float, mu: Optional[float],
             mask_domain: str):
    """Unit-length enhanced SR and HR mini-patches (Eq. 12-19) and the patches Eq. 20's mask is taken on."""
    sr_n = F.normalize(mini_patches(enhance_high_frequencies(sr, alpha, mu), patch), dim=1)
    with torch.no_grad():
        hr_enhanced = enhance_high_frequencies(hr, alpha, mu)
        hr_n = F.normalize(mini_patches(hr_enhanced, patch), dim=1)
        mask_p = _pair_mask(hr, hr_enhanced, patch, mask_domain)
    return sr_n, hr_n, mask_p


def _contrast(sr_n: torch.Tensor, hr_n: torch.Tensor, mask_p: torch.Tensor, eta: float, t_pos: float,
              t_neg: float, rows: slice = slice(None)) -> torch.Tensor:
    """−log(Q_pos,i / Q_neg,i), Eq. 20-22 with e^{S/t}, for the SR mini-patches ``rows`` against all B*."""
    with torch.no_grad():
        rms = torch.cdist(mask_p[rows], mask_p) / math.sqrt(mask_p.shape[1])
        positive = -20 * torch.log10(rms.clamp_min(1e-12)) >= eta          # M_ij ≥ η (i = j: +inf)
    s_hr = sr_n[rows] @ hr_n.t()
    s_sr = sr_n[rows] @ sr_n.t()
    q_pos = ((torch.exp(s_sr / t_pos) + 2 * torch.exp(s_hr / t_pos)) * positive).sum(1)
    q_neg = ((torch.exp(s_sr / t_neg) + 2 * torch.exp(s_hr / t_neg)) * ~positive).sum(1)
    return -torch.log(q_pos / q_neg.clamp_min(1e-12))


@dataclass(frozen=True)
class DecParameters:
    """DECLoss's hyperparameters, the paper's defaults: the mini-patch size, the PSNR threshold η of a
    positive pair (Eq. 14), the temperatures τ+ and τ− (Eq. 20-21), the enhancement's α and μ (Eq. 12; μ
    None: each batch's mean) and the domain of the positive mask (``image``, or ``enhanced``: read
    literally, on the enhanced patches)."""

    patch: int = 8
    eta: float = 25.0
    t_pos: float = 0.5
    t_neg: float = 1.5
    alpha: float = 1.0
    mu: Optional[float] = None
    mask_domain: str = "image"


def dec_terms(sr: torch.Tensor, hr: torch.Tensor, parameters: DecParameters = DecParameters()) -> torch.Tensor:
    """−log(Q_pos,i / Q_neg,i) for every SR mini-patch i of the batch (B*,): Eq. 12-22."""
    p = parameters
    return _contrast(*_patches(sr, hr, p.patch, p.alpha, p.mu, p.mask_domain), p.eta, p.t_pos, p.t_neg)


def dec_loss(sr: torch.Tensor, hr: torch.Tensor, **parameters) -> torch.Tensor:
    """Eq. 23: the batch DECLoss (a scalar) for training (``parameters``: :class:`DecParameters` fields)."""
    return dec_terms(sr, hr, DecParameters(**parameters)).mean()


def dec_per_image(sr: torch.Tensor, hr: torch.Tensor, patch: int = 8, eta: float = 25.0, t_pos: float = 0.5,
                  t_neg: float = 1.5, block_elements: int = 1 << 22) -> torch.Tensor:
    """DECLoss of each image against its own mini-patches only, (N,): independent of the batch.
    Rows are processed in blocks of at most ``block_elements`` similarities (bounded memory)."""
    values = []
    for k in range(sr.shape[0]):
        sr_n, hr_n, mask_p = _patches(sr[k:k + 1], hr[k:k + 1], patch, 1.0, None, "image")
        count = sr_n.shape[0]
        step = max(1, block_elements // count)
        total = sum(_contrast(sr_n, hr_n, mask_p, eta, t_pos, t_neg, slice(i, i + step)).sum()
                    for i in range(0, count, step))
        values.append(total / count)
    return torch.stack(values)


class DECMetric(Metric):
    higher_is_better = False
    needs_weights = False
    source = "paper: Xu et al. Eq. 12-23"
    bytes_per_pixel = 120.0

    def __init__(self, patch: int = 8):
        super().__init__()
        self.patch = patch

    def digest(self) -> str:
        return f"dec-v2-p{self.patch}-own-patches-image-mask-exp-s-over-t"

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        return dec_per_image(dist, ref, patch=self.patch)


def icoo(sr: torch.Tensor, hr: torch.Tensor, patch: int = 12, sr_patches: int = 8, hr_patches: int = 100,
         rounds: int = 10, seed: int = 0) -> float:
    """Eq. 11 with the paper's protocol (Sec. 5.2). ``sr``/``hr``: N×C×H×W of equal sizes (or lists of
    1×C×H×W of any size). Lower is better (less centre-oriented optimisation: see docs/metrics.md)."""
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


#: What the listing says: the paper's loss is a contrastive training term, not minimised at HR.
NOT_A_FIDELITY_METRIC = ("a contrastive training term, not a fidelity metric: not minimised at the reference "
                         "(its gradient at SR = HR is non-zero), and blur or bicubic round trips score below the "
                         "original on some photographs")
register(MetricFamily("dec", lambda arg: DECMetric(int(arg) if arg else 8), False, False,
                      "paper: Xu et al. Eq. 12-23",
                      f"DECLoss of each image against its own mini-patches; {NOT_A_FIDELITY_METRIC}",
                      argument="mini-patch size (default 8)", group="pixel"))
