"""``iqa-bench mad`` and ``gmad``: where metrics disagree, the images that show it (MAD and gMAD competition)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import UnknownNameError
from .common import batch_size_option, cli, device_option, fail_usage, format_option, guarded, parse_options


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


@cli.group(invoke_without_command=True, short_help="gMAD pairs of a pool's images (Ma et al. 2016, 2020); "
           "`gmad analyse`: what people's judgements of them say.")
@click.option("--metrics", "-m", default="", help="Comma-separated specs (at least two metrics with --scores).")
@click.option("--scores", "scores", multiple=True, metavar="NAME[:higher|:lower]=FILE",
              help="A metric computed elsewhere, imported by name (repeatable; as evaluate's --scores).")
@click.option("--dataset", "-d", default="sample", show_default=True, help="The pool: any dataset's distorted images.")
@click.option("--root", default=None, help="The dataset's folder.")
@click.option("--option", "-o", "options", multiple=True, metavar="KEY=VALUE", help="Dataset option.")
@click.option("--levels", type=click.IntRange(min=1), default=6, show_default=True,
              help="Quality levels of each defender.")
@click.option("--tolerance", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True), default=0.02,
              show_default=True, help="How far apart a pair's defender values may be, as a fraction of its range.")
@click.option("--scale", type=click.Choice(["rank", "mos"]), default="rank", show_default=True,
              help="The common scale: the pool's quality quantiles (no opinion scores needed) or, as the "
                   "papers, each metric mapped onto the subjective scores by the run's logistic fit.")
@click.option("--results", default="results", show_default=True, help="Results folder (score store inside).")
@click.option("--run", default="gmad", show_default=True, help="Run folder name under RESULTS.")
@device_option
@batch_size_option
@click.option("--progress/--no-progress", default=True, show_default=True)
@click.pass_context
def gmad(ctx, metrics, scores, dataset, root, options, levels, tolerance, scale, results, run, device, batch_size,
         progress):
    """gMAD pairs (Ma et al. 2016, 2020): for each ordered pair of METRICS (defender, attacker) and each
    defender quality level, the two images of the pool the defender scores as equal and the attacker as most
    different. Scores already in the results folder's store are not computed again. Then `iqa-bench
    judging-page RESULTS/RUN` for people to judge them, and `iqa-bench gmad analyse FILES...` for what their
    judgements say."""
    if ctx.invoked_subcommand is not None:
        return
    from ..competition.gmad import GmadSettings
    from ..imported import parse_scores_option
    from ..recipes.gmad import run_gmad
    from ..run.config import load_config

    specs = [s.strip() for s in metrics.split(",") if s.strip()]
    try:
        imported = dict(parse_scores_option(text) for text in scores)
        settings = GmadSettings(levels=levels, tolerance=tolerance, scale=scale)
        config = load_config(results=results)
        result = guarded(lambda: run_gmad(dataset, specs, settings, root=root, dataset_options=parse_options(options),
                                          results=results, run=run, device=device, batch_size=batch_size,
                                          progress=progress, **({"scores": imported} if imported else {})), config)
    except (UnknownNameError, ValueError) as err:
        fail_usage(err)
    click.echo((result.run_dir / "pairs.md").read_text())
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if (result.run_dir / "gmad_analysis.json").is_file():  # the same pairs, judged before: the page shows it
        _report_page_again(result.run_dir)
    click.echo(f"scores: {result.computed} computed, {result.reused} reused; written: {result.run_dir}/pairs.csv, "
               f"pairs.md")


@gmad.command("analyse")
@click.argument("judgements", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--run", "run_dir", default=Path("results/gmad"), show_default=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The gMAD run folder whose pairs were judged (its judging-set.json, written by judging-page).")
@format_option
def gmad_analyse(judgements, run_dir, fmt):
    """What people's JUDGEMENTS (the CSV or JSON files the judging page saved, any number of observers) say:
    the aggressiveness and resistance matrices with binomial intervals, a Bradley–Terry global ranking with
    its likelihood-ratio test, and the observers' agreement (Krippendorff's alpha). Written into the run
    folder (gmad_analysis.md/.tex/.csv/.html, gmad_contests.csv) and as a section of its report.html. A file
    that is damaged or from another pair set is refused (said), a partial session used (its count said)."""
    from ..recipes.gmad import analyse_gmad
    from ..reports.gmad_analysis import analysis_document
    from ..reports.renderers import renderer

    try:
        judged = analyse_gmad(run_dir, judgements)
    except ValueError as err:
        fail_usage(err)
    click.echo(renderer(fmt).draw(analysis_document(judged.analysis, judged.judgements.refused)), nl=False)
    for file, why in judged.judgements.refused:
        click.echo(f"refused: {file}: {why}", err=True)
    for note in judged.analysis.notes:
        click.echo(f"note: {note}", err=True)
    page = _report_page_again(run_dir)
    click.echo(f"written: {', '.join(str(p) for p in judged.written)}" + (f", {page}" if page else ""), err=True)


def _report_page_again(run_dir: Path):
    """The run's report.html written again with the analysis's section; None (and a warning) where the
    folder is not a whole run."""
    from ..io_utils import atomic_write_text
    from ..run.result import load_run
    from .report import _rendered

    try:
        text = _rendered(load_run(run_dir), run_dir, "html", None, None, None, "paper", (), None, False)
        return atomic_write_text(run_dir / "report.html", text)
    except (FileNotFoundError, ValueError, OSError) as err:
        click.echo(f"warning: {run_dir}/report.html not written again ({err})", err=True)
        return None


@cli.command("gmad-pool")
@click.argument("pristine", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="The pool's folder (a custom dataset).")
@click.option("--distortions", default="", help="Comma-separated distortion types (default: all five: "
                                                 "jp2k, jpeg, wn, gblur, fastfading).")
@click.option("--size", type=click.IntRange(min=0), default=0, show_default=True,
              help="Centre-crop each pristine image to SIZE×SIZE first (0: whole).")
def gmad_pool(pristine, out, distortions, size):
    """A gMAD pool from a folder of PRISTINE images: each under the project's distortion types at five levels,
    written as a custom dataset (refs/, distorted/, manifest.csv) for `iqa-bench gmad -d custom --root OUT`."""
    from ..competition.pool import generate_pool

    try:
        manifest = generate_pool(pristine, out, [d.strip() for d in distortions.split(",") if d.strip()] or None, size)
    except (ValueError, OSError) as err:
        fail_usage(err)
    count = sum(1 for _ in open(manifest)) - 1
    click.echo(f"written: {manifest} ({count} distorted images); next: iqa-bench gmad -m A,B -d custom --root {out}")


@cli.command("judging-page")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="The page (default: SOURCE/judging.html).")
@click.option("--title", default="Which image looks better?", show_default=True)
def judging_page_command(source, output, title):
    """A self-contained page in which people judge the pairs of SOURCE: a gMAD run folder (its pairs.csv) or
    a MAD folder (its best/worst images): side by side under the reference, sides and order random per
    session, answers by keys or mouse, kept across a reload, saved as CSV or JSON."""
    import pandas as pd

    from ..reports.judging import gmad_trials, mad_trials, write_judging_page

    try:
        if (source / "pairs.csv").is_file():
            trials = gmad_trials(pd.read_csv(source / "pairs.csv", keep_default_na=False))
        elif (source / "trace.csv").is_file():
            trials = mad_trials(source)
        else:
            raise ValueError(f"{source}: neither a gMAD run folder (pairs.csv) nor a MAD folder (trace.csv)")
        path = write_judging_page(trials, title, output or source / "judging.html", set_folder=source)
    except (ValueError, KeyError, OSError) as err:
        fail_usage(ValueError(str(err)) if isinstance(err, KeyError) else err)
    click.echo(f"written: {path} ({len(trials)} pairs): open it in a browser, enter an observer id, judge, save; "
               f"then: iqa-bench gmad analyse FILES... --run {source}")
