"""The grammar of a researcher's own metric in a spec, and the installed entry points -- without importing
torch or the plugin itself, so the command line checks a spec in well under a second.

Two spellings name outside code (:mod:`iqa_bench.metrics.plugins` builds the metric;
this module sits below the metric package, which imports torch):

- ``package.module:Name[:argument][:higher|:lower]`` -- Python code the user installed or put on the path:
  a ``torch.nn.Module`` class (called with the argument, or with nothing), a factory (the same), or a
  plain function ``f(ref, dist) -> Tensor[N]`` (no argument). The module path holds at least one dot,
  which no built-in family name has, so ``ssim:matlab`` is never read as code.
- ``name[:argument][:higher|:lower]`` where ``name`` is an entry point of the group
  :data:`ENTRY_POINT_GROUP` that an installed package declares (``[project.entry-points."iqa_bench.metrics"]``).

The trailing ``:higher`` / ``:lower`` states the direction when the object does not (its
``higher_is_better`` attribute), or overrides it.
"""
from __future__ import annotations

import ast
import logging
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "iqa_bench.metrics"
DIRECTIONS = {"higher": True, "lower": False}
_CODE = re.compile(r"\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+):([A-Za-z_][\w.]*)(?::(.*))?\s*")


def is_code_spec(spec: str) -> bool:
    """Whether ``spec`` names Python code (``package.module:Name...``)."""
    return isinstance(spec, str) and _CODE.fullmatch(spec) is not None


def split_code_spec(spec: str) -> Tuple[str, str, Optional[str]]:
    """``"pkg.mod:Name:0.5:lower"`` -> ("pkg.mod", "Name", "0.5:lower"); the rest is None when absent."""
    match = _CODE.fullmatch(spec)
    if match is None:
        raise ValueError(f"metric {spec!r}: expected package.module:Name[:argument][:higher|:lower]")
    rest = match.group(3)
    return match.group(1), match.group(2), rest.strip() if rest is not None and rest.strip() else None


def split_direction(rest: Optional[str]) -> Tuple[Optional[str], Optional[bool]]:
    """``"0.5:lower"`` -> ("0.5", False); ``"higher"`` -> (None, True); ``"0.5"`` -> ("0.5", None)."""
    if rest is None:
        return None, None
    head, sep, last = rest.rpartition(":")
    word = (last if sep else rest).strip().lower()
    if word in DIRECTIONS:
        return (head.strip() or None) if sep else None, DIRECTIONS[word]
    return rest, None


def installed_entry_points() -> Dict[str, object]:
    """The entry points of :data:`ENTRY_POINT_GROUP` by name (read from the installed packages' metadata;
    nothing is imported). A name two packages declare keeps the first and says so."""
    from importlib import metadata

    found: Dict[str, object] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        key = entry.name.strip().lower()  # specs are matched ignoring case, as built-in names are
        if key in found:
            if found[key].value != entry.value:
                log.warning("metric plugin %r is declared twice (%s and %s); the first is used", entry.name,
                            found[key].value, entry.value)
            continue
        found[key] = entry
    return found


def is_entry_value(value: str) -> bool:
    """Whether an entry point's value has the form ``package.module:Name`` (a module without a dot too)."""
    return re.fullmatch(r"\s*[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\s*:\s*[A-Za-z_][\w.]*\s*", str(value)) is not None


def printable(text: str) -> str:
    """``text`` without control characters (a docstring's terminal escape sequences print as nothing)."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x1f\x7f-\x9f]", "", str(text))


def distribution_of(entry) -> Tuple[str, str]:
    """(distribution name, version) of an entry point, ("?", "?") when its metadata says nothing."""
    dist = getattr(entry, "dist", None)
    if dist is None:
        return "?", "?"
    return dist.metadata["Name"] or "?", dist.version or "?"


def _module_file(dotted: str) -> Optional[Path]:
    """The source file of module ``dotted``, found without running any of its package's code (only the
    top-level package is located; the rest is a path under it)."""
    import importlib.util

    top, *rest = dotted.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if not rest:
        return Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None
    for folder in spec.submodule_search_locations or ():
        base = Path(folder).joinpath(*rest)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _read_statically(path: Optional[Path], attr: str) -> Tuple[Optional[bool], str]:
    """(higher_is_better, first docstring line) of ``attr`` read from the source with :mod:`ast` -- a class
    attribute ``higher_is_better = True``, or ``attr.higher_is_better = True`` at module level -- so that
    listing a plugin runs none of its code."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, AttributeError):
        return None, ""
    higher, doc = None, ""
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == attr:
            doc = (ast.get_docstring(node) or "").strip().splitlines()[:1]
            doc = doc[0] if doc else ""
            for item in node.body if isinstance(node, ast.ClassDef) else ():
                if isinstance(item, ast.Assign) and any(getattr(t, "id", "") == "higher_is_better" for t in item.targets) \
                        and isinstance(item.value, ast.Constant) and isinstance(item.value.value, bool):
                    higher = item.value.value
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and \
                isinstance(node.value.value, bool) and any(
                    isinstance(t, ast.Attribute) and t.attr == "higher_is_better" and getattr(t.value, "id", "") == attr
                    for t in node.targets):
            higher = node.value.value
    return higher, doc


def listing_rows() -> List[Dict]:
    """``iqa-bench metrics``'s rows of the installed plugins: name, package, version, direction and
    description read from the metadata and, statically, from the source (no plugin code runs, nor torch)."""
    rows = []
    for name, entry in installed_entry_points().items():
        dist, version = distribution_of(entry)
        module, _, attr = entry.value.partition(":")
        higher, doc = _read_statically(_module_file(module.strip()), attr.strip().split(".")[0]) \
            if is_entry_value(entry.value) else (None, f"unusable: its value {entry.value!r} is not module:Name")
        rows.append({"name": name, "argument": "", "aliases": [], "higher": higher, "weights": False,
                     "calibrated": "", "source": printable(f"{dist} {version} ({entry.value})"),
                     "description": printable(doc) or "installed plugin", "variants": [],
                     "group": "plugins (installed)", "package": ""})
    return rows
