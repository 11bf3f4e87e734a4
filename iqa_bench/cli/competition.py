"""``iqa-bench mad``: where two metrics disagree, the images that show it (MAD competition)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import UnknownNameError
from .common import cli, device_option, fail_usage


@cli.command()
@click.argument("metric_a")
@click.argument("metric_b")
@click.option("--image", "image_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The reference image.")
@click.option("--init", default="noise:0.125", show_default=True,
              help="The initial distorted image: noise:SIGMA (white Gaussian noise, images in [0, 1]; the "
                   "paper's MSE 1024 on 0-255 is 0.125) or an image file of the reference's size.")
@click.option("--size", type=click.IntRange(min=0), default=256, show_default=True,
              help="Synthesize on the centre SIZE×SIZE crop of the reference (0: the whole image).")
@click.option("--iterations", type=click.IntRange(min=1), default=200, show_default=True,
              help="At most this many steps per image.")
@click.option("--step", type=click.FloatRange(min=0, min_open=True), default=2.0 / 255, show_default=True,
              help="The largest pixel change of one step (images in [0, 1]).")
@click.option("--tolerance", type=click.FloatRange(min=0, min_open=True), default=0.01, show_default=True,
              help="How far the held metric may drift from its initial value, relative.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the initial noise.")
@click.option("--out", default="results/mad", show_default=True, type=click.Path(path_type=Path),
              help="Folder of the images, trace.csv and mad.png/.pdf.")
@device_option
def mad(metric_a, metric_b, image_path, init, size, iterations, step, tolerance, seed, out, device):
    """MAD competition (Wang & Simoncelli 2008) between METRIC_A and METRIC_B (specs of the registry, plugins
    included): from the reference and an initial distorted image, the images of best and worst quality by B
    with A held at the initial image's value, and by A with B held. A pair that looks clearly different while
    the held metric calls them equal is a failure of the held metric."""
    from ..competition.mad import MadSettings, NotDifferentiableError, initial_image, mad_competition
    from ..engine import resolve_device
    from ..images import load_rgb
    from ..metrics import canonical_spec, create_metric
    from ..reports.mad import write_mad

    try:
        settings = MadSettings(iterations=iterations, step=step, tolerance=tolerance)
        target = resolve_device(device)
        metrics = [create_metric(canonical_spec(spec)).to(target).eval() for spec in (metric_a, metric_b)]
        reference = _centre(load_rgb(image_path)[None], size).to(target)
        start = initial_image(reference, init, seed)
        result = mad_competition(reference, start, *metrics, settings)
    except NotDifferentiableError as err:
        click.echo(f"error: {err}", err=True)
        raise SystemExit(2)
    except (UnknownNameError, ValueError, OSError) as err:
        fail_usage(err)
    written = write_mad(result, out)
    a, b = result.spec_a, result.spec_b
    click.echo(f"{'image':<18} {a:>12} {b:>12}  iterations")
    click.echo(f"{'initial':<18} {result.initial_values['a']:>12.5g} {result.initial_values['b']:>12.5g}")
    for image in result.images:
        click.echo(f"{image.name:<18} {image.values['a']:>12.5g} {image.values['b']:>12.5g}  "
                   f"{image.trace[-1]['iteration']}")
    for line in result.warnings():
        click.echo(f"warning: {line}", err=True)
    click.echo(f"written: {written['figure']} (and .pdf), {written['trace']}, the images in {Path(out)}")


def _centre(image, size: int):
    """The centre ``size``×``size`` crop of a 1×3×H×W image (the whole image when ``size`` is 0 or larger)."""
    height, width = image.shape[-2:]
    if not size or (size >= height and size >= width):
        return image
    top, left = max((height - size) // 2, 0), max((width - size) // 2, 0)
    return image[..., top:top + size, left:left + size]
