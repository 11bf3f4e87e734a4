"""``iqa-bench``: the command line (click group)."""
from __future__ import annotations

import logging
import os
import sys
import textwrap
from pathlib import Path

import click

from ..errors import Interrupted, UnknownNameError
from ..reports.latex import CI_MODES

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
#: The width `iqa-bench metrics` wraps its descriptions to.
LISTING_WIDTH = 100
MAX_LISTED = 50


def _parse_options(pairs):
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r}: expected KEY=VALUE", param_hint="--option")
        options[key.strip()] = value.strip()
    return options


def _fail_usage(err: Exception):
    """Bad names and option values exit with code 2 and the message (click's usage-error code)."""
    raise click.UsageError(str(err))


@click.group(context_settings=CONTEXT)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.version_option(package_name="iqa-bench")
def cli(verbose):
    """Benchmark full-reference IQA metrics and perceptual losses against human judgement."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML file whose keys are these options' names (flags given here override it).")
@click.option("--dataset", "-d", "datasets", multiple=True,
              help="Dataset name (see `iqa-bench datasets`). Default: sample. Several (repeated or a,b): each "
                   "into RESULTS/RUN/NAME/ and one table across them (across.md/.tex/.csv).")
@click.option("--root", "roots", multiple=True, metavar="[NAME=]DIR",
              help="Folder holding the dataset in its official layout; with several datasets NAME=DIR "
                   "(repeatable).")
@click.option("--live-dmos", type=click.Choice(["realigned", "original"]),
              help="live: realigned DMOS (default; one scale across types) or the original dmos.mat.")
@click.option("--part", type=click.Choice(["1", "2", "both"]), help="live_md: Part 1, 2 or both (default).")
@click.option("--split", type=click.Choice(["val", "train", "both"]), help="bapps: split (default val).")
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
@click.option("--mdf-weights", type=click.Path(exists=True, path_type=Path),
              help="Folder holding the MDF authors' Ds_SISR.pth / Ds_JPEG.pth / Ds_Denoising.pth.")
@click.option("--device", help="auto (default: cuda if present), cpu, cuda, cuda:1, ...")
@click.option("--batch-size", type=click.IntRange(min=1), help="Pairs per batch (default 8).")
@click.option("--workers", type=click.IntRange(min=0), help="DataLoader decoding workers (default 0).")
@click.option("--amp", type=click.Choice(["bf16", "fp16"]), help="Mixed precision for the backbones.")
@click.option("--channels-last/--no-channels-last", default=None, help="NHWC memory layout for backbones.")
@click.option("--compile/--no-compile", "compile_", default=None, help="torch.compile the feature extractors.")
@click.option("--results", type=click.Path(file_okay=False, path_type=Path),
              help="Results folder holding the score store and run folders (default ./results).")
@click.option("--run", help="Run folder name under --results (default: the dataset name).")
@click.option("--store", help="Score store file (default RESULTS/scores.sqlite); may be read-only when every "
                              "score is stored.")
@click.option("--fresh", is_flag=True, default=None, help="Ignore (and overwrite) stored scores.")
@click.option("--fit", type=click.Choice(["logistic5", "logistic4", "cubic", "none", "all"]),
              help="Mapping before PLCC/RMSE: logistic5 (default; Sheikh et al. 2006), logistic4 (VQEG), cubic, "
                   "none (raw PLCC, pyiqa's protocol), or all: logistic5 tables plus fit_protocols.md comparing "
                   "the four.")
@click.option("--bootstrap", type=click.IntRange(min=0), help="Bootstrap resamples for CIs (default 1000).")
@click.option("--seed", type=int, help="Bootstrap seed (default 0).")
@click.option("--resample", type=click.Choice(["items", "references"]),
              help="Bootstrap unit for the CIs: items (default) or references (cluster bootstrap: distortions "
                   "of one source image resampled together).")
@click.option("--by", help="Grouping for per-group tables (default distortion; 'none' for overall only).")
@click.option("--plots/--no-plots", default=None, help="Write scatter plots (default on).")
@click.option("--layout", type=click.Choice(["paper", "groups"]),
              help="table.md/.tex: paper (default: metrics × overall statistics + SROCC per group) or groups "
                   "(one table per group).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default on).")
@click.option("--label", "labels", multiple=True, metavar="SPEC=TEXT",
              help="Display name of a metric in tables and figures, e.g. --label 'lp:vgg16/relu2_2=LP (VGG16 "
                   "ReLU2_2)' (repeatable; default names such as MS-SSIM, LPIPS (AlexNet); the spec stays in the CSV).")
@click.option("--ci", type=click.Choice(CI_MODES),
              help="table.tex's 95% intervals: below (default: a second line in a smaller font), inline (in the "
                   "cell) or separate (values only; the intervals in table_ci.tex).")
@click.option("--trust-specs", is_flag=True,
              help="Let metric specs read from the file (config, baseline, recipe) name files (mdf:<path>, "
                   "afm:<checkpoint>) as typed ones may; without it such a spec is refused (a weight file can "
                   "run code).")
def evaluate(config_path, by, datasets, roots, results, options, mdf_weights, compile_, scores, scores_dir,
             trust_specs, **flags):
    """Score a dataset with metrics, fit them to the subjective scores, write tables and plots."""
    from ..catalog import check_specs
    from ..run.config import load_config
    from ..imported import parse_scores_option

    try:
        if options:
            flags["dataset_options"] = _parse_options(options)
        if scores:
            flags["scores"] = dict(parse_scores_option(text) for text in scores)
        if scores_dir:
            flags["scores_dir"] = str(scores_dir)
        flags["labels"] = list(flags["labels"]) or None
        config = load_config(config_path, trust_specs=trust_specs, by=("" if by == "none" else by),
                             mdf_weights=str(mdf_weights) if mdf_weights else None, compile=compile_,
                             dataset=list(datasets) or None, root=list(roots) or None,
                             results=str(results) if results else None, **flags)
        check_specs(config.metrics)  # a typo in a metric or a dataset fails here, before torch is imported
        from ..datasets import dataset_class

        for name in config.datasets:
            dataset_class(name)
        from ..run.evaluate import evaluate as run_evaluate

        result = _guarded(lambda: run_evaluate(config.dataset, config=config), config)
    except (UnknownNameError, ValueError) as err:
        _fail_usage(err)
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
    significance = ", significance.md/.tex/.csv" if (result.run_dir / "significance.csv").exists() else ""
    click.echo(f"{prefix}written: {result.run_dir}/ (scores.csv, summary.csv, table.md, table.tex{significance}"
               f"{', plots/' if config.plots else ''})")
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
    for name, one in result.results.items():
        for note in one.notes:
            click.echo(f"{name}: {note}")
        _report_run(one, config, name)
    click.echo(f"written: {result.run_dir}/across.md, across.tex, across.csv (each dataset's tables in "
               f"{result.run_dir}/NAME/)")
    if result.failures:
        sys.exit(1)


def _stored_count(path: Path) -> str:
    from ..store import ScoreStore

    try:
        with ScoreStore(path, read_only=True) as store:
            return str(store.count())
    except Exception:  # the count is information only
        return "the"


def _guarded(run, config):
    """Run an evaluation; environment faults end in one line naming the path and what to do
    (exit 1; 130 when interrupted), never a traceback. Scores stored before are always kept."""
    import sqlite3

    from ..run.runlock import ResultsNotWritableError, RunLockedError
    from ..store import StoreDamagedError

    store = config.store_path
    try:
        return run()
    except (Interrupted, KeyboardInterrupt):
        click.echo(f"interrupted: {_stored_count(store)} scores kept in {store} (a new run resumes from them)",
                   err=True)
        sys.exit(130)
    except (StoreDamagedError, RunLockedError, ResultsNotWritableError) as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    except sqlite3.OperationalError as err:
        click.echo(f"error: writing the score store {store} failed ({err}); the {_stored_count(store)} scores "
                   "stored so far are kept: free space / fix permissions and run again (it resumes), or "
                   "pass --store", err=True)
        sys.exit(1)
    except FileNotFoundError as err:
        _fail_usage(err)
    except OSError as err:  # full disk, permissions while writing tables/plots
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        click.echo(f"error: {err.strerror or err}{where}; the scores stored in {store} are kept: fix it and "
                   "run again (nothing stored is recomputed)", err=True)
        sys.exit(1)


@cli.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["md", "latex", "csv"]), default="md", show_default=True)
@click.option("--by", default=None, help="Group column, e.g. distortion or reference ('none': overall only; "
                                         "default: none).")
@click.option("--fit", type=click.Choice(["logistic5", "logistic4", "cubic", "none"]), default=None,
              help="Default: the run's.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=None, help="Default: the run's.")
@click.option("--layout", type=click.Choice(["paper", "groups"]), default="paper", show_default=True)
@click.option("--label", "labels", multiple=True, metavar="SPEC=TEXT",
              help="Display name of a metric (repeatable; default: the names the run used).")
@click.option("--ci", type=click.Choice(CI_MODES), default=None,
              help="LaTeX intervals: below, inline or separate (the intervals' own table). Default: the run's.")
def report(run_dir, fmt, by, fit, bootstrap, layout, labels, ci):
    """Re-render a finished run's table from its stored scores (nothing is recomputed)."""
    from ..stats.summaries import build_summary
    from ..run.result import load_run
    from ..reports.summary import render_summary, separate_ci_table
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
        text = render_summary(protocol, summary, fmt, run["dataset"], run["score"], layout, ci, by or "group")
        intervals = separate_ci_table(protocol, summary, run["dataset"], run["score"], ci) if fmt == "latex" else None
        if intervals:
            text += "\n" + intervals
    except (FileNotFoundError, ValueError) as err:
        _fail_usage(err)
    click.echo(text, nl=False)


