"""SR trainer: YAML config (every flag has a key), Adam with step schedules, optional two-stage
runs (e.g. L1 pre-training then fine-tuning, as the DECLoss paper), alternate discriminator updates
for adversarial terms (adversarial-feature-matching paper Eq. 4-5), checkpoints with exact resume,
CSV log (TensorBoard too when installed), AMP on GPU, and scale-out with
``torchrun --nproc_per_node=N -m iqa_bench train …`` (DistributedDataParallel; gloo on CPU, NCCL on GPU).

Exact resume: training sample i is a pure function of (seed, i) (:class:`~.data.RandomCrops`) and a
checkpoint holds model, optimiser, scheduler and discriminator states, so a run killed after a
checkpoint and restarted produces the same weights as an uninterrupted one.
"""
from __future__ import annotations

import csv
import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from tqdm.auto import tqdm

from ..io_utils import atomic_write, read_yaml_mapping
from ..safe_loading import DamagedCheckpointError, load_checkpoint
from .data import RandomCrops
from .losses import ADVERSARIAL, LossExpression
from .models import create_model

CHECKPOINT = "checkpoint.pt"
LOG = "log.csv"


@dataclass
class Stage:
    """One training stage. ``schedule``: "step" (×gamma at each milestone; the AFM paper: 1e-4, ×0.1
    every 200 epochs) or "cosine" (cosine decay over the stage to ``min_lr``; the DECLoss paper)."""

    loss: str = "l1"
    iters: int = 1000
    lr: float = 1e-4
    schedule: str = "step"
    milestones: List[int] = field(default_factory=list)   # iterations (within the stage) to decay at
    gamma: float = 0.5
    min_lr: float = 0.0

    def scheduler(self, optimizer):
        if self.schedule == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=self.iters, eta_min=self.min_lr)
        if self.schedule == "step":
            return torch.optim.lr_scheduler.MultiStepLR(optimizer, self.milestones, self.gamma)
        raise ValueError(f"schedule {self.schedule!r}: choose step or cosine")


@dataclass
class TrainConfig:
    model: str = "edsr_baseline"
    scale: int = 4
    train_dir: str = ""
    patch: int = 96
    batch_size: int = 16
    stages: List[Stage] = field(default_factory=lambda: [Stage()])
    d_lr: float = 1e-4
    seed: int = 0
    bicubic: str = "matlab"
    checkpoint_every: int = 500
    log_every: int = 10
    output: str = "results/train"
    device: str = "auto"
    amp: bool = False
    workers: int = 0
    progress: bool = True

    @property
    def total_iters(self) -> int:
        return sum(s.iters for s in self.stages)

    def identity(self) -> Dict[str, Any]:
        """What must match to resume (more iterations may be added to the last stage)."""
        data = dataclasses.asdict(self)
        for key in ("output", "device", "workers", "progress", "checkpoint_every", "log_every"):
            data.pop(key)
        data["stages"] = [{k: v for k, v in s.items() if k != "iters"} for s in data["stages"]]
        return data


def load_train_config(path: Optional[Path] = None, trust_specs: bool = False, **overrides) -> TrainConfig:
    """YAML keys = TrainConfig fields; ``loss``/``iters``/``lr`` at top level describe a single stage.
    Losses read from the file may name no file unless ``trust_specs`` (``--trust-specs``)."""
    from ..metrics.registry import check_file_values
    from .losses import check_loss_from_file

    values: Dict[str, Any] = {}
    if path is not None:
        values.update(read_yaml_mapping(path, "train config"))
        check_file_values(values, f"train config {path}", trust_specs)
        losses = [values.get("loss")] if overrides.get("loss") is None else []
        losses += [s.get("loss") for s in values.get("stages") or [] if isinstance(s, dict)]
        for loss in filter(None, losses):
            check_loss_from_file(loss, f"train config {path}: loss", trust_specs)
    values.update({k: v for k, v in overrides.items() if v is not None})
    stage_keys = ("loss", "iters", "lr", "schedule", "milestones", "gamma", "min_lr")
    single = {k: values.pop(k) for k in stage_keys if k in values}
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"train config: unknown key(s) {', '.join(unknown)}; valid: "
                         f"{', '.join(sorted(known | set(stage_keys)))}")
    stages = values.pop("stages", None)
    if stages is not None:
        stage_objects = [Stage(**s) for s in stages]
        if single:
            stage_objects[-1] = dataclasses.replace(stage_objects[-1], **single)
    else:
        stage_objects = [Stage(**single)]
    config = TrainConfig(stages=stage_objects, **values)
    if not config.train_dir:
        raise ValueError("train: train_dir (--train-dir) is required: a folder of HR images")
    return config


