"""Phase 1 of the MDF loss (Mustafa et al. 2022, Eq. 1): train multi-scale discriminators on ONE seed
image, SinGAN-style (Shaham et al. 2019), with task-specific distortions.

Scales k = 0 (coarsest) … K−1 (full size); the seed is Lanczos-downsampled by ρ^(K−1−k), ρ = 2. At
scale k the generator G^k (five 3×3 conv blocks, residual, tanh) turns ỹ^{k−1}↑ρ + z^k into ỹ^k;
at k = 0 its input is the distorted coarsest seed. z^k: none for SR; Gaussian noise σ ~ U[0, 55]/255
for denoising; JPEG at quality U{7…10} for JPEG. D^k (:class:`~iqa_bench.learned.singan.WDiscriminator`,
32 channels doubled every 4 scales, up to 128) and G^k are trained with WGAN-GP (gradient penalty
weight 0.1, Adam lr 5e-4, β = (0.5, 0.999), 3 D and 3 G steps per iteration as SinGAN) plus the
reconstruction term α·MSE(ỹ^k, y^k), α = 100; finished scales are frozen. A checkpoint is written
every ``checkpoint_every`` iterations and after every scale; a rerun resumes from it.
"""
from __future__ import annotations

import io
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from tqdm.auto import tqdm

from ..images import to_uint8
from ..io_utils import atomic_write
from ..safe_loading import load_checkpoint
from .singan import ConvBlock, WDiscriminator, save_discriminators

TASKS = ("sr", "denoise", "jpeg")
RHO = 2
MIN_SIZE = 16  # the 5-layer 3×3 discriminator needs at least 11 pixels; keep a margin


@dataclass
class MDFTrainConfig:
    task: str = "sr"
    scales: int = 8
    iters: int = 3000
    alpha: float = 100.0
    lr: float = 5e-4
    gp_weight: float = 0.1
    d_steps: int = 3
    g_steps: int = 3
    seed: int = 0
    checkpoint_every: int = 500


class Generator(nn.Module):
    """SinGAN's generator: head, three body blocks, tail conv + tanh, added to its (padded) input."""

    def __init__(self, channels: int):
        super().__init__()
        self.pad = nn.ZeroPad2d(5)
        self.body = nn.Sequential(ConvBlock(3, channels), ConvBlock(channels, channels),
                                  ConvBlock(channels, channels), ConvBlock(channels, channels))
        self.tail = nn.Sequential(nn.Conv2d(channels, 3, 3), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x + self.tail(self.body(self.pad(x)))).clamp(0, 1)


def channels_for(scale: int) -> int:
    return min(32 * 2 ** (scale // 4), 128)


def pyramid(seed_image: Image.Image, scales: int) -> List[torch.Tensor]:
    """Lanczos-downsampled copies, coarsest first, as 1×3×H×W tensors in [0, 1]."""
    out = []
    for k in range(scales):
        factor = RHO ** (scales - 1 - k)
        size = (max(1, round(seed_image.width / factor)), max(1, round(seed_image.height / factor)))
        if min(size) < MIN_SIZE:
            raise ValueError(f"seed image {seed_image.width}×{seed_image.height} is too small for {scales} scales "
                             f"(the coarsest would be {size[0]}×{size[1]}, at least {MIN_SIZE} pixels needed)")
        image = seed_image.resize(size, Image.LANCZOS) if factor > 1 else seed_image
        out.append(torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)[None])
    return out


def distort(image: torch.Tensor, task: str, rng: random.Random) -> torch.Tensor:
    """z^k of the MDF paper, applied to a 1×3×H×W image in [0, 1] (no gradient needed)."""
    if task == "denoise":
        sigma = rng.uniform(0, 55) / 255.0
        return (image + sigma * torch.randn_like(image)).clamp(0, 1)
    if task == "jpeg":
        array = to_uint8(image)
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, "JPEG", quality=rng.randint(7, 10))
        decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"), dtype=np.float32) / 255.0
        return torch.from_numpy(decoded).permute(2, 0, 1)[None].to(image.device)
    return image