@cli.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write across.md/.tex/.csv into this folder.")
@click.option("--format", "fmt", type=click.Choice(["md", "latex", "csv"]), default="md", show_default=True)
def across(run_dirs, out, fmt):
    """One table metric × dataset from finished runs (e.g. runs with imported scores), with pyiqa's and
    piq's published SROCC / KROCC beside ours where they exist (nothing is recomputed)."""
    from ..reports.across import load_dataset_runs, render_across, write_across

    try:
        runs = load_dataset_runs(run_dirs)
        text = render_across(runs, fmt)
        if out is not None:
            write_across(runs, out)
    except (FileNotFoundError, ValueError) as err:
        _fail_usage(err)
    except OSError as err:
        click.echo(f"error: writing {out} failed ({err.strerror or err})", err=True)
        sys.exit(1)
    click.echo(text, nl=False)


@cli.command()
@click.option("--backbone", help="List this backbone's layers (channels, stride at 224×224) instead.")
def metrics(backbone):
    """List every metric family: direction, weights, source (or a backbone's layers)."""
    from ..catalog import families

    if backbone:
        from ..backbones import layer_info

        try:
            info = layer_info(backbone.strip().lower())
        except UnknownNameError as err:
            _fail_usage(err)
        _echo_columns([("layer", "torchvision node", "channels", "stride")] + info)
        return
    import importlib.util

    listing = families()
    pyiqa = importlib.util.find_spec("pyiqa") is not None
    rows = []
    for family in listing:
        if not rows or family["group"] != rows[-1][0]:
            rows.append((family["group"], None))
        name = family["name"] + (f"[:{family['argument']}]" if family["argument"] else "")
        if family["aliases"]:
            name += f" (alias {', '.join(family['aliases'])})"
        description = family["description"]
        if family["name"] == "pyiqa":
            description += " (pyiqa installed)" if pyiqa else " (needs `pip install iqa-bench[pyiqa]`)"
        better = "pyiqa's" if family["higher"] is None else "higher" if family["higher"] else "lower"
        rows.append((family["group"], (name, better, "yes" if family["weights"] else "no",
                                       family["calibrated"] or "-", family["source"], description)))
    # one line of columns per family, then its description, source and calibration wrapped below it:
    # the listing stays within LISTING_WIDTH columns however long a description is
    header = ("spec", "better", "weights")
    widths = [max([len(str(r[1][k])) for r in rows if r[1]] + [len(h)]) for k, h in enumerate(header)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    for group, cells in rows:
        if cells is None:
            click.echo(f"\n{group}:")
            continue
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(cells[:3], widths)).rstrip())
        name, _, _, calibrated, source, description = cells
        for text in (description, f"source: {source}" + (f"; calibrated against {calibrated}"
                                                          if calibrated != "-" else "")):
            click.echo(textwrap.fill(text, LISTING_WIDTH, initial_indent="      ", subsequent_indent="      ",
                                     break_on_hyphens=False))
    click.echo("\nVariants (spec:variant; the first is the default, spelled by the bare name):")
    for family in listing:
        for index, (variant, what) in enumerate(family["variants"]):
            click.echo(f"  {family['name']}:{variant}{' (default)' if index == 0 else ''}: {what}")
    click.echo("`iqa-bench calibrate` compares the calibrated defaults with the official values.")


