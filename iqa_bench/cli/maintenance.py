"""``iqa-bench calibrate`` (against the official values) and ``store salvage``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..reports.renderers import FORMATS
from .common import cli, fail_usage


@cli.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding the calibration pairs (IQA-PyTorch's ResultsCalibra ref_dir/dist_dir, piq's "
                   "tests/assets): default $IQA_BENCH_CALIBRATION_DATA, else ../shared/data/iqa/tid2013.")
@click.option("--metrics", "-m", help="Comma-separated calibrated metrics (default: all).")
@click.option("--format", "fmt", type=click.Choice([*FORMATS, "summary"]), default="md", show_default=True,
              help="md: metric × pair table; latex: the same as a booktabs table; csv: metric,pair,official,ours,"
                   "abs_diff,within; summary: one line per metric.")
@click.option("--device", default="cpu", show_default=True)
def calibrate(root, metrics, fmt, device):
    """Compare the classical metrics with the official implementations' values on real TID2013 pairs.

    Exit 1 when a metric is out of tolerance (documented known deviations are shown, not hidden).
    """
    from .. import calibration

    root = root or calibration.default_root()
    if root is None or not Path(root).is_dir():
        fail_usage(ValueError("no calibration data: pass --root (a folder with IQA-PyTorch's ResultsCalibra "
                               "ref_dir/dist_dir and piq's tests/assets I01.BMP, i01_01_5.bmp) or set "
                               "IQA_BENCH_CALIBRATION_DATA"))
    try:
        rows, missing = calibration.calibrate(Path(root), metrics.split(",") if metrics else None, device)
    except calibration.CalibrationDataError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    except ValueError as err:
        fail_usage(err)
    for line in missing:
        click.echo(f"skipped: {line}", err=True)
    if not rows:
        click.echo(f"error: none of the calibration pairs is under {root}", err=True)
        sys.exit(2)
    from ..reports.calibration import render_summary
    from ..reports.renderers import renderer

    drawn = {"summary": render_summary}.get(fmt) or renderer(fmt).calibration  # a summary, or a format's table
    click.echo(drawn(rows), nl=False)
    bad = calibration.failed(rows)
    known = [r for r in rows if r.status == "known deviation"]
    click.echo(f"{len(rows) - len(bad) - len(known)} of {len(rows)} values within tolerance, "
               f"{len(known)} known deviation(s), {len(bad)} out of tolerance", err=True)
    sys.exit(1 if bad else 0)


@cli.group()
def store():
    """Maintain a score store (scores.sqlite)."""


@store.command("salvage")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="New store file (default: PATH itself, the damaged file kept as PATH.damaged-<time>).")
def store_salvage(path, output):
    """Copy every readable row of a damaged store into a new one (one bad page loses only its rows)."""
    from ..store import salvage

    try:
        scores, blobs, aside = salvage(path, output)
    except (FileExistsError, FileNotFoundError, ValueError) as err:
        fail_usage(err)
    click.echo(f"{scores} score rows and {blobs} cached blobs salvaged into {output or path}"
               + (f"; the damaged file is kept as {aside}" if aside != path else ""))
