"""``iqa-bench evaluate``: one dataset or several, scored, fitted and written; the run's counts and
failures on the terminal."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import UnknownNameError
from ..run.config import choices_of
from .common import cli, fail_usage, guarded, MAX_LISTED, parse_options, trust_specs_option


@cli.command()
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML file whose keys are these options' names (flags given here override it).")
@click.option("--dataset", "-d", "datasets", multiple=True,
              help="Dataset name (see `iqa-bench datasets`). Default: sample. Several (repeated or a,b): each "
                   "into RESULTS/RUN/NAME/ and one table across them (across.md/.tex/.csv).")
@click.option("--root", "roots", multiple=True, metavar="[NAME=]DIR",
              help="Folder holding the dataset in its official layout; with several datasets NAME=DIR "
                   "(repeatable).")
@click.option("--live-dmos", type=click.Choice(choices_of("live_dmos")),
              help="live: realigned DMOS (default; one scale across types) or the original dmos.mat.")
@click.option("--part", type=click.Choice(choices_of("part")), help="live_md: Part 1, 2 or both (default).")
@click.option("--split", type=click.Choice(choices_of("split")), help="bapps: split (default val).")
@click.option("--subsets", help="bapps: comma-separated subsets (default all of the split).")
@click.option("--option", "-o", "options", multiple=True, metavar="KEY=VALUE",
              help="Any other dataset option (repeatable).")
@click.option("--metrics", "-m", help="Comma-separated metric specs (see `iqa-bench metrics`).")
@click.option("--scores", "scores", multiple=True, metavar="NAME[:higher|:lower]=FILE",
              help="Import metric values computed elsewhere (repeatable): a CSV with item,value columns or one "
                   "value per line in the dataset's order (TID2013's metrics_values/*.txt). Without "
                   "--metrics only imported scores are evaluated; the images need not be present.")
@click.option("--scores-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Import every *.txt / *.csv of this folder, each named by its file name.")
@click.option("--sentinels", type=click.Choice(choices_of("sentinels")),
              help="An imported file's placeholder value (a power of ten far outside the others, e.g. TID2013's "
                   "100000 for an infinite PSNR): recode (default: just beyond the other values, so its items keep "
                   "their rank), exclude (those items leave that metric) or keep (as numbers). Said in one line.")
@click.option("--mdf-weights", type=click.Path(exists=True, path_type=Path),
              help="Folder holding the MDF authors' Ds_SISR.pth / Ds_JPEG.pth / Ds_Denoising.pth.")
@click.option("--device", help="auto (default: cuda if present), cpu, cuda, cuda:1, ...")
@click.option("--batch-size", type=click.IntRange(min=1), help="Pairs per batch (default 8).")
@click.option("--workers", type=click.IntRange(min=0), help="DataLoader decoding workers (default 0).")
@click.option("--amp", type=click.Choice(choices_of("amp")), help="Mixed precision for the backbones.")
@click.option("--channels-last/--no-channels-last", default=None, help="NHWC memory layout for backbones.")
@click.option("--compile/--no-compile", "compile_", default=None, help="torch.compile the feature extractors.")
@click.option("--results", type=click.Path(file_okay=False, path_type=Path),
              help="Results folder holding the score store and run folders (default ./results).")
@click.option("--run", help="Run folder name under --results (default: the dataset name).")
@click.option("--store", help="Score store file (default RESULTS/scores.sqlite); may be read-only when every "
                              "score is stored.")
@click.option("--fresh", is_flag=True, default=None, help="Ignore (and overwrite) stored scores.")
@click.option("--fit", type=click.Choice(choices_of("fit")),
              help="Mapping before PLCC/RMSE: logistic5 (default; Sheikh et al. 2006), logistic4 (VQEG), cubic, "
                   "none (raw PLCC, pyiqa's protocol), or all: logistic5 tables plus fit_protocols.md comparing "
                   "the four.")
@click.option("--bootstrap", type=click.IntRange(min=0), help="Bootstrap resamples for CIs (default 1000).")
@click.option("--seed", type=int, help="Bootstrap seed (default 0).")
@click.option("--resample", type=click.Choice(choices_of("resample")),
              help="Bootstrap unit for the CIs: items (default) or references (cluster bootstrap: distortions "
                   "of one source image resampled together).")
@click.option("--correct", type=click.Choice(choices_of("correct")),
              help="Significance matrices: correct for testing many pairs at once -- holm (family-wise error "
                   "rate) or bh (Benjamini-Hochberg false-discovery rate); default none. Every correction's "
                   "p-values are in significance.csv either way.")
@click.option("--mapping", type=click.Choice(choices_of("mapping")),
              help="held-out: also fit the mapping without each fold of reference contents (5-fold by reference) "
                   "and report PLCC / RMSE on the held-out items beside the in-sample ones (mapping.md/.tex/.csv; "
                   "summary.csv columns plcc_held_out, rmse_held_out). Default in-sample.")
@click.option("--pair-tests", type=click.Choice(choices_of("pair_tests")),
              help="How the P.1401 and Krasula matrices test two metrics' difference: references (default: the "
                   "paired jackknife over reference contents, where the dataset has them) or items (DeLong, the "
                   "binomial test, McNemar, an item bootstrap: pairs and items taken as independent).")
@click.option("--krasula/--no-krasula", default=None,
              help="Where the dataset gives each score's spread (TID2013's mos_std.txt): Krasula et al.'s AUCs and "
                   "C0 over all pairs of items (default on; TID2013's 3000 items: about 100 s for 14 metrics).")
@click.option("--by", help="Grouping for per-group tables (default distortion; 'none' for overall only).")
@click.option("--plots/--no-plots", default=None, help="Write scatter plots (default on).")
@click.option("--thumbnails/--no-thumbnails", default=None,
              help="report.html: the reference and distorted images of the item under the pointer (about 3 KB "
                   "per item; default off).")
@click.option("--layout", type=click.Choice(choices_of("layout")),
              help="table.md/.tex: paper (default: metrics × overall statistics + SROCC per group) or groups "
                   "(one table per group).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default on).")
@click.option("--label", "labels", multiple=True, metavar="SPEC=TEXT",
              help="Display name of a metric in tables and figures, e.g. --label 'lp:vgg16/relu2_2=LP (VGG16 "
                   "ReLU2_2)' (repeatable; default names such as MS-SSIM, LPIPS (AlexNet); the spec stays in the CSV).")
@click.option("--ci", type=click.Choice(choices_of("ci")),
              help="table.tex's 95% intervals: below (default: a second line in a smaller font), inline (in the "
                   "cell) or separate (values only; the intervals in table_ci.tex).")
@click.option("--highlight", multiple=True, metavar="SPEC",
              help="A metric whose row the significance matrices set in bold (repeatable; e.g. your own metric).")
@trust_specs_option
def evaluate(config_path, by, datasets, roots, results, options, mdf_weights, compile_, scores, scores_dir,
             trust_specs, **flags):
    """Score a dataset with metrics, fit them to the subjective scores, write tables and plots."""
    from ..catalog import check_specs
    from ..run.config import load_config
    from ..imported import parse_scores_option

    try:
        if options:
            flags["dataset_options"] = parse_options(options)
        if scores:
            flags["scores"] = dict(parse_scores_option(text) for text in scores)
        if scores_dir:
            flags["scores_dir"] = str(scores_dir)
        flags["labels"] = list(flags["labels"]) or None
        flags["highlight"] = list(flags["highlight"]) or None
        config = load_config(config_path, trust_specs=trust_specs, by=("" if by == "none" else by),
                             mdf_weights=str(mdf_weights) if mdf_weights else None, compile=compile_,
                             dataset=list(datasets) or None, root=list(roots) or None,
                             results=str(results) if results else None, **flags)
        check_specs(config.metrics)  # a typo in a metric or a dataset fails here, before torch is imported
        from ..datasets import dataset_class

        for name in config.datasets:
            dataset_class(name)
        from ..run.evaluate import evaluate as run_evaluate

        result = guarded(lambda: run_evaluate(config.dataset, config=config), config)
    except (UnknownNameError, ValueError) as err:
        fail_usage(err)
    if result is None:  # a non-zero rank of a torchrun evaluation: rank 0 reports
        return
    if len(config.datasets) > 1:
        _report_across(result, config)
        return
    click.echo(result.table("md", layout=config.layout))
    if result.protocol == "regression" and config.layout == "paper" and \
            "group" in result.summary.columns and (result.summary["group"] != "all").any():
        click.echo(f"(one table per {config.by}: iqa-bench report {result.run_dir} --layout groups)")
    for note in result.notes:
        click.echo(note)
    _report_run(result, config)
    if result.failures:
        sys.exit(1)


def _report_run(result, config, name: str = "") -> None:
    """The run's counts, files and failures (stderr), each line prefixed by ``name`` when given."""
    prefix = f"{name}: " if name else ""
    click.echo(f"{prefix}scores: {result.computed} computed, {result.reused} reused from the store")
    from ..run.method_outputs import METHOD_TABLES

    significance = ", significance.md/.tex/.csv" if (result.run_dir / "significance.csv").exists() else ""
    methods = "".join(f", {stem}.md/.tex/.csv" for stem in METHOD_TABLES if (result.run_dir / f"{stem}.csv").exists())
    click.echo(f"{prefix}written: {result.run_dir}/ (report.html, scores.csv, summary.csv, table.md, table.tex{significance}"
               f"{methods}{', plots/' if config.plots else ''})")
    if result.failures:
        from ..engine import failure_lines

        lines = failure_lines(result.failures)
        click.echo(f"\n{prefix}{len(result.failures)} failure(s), {len(lines)} reason(s) (each item in "
                   f"{result.run_dir / 'failures.txt'}):", err=True)
        for line in lines[:MAX_LISTED]:
            click.echo(f"  {line}", err=True)
        if len(lines) > MAX_LISTED:
            click.echo(f"  ... and {len(lines) - MAX_LISTED} more reasons", err=True)


def _report_across(result, config) -> None:
    """Several datasets: the table across them, then each dataset's counts and failures."""
    click.echo(result.table("md"))
    for note in result.notes:
        click.echo(note)
    for name, one in result.results.items():
        for note in one.notes:
            click.echo(f"{name}: {note}")
        _report_run(one, config, name)
    click.echo(f"written: {result.run_dir}/across.md, across.tex, across.csv (each dataset's tables in "
               f"{result.run_dir}/NAME/)")
    if result.failures:
        sys.exit(1)