@cli.command()
@click.argument("specs", nargs=-1)
@click.option("--prefetch", is_flag=True, help="Download what SPECS need into the cache (one line per file).")
@click.option("--verify", is_flag=True, help="Check the SHA-256 of the cached files (of SPECS, or of all).")
def weights(specs, prefetch, verify):
    """Every weight file a metric or backbone can need: source, users, size, SHA-256, licence, cached?"""
    from .. import weights as manifest
    from ..errors import MetricUnavailableError

    try:
        files = [f for spec in specs for f in manifest.files_for_spec(spec)] if specs else manifest.manifest()
    except (UnknownNameError, ValueError) as err:
        _fail_usage(err)
    files = list({f.key: f for f in files}.values())
    if prefetch:
        if not specs:
            _fail_usage(ValueError("--prefetch: name the metric specs whose files to fetch (e.g. dists lpips:vgg)"))
        problems = 0
        for spec in specs:
            needed = manifest.files_for_spec(spec)
            if spec.strip().lower().startswith("pyiqa:"):
                try:  # pyiqa fetches its own files when the metric is built
                    from ..metrics import create_metric

                    create_metric(spec)
                    click.echo(f"{spec}: pyiqa's files are in {_pyiqa_cache()}")
                except (MetricUnavailableError, ValueError) as err:  # the message names the spec
                    problems += 1
                    click.echo(str(err), err=True)
            elif not needed:
                click.echo(f"{spec}: needs no weight file")
            for weight in needed:
                was_cached = weight.cached()
                try:
                    path = manifest.fetch(weight)
                    click.echo(f"{spec}: {weight.name} {'already in' if was_cached else 'fetched into'} {path}")
                except MetricUnavailableError as err:
                    problems += 1
                    click.echo(f"{spec}: {err}", err=True)
        sys.exit(1 if problems else 0)
    if verify:
        bad = 0
        for weight in files:
            status = manifest.verify(weight)
            bad += status.startswith("MISMATCH")
            click.echo(f"{weight.name}: {status}")
        sys.exit(1 if bad else 0)
    for weight in files:
        path = weight.path()
        click.echo(f"{weight.name}  [{'cached' if weight.cached() else 'not cached'}]  {weight.size or 'size not published'}")
        for label, value in (("used by", weight.used_by), ("from", weight.url), ("SHA-256", weight.hash_text()),
                             ("licence", weight.licence), ("path", path)):
            click.echo(f"  {label + ':':9s}{value}")
    if not specs:
        click.echo("pyiqa:<name>  weights fetched by pyiqa itself into its cache when the metric is built "
                   "(`iqa-bench weights --prefetch pyiqa:<name>`)")