def gradient_penalty(d: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    mix = torch.rand(1, 1, 1, 1, device=real.device)
    point = (mix * real + (1 - mix) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(d(point).sum(), point, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


class MDFTrainer:
    def __init__(self, seed_image: Path, output: Path, config: MDFTrainConfig, device="cpu", progress=True):
        if config.task not in TASKS:
            raise ValueError(f"--task {config.task!r}: choose {', '.join(TASKS)}")
        self.config, self.output, self.device, self.progress = config, Path(output), torch.device(device), progress
        with Image.open(seed_image) as im:
            self.reals = [r.to(self.device) for r in pyramid(im.convert("RGB"), config.scales)]
        self.generators: List[Generator] = []
        self.discriminators: List[WDiscriminator] = []
        self.state_path = self.output / "checkpoint.pt"

    # -- checkpoints ---------------------------------------------------------------------------
    def _save(self, scale: int, iteration: int, g: Generator, d: WDiscriminator, opt_g, opt_d, rng_state):
        payload = {"config": asdict(self.config), "scale": scale, "iteration": iteration,
                   "generators": [x.state_dict() for x in self.generators],
                   "discriminators": [x.state_dict() for x in self.discriminators],
                   "current": {"g": g.state_dict(), "d": d.state_dict(), "opt_g": opt_g.state_dict(),
                               "opt_d": opt_d.state_dict()}, "rng": rng_state}
        atomic_write(self.state_path, lambda tmp: torch.save(payload, tmp))

    def _load(self):
        if not self.state_path.exists():
            return None
        payload = load_checkpoint(self.state_path, "mdf-train state", self.device,
                                  "move it away (or choose another --output) to start afresh")
        if payload["config"] != asdict(self.config):
            raise ValueError(f"{self.state_path} was written with other settings {payload['config']}; "
                             f"use another --output or the same options to resume")
        for k, state in enumerate(payload["generators"]):
            g = Generator(channels_for(k)).to(self.device)
            g.load_state_dict(state)
            self.generators.append(g.eval().requires_grad_(False))
        for k, state in enumerate(payload["discriminators"]):
            d = WDiscriminator(channels_for(k)).to(self.device)
            d.load_state_dict(state)
            self.discriminators.append(d.eval())
        return payload

    # -- training ------------------------------------------------------------------------------
    def _generator_input(self, scale: int, rng: random.Random) -> torch.Tensor:
        """ỹ^{k−1}↑ρ + z^k through the frozen coarser generators (fresh distortions each call)."""
        with torch.no_grad():
            x = distort(self.reals[0], self.config.task, rng)
            for k in range(scale):
                x = self.generators[k](x)
                x = F.interpolate(x, size=self.reals[k + 1].shape[-2:], mode="bilinear", align_corners=False)
                x = distort(x, self.config.task, rng)
        return x

    def train(self) -> Path:
        cfg = self.config
        resume = self._load()
        torch.manual_seed(cfg.seed)
        rng = random.Random(cfg.seed)
        for scale in range(len(self.generators), cfg.scales):
            g = Generator(channels_for(scale)).to(self.device)
            d = WDiscriminator(channels_for(scale)).to(self.device)
            opt_g = torch.optim.Adam(g.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
            opt_d = torch.optim.Adam(d.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
            start = 0
            if resume is not None and resume["scale"] == scale and resume["iteration"] < cfg.iters:
                g.load_state_dict(resume["current"]["g"])
                d.load_state_dict(resume["current"]["d"])
                opt_g.load_state_dict(resume["current"]["opt_g"])
                opt_d.load_state_dict(resume["current"]["opt_d"])
                torch.set_rng_state(resume["rng"]["torch"])
                rng.setstate(resume["rng"]["python"])
                start = resume["iteration"]
            real = self.reals[scale]
            bar = tqdm(range(start, cfg.iters), desc=f"scale {scale + 1}/{cfg.scales}", disable=not self.progress)
            for iteration in bar:
                for _ in range(cfg.d_steps):
                    fake = g(self._generator_input(scale, rng)).detach()
                    loss_d = (-d(real).mean() + d(fake).mean()
                              + cfg.gp_weight * gradient_penalty(d, real, fake))
                    opt_d.zero_grad()
                    loss_d.backward()
                    opt_d.step()
                for _ in range(cfg.g_steps):
                    fake = g(self._generator_input(scale, rng))
                    loss_g = -d(fake).mean() + cfg.alpha * F.mse_loss(fake, real)
                    opt_g.zero_grad()
                    loss_g.backward()
                    opt_g.step()
                bar.set_postfix(d=f"{loss_d.item():.3f}", g=f"{loss_g.item():.3f}")
                done = iteration + 1
                if done % cfg.checkpoint_every == 0 and done < cfg.iters:
                    self._save(scale, done, g, d, opt_g, opt_d, {"torch": torch.get_rng_state(),
                                                                  "python": rng.getstate()})
            self.generators.append(g.eval().requires_grad_(False))
            self.discriminators.append(d.eval())
            self._save(scale + 1, 0, g, d, opt_g, opt_d, {"torch": torch.get_rng_state(), "python": rng.getstate()})
            resume = None
        return save_discriminators(self.discriminators, self.output / "discriminators.pth")


def train_mdf(seed_image, output, config: Optional[MDFTrainConfig] = None, device="cpu", progress=True) -> Path:
    """Train (or resume) and return the path of the discriminators file usable as ``mdf:<path>``."""
    return MDFTrainer(Path(seed_image), Path(output), config or MDFTrainConfig(), device, progress).train()
