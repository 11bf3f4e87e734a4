"""Training: ``iqa-bench mdf-train``, ``train``, ``sr-eval`` and ``study``."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..errors import MetricUnavailableError, UnknownNameError
from .common import cli, fail_usage, trust_specs_option


@cli.command("mdf-train")
@click.option("--seed-image", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--task", type=click.Choice(["sr", "denoise", "jpeg"]), default="sr", show_default=True)
@click.option("--scales", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--iters", type=click.IntRange(min=1), default=3000, show_default=True, help="Iterations per scale.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=500, show_default=True)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for checkpoint.pt (resumed if present) and discriminators.pth.")
@click.option("--device", default="auto", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def mdf_train(seed_image, task, scales, iters, checkpoint_every, output, device, seed):
    """Phase 1 of the MDF loss: train multi-scale discriminators on one seed image (resumable)."""
    from ..engine import resolve_device
    from ..learned.mdf_train import MDFTrainConfig, train_mdf

    try:
        config = MDFTrainConfig(task=task, scales=scales, iters=iters, checkpoint_every=checkpoint_every, seed=seed)
        path = train_mdf(seed_image, output, config, device=resolve_device(device))
    except ValueError as err:
        fail_usage(err)
    click.echo(f"wrote {path}; use it as the metric/loss mdf:{path}")


@cli.command()
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML training config (keys = these options; `stages:` for multi-stage runs).")
@click.option("--model", help="vdsr, edsr_baseline, edsr, srresnet, rrdb (default edsr_baseline).")
@click.option("--scale", type=int, help="Upscaling factor (default 4).")
@click.option("--train-dir", help="Folder of HR training images (DIV2K layout or any folder).")
@click.option("--loss", help='Loss expression, e.g. "0.9*l2 + 0.1*lp_att:vgg16/relu3_2" (default l1).')
@click.option("--iters", type=click.IntRange(min=1), help="Iterations (of the last stage; default 1000).")
@click.option("--lr", type=float, help="Learning rate (of the last stage; default 0.0001).")
@click.option("--schedule", type=click.Choice(["step", "cosine"]), help="LR schedule (of the last stage; default step).")
@click.option("--patch", type=int, help="HR crop size (default 96).")
@click.option("--batch-size", type=click.IntRange(min=1), help="Crops per batch and process (default 16).")
@click.option("--bicubic", type=click.Choice(["matlab", "torch"]), help="LR resize (default matlab).")
@click.option("--seed", type=int, help="Sampling and initialisation seed (default 0).")
@click.option("--checkpoint-every", type=click.IntRange(min=1), help="Iterations between checkpoints (default 500).")
@click.option("--output", "-o", help="Run folder (checkpoint.pt, log.csv); resumed if present (default results/train).")
@click.option("--device", help="auto (default: cuda if present), cpu, cuda, cuda:1, ...")
@click.option("--amp/--no-amp", default=None, help="Mixed precision on GPU (default off).")
@click.option("--workers", type=click.IntRange(min=0), help="DataLoader workers (default 0).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default on).")
@trust_specs_option
def train(config_path, trust_specs, **flags):
    """Train an SR model with any loss expression (torchrun for several processes)."""
    from ..training.trainer import Trainer, load_train_config

    try:
        config = load_train_config(config_path, trust_specs=trust_specs, **flags)
        checkpoint = Trainer(config).train(say=lambda line: click.echo(line, err=True))
    except (UnknownNameError, ValueError, FileNotFoundError) as err:
        fail_usage(err)
    except MetricUnavailableError as err:  # a loss term's weights not obtainable here (offline): one line
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    if int(os.environ.get("RANK", "0")) == 0:
        click.echo(f"trained {config.model} x{config.scale} with {' then '.join(s.loss for s in config.stages)}; "
                   f"checkpoint: {checkpoint}")


@cli.command("sr-eval")
@click.argument("checkpoint", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--testset", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of HR test images (LR made with --bicubic).")
@click.option("--lr-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of matching LR images (HR/LR pairs) instead of making LR with --bicubic.")
@click.option("--bicubic", type=click.Choice(["matlab", "torch"]), default="matlab", show_default=True)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for restored images, per_image.csv and summary.csv.")
@click.option("--device", default="auto", show_default=True)
def sr_eval(checkpoint, testset, lr_dir, bicubic, output, device):
    """Restoration quality of a trained model: PSNR/SSIM on Y (border = scale), LPIPS, VIF, ICOO, NIQE/PI."""
    from ..engine import resolve_device
    from ..training.restoration import SrTestSet, evaluate_restoration
    from ..training.trainer import load_model

    out = output or checkpoint.parent / "eval"
    try:
        model = load_model(checkpoint)
        result = evaluate_restoration(model, SrTestSet(testset, model.scale, bicubic, lr_dir), output=out,
                                      device=resolve_device(device))
    except (FileNotFoundError, ValueError) as err:
        fail_usage(err)
    click.echo(result.per_image.to_string(index=False))
    click.echo("mean: " + ", ".join(f"{k} {v:.4f}" for k, v in result.summary.items()))
    for line in result.unavailable:
        click.echo(line, err=True)
    click.echo(f"written: {out}/ (images/, per_image.csv, summary.csv)")


@cli.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--device", default="auto", show_default=True)
@trust_specs_option
def study(config, device, trust_specs):
    """Train one model per loss (and alpha), evaluate each, compare loss-as-metric with loss-as-objective."""
    from ..engine import resolve_device
    from ..training.study import run_study

    try:
        tables = run_study(config, device=str(resolve_device(device)), trust_specs=trust_specs)
    except (UnknownNameError, ValueError, FileNotFoundError) as err:
        fail_usage(err)
    for name, table in tables.items():
        click.echo(f"{name}:\n{table.to_string(index=False)}\n")
    if "loss_vs_metric" in tables:
        click.echo(f"Spearman across losses: {tables['loss_vs_metric'].attrs['spearman']:.4f}")