def _pyiqa_cache() -> str:
    from ..metrics.pyiqa_bridge import cache_folder

    return cache_folder()


@cli.command()
@click.option("--backbone", "-b", required=True, help="Backbone name (see `iqa-bench metrics`).")
@click.option("--layer", "-l", required=True, help="Layer name (see `iqa-bench metrics --backbone NET`).")
@click.option("--weights", default="imagenet", show_default=True, help="imagenet, random or random<seed>.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default results/efficacy/<backbone>_<layer>).")
@click.option("--device", default="auto", show_default=True)
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
        _fail_usage(err)
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
@click.option("--format", "fmt", type=click.Choice(["md", "latex", "csv"]), default="md", show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True)
def efficacy_table_command(dataset, root, layers, options, results, fmt, device, bootstrap):
    """Tables 1-3 of the Perceptual-Efficacy paper (F / H-x / L-x / L-(100-x) rows) on any dataset."""
    from ..run.evaluate import evaluate as run_evaluate
    from ..run.config import load_config
    from ..efficacy.tables import efficacy_table, parse_layer_request, render_efficacy_table, subset_rows
    from ..io_utils import atomic_write_text

    try:
        requests = [parse_layer_request(text) for text in layers]
        specs = [spec for net, layer, x in requests for _, spec in subset_rows(net, layer, x)]
        config = load_config(None, dataset=dataset, root=str(root) if root else None, metrics=specs,
                             results=str(results), run=f"{dataset}-efficacy", device=device, bootstrap=bootstrap,
                             plots=False, dataset_options=_parse_options(options))
        result = run_evaluate(dataset, config=config)
    except (UnknownNameError, ValueError) as err:
        _fail_usage(err)
    table = efficacy_table(result.summary, result.protocol, requests)
    caption = (f"Perceptual-Efficacy channel subsets on {result.dataset} "
               f"({'2AFC, %' if result.protocol == '2afc' else 'target ' + result.score_text})")
    for suffix, kind in (("md", "md"), ("tex", "latex"), ("csv", "csv")):
        atomic_write_text(result.run_dir / f"efficacy_table.{suffix}", render_efficacy_table(table, kind, caption))
    click.echo(render_efficacy_table(table, fmt, caption), nl=False)
    click.echo(f"written: {result.run_dir}/efficacy_table.md, .tex, .csv")
    if result.failures:
        sys.exit(1)


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
        _fail_usage(err)
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
@click.option("--trust-specs", is_flag=True,
              help="Let metric specs read from the file (config, baseline, recipe) name files (mdf:<path>, "
                   "afm:<checkpoint>) as typed ones may; without it such a spec is refused (a weight file can "
                   "run code).")
