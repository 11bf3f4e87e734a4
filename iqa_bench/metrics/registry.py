"""Metric registry: spec strings ("psnr", "lp:vgg16/relu2_2", "huber:0.01") to metric Modules.

A spec is ``family`` or ``family:argument``. Each family registers a factory taking the argument
string (or ``None``) and returning a :class:`~iqa_bench.metrics.base.Metric`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, List, Optional

from ..errors import UnknownNameError
from ..registry import Registry
from ..spec_syntax import split_spec
from .base import Metric


@dataclass(frozen=True)
class MetricFamily:
    """What ``iqa-bench metrics`` lists about one family."""

    name: str
    factory: Callable[[Optional[str]], Metric]
    higher_is_better: Optional[bool]  # None: each metric of the family says (the pyiqa bridge)
    needs_weights: bool
    source: str
    description: str
    argument: str = ""  # e.g. "delta (default 1.0)"; empty: the family takes no argument
    aliases: tuple = field(default_factory=tuple)
    #: Named conventions, ((name, what it reproduces), ...); the first is the default and is what the
    #: bare family name gives (``ssim`` == ``ssim:matlab``). The argument then selects the variant.
    variants: tuple = field(default_factory=tuple)
    #: What the default is calibrated against (``iqa-bench calibrate``); empty: not calibrated.
    calibrated: str = ""
    #: One of :data:`GROUPS`, how ``iqa-bench metrics`` groups the listing.
    group: str = ""
    #: The files or folders an argument names (``mdf:<path>``, ``afm:<checkpoint>``, a ``pyiqa:`` option
    #: naming a file): a spec read from a file the user did not type may not name any (:func:`check_spec_from_file`).
    files_named: Optional[Callable[[Optional[str]], List[str]]] = None
    #: The weight files this family owns (:class:`~iqa_bench.weights.WeightFile`), listed by
    #: ``iqa-bench weights``.
    weight_files: tuple = field(default_factory=tuple)
    #: The keys of the files a spec's argument needs: the family's own and backbones' (``vgg16``;
    #: ``vgg16:random`` needs none); looked up by :func:`~iqa_bench.metrics.weight_manifest.files_for_spec`.
    files_needed: Optional[Callable[[Optional[str]], List[str]]] = None
    #: The factory takes ``weights_folder=``: the folder of the family's weight files a run names
    #: (``--mdf-weights``), passed down by :func:`create_metric` (never through the environment).
    takes_weights_folder: bool = False
    #: The optional package a bridged family runs (``iqa-bench metrics`` says whether it is installed;
    #: a metric of no declared direction takes the package's).
    package: str = ""
    #: For a family whose library fetches its own files when a metric is built: build it (so the files
    #: are fetched) and say where they are (``iqa-bench weights --prefetch``).
    own_files: Optional[Callable[[Optional[str]], str]] = None
    #: The spec names Python code to import (``pkg.mod:Name``, :mod:`.plugins`): refused in a spec read from
    #: a file unless the user trusts it (:func:`check_spec_from_file`).
    names_code: bool = False


#: The listing's groups, in order: what a family compares.
GROUPS = ("pixel", "structural", "information-theoretic", "deep features", "learned", "bridged", "plugins")

FAMILIES: Registry[MetricFamily] = Registry("metric family", plural="metrics")
#: Where a spec no registered family has is looked up next: ``spec -> (family, argument) | None``
#: (:func:`iqa_bench.metrics.plugins.resolve`: code named by the spec, installed entry points).
SPEC_RESOLVERS: List[Callable[[str], Optional[tuple]]] = []


def register(family: MetricFamily) -> MetricFamily:
    if family.group not in GROUPS:
        raise ValueError(f"metric family {family.name!r}: group {family.group!r} is not one of {GROUPS}")
    return FAMILIES.register(family.name, family, family.aliases)


def parse_spec(spec: str):
    """Split a spec into (family, argument); resolves aliases; raises UnknownNameError
    (:func:`~iqa_bench.spec_syntax.split_spec` on the registered families)."""
    try:
        name, arg = split_spec(spec, FAMILIES.entries, FAMILIES.aliases)
    except UnknownNameError:
        for resolver in SPEC_RESOLVERS:
            found = resolver(spec)
            if found is not None:
                return found
        raise
    return FAMILIES[name], arg


TRUST_FLAG = "--trust-specs"


def check_spec_from_file(spec: str, where: str) -> str:
    """A spec read from a file the user did not type on the command line (a YAML config, a baseline, a
    recipe): it may name only a built-in metric, with arguments and options that name no file -- a file
    reaches a loader, and a weight file can carry code. ValueError naming ``where``, the spec and the
    file otherwise; the user allows more with :data:`TRUST_FLAG`. Returns the spec."""
    if not isinstance(spec, str):
        raise ValueError(f"{where}: a metric spec must be a string, got {spec!r}")
    try:
        family, arg = parse_spec(spec)
    except ValueError as err:  # an unknown name or variant: said with the file it came from
        raise ValueError(f"{where}: {err}") from None
    if family.names_code:
        raise ValueError(f"{where}: metric {spec!r} names Python code to import ({family.name}); a spec read from a "
                         f"file may name built-in or installed (entry point) metrics only: type it with -m, or pass "
                         f"{TRUST_FLAG} if you trust {where.split(': ')[0]}")
    named = family.files_named(arg) if family.files_named else []
    if named:
        raise ValueError(f"{where}: metric {spec!r} names the file {named[0]}; a spec read from a file may name "
                         f"built-in metrics only, no file (a weight file can run code when loaded): type it with "
                         f"-m, or pass {TRUST_FLAG} if you trust {where.split(': ')[0]}")
    return spec


def check_specs_from_file(specs, where: str, trusted: bool = False) -> None:
    """:func:`check_spec_from_file` for each spec, unless the user passed :data:`TRUST_FLAG`."""
    if not trusted:
        for spec in specs:
            check_spec_from_file(spec, where)


def spec_terms(text: str) -> List[str]:
    """The metric specs a string of a file may hold: the terms of a loss expression (``w*spec + w*spec``,
    ``{alpha}`` placeholders allowed) or the string itself; a term counts when it names code
    (``pkg.mod:Name``) or a metric family -- a folder, a model name or a label is no spec."""
    from ..plugin_specs import is_code_spec

    found = []
    for part in str(text).replace("{alpha}", "0.5").replace("{beta}", "0.5").split("+"):
        term = part.split("*", 1)[1] if "*" in part else part
        term = term.strip()
        if not term:
            continue
        if is_code_spec(term):
            found.append(term)
            continue
        try:
            parse_spec(term)
        except (ValueError, KeyError):
            continue
        found.append(term)
    return found


def check_file_values(data, where: str, trusted: bool = False) -> None:
    """The one gate for a file that can hold specs (a study, train or evaluate config): every string value
    under every key, at any depth, is checked by :func:`check_spec_from_file` for each spec it holds
    (:func:`spec_terms`), so a key added later is covered without being listed. ValueError naming the key."""
    if trusted:
        return

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")
        elif isinstance(value, str):
            for term in spec_terms(value):
                check_spec_from_file(term, f"{where}: key {path!r}")

    walk(data, "")


def canonical_spec(spec: str) -> str:
    family, arg = parse_spec(spec)
    return family.name if arg is None else f"{family.name}:{arg}"


def create_metric(spec: str, weights_folder=None) -> Metric:
    """The metric Module for a spec string, e.g. ``create_metric("ms_ssim")``. ``weights_folder``: where
    a family that takes one (``mdf``) finds its files (``--mdf-weights``); others ignore it."""
    family, arg = parse_spec(spec)
    metric = family.factory(arg, weights_folder=weights_folder) if family.takes_weights_folder and weights_folder \
        else family.factory(arg)
    metric.spec = family.name if arg is None else f"{family.name}:{arg}"
    return metric


def registered_families() -> List[MetricFamily]:
    """Every family, in the order they were registered."""
    return FAMILIES.values()


def list_metrics() -> List[MetricFamily]:
    """Every family, by group (in :data:`GROUPS` order), then by name."""
    return sorted(FAMILIES.values(), key=lambda f: (GROUPS.index(f.group), f.name))
