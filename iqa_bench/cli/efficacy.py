"""Perceptual Efficacy and the CSF: ``iqa-bench efficacy``, ``efficacy-table``, ``csf-map``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import UnknownNameError
from .common import bootstrap_option, cli, device_option, fail_usage, format_option, parse_options


@cli.command()
@click.option("--backbone", "-b", required=True, help="Backbone name (see `iqa-bench metrics`).")
@click.option("--layer", "-l", required=True, help="Layer name (see `iqa-bench metrics --backbone NET`).")
@click.option("--weights", default="imagenet", show_default=True, help="imagenet, random or random<seed>.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default results/efficacy/<backbone>_<layer>).")
@device_option
@click.option("--top", type=int, default=5, show_default=True, help="Channels to print.")
def efficacy(backbone, layer, weights, output, device, top):
    """Perceptual Efficacy of a layer's channels: CSV of mu1, mu2, PE, rank and tuning-curve plots."""
    from ..backbones import BackboneWeightsError, get_backbone
    from ..efficacy import layer_efficacy
    from ..efficacy.report import channel_table, write_efficacy_report
    from ..engine import resolve_device

    try:
        target = resolve_device(device)
        net = get_backbone(backbone.strip().lower(), weights).to(target)
        result = layer_efficacy(net, layer.strip().lower(), device=target)
    except (UnknownNameError, ValueError, BackboneWeightsError) as err:
        fail_usage(err)
    folder = output or Path("results") / "efficacy" / f"{net.name}_{layer}"
    written = write_efficacy_report(result, folder, f"{net.name} ({weights}) / {layer}")
    table = channel_table(result)
    click.echo(f"{net.name} ({weights}) {layer}: {len(table)} channels; top {top} by PE:")
    click.echo(table.head(top).to_string(index=False))
    click.echo("written: " + ", ".join(str(p) for p in written.values()))


@cli.command("efficacy-table")
@click.option("--dataset", "-d", default="sample", show_default=True)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path))
@click.option("--layer", "-l", "layers", multiple=True, required=True,
              help="<net>/<layer>[:x] (repeatable), e.g. vgg16/relu2_2:10 -> rows F, H-10, L-10, L-90.")
@click.option("--option", "-o", "options", multiple=True, metavar="KEY=VALUE", help="Dataset option.")
@click.option("--results", type=click.Path(file_okay=False, path_type=Path), default=Path("results"),
              show_default=True)
@format_option
@device_option
@bootstrap_option
def efficacy_table_command(dataset, root, layers, options, results, fmt, device, bootstrap):
    """Tables 1-3 of the Perceptual-Efficacy paper (F / H-x / L-x / L-(100-x) rows) on any dataset."""
    from ..run.evaluate import evaluate as run_evaluate
    from ..run.config import load_config
    from ..efficacy.tables import efficacy_document, efficacy_table, parse_layer_request, subset_rows
    from ..io_utils import atomic_write_text

    try:
        requests = [parse_layer_request(text) for text in layers]
        specs = [spec for net, layer, x in requests for _, spec in subset_rows(net, layer, x)]
        config = load_config(None, dataset=dataset, root=str(root) if root else None, metrics=specs,
                             results=str(results), run=f"{dataset}-efficacy", device=device, bootstrap=bootstrap,
                             plots=False, dataset_options=parse_options(options))
        result = run_evaluate(dataset, config=config)
    except (UnknownNameError, ValueError) as err:
        fail_usage(err)
    table = efficacy_table(result.summary, result.protocol, requests)
    caption = (f"Perceptual-Efficacy channel subsets on {result.dataset} "
               f"({'2AFC, %' if result.protocol == '2afc' else 'target ' + result.score_text})")
    from ..reports.renderers import TABLE_RENDERERS, renderer

    document = efficacy_document(table, caption)
    for drawing in TABLE_RENDERERS.values():
        atomic_write_text(result.run_dir / f"efficacy_table{drawing.suffix}", drawing.draw(document, caption))
    click.echo(renderer(fmt).draw(document, caption), nl=False)
    click.echo(f"written: {result.run_dir}/efficacy_table.md, .tex, .csv")
    if result.failures:
        sys.exit(1)


@cli.command("csf-map", short_help="Write the CSF attention map of an image.")
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="PNG to write (the map scaled to 0-255).")
@click.option("--dot-pitch", type=float, default=0.25, show_default=True, help="Display dot pitch, mm.")
@click.option("--distance", type=float, default=550.0, show_default=True, help="Viewing distance, mm.")
def csf_map(image, output, dot_pitch, distance):
    """Write the CSF attention map (Eq. 1-6 of the CSF-attention paper) of an image."""
    import numpy as np
    from PIL import Image

    from ..images import load_rgb
    from ..io_utils import atomic_write
    from ..csf import csf_attention_map

    try:
        tensor = load_rgb(image)[None]
    except OSError as err:
        fail_usage(err)
    attention = csf_attention_map(tensor, dot_pitch_mm=dot_pitch, viewing_distance_mm=distance)[0, 0]
    picture = Image.fromarray(np.round(attention.numpy() * 255).astype(np.uint8))
    atomic_write(output, lambda tmp: picture.save(tmp, format="PNG"))
    click.echo(f"wrote {output} ({picture.width}×{picture.height}, dot pitch {dot_pitch} mm, distance {distance} mm)")