def train(config_path, trust_specs, **flags):
    """Train an SR model with any loss expression (torchrun for several processes)."""
    from ..training.trainer import Trainer, load_train_config

    try:
        config = load_train_config(config_path, trust_specs=trust_specs, **flags)
        checkpoint = Trainer(config).train(say=lambda line: click.echo(line, err=True))
    except (UnknownNameError, ValueError, FileNotFoundError) as err:
        _fail_usage(err)
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
    from ..training.restoration import evaluate_restoration
    from ..training.trainer import load_model

    out = output or checkpoint.parent / "eval"
    try:
        model = load_model(checkpoint)
        result = evaluate_restoration(model, testset, model.scale, output=out, bicubic=bicubic,
                                      device=resolve_device(device), lr_folder=lr_dir)
    except (FileNotFoundError, ValueError) as err:
        _fail_usage(err)
    click.echo(result.per_image.to_string(index=False))
    click.echo("mean: " + ", ".join(f"{k} {v:.4f}" for k, v in result.summary.items()))
    for line in result.unavailable:
        click.echo(line, err=True)
    click.echo(f"written: {out}/ (images/, per_image.csv, summary.csv)")


@cli.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--device", default="auto", show_default=True)
@click.option("--trust-specs", is_flag=True,
              help="Let metric specs read from the file (config, baseline, recipe) name files (mdf:<path>, "
                   "afm:<checkpoint>) as typed ones may; without it such a spec is refused (a weight file can "
                   "run code).")
