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
                                         "default: none).")
@click.option("--fit", type=click.Choice([c for c in choices_of("fit") if c != "all"]), default=None,
              help="Default: the run's.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=None, help="Default: the run's.")
@click.option("--layout", type=click.Choice(choices_of("layout")), default="paper", show_default=True)
@click.option("--label", "labels", multiple=True, metavar="SPEC=TEXT",
              help="Display name of a metric (repeatable; default: the names the run used).")
@click.option("--ci", type=click.Choice(choices_of("ci")), default=None,
              help="LaTeX intervals: below, inline or separate (the intervals' own table). Default: the run's.")
def report(run_dir, fmt, by, fit, bootstrap, layout, labels, ci):
    """Re-render a finished run's table from its stored scores (nothing is recomputed)."""
    from ..stats.summaries import build_summary
    from ..run.result import load_run
    from ..reports.renderers import renderer
    from ..reports.summary import separate_ci_table
    from ..run.outputs import run_labels
    from ..reports.labels import parse_label_option, with_labels

    by = "" if by == "none" else by  # as evaluate spells "overall only"
    try:
        run = load_run(run_dir)
        config = run["config"]
        protocol = run.get("protocol", "regression")
        if by and f"group:{by}" not in run["scores"].columns:
            raise ValueError(f"--by {by!r}: the run has groups "
                             f"{', '.join(c[6:] for c in run['scores'].columns if c.startswith('group:'))}")
        summary = build_summary(protocol, run["scores"], run["metrics"], run.get("higher_is_better", {}), by,
                                fit or ("logistic5" if config["fit"] == "all" else config["fit"]),
                                config["bootstrap"] if bootstrap is None else bootstrap,
                                config["seed"], run.get("score_higher_is_better"), config.get("resample", "items"))
        specs = list(dict.fromkeys(summary["metric"]))
        stored = run.get("labels") if isinstance(run.get("labels"), dict) else {}
        names = {k: v for k, v in stored.items() if k in specs and isinstance(v, str) and v.strip()}
        names.update(parse_label_option(text) for text in labels)
        imported = run.get("imported") if isinstance(run.get("imported"), dict) else {}
        summary = with_labels(summary, run_labels(specs, names, imported))
        ci = ci or config.get("ci", "below")
        text = renderer(fmt).summary(protocol, summary, run["dataset"], run["score"], layout, ci, by or "group")
        intervals = separate_ci_table(protocol, summary, run["dataset"], run["score"], ci) if fmt == "latex" else None
        if intervals:
            text += "\n" + intervals
    except (FileNotFoundError, ValueError) as err:
        fail_usage(err)
    click.echo(text, nl=False)


@cli.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write across.md/.tex/.csv into this folder.")
@format_option
def across(run_dirs, out, fmt):
    """One table metric × dataset from finished runs (e.g. runs with imported scores), with pyiqa's and
    piq's published SROCC / KROCC beside ours where they exist (nothing is recomputed)."""
    from ..reports.across import load_dataset_runs
    from ..run.several import write_across
    from ..reports.renderers import renderer

    try:
        runs = load_dataset_runs(run_dirs)
        text = renderer(fmt).across(runs)
        if out is not None:
            write_across(runs, out)
    except (FileNotFoundError, ValueError) as err:
        fail_usage(err)
    except OSError as err:
        click.echo(f"error: writing {out} failed ({err.strerror or err})", err=True)
        sys.exit(1)
    click.echo(text, nl=False)
