"""``iqa-bench report`` and ``across``: a finished run's tables rendered again from its stored scores."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..run.config import choices_of
from .common import cli, fail_usage, format_option


@cli.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@format_option
@click.option("--by", default=None, help="Group column, e.g. distortion or reference ('none': overall only; "
                                         "default: none; --format html: the run's).")
@click.option("--fit", type=click.Choice([c for c in choices_of("fit") if c != "all"]), default=None,
              help="Default: the run's.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=None, help="Default: the run's.")
@click.option("--layout", type=click.Choice(choices_of("layout")), default="paper", show_default=True)
@click.option("--label", "labels", multiple=True, metavar="SPEC=TEXT",
              help="Display name of a metric (repeatable; default: the names the run used).")
@click.option("--ci", type=click.Choice(choices_of("ci")), default=None,
              help="LaTeX intervals: below, inline or separate (the intervals' own table). Default: the run's.")
@click.option("--thumbnails", is_flag=True,
              help="--format html: the reference and distorted images of the item under the pointer (the "
                   "dataset is opened again at the run's root).")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of the terminal (e.g. --format html -o report.html).")
def report(run_dir, fmt, by, fit, bootstrap, layout, labels, ci, thumbnails, out):
    """Re-render a finished run's table from its stored scores (no metric is recomputed). ``--format
    html``: the run's whole report page (report.html: table, scatters, significance heat map, ...)."""
    from ..run.result import load_run

    by = "" if by == "none" else by  # as evaluate spells "overall only"
    try:
        run = load_run(run_dir)
        text = _rendered(run, run_dir, fmt, by, fit, bootstrap, layout, labels, ci, thumbnails)
    except (FileNotFoundError, ValueError) as err:
        fail_usage(err)
    write_or_echo(text, out)


def _rendered(run, run_dir, fmt, by, fit, bootstrap, layout, labels, ci, thumbnails) -> str:
    """The finished run's table (or page) in ``fmt``, with the options of :func:`report`."""
    from ..stats.resampling import check_bootstrap_fits
    from ..stats.summaries import build_summary
    from ..reports.renderers import renderer
    from ..run.outputs import run_labels, with_sentinel_notes
    from ..reports.labels import parse_label_option, with_labels
    from ..run.result import evaluated_run

    config = run["config"]
    protocol = run.get("protocol", "regression")
    drawing = renderer(fmt)
    if by is None and drawing.page:  # the page shows the run as evaluate wrote it: the run's groups
        by = config.get("by") if f"group:{config.get('by')}" in run["scores"].columns else ""
    if by and f"group:{by}" not in run["scores"].columns:
        raise ValueError(f"--by {by!r}: the run has groups "
                         f"{', '.join(c[6:] for c in run['scores'].columns if c.startswith('group:'))}")
    # the run as its statistics saw it, with the fits it kept (none is made again), under report's options
    evaluated = evaluated_run(run_dir, run, fit=fit, bootstrap=bootstrap).with_settings(by=by or None)
    check_bootstrap_fits(evaluated.settings.bootstrap, len(run["scores"]))
    summary = build_summary(evaluated)
    specs = list(dict.fromkeys(summary["metric"]))
    stored = run.get("labels") if isinstance(run.get("labels"), dict) else {}
    names = {k: v for k, v in stored.items() if k in specs and isinstance(v, str) and v.strip()}
    names.update(parse_label_option(text) for text in labels)
    imported = run.get("imported") if isinstance(run.get("imported"), dict) else {}
    summary = with_sentinel_notes(with_labels(summary, run_labels(specs, names, imported)), imported)
    ci = ci or config.get("ci", "below")
    if thumbnails and not drawing.page:
        raise ValueError("--thumbnails: images are shown by --format html only")
    if drawing.page:
        from ..run.report_page import finished_run_page

        return finished_run_page(run_dir, run, evaluated, summary, thumbnails, by)
    text = drawing.summary(protocol, summary, run["dataset"], run["score"], layout, ci, by or "group")
    intervals = drawing.ci_table(protocol, summary, run["dataset"], run["score"], ci)
    return text + "\n" + intervals if intervals else text


@cli.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write across.md/.tex/.csv into this folder.")
@format_option
def across(run_dirs, out, fmt):
    """One table metric × dataset from finished runs (e.g. runs with imported scores), with pyiqa's and
    piq's published SROCC / KROCC beside ours where they exist (nothing is recomputed); where two or more
    regression runs share a metric, whether its mapping transfers: fitted on one dataset, applied unchanged
    to another (transfer.md/.tex/.csv with --out)."""
    from ..reports.across import load_dataset_runs
    from ..run.several import transfer_of, write_across
    from ..reports.renderers import renderer

    try:
        runs = load_dataset_runs(run_dirs)
        transfer, said = transfer_of(run_dirs, runs)
        for line in said:
            click.echo(f"note: {line}", err=True)
        text = renderer(fmt).across(runs)
        if transfer is not None:
            text += "\n" + renderer(fmt).draw(transfer)
        if out is not None:
            write_across(runs, out, transfer)
    except (FileNotFoundError, ValueError) as err:
        fail_usage(err)
    except OSError as err:
        click.echo(f"error: writing {out} failed ({err.strerror or err})", err=True)
        sys.exit(1)
    click.echo(text, nl=False)


def write_or_echo(text: str, out) -> None:
    """``text`` into the file ``out`` (atomically; said on stderr), or on the terminal."""
    if out is None:
        click.echo(text, nl=False)
        return
    from ..io_utils import atomic_write_text

    try:
        atomic_write_text(out, text)
    except OSError as err:
        click.echo(f"error: writing {out} failed ({err.strerror or err})", err=True)
        sys.exit(1)
    click.echo(f"written: {out}", err=True)
