"""Paper recipes: what one published table holds and how to recompute it.

A recipe is a YAML file (``iqa_bench/recipes/published/<name>.yaml``; ``--recipe-file`` for your own)::

    title: "CSF-attention paper, Table 1(b): ..."
    paper: csf-attention-perceptual-loss.txt   # the text the published values were typed from
    source: "Tariq et al. 2019, Table 1(b)"
    kind: regression                           # regression | 2afc | restoration
    sources:                                   # regression/2afc: items pooled for one fit
      - {dataset: live, groups: {distortion: [gblur]}, options: {dmos: realigned}}
    columns: [rmse, lcc, srocc]
    header: [Layer, Metric]                    # the row-label columns
    reading: ["how an unclear part of the paper was read", ...]
    rows:
      - {labels: [Fire2 ReLU expand3x3, lp], metric: "lp:squeezenet1_1/fire2_expand3x3",
         published: [11.0894, 0.7185, 0.7375]}
      - {labels: [...], metric: null, missing: "why this row cannot be computed", published: [...]}

``published`` is a list aligned with ``columns`` (``null`` for a blank) or a mapping column → value.
Restoration recipes name a study ``run`` and ``testset`` per row instead of a ``metric``, and carry
the ``study`` configuration (``iqa-bench study``) that produces the results they read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from ..errors import UnknownNameError
from .published import RECIPE_DIR

KINDS = ("regression", "2afc", "restoration")


@dataclass
class Source:
    dataset: str
    options: Dict[str, Any] = field(default_factory=dict)
    groups: Dict[str, List[str]] = field(default_factory=dict)


@dataclass
class Row:
    labels: List[str]
    published: Dict[str, Optional[float]]
    metric: Optional[str] = None
    run: Optional[str] = None
    testset: Optional[str] = None
    missing: Optional[str] = None
    caveat: Optional[str] = None        # marker of a caveat that applies to this row ("a", "b", ...)


@dataclass
class Caveat:
    """A difference the reader cannot see in the numbers (e.g. a network that is not the paper's),
    marked next to every row with ``label`` among its labels (``*``: every row) and stated below."""
    label: str
    text: str
    marker: str = ""


@dataclass
class Recipe:
    name: str
    title: str
    paper: str
    source: str
    kind: str
    columns: List[str]
    header: List[str]
    rows: List[Row]
    sources: List[Source] = field(default_factory=list)
    reading: List[str] = field(default_factory=list)
    study: Optional[Dict[str, Any]] = None
    path: Optional[Path] = None
    caveats: List[Caveat] = field(default_factory=list)

    @property
    def metrics(self) -> List[str]:
        return list(dict.fromkeys(r.metric for r in self.rows if r.metric))


def _published(raw, columns: List[str], where: str) -> Dict[str, Optional[float]]:
    if raw is None:
        return {}
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - set(columns))
        if unknown:
            raise ValueError(f"{where}: published has column(s) {', '.join(unknown)} not in columns {columns}")
        return {k: (None if v is None else float(v)) for k, v in raw.items()}
    if len(raw) != len(columns):
        raise ValueError(f"{where}: published has {len(raw)} values for {len(columns)} columns {columns}")
    return {k: (None if v is None else float(v)) for k, v in zip(columns, raw)}


def load_recipe(path: Path) -> Recipe:
    """Read and check one recipe file; errors name the file and the offending row."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise ValueError(f"recipe {path}: cannot read it: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"recipe {path}: expected a mapping at the top level")
    missing = [k for k in ("title", "kind", "columns", "header", "rows") if k not in data]
    if missing:
        raise ValueError(f"recipe {path}: missing key(s) {', '.join(missing)}")
    if data["kind"] not in KINDS:
        raise ValueError(f"recipe {path}: kind {data['kind']!r}; valid kinds: {', '.join(KINDS)}")
    columns = [str(c) for c in data["columns"]]
    rows = []
    for k, raw in enumerate(data["rows"]):
        where = f"recipe {path}, row {k + 1}"
        labels = [str(x) for x in raw.get("labels", [])]
        if len(labels) != len(data["header"]):
            raise ValueError(f"{where}: {len(labels)} labels for header {data['header']}")
        row = Row(labels, _published(raw.get("published"), columns, where), raw.get("metric"), raw.get("run"),
                  raw.get("testset"), raw.get("missing"))
        needed = "run" if data["kind"] == "restoration" else "metric"
        if getattr(row, needed) is None and not row.missing:
            raise ValueError(f"{where}: give a {needed} or say why it is missing ('missing: ...')")
        rows.append(row)
    sources = [Source(s["dataset"], dict(s.get("options") or {}), {k: [str(v) for v in vs] for k, vs in
                                                                   (s.get("groups") or {}).items()})
               for s in data.get("sources") or []]
    if data["kind"] != "restoration" and not sources:
        raise ValueError(f"recipe {path}: a {data['kind']} recipe needs 'sources' (the datasets it pools)")
    caveats = []
    for k, raw in enumerate(data.get("caveats") or []):
        if not isinstance(raw, dict) or not raw.get("label") or not raw.get("text"):
            raise ValueError(f"recipe {path}, caveat {k + 1}: expected a mapping with 'label' and 'text'")
        caveat = Caveat(str(raw["label"]), str(raw["text"]), "abcdefghijklmnopqrstuvwxyz"[k % 26])
        marked = [row for row in rows if caveat.label == "*" or caveat.label in row.labels]
        if not marked:
            raise ValueError(f"recipe {path}, caveat {k + 1}: no row has the label {caveat.label!r}")
        for row in marked:
            row.caveat = (row.caveat or "") + caveat.marker
        caveats.append(caveat)
    return Recipe(path.stem, data["title"], data.get("paper", ""), data.get("source", ""), data["kind"], columns,
                  [str(h) for h in data["header"]], rows, sources, list(data.get("reading") or []),
                  data.get("study"), path, caveats)


def recipe_names() -> List[str]:
    return sorted(p.stem for p in RECIPE_DIR.glob("*.yaml"))


def find_recipe(name: str) -> Recipe:
    path = RECIPE_DIR / f"{name}.yaml"
    if not path.exists():
        raise UnknownNameError("recipe", name, recipe_names())
    return load_recipe(path)


def all_recipes() -> List[Recipe]:
    return [find_recipe(name) for name in recipe_names()]