def study(config, device, trust_specs):
    """Train one model per loss (and alpha), evaluate each, compare loss-as-metric with loss-as-objective."""
    from ..engine import resolve_device
    from ..training.study import run_study

    try:
        tables = run_study(config, device=str(resolve_device(device)), trust_specs=trust_specs)
    except (UnknownNameError, ValueError, FileNotFoundError) as err:
        _fail_usage(err)
    for name, table in tables.items():
        click.echo(f"{name}:\n{table.to_string(index=False)}\n")
    if "loss_vs_metric" in tables:
        click.echo(f"Spearman across losses: {tables['loss_vs_metric'].attrs['spearman']:.4f}")


@cli.command()
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=Path("reports/baseline.json"),
              show_default=True)
@click.option("--tolerance", type=float, default=0.01, show_default=True, help="Allowed drop of a figure.")
@click.option("--ci", "use_ci", is_flag=True, help="Fail only below the baseline's bootstrap interval.")
@click.option("--update", is_flag=True, help="Rewrite the baseline with the current figures.")
@click.option("--results", type=click.Path(file_okay=False, path_type=Path), default=Path("results/check"),
              show_default=True)
@click.option("--trust-specs", is_flag=True,
              help="Let metric specs read from the file (config, baseline, recipe) name files (mdf:<path>, "
                   "afm:<checkpoint>) as typed ones may; without it such a spec is refused (a weight file can "
                   "run code).")
def check(baseline, tolerance, use_ci, update, results, trust_specs):
    """Re-run the baseline's benchmark and fail (exit 1) if a correlation / 2AFC figure dropped."""
    from ..run.config import load_config
    from ..recipes.check import diff_table, run_check

    if not baseline.exists():
        _fail_usage(FileNotFoundError(f"baseline {baseline} not found"))
    try:
        comparisons, notes = _guarded(lambda: run_check(baseline, tolerance, use_ci, results, update,
                                                        say=lambda line: click.echo(line, err=True),
                                                        trust_specs=trust_specs),
                                      load_config(results=str(results)))
    except (UnknownNameError, ValueError) as err:
        _fail_usage(err)
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
@click.option("--device", default="auto", show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option("--no-plots", is_flag=True, help="Skip the scatter grid and bar chart.")
@click.option("--study-config", is_flag=True,
              help="Restoration recipes: print the `iqa-bench study` configuration that produces their results.")
@click.option("--trust-specs", is_flag=True,
              help="Let metric specs read from the file (config, baseline, recipe) name files (mdf:<path>, "
                   "afm:<checkpoint>) as typed ones may; without it such a spec is refused (a weight file can "
                   "run code).")
def paper_command(name, roots, recipe_file, out, results, weights, mdf_weights, device, batch_size, workers,
                  bootstrap, no_plots, study_config, trust_specs):
    """Regenerate a paper's table beside its published values (`iqa-bench paper list` shows the recipes)."""
    import yaml

    from ..recipes.paper import run_recipe, write_outputs
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
            result = run_recipe(recipe, roots, results=results, bootstrap=bootstrap, weights=weights, device=device,
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
        _fail_usage(err)
    reasons = "; ".join(f"{reason} ({', '.join(names)})" for reason, names in missing.items())
    click.echo(f"{computed} of {len(recipes)} table{'s' if len(recipes) > 1 else ''} computed"
               + (f"; missing: {reasons}" if reasons else ""), err=True)
    if computed == 0:
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
    from ..metrics.csf import csf_attention_map

    try:
        tensor = load_rgb(image)[None]
    except OSError as err:
        _fail_usage(err)
    attention = csf_attention_map(tensor, dot_pitch_mm=dot_pitch, viewing_distance_mm=distance)[0, 0]
    picture = Image.fromarray(np.round(attention.numpy() * 255).astype(np.uint8))
    atomic_write(output, lambda tmp: picture.save(tmp, format="PNG"))
    click.echo(f"wrote {output} ({picture.width}×{picture.height}, dot pitch {dot_pitch} mm, distance {distance} mm)")


@cli.group(invoke_without_command=True)
@click.pass_context
def datasets(ctx):
    """List the datasets with where to get them and their expected layout (`check` verifies a copy)."""
    if ctx.invoked_subcommand is not None:
        return
    from ..datasets import list_datasets

    for cls in list_datasets():
        click.echo(f"{cls.name}: {cls.description}")
        click.echo(f"    score:  {cls.score.describe()}")
        click.echo(f"    get it: {cls.homepage}")
        click.echo(f"    layout: {cls.layout}")


@datasets.command("check")
@click.argument("name")
@click.option("--root", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--option", "-o", "options", multiple=True, metavar="KEY=VALUE", help="Dataset option.")
def datasets_check(name, root, options):
    """Verify a dataset copy: score files, counts, every image present and decodable."""
    from ..datasets import create_dataset
    from ..datasets.check import check_dataset

    try:
        dataset = create_dataset(name, root=root, **_parse_options(options))
    except (UnknownNameError, ValueError) as err:
        _fail_usage(err)
    report = check_dataset(dataset)
    click.echo(report.text())
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding the calibration pairs (IQA-PyTorch's ResultsCalibra ref_dir/dist_dir, piq's "
                   "tests/assets): default $IQA_BENCH_CALIBRATION_DATA, else ../shared/data/iqa/tid2013.")
@click.option("--metrics", "-m", help="Comma-separated calibrated metrics (default: all).")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "summary"]), default="md", show_default=True,
              help="md: metric × pair table; csv: metric,pair,official,ours,abs_diff,within; "
                   "summary: one line per metric.")
