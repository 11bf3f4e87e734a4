"""``iqa-bench paper RECIPE``: recompute one published table through the normal pipeline and write it
beside the paper's own values.

Regression and 2AFC recipes evaluate every source dataset with :func:`iqa_bench.run.evaluate.evaluate` (the
results folder's score store is reused, so a second run or another recipe needing the same metric on
the same data computes nothing), pool the items the recipe names and fit the regression once on the
pool. Restoration recipes read the ``restoration.csv`` written by ``iqa-bench study`` with the
recipe's study configuration. What cannot be computed — a dataset root not given or not found,
weights not obtainable, a row the paper's setup has no counterpart for — becomes one line naming
what is missing and where to get it; the rest of the table still renders.

Outputs in ``out``: ``<recipe>.md``, ``<recipe>.tex`` (a booktabs table), ``<recipe>.csv`` (long
form: row, column, published, ours, CI, difference) and, when data were scored, the scatter grid
``<recipe>-scatter.png`` and the bar chart ``<recipe>-bars.png`` (LCC or 2AFC with bootstrap CI
whiskers, the published value as a marker).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pandas as pd

from ..run.config import parse_roots
from ..io_utils import atomic_write_text
from ..stats.evaluated_run import EvaluatedRun, StatisticsSettings
from ..stats.fit_memory import FitMemory
from ..reports.paper_columns import column
from .recipe import Recipe
from ..stats.summaries import INVERTED, INVERTED_NOTE
from ..reports.tables import shown_value

#: Summary column holding each recipe column's value (regression); 2AFC columns are subsets.
SUMMARY_KEY = {"rmse": "rmse", "lcc": "plcc", "srocc": "srocc", "krocc": "krocc"}
STUDY_FILE = "restoration.csv"


@dataclass
class Value:
    ours: float = float("nan")
    lo: float = float("nan")
    hi: float = float("nan")


@dataclass
class PaperResult:
    recipe: Recipe
    values: List[Dict[str, Value]]           # per row, per column
    notes: List[str] = field(default_factory=list)      # what is missing and where to get it
    data: List[str] = field(default_factory=list)       # what was scored (dataset, items)
    scores: Optional[pd.DataFrame] = None
    weights: str = "imagenet"
    #: The mapping of the regression columns (``--fit``).
    fit: str = "logistic5"
    #: What kept values from being computed, one short name each ("live images", "lpips:alex", ...).
    missing: List[str] = field(default_factory=list)
    #: For a recipe pooling several datasets: the same rows fitted on each dataset alone (their
    #: subjective scales are not aligned), source name -> per row, per column.
    per_source: Dict[str, List[Dict[str, Value]]] = field(default_factory=dict)
    #: The recipe's curve fits, made once for its table and again asked for by its scatter grid.
    fits: FitMemory = field(default_factory=FitMemory, repr=False)

    def difference(self, index: int, key: str) -> float:
        published = self.recipe.rows[index].published.get(key)
        ours = self.values[index][key].ours
        return float("nan") if published is None else ours - published

    def long_table(self) -> pd.DataFrame:
        records = []
        for k, row in enumerate(self.recipe.rows):
            for key in self.recipe.columns:
                value = self.values[k][key]
                records.append({**{h: label for h, label in zip(self.recipe.header, row.labels)},
                                "spec": row.metric or row.run or "", "column": key,
                                "published": row.published.get(key), "ours": value.ours, "ours_lo": value.lo,
                                "ours_hi": value.hi, "difference": self.difference(k, key),
                                "caveat": " ".join(c.text for c in self.recipe.caveats
                                                   if c.marker in (row.caveat or ""))})
        return pd.DataFrame(records)

    def has_values(self) -> bool:
        """Whether any of our values was computed (a table of dashes has none)."""
        return any(np.isfinite(v.ours) for row in self.values for v in row.values())

    def per_source_table(self) -> pd.DataFrame:
        """One row per (recipe row, dataset, column) of the per-dataset fits."""
        records = []
        for source, values in self.per_source.items():
            for k, row in enumerate(self.recipe.rows):
                for key in self.recipe.columns:
                    value = values[k][key]
                    records.append({**{h: label for h, label in zip(self.recipe.header, row.labels)},
                                    "spec": row.metric or "", "fit": source, "column": key, "ours": value.ours,
                                    "ours_lo": value.lo, "ours_hi": value.hi})
        return pd.DataFrame(records)


# -- roots (parsed by config.parse_roots) -------------------------------------------------------

def _root_for(name: str, recipe: Recipe, named: Dict[str, Path], bare: Optional[Path]) -> Optional[Path]:
    if name in named:
        return named[name]
    names = {s.dataset for s in recipe.sources} if recipe.kind != "restoration" else {"study"}
    return bare if len(names) == 1 else None


def _with_weights(spec: str, weights: str) -> str:
    """``lp:vgg16/relu2_2@H10`` with weights ``random`` -> ``lp:vgg16:random/relu2_2@H10``."""
    if weights == "imagenet":
        return spec
    family, sep, arg = spec.partition(":")
    net, slash, rest = arg.partition("/")
    if not sep or not slash or ":" in net:
        return spec
    return f"{family}:{net}:{weights}/{rest}"


def _no_values(recipe: Recipe) -> List[Dict[str, Value]]:
    return [{key: Value() for key in recipe.columns} for _ in recipe.rows]


def _row_notes(recipe: Recipe) -> List[str]:
    """One line per distinct reason a row cannot be computed, naming its rows."""
    reasons: Dict[str, List[str]] = {}
    for row in recipe.rows:
        if not (row.metric if recipe.kind != "restoration" else row.run):
            reasons.setdefault(row.missing, []).append(" / ".join(row.labels))
    return [f"row{'s' if len(rows) > 1 else ''} {'; '.join(rows)}: {reason}" for reason, rows in reasons.items()]


# -- regression / 2AFC ------------------------------------------------------------------------

def _missing_root_line(name: str, root: Optional[Path]) -> str:
    from ..datasets.registry import dataset_class

    cls = dataset_class(name)
    where = getattr(cls, "homepage", "") or "its authors' site"
    if root is None:
        return (f"missing data: {name} images — pass --root {name}=PATH (the official layout; get the dataset "
                f"from {where}); `iqa-bench datasets check {name} --root PATH` verifies a copy")
    return f"missing data: {name} root {root} does not exist (get the dataset from {where})"


@dataclass
class _Recomputation:
    """One recomputation of a regression or 2AFC recipe: where its datasets are (``named`` roots, a ``bare``
    one), the results folder, the statistics settings, the backbones' weights, the options handed to
    :func:`~iqa_bench.run.evaluate.evaluate`, and what is said of it as it goes (notes, data scored, what is
    missing)."""

    recipe: Recipe
    named: Dict[str, Path]
    bare: Optional[Path]
    results: Path
    settings: StatisticsSettings
    weights: str
    options: dict
    notes: List[str] = field(default_factory=list)
    data: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)


def _score_sources(work: _Recomputation, specs: List[str]) -> Optional[pd.DataFrame]:
    """Every source dataset evaluated with ``specs`` (the store reused), its recipe groups kept, pooled; None
    (the reason in the notes) where one cannot be scored."""
    from ..run.evaluate import evaluate

    recipe, notes, data, missing = work.recipe, work.notes, work.data, work.missing
    frames, complete, score_directions = [], True, set()
    for source in recipe.sources:
        root = _root_for(source.dataset, recipe, work.named, work.bare)
        if source.dataset != "sample" and (root is None or not root.exists()):
            notes.append(_missing_root_line(source.dataset, root))
            missing.append(f"{source.dataset} images" if root is None else f"{source.dataset} root {root}")
            complete = False
            continue
        try:
            result = evaluate(source.dataset, specs, root=str(root) if root else None, results=str(work.results),
                              run=f"{recipe.name}-{source.dataset}", bootstrap=0, plots=False,
                              dataset_options=dict(source.options), **work.options)
        except (FileNotFoundError, ValueError, OSError) as err:
            notes.append(f"missing data: {source.dataset} at {root}: {err}")
            missing.append(f"{source.dataset} data at {root}")
            complete = False
            continue
        for failure in result.failures:
            if failure.item_id == "(all items)":  # absent weights, images too small for it, ...
                notes.append(f"not computed: {failure.metric}: {failure.message}")
                missing.append(failure.metric)
        per_item = [f for f in result.failures if f.item_id != "(all items)"]
        if per_item:
            notes.append(f"{len(per_item)} scores of {source.dataset} failed (listed in "
                         f"{result.run_dir.name}/failures.txt of the results folder)")
        frame = result.scores
        for group, wanted in source.groups.items():
            frame = frame[frame[f"group:{group}"].astype(str).isin(wanted)]
        kept = ", ".join(f"{g} in {{{', '.join(v)}}}" for g, v in source.groups.items())
        data.append(f"{source.dataset} ({result.score_text}){': ' + kept if kept else ''}: "
                    f"{len(frame)} items; {result.reused} scores reused from the store, {result.computed} "
                    f"computed; run folder {result.run_dir.name} of the results folder")
        frames.append(frame.assign(**{"group:source": source.dataset}))
        score_directions.add(result.score_higher_is_better)
    if not complete:
        if frames:
            notes.append("ours not computed: the table pools all its sources; score the missing one(s) above")
        return None
    pooled = pd.concat(frames, ignore_index=True, sort=False)
    # The sign check needs one score direction for the pooled table (all DMOS, or all MOS).
    pooled.attrs["score_higher_is_better"] = score_directions.pop() if len(score_directions) == 1 else None
    return pooled


def _fill_statistics(recipe: Recipe, specs: Dict[int, str], pooled: pd.DataFrame, settings: StatisticsSettings,
                     fits: FitMemory, notes: List[str]) -> List[Dict[str, Value]]:
    from ..stats.summaries import build_summary
    from ..metrics import parse_spec

    present = [s for s in dict.fromkeys(specs.values()) if s in pooled.columns and pooled[s].notna().any()]
    directions = {s: parse_spec(s)[0].higher_is_better for s in present}
    run = EvaluatedRun(pooled, tuple(present), directions, pooled.attrs.get("score_higher_is_better"), settings,
                       "2afc" if recipe.kind == "2afc" else "regression", fits=fits)
    summary = build_summary(run) if present else pd.DataFrame()
    if "sign" in summary.columns:
        for _, r in summary[summary["sign"] == INVERTED].iterrows():
            notes.append(f"inverted sign: {r['metric']} ({r['group']}, SROCC {r['srocc']:+.3f}): {INVERTED_NOTE}")
    values = _no_values(recipe)
    for index, spec in specs.items():
        if spec not in present:
            continue
        part = summary[summary["metric"] == spec]
        for key in recipe.columns:
            if recipe.kind == "2afc":
                group = "all" if key == "mean" else key
                hit = part[part["group"] == group]
                if len(hit):
                    r = hit.iloc[0]
                    values[index][key] = Value(100 * r["twoafc"], 100 * r.get("twoafc_lo", np.nan),
                                               100 * r.get("twoafc_hi", np.nan))
                continue
            r = part[part["group"] == "all"].iloc[0]
            stat = SUMMARY_KEY[key]
            shown = shown_value(stat, r[stat], r.get(f"{stat}_lo", np.nan), r.get(f"{stat}_hi", np.nan))
            values[index][key] = Value(*(float(v) for v in shown))
    return values


def _run_iqa(work: _Recomputation) -> PaperResult:
    from ..metrics import canonical_spec

    recipe = work.recipe
    work.notes += _row_notes(recipe)
    specs = {index: canonical_spec(_with_weights(row.metric, work.weights))
             for index, row in enumerate(recipe.rows) if row.metric}
    pooled = _score_sources(work, list(dict.fromkeys(specs.values())))
    return _iqa_result(work, specs, pooled)


def _iqa_result(work: _Recomputation, specs: Dict[int, str], pooled: Optional[pd.DataFrame]) -> PaperResult:
    """The recipe's values from the pooled scores (one fit on the pool; per source alone where it pools
    several), its scatter grid's columns, the notes said."""
    recipe, settings, fits = work.recipe, work.settings, FitMemory()
    values = _no_values(recipe) if pooled is None else _fill_statistics(recipe, specs, pooled, settings, fits,
                                                                         work.notes)
    result = PaperResult(recipe, values, work.notes, work.data, weights=work.weights, fit=settings.fit,
                         missing=work.missing, fits=fits)
    if pooled is not None and len(recipe.sources) > 1:
        for source in dict.fromkeys(s.dataset for s in recipe.sources):
            alone = pooled[pooled["group:source"] == source]
            alone.attrs["score_higher_is_better"] = pooled.attrs.get("score_higher_is_better")
            result.per_source[source] = _fill_statistics(recipe, specs, alone, settings, fits, [])
    if pooled is not None:  # one column per row (rows may share a spec), for the scatter grid
        keep = [c for c in pooled.columns if c in ("item", "score") or c.startswith("group:")]
        result.scores = pooled[keep].assign(**{f"row{index}": pooled[spec] for index, spec in specs.items()
                                               if spec in pooled.columns})
    return result


