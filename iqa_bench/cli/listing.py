"""What there is: ``iqa-bench metrics``, ``weights``, ``datasets`` (and ``datasets check``)."""
from __future__ import annotations

import textwrap
import sys
from pathlib import Path

import click

from ..errors import UnknownNameError
from .common import cli, echo_columns, fail_usage, LISTING_WIDTH, parse_options


def _family_rows(listing) -> list:
    """(group, cells) per family of the catalog ``listing`` (cells: spec, direction, weights, calibration,
    source, description), a (group, None) row where a group begins."""
    import importlib.util

    rows = []
    for family in listing:
        if not rows or family["group"] != rows[-1][0]:
            rows.append((family["group"], None))
        name = family["name"] + (f"[:{family['argument']}]" if family["argument"] else "")
        if family["aliases"]:
            name += f" (alias {', '.join(family['aliases'])})"
        description = family["description"]
        package = family.get("package") or ""
        if package:
            description += (f" ({package} installed)" if importlib.util.find_spec(package) is not None
                            else f" (needs `pip install iqa-bench[{package}]`)")
        better = (f"{package}'s" if package else "spec's") if family["higher"] is None else \
            "higher" if family["higher"] else "lower"
        rows.append((family["group"], (name, better, "yes" if family["weights"] else "no",
                                       family["calibrated"] or "-", family["source"], description)))
    return rows


def _echo_families(rows) -> None:
    """One line of columns per family, then its description, source and calibration wrapped below it: the
    listing stays within LISTING_WIDTH columns however long a description is."""
    header = ("spec", "better", "weights")
    widths = [max([len(str(r[1][k])) for r in rows if r[1]] + [len(h)]) for k, h in enumerate(header)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    for group, cells in rows:
        if cells is None:
            click.echo(f"\n{group}:")
            continue
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(cells[:3], widths)).rstrip())
        name, _, _, calibrated, source, description = cells
        said = "" if calibrated == "-" else f"; {calibrated}" if calibrated.startswith("not calibrated") \
            else f"; calibrated against {calibrated}"
        for text in (description, f"source: {source}{said}"):
            click.echo(textwrap.fill(text, LISTING_WIDTH, initial_indent="      ", subsequent_indent="      ",
                                     break_on_hyphens=False))


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
            fail_usage(err)
        echo_columns([("layer", "torchvision node", "channels", "stride")] + info)
        return
    from ..plugin_specs import listing_rows

    built_in = families()
    taken = {f["name"] for f in built_in} | {a for f in built_in for a in f["aliases"]}
    plugins = listing_rows()  # installed plugins, read without running their code
    for row in plugins:  # a built-in name wins: say so rather than list a plugin that never runs
        if row["name"] in taken:
            row["description"] = (f"shadowed by the built-in metric {row['name']!r}: this plugin cannot be used "
                                  f"under that name (rename its entry point)")
    listing = built_in + plugins
    _echo_families(_family_rows(listing))
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
    from ..metrics import parse_spec, weight_manifest
    from ..errors import MetricUnavailableError

    try:
        files = [f for spec in specs for f in weight_manifest.files_for_spec(spec)] if specs else weight_manifest.manifest()
    except (UnknownNameError, ValueError) as err:
        fail_usage(err)
    files = list({f.key: f for f in files}.values())
    if prefetch:
        if not specs:
            fail_usage(ValueError("--prefetch: name the metric specs whose files to fetch (e.g. dists lpips:vgg)"))
        problems = 0
        for spec in specs:
            needed = weight_manifest.files_for_spec(spec)
            family, arg = parse_spec(spec)
            if family.own_files is not None:
                try:  # the family's library fetches its own files when a metric is built
                    click.echo(f"{spec}: {family.own_files(arg)}")
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
        dataset = create_dataset(name, root=root, **parse_options(options))
    except (UnknownNameError, ValueError) as err:
        fail_usage(err)
    report = check_dataset(dataset)
    click.echo(report.text())
    sys.exit(0 if report.ok else 1)
