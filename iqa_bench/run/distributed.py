"""Sharded evaluation with PyTorch's own launcher: ``torchrun --nproc_per_node=N -m iqa_bench evaluate …``
(several nodes: torchrun's rendezvous, e.g. ``--nnodes=4 --rdzv-backend=c10d --rdzv-endpoint=HOST:29500``,
or one ``srun torchrun …`` per node under SLURM).

Rank r scores items r, r + N, r + 2N, … that the main store does not hold yet, into its own shard
store (``RESULTS/shards/<run>-rank<r>.sqlite``: no concurrent writers on a shared file system); after
a barrier rank 0 merges the shards into the main store and runs the regression and reports, so the
results are those of a single-process run.
"""
from __future__ import annotations

import os
from typing import Tuple

import torch
import torch.distributed as dist


def context() -> Tuple[int, int]:
    """(rank, world size); initialises the process group (NCCL with CUDA, else gloo) under torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)


def local_device(device):
    """Each rank's own GPU (LOCAL_RANK) when running on CUDA."""
    if isinstance(device, torch.device) and device.type == "cuda" and "LOCAL_RANK" in os.environ:
        return torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    return device


def gather(value):
    """All ranks' ``value`` as a list (rank order); ``[value]`` when not distributed."""
    if not dist.is_initialized():
        return [value]
    out = [None] * dist.get_world_size()
    dist.all_gather_object(out, value)
    return out


def barrier() -> None:
    if dist.is_initialized():
        dist.barrier()
