"""The grammar of a metric spec (``name[:argument]``), apart from what the names mean.

One function serves the registry (:func:`iqa_bench.metrics.registry.parse_spec`, with the live families)
and the command line's check before anything heavy is imported (:func:`iqa_bench.catalog.check_specs`,
with the shipped listing), so a typo in a metric fails in well under a second with the very message the
registry gives. A family is anything with ``variants`` ((name, description) pairs, the default first) and
``argument`` (what the argument is, or empty when the family takes none).
"""
from __future__ import annotations

from typing import Mapping, Optional, Tuple

from .errors import UnknownNameError


def split_spec(spec: str, families: Mapping[str, object], aliases: Mapping[str, str]) -> Tuple[str, Optional[str]]:
    """(family name, argument) of a spec: aliases resolved, a variant lower-cased and the default variant
    spelled by the bare name (argument None); raises UnknownNameError for an unknown name and ValueError
    for an unknown variant or an argument to a family that takes none."""
    text = spec.strip()
    name, sep, arg = text.partition(":")
    name = aliases.get(name.strip().lower(), name.strip().lower())
    if name not in families:
        raise UnknownNameError("metric", spec, list(families) + list(aliases))
    family = families[name]
    arg = arg.strip() if sep else None
    if family.variants and arg is not None:
        names = [v[0] for v in family.variants]
        arg = arg.lower()
        if arg not in names:
            raise ValueError(f"metric {name!r}: unknown variant {arg!r} in {spec!r}; "
                             f"variants: {', '.join(names)} (default {names[0]})")
        if arg == names[0]:
            arg = None  # the default convention is spelled by the bare name
    elif arg is not None and not family.argument:
        raise ValueError(f"metric {name!r} takes no argument, got {spec!r}")
    return name, arg