# -- restoration ------------------------------------------------------------------------------

def _run_restoration(recipe: Recipe, named, bare) -> PaperResult:
    notes, data = _row_notes(recipe), []
    values = _no_values(recipe)
    root = _root_for("study", recipe, named, bare)
    table_path = None if root is None else root / STUDY_FILE
    if table_path is None or not table_path.exists():
        where = "no study folder given (--root STUDY_OUTPUT)" if root is None else f"{table_path} not found"
        notes.append(f"missing data: {where}; train and evaluate the models with `iqa-bench paper {recipe.name} "
                     f"--study-config > {recipe.name}.yaml` (fill in the dataset folders), then "
                     f"`iqa-bench study {recipe.name}.yaml` and pass its output folder as --root")
        return PaperResult(recipe, values, notes, data, missing=["study results (--root STUDY_OUTPUT)"])
    runs = pd.read_csv(table_path)
    if "testset" not in runs.columns:
        runs["testset"] = ""
    data.append(f"study results {table_path}: {len(runs)} (run, test set) rows")
    absent = []
    for index, row in enumerate(recipe.rows):
        if row.run is None:
            continue
        hit = runs[(runs["name"] == row.run) & (runs["testset"].astype(str) == str(row.testset))]
        if hit.empty:
            absent.append(f"{row.run} on {row.testset}")
            continue
        for key in recipe.columns:
            if key in hit.columns and pd.notna(hit.iloc[0][key]):
                values[index][key] = Value(float(hit.iloc[0][key]))
    missing = [f"study runs in {table_path}"] if absent else []
    if absent:
        notes.append(f"missing runs in {table_path}: {', '.join(absent)} (add them to the study and re-run it; "
                     f"finished runs are reused)")
    for key in recipe.columns:
        if key not in runs.columns:
            notes.append(f"{column(key).label} ({key}) is not in {table_path}: see the study's notes.txt for why")
    return PaperResult(recipe, values, notes, data, missing=missing)


