"""``iqa-bench stand``: where a new metric stands against a baseline set, on one or several datasets."""
from __future__ import annotations

import sys

import click

from ..errors import UnknownNameError
from ..run.config import choices_of, default_of
from .common import batch_size_option, bootstrap_option, cli, device_option, fail_usage, guarded, parse_options


@cli.command()
@click.argument("specs", nargs=-1, required=True)
@click.option("--dataset", "-d", "datasets", multiple=True, help="Dataset (repeatable; default sample).")
@click.option("--root", "roots", multiple=True, help="Dataset folder; several datasets: NAME=DIR (repeatable).")
@click.option("--against", default="classical", show_default=True,
              help="The baseline: classical, learned, peers, default, or a comma-separated list of specs.")
@click.option("--results", default="results", show_default=True, help="Results folder (score store inside).")
@click.option("--run", default="stand", show_default=True, help="Run folder name under RESULTS.")
@bootstrap_option
@click.option("--resample", type=click.Choice(choices_of("resample")), default=default_of("resample"),
              show_default=True)
@device_option
@batch_size_option
@click.option("--plots/--no-plots", default=True, show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True)
@click.option("--option", "-o", "options", multiple=True, metavar="KEY=VALUE", help="Dataset option.")
@click.option("--label", "labels", multiple=True, metavar="SPEC=TEXT",
              help="Display name of a metric in the tables and figures, e.g. --label "
                   "'gradsim.measures:GradientSimilarity=GMSM' (repeatable).")
def stand(specs, datasets, roots, against, results, run, bootstrap, resample, device, batch_size, plots, progress,
          options, labels):
    """Where SPECS (your metric: a spec, pkg.module:Name, or an installed plugin) stand against a baseline:
    each dataset's table, the significance matrices with SPECS in bold, the table across datasets with the
    peers' published values beside."""
    from ..catalog import check_specs
    from ..recipes.standing import baseline, where_it_stands
    from ..run.config import load_config

    try:
        others = [s for s in baseline(against) if s not in specs]
        check_specs(list(specs))
        config = load_config(dataset=list(datasets) or None, root=list(roots) or None, results=results, run=run,
                             metrics=list(specs) + others, highlight=list(specs), device=device,
                             batch_size=batch_size, bootstrap=bootstrap, resample=resample, plots=plots,
                             progress=progress, dataset_options=parse_options(options),
                             labels=list(labels) or None)
        result = guarded(lambda: where_it_stands(list(specs), against=against, config=config), config)
    except (UnknownNameError, ValueError) as err:
        fail_usage(err)
    if result is None:
        return
    folder = result.run_dir
    click.echo((folder / "across.md").read_text())
    several = len(config.datasets) > 1
    click.echo(f"written: {folder}/across.md, .tex, .csv (the peers' published values beside); "
               f"{folder}/{'NAME/' if several else ''}table.md, .tex; "
               f"{folder}/{'NAME/' if several else ''}significance.md, .tex ({', '.join(specs)} in bold)")
    failures = result.failures
    if failures:
        from ..engine import failure_lines

        click.echo(f"{len(failures)} failure(s):", err=True)
        for line in failure_lines(failures)[:50]:
            click.echo(f"  {line}", err=True)
        sys.exit(1)