@click.option("--device", default="cpu", show_default=True)
def calibrate(root, metrics, fmt, device):
    """Compare the classical metrics with the official implementations' values on real TID2013 pairs.

    Exit 1 when a metric is out of tolerance (documented known deviations are shown, not hidden).
    """
    from .. import calibration

    root = root or calibration.default_root()
    if root is None or not Path(root).is_dir():
        _fail_usage(ValueError("no calibration data: pass --root (a folder with IQA-PyTorch's ResultsCalibra "
                               "ref_dir/dist_dir and piq's tests/assets I01.BMP, i01_01_5.bmp) or set "
                               "IQA_BENCH_CALIBRATION_DATA"))
    try:
        rows, missing = calibration.calibrate(Path(root), metrics.split(",") if metrics else None, device)
    except calibration.CalibrationDataError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    except ValueError as err:
        _fail_usage(err)
    for line in missing:
        click.echo(f"skipped: {line}", err=True)
    if not rows:
        click.echo(f"error: none of the calibration pairs is under {root}", err=True)
        sys.exit(2)
    render = {"md": calibration.render_markdown, "csv": calibration.render_csv,
              "summary": calibration.render_summary}[fmt]
    click.echo(render(rows), nl=False)
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
        _fail_usage(err)
    click.echo(f"{scores} score rows and {blobs} cached blobs salvaged into {output or path}"
               + (f"; the damaged file is kept as {aside}" if aside != path else ""))


def _echo_columns(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths)) + "  " + str(row[-1]))


def _interrupt(signum, frame):
    raise Interrupted(signum)


def main():
    """The ``iqa-bench`` command. SIGINT and SIGTERM are handled alike in every phase: both are installed
    here, before anything else is imported (a SIGINT that the shell set to be ignored, as a
    non-interactive shell does for a background job, is handled too), and end the command with one line
    and exit code 130; what was stored is kept (scores are written as they are computed)."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        cli(prog_name="iqa-bench")
    except (Interrupted, KeyboardInterrupt) as err:
        name = err.args[0] if isinstance(err, Interrupted) else "SIGINT"
        click.echo(f"interrupted ({name}): what was stored so far is kept (a new run resumes from it)", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