# -- entry point ------------------------------------------------------------------------------

def run_recipe(recipe: Recipe, roots=(), results: Path = Path("results/paper"),
               settings: Optional[StatisticsSettings] = None, weights: str = "imagenet", **options) -> PaperResult:
    """Recompute ``recipe``; ``roots`` are ``--root`` texts (``NAME=PATH`` or one bare path); ``settings``:
    the fit, bootstrap resamples and seed of its statistics (default: logistic5, 1000, 0; the pooled table
    has no per-group rows); ``options`` go to :func:`iqa_bench.run.evaluate.evaluate` (device, batch_size,
    mdf_weights, progress, ...)."""
    named, bare = parse_roots(roots)
    if recipe.kind == "restoration":
        return _run_restoration(recipe, named, bare)
    settings = dataclasses.replace(settings or StatisticsSettings(), by=None)
    return _run_iqa(_Recomputation(recipe, named, bare, Path(results), settings, weights, options))


def write_outputs(result: PaperResult, out: Path, plots: bool = True) -> Dict[str, Path]:
    """``<recipe>.md``, ``.tex``, ``.csv`` and the figures into ``out``; returns the paths written."""
    from ..reports.renderers import RENDERERS

    out = Path(out)
    name = result.recipe.name
    written = {}
    for renderer in RENDERERS.values():  # keyed by suffix: md, tex, csv
        written[renderer.suffix[1:]] = out / f"{name}{renderer.suffix}"
        atomic_write_text(written[renderer.suffix[1:]], renderer.paper(result))
    if result.per_source:
        written["per_dataset"] = out / f"{name}-per-dataset.csv"
        atomic_write_text(written["per_dataset"], result.per_source_table().to_csv(index=False))
    if plots:
        _write_figures(result, out, name, written)
    return written


def _write_figures(result: PaperResult, out: Path, name: str, written: Dict[str, Path]) -> None:
    from ..reports.paper_plots import bar_chart, scatter_grid

    bars = bar_chart(result, out / f"{name}-bars.png")
    if bars is not None:
        written["bars"] = bars
    if result.scores is not None and result.recipe.kind == "regression":
        written["scatter"] = scatter_grid(result, out / f"{name}-scatter.png")