def _distributed():
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    rank = dist.get_rank() if dist.is_initialized() else 0
    return rank, world


@dataclass
class _StageState:
    """What one stage trains with: its loss, the generator's optimiser and scheduler, the discriminator's
    optimiser (None without an adversarial term) and the AMP gradient scaler."""

    loss_fn: LossExpression
    optimizer: torch.optim.Optimizer
    scheduler: object
    d_optimizer: Optional[torch.optim.Optimizer]
    scaler: torch.amp.GradScaler


class Trainer:
    def __init__(self, config: TrainConfig):
        from ..engine import resolve_device

        self.config = config
        self.rank, self.world = _distributed()
        device = resolve_device(config.device)
        if device.type == "cuda" and self.world > 1:
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        self.device = device
        self.output = Path(config.output)
        torch.manual_seed(config.seed)
        self.model = create_model(config.model, scale=config.scale).to(device)
        self.discriminator = None
        if any(t in s.loss for s in config.stages for t in ADVERSARIAL):
            self.discriminator = create_model("srgan_discriminator").to(device)
        self.dataset = RandomCrops(config.train_dir, config.scale, config.patch,
                                   length=config.total_iters * config.batch_size * self.world,
                                   seed=config.seed, bicubic=config.bicubic)

    # -- checkpoint --------------------------------------------------------------------------
    def _save(self, iteration, optimizer, scheduler, d_optimizer, stage_index, loss_state):
        if self.rank != 0:
            return
        payload = {"iteration": iteration, "stage": stage_index, "config": self.config.identity(),
                   "model": self._bare(self.model).state_dict(), "optimizer": optimizer.state_dict(),
                   "scheduler": scheduler.state_dict(),
                   "discriminator": None if self.discriminator is None else self._bare(self.discriminator).state_dict(),
                   "d_optimizer": None if d_optimizer is None else d_optimizer.state_dict(),
                   "loss_state": loss_state, "model_name": self.config.model, "scale": self.config.scale}
        atomic_write(self.output / CHECKPOINT, lambda tmp: torch.save(payload, tmp))

    @staticmethod
    def _bare(module):
        return module.module if isinstance(module, DistributedDataParallel) else module

    def _load(self):
        path = self.output / CHECKPOINT
        if not path.exists():
            return None
        payload = load_checkpoint(path, "training checkpoint", self.device,
                                  "move it away (or choose another --output) to start afresh")
        if payload["config"] != self.config.identity():
            raise ValueError(f"{path} was written by a run with other settings; use another --output")
        return payload

    # -- training ----------------------------------------------------------------------------
    def train(self, say=None) -> Path:
        """Train (resuming from the output folder's checkpoint if there is one); ``say`` receives a
        line saying so when a run is resumed."""
        cfg = self.config
        resume = self._load()
        start = resume["iteration"] if resume else 0
        if resume and say is not None and self.rank == 0:
            say(f"resuming {self.output} from its checkpoint at iteration {start} of {cfg.total_iters}")
        if resume:
            self.model.load_state_dict(resume["model"])
            if self.discriminator is not None:
                self.discriminator.load_state_dict(resume["discriminator"])
        model = DistributedDataParallel(self.model) if self.world > 1 else self.model
        sampler = DistributedSampler(self.dataset, num_replicas=self.world, rank=self.rank, shuffle=False)
        order = list(sampler)
        log_rows = self._log_rows(start)
        writer = self._tensorboard()
        first_of_stage = 0
        for stage_index, stage in enumerate(cfg.stages):
            stage_end = first_of_stage + stage.iters
            if start >= stage_end:
                first_of_stage = stage_end
                continue
            state = self._stage_state(model, stage, resume if resume and resume["stage"] == stage_index
                                      and resume["iteration"] > first_of_stage else None)
            begin = max(start, first_of_stage)
            batches = DataLoader(self.dataset, batch_size=cfg.batch_size, num_workers=cfg.workers,
                                 sampler=order[begin * cfg.batch_size: stage_end * cfg.batch_size])
            bar = tqdm(total=stage.iters, initial=begin - first_of_stage, desc=f"stage {stage_index + 1}: {stage.loss}",
                       disable=not cfg.progress or self.rank != 0)
            for iteration, (lr_img, hr) in enumerate(batches, start=begin):
                loss = self._step(model, state, lr_img.to(self.device), hr.to(self.device),
                                  calibrate=iteration == first_of_stage)
                done = iteration + 1
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.4g}")
                if self.rank == 0 and (done % cfg.log_every == 0 or done == stage_end):
                    row = {"iteration": done, "stage": stage_index + 1, "loss": loss.item(),
                           "lr": state.scheduler.get_last_lr()[0], "time": time.time(), **state.loss_fn.parts}
                    log_rows.append(row)
                    self._write_log(log_rows)
                    if writer is not None:
                        writer.add_scalar("loss", loss.item(), done)
                if done % cfg.checkpoint_every == 0 or done == stage_end:
                    self._save(done, state.optimizer, state.scheduler, state.d_optimizer, stage_index,
                               None if state.loss_fn.content is None else state.loss_fn.content.scales.clone())
            bar.close()
            first_of_stage = stage_end
        if dist.is_initialized():
            dist.barrier()
        return self.output / CHECKPOINT

    def _stage_state(self, model, stage: "Stage", resume: Optional[dict]) -> "_StageState":
        """A stage's loss, optimisers and scheduler, restored from ``resume`` (a checkpoint taken inside
        this stage) where given."""
        loss_fn = LossExpression(stage.loss, discriminator=self.discriminator).to(self.device)
        optimizer = torch.optim.Adam(model.parameters(), lr=stage.lr)
        scheduler = stage.scheduler(optimizer)
        d_optimizer = (torch.optim.Adam(self.discriminator.parameters(), lr=self.config.d_lr)
                       if loss_fn.needs_discriminator else None)
        if resume is not None:
            optimizer.load_state_dict(resume["optimizer"])
            scheduler.load_state_dict(resume["scheduler"])
            if d_optimizer is not None:
                d_optimizer.load_state_dict(resume["d_optimizer"])
            if loss_fn.content is not None and resume["loss_state"] is not None:
                loss_fn.content.scales.copy_(resume["loss_state"])
        scaler = torch.amp.GradScaler("cuda", enabled=self.config.amp and self.device.type == "cuda")
        return _StageState(loss_fn, optimizer, scheduler, d_optimizer, scaler)

    def _step(self, model, state: "_StageState", lr_img: torch.Tensor, hr: torch.Tensor, calibrate: bool):
        """One iteration: the generator's update under the stage's loss (its terms first brought to one
        scale on the stage's first batch, Eq. 7), then the discriminator's own, alternating (Eq. 5)."""
        with torch.autocast(self.device.type, enabled=self.config.amp and self.device.type == "cuda"):
            sr = model(lr_img)
        if state.loss_fn.content is not None and calibrate:
            state.loss_fn.content.calibrate(sr.detach().float(), hr)
        loss = state.loss_fn(sr.float(), hr)
        state.optimizer.zero_grad(set_to_none=True)
        state.scaler.scale(loss).backward()
        state.scaler.step(state.optimizer)
        state.scaler.update()
        state.scheduler.step()
        if state.d_optimizer is not None:
            real, fake = self.discriminator(hr), self.discriminator(sr.detach().float().clamp(0, 1))
            d_loss = F.binary_cross_entropy(real, torch.ones_like(real)) + \
                F.binary_cross_entropy(fake, torch.zeros_like(fake))
            state.d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            state.d_optimizer.step()
        return loss

    def _log_rows(self, start: int) -> List[Dict[str, Any]]:
        path = self.output / LOG
        if not path.exists():
            return []
        with open(path, newline="") as handle:
            return [row for row in csv.DictReader(handle) if int(row["iteration"]) <= start]

    def _write_log(self, rows):
        fields = list(dict.fromkeys(k for row in rows for k in row))

        def write(tmp):
            with open(tmp, "w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=fields)
                writer.writeheader()
                writer.writerows(rows)

        atomic_write(self.output / LOG, write)

    def _tensorboard(self):
        if self.rank != 0:
            return None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            return None
        return SummaryWriter(str(self.output / "tensorboard"))


def load_model(checkpoint) -> torch.nn.Module:
    """The trained generator of a checkpoint written by :class:`Trainer`."""
    what = "training checkpoint (checkpoint.pt of `iqa-bench train`)"
    payload = load_checkpoint(checkpoint, what)
    missing = [k for k in ("model_name", "scale", "model") if k not in payload]
    if missing:
        raise DamagedCheckpointError(f"{checkpoint}: not a {what}: no {', '.join(missing)}")
    model = create_model(payload["model_name"], scale=payload["scale"])
    model.load_state_dict(payload["model"])
    model.scale = payload["scale"]
    return model.eval()
