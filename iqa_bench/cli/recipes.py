"""Whole benchmarks from a file: ``iqa-bench check`` (the regression check) and ``paper`` (a paper's table)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import UnknownNameError
from .common import batch_size_option, bootstrap_option, cli, device_option, fail_usage, guarded, trust_specs_option


@cli.command()
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=Path("reports/baseline.json"),
              show_default=True)
@click.option("--tolerance", type=float, default=0.01, show_default=True, help="Allowed drop of a figure.")
@click.option("--ci", "use_ci", is_flag=True, help="Fail only below the baseline's bootstrap interval.")
@click.option("--update", is_flag=True, help="Rewrite the baseline with the current figures.")
@click.option("--results", type=click.Path(file_okay=False, path_type=Path), default=Path("results/check"),
              show_default=True)
@trust_specs_option
def check(baseline, tolerance, use_ci, update, results, trust_specs):
    """Re-run the baseline's benchmark and fail (exit 1) if a correlation / 2AFC figure dropped."""
    from ..run.config import load_config
    from ..recipes.check import Tolerance, diff_table, run_check

    if not baseline.exists():
        fail_usage(FileNotFoundError(f"baseline {baseline} not found"))
    try:
        comparisons, notes = guarded(lambda: run_check(baseline, Tolerance(tolerance, use_ci), results, update,
                                                        say=lambda line: click.echo(line, err=True),
                                                        trust_specs=trust_specs),
                                      load_config(results=str(results)))
    except (UnknownNameError, ValueError) as err:
        fail_usage(err)
    for note in notes:
        click.echo(note, err=True)
    if update:
        click.echo(f"baseline {baseline} rewritten with the current figures")
        return
    failed = [c for c in comparisons if c.failed]
    click.echo(diff_table(comparisons), nl=False)
    rule = "below the baseline's 95% interval" if use_ci else f"a drop of more than {tolerance}"
    click.echo(f"{len(comparisons)} figures checked, {len(failed)} failed ({rule})")
    sys.exit(1 if failed else 0)


@cli.command("paper")
@click.argument("name", metavar="RECIPE|list|all", required=False)
@click.option("--root", "roots", multiple=True, metavar="[NAME=]PATH",
              help="Dataset root as NAME=PATH (repeatable: live=..., live_md=..., bapps=..., tid2013=...), or one "
                   "bare PATH when the recipe needs one dataset; restoration recipes: the study's output folder.")
@click.option("--recipe-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Run your own recipe file (same format as iqa_bench/recipes/published/*.yaml).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("results/paper/tables"),
              show_default=True, help="Where <recipe>.md/.tex/.csv and the figures go (not the repository's "
                                      "own reports/ unless named).")
@click.option("--results", type=click.Path(file_okay=False, path_type=Path), default=Path("results/paper"),
              show_default=True, help="Run folders and the score store (reused across recipes).")
@click.option("--weights", default="imagenet", show_default=True,
              help="Backbone weights: imagenet, or random[<seed>] to check the pipeline without pretrained weights.")
@click.option("--mdf-weights", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder with the MDF authors' Ds_*.pth (mdf-sec6).")
@device_option
@batch_size_option
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True)
@bootstrap_option
@click.option("--no-plots", is_flag=True, help="Skip the scatter grid and bar chart.")
@click.option("--study-config", is_flag=True,
              help="Restoration recipes: print the `iqa-bench study` configuration that produces their results.")
@trust_specs_option
def paper_command(name, roots, recipe_file, out, results, weights, mdf_weights, device, batch_size, workers,
                  bootstrap, no_plots, study_config, trust_specs):
    """Regenerate a paper's table beside its published values (`iqa-bench paper list` shows the recipes)."""
    import yaml

    from ..recipes.paper import run_recipe, write_outputs
    from ..stats.evaluated_run import StatisticsSettings
    from ..recipes.recipe import all_recipes, find_recipe, load_recipe

    try:
        if recipe_file is not None:
            from ..metrics.registry import check_specs_from_file

            recipes = [load_recipe(recipe_file)]
            check_specs_from_file(recipes[0].metrics, f"recipe {recipe_file}: metric", trust_specs)
        elif name is None or name.lower() == "list":
            for recipe in all_recipes():
                needs = ("study results (--root STUDY_OUTPUT)" if recipe.kind == "restoration" else
                         ", ".join(dict.fromkeys(s.dataset for s in recipe.sources)))
                click.echo(f"{recipe.name:16s} {recipe.title}\n{'':16s} needs: {needs}")
            return
        elif name.lower() == "all":
            recipes = all_recipes()
        else:
            recipes = [find_recipe(name)]
        if study_config:
            for recipe in recipes:
                if recipe.study is None:
                    raise ValueError(f"recipe {recipe.name} is not a restoration recipe: it has no study configuration")
                click.echo(f"# iqa-bench study configuration for {recipe.name}; fill in the dataset folders\n"
                           + yaml.safe_dump(recipe.study, sort_keys=False, allow_unicode=True), nl=False)
            return
        computed, missing = 0, {}
        for recipe in recipes:
            result = run_recipe(recipe, roots, results=results, settings=StatisticsSettings(bootstrap=bootstrap),
                                weights=weights, device=device,
                                batch_size=batch_size, workers=workers, progress=False,
                                mdf_weights=str(mdf_weights) if mdf_weights else None)
            written = write_outputs(result, out, plots=not no_plots)
            for note in result.notes:
                click.echo(f"{recipe.name}: {note}", err=True)
            for what in dict.fromkeys(result.missing):
                missing.setdefault(what, []).append(recipe.name)
            click.echo(f"{recipe.name}: written " + ", ".join(str(p) for p in written.values()))
            computed += result.has_values()
    except (UnknownNameError, ValueError) as err:
        fail_usage(err)
    reasons = "; ".join(f"{reason} ({', '.join(names)})" for reason, names in missing.items())
    click.echo(f"{computed} of {len(recipes)} table{'s' if len(recipes) > 1 else ''} computed"
               + (f"; missing: {reasons}" if reasons else ""), err=True)
    if computed == 0:
        sys.exit(1)
