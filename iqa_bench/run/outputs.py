"""Every file of a run folder: scores.csv, summary.csv, run.json, the tables, the significance matrices,
the fit-protocol table, the figures and failures.txt, written atomically from the stored scores."""
from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

import numpy as np
import pandas as pd

from .. import imported as imported_scores
from ..io_utils import atomic_write_text, remove_stale
from ..metrics import canonical_spec
from ..reports.html_run import RunView, package_versions
from ..reports.labels import resolve_labels, with_labels
from ..reports.thumbnails import thumbnails
from ..reports.renderers import RENDERERS, TABLE_RENDERERS
from ..reports.summary import separate_ci_table
from ..reports.tables import display_name
from ..stats.summaries import REFERENCE
from ..stats import fit_memory
from ..stats.fit_memory import FitMemory
from ..store import StoreDamagedError, open_store
from ..stats.summaries import build_summary, with_reasons
from .config import EvaluateConfig
from .method_outputs import SCORE_RATINGS, SCORE_SE, mark_trained_on, method_results, training_overlap
from .result import EvaluationResult
from .run_folder import RunFolder

log = logging.getLogger(__name__)


def scores_frame(items, values_by_metric) -> pd.DataFrame:
    """Per-item table: item, score, (where the dataset gives it) score_se, group:<name> columns, then one
    column per metric (NaN if absent)."""
    frame = pd.DataFrame({"item": [it.item_id for it in items], "score": [it.score for it in items]})
    if any(getattr(it, "spread", None) is not None for it in items):
        frame[SCORE_SE] = [np.nan if it.spread is None else it.spread for it in items]
    if any(getattr(it, "ratings", None) is not None for it in items):
        frame[SCORE_RATINGS] = [np.nan if it.ratings is None else it.ratings for it in items]
    for key in sorted({k for it in items for k in it.groups}):
        frame[f"group:{key}"] = [it.groups.get(key, "") for it in items]
    for spec, values in values_by_metric.items():
        frame[spec] = [values.get(it.item_id, float("nan")) for it in items]
    return frame


def write_reports(run_dir: Path, protocol: str, scores: pd.DataFrame, summary: pd.DataFrame, dataset: str,
                  score_text: str, score_label: str, fit: str, plots: bool, layout: str = "paper",
                  ci: str = "below", by: str = "group") -> None:
    """The summary table in every format (``Renderer.table_file``: table.md, table.tex, summary.csv; with
    ``ci="separate"`` also table_ci.tex) and (regression protocol) the figures, written atomically."""
    for renderer in TABLE_RENDERERS.values():
        atomic_write_text(run_dir / renderer.table_file,
                          renderer.summary(protocol, summary, dataset, score_text, layout, ci, by))
    intervals = separate_ci_table(protocol, summary, dataset, score_text, ci)
    if intervals is not None:
        atomic_write_text(run_dir / "table_ci.tex", intervals)
    else:
        remove_stale(run_dir, ["table_ci.tex"])
    if plots and protocol == "regression":
        from ..reports.plots import run_figures

        run_figures(scores, summary, list(dict.fromkeys(summary["metric"])), run_dir / "plots", score_label, fit)


SIGNIFICANCE_FILES = tuple(f"significance{r.suffix}" for r in TABLE_RENDERERS.values())


def significance_of(scores: pd.DataFrame, specs: Sequence[str], directions: dict,
                    score_higher_is_better: Optional[bool], fit: str, bootstrap: int, seed: int, resample: str,
                    correct: str = "none"):
    """:func:`~iqa_bench.stats.significance.compare_metrics` over the metrics with at least 3 values (None
    when fewer than two metrics have a result), resampling the main table's unit: whole reference images
    under ``resample: references``."""
    from ..stats.significance import compare_metrics

    present = [s for s in specs if s in scores.columns and scores[s].notna().sum() >= 3]
    clusters = scores[REFERENCE].to_numpy() if resample == "references" and REFERENCE in scores.columns \
        else None  # one unit of resampling in a run: the main table's and the matrices' paired bootstrap
    result = compare_metrics(scores, present, directions, score_higher_is_better, fit, bootstrap, seed,
                             clusters=clusters, correction=correct) if len(present) >= 2 else None
    return result if result is not None and len(result.metrics) >= 2 else None


def write_significance(run_dir: Path, scores: pd.DataFrame, specs: Sequence[str], directions: dict,
                       score_higher_is_better: Optional[bool], config: EvaluateConfig, dataset: str,
                       labels: Optional[Dict[str, str]] = None):
    """significance.md/.tex/.csv (every pair of metrics with values: F-test, Williams' test, paired
    bootstrap of ΔSROCC/ΔPLCC) and plots/significance_f.png/.pdf; removed when fewer than two metrics
    have values, so a rerun never leaves a stale matrix. Returns the result (None: no matrix)."""
    from ..reports.significance import plot_significance

    result = significance_of(scores, specs, directions, score_higher_is_better, config.main_fit, config.bootstrap,
                             config.seed, config.resample, config.correct)
    if result is None:
        remove_stale(run_dir, SIGNIFICANCE_FILES)
        return None
    name = display_name(dataset)
    for renderer in TABLE_RENDERERS.values():
        atomic_write_text(run_dir / f"significance{renderer.suffix}",
                          renderer.significance(result, name, labels, config.highlight))
    if config.plots:  # redrawn only when the matrix, its names or its title changed
        from ..reports.figure_cache import FigureCache, source_digest
        from ..reports.plots import figure_digest

        corrected = {"holm": ", Holm-corrected", "bh": ", BH-corrected"}.get(result.correction, "")
        title = f"{name}: F-test after the fit (1 = row better, α = {result.alpha:g}{corrected})"
        figures = FigureCache(run_dir / "plots")
        shown = [(labels or {}).get(m) or m for m in result.metrics]
        digest = figure_digest("significance_f", source_digest(plot_significance), result.matrix("f"),
                               result.f_marked(), shown, title)
        figures.draw("significance_f.png", digest,
                     lambda: plot_significance(result, run_dir / "plots" / "significance_f.png", title=title,
                                               labels=labels))
        figures.close()
    return result


FIT_PROTOCOL_FILES = tuple(f"fit_protocols{r.suffix}" for r in TABLE_RENDERERS.values())


def write_fit_protocols(run_dir: Path, scores: pd.DataFrame, specs: Sequence[str], config: EvaluateConfig,
                        dataset: str, score_text: str, labels: Optional[Dict[str, str]] = None) -> Optional[str]:
    """With ``fit: all``, fit_protocols.md/.tex/.csv: PLCC (with its bootstrap interval) and RMSE of every
    metric over all items under each protocol of :data:`~iqa_bench.stats.regression.PROTOCOLS`; otherwise any
    earlier such files are removed. Returns the Markdown table (None without ``fit: all``)."""
    from ..stats.fit_protocols import fit_protocol_table

    if config.fit != "all":
        remove_stale(run_dir, FIT_PROTOCOL_FILES)
        return None
    table = with_labels(fit_protocol_table(scores, [s for s in specs if s in scores.columns], config.bootstrap,
                                           config.seed), labels or {})
    name = display_name(dataset)
    texts = {key: renderer.fit_protocols(table, name, score_text) for key, renderer in TABLE_RENDERERS.items()}
    for key, renderer in TABLE_RENDERERS.items():
        atomic_write_text(run_dir / f"fit_protocols{renderer.suffix}", texts[key])
    return texts["md"]


def _imported_directions(provenance, imported_values, items, ds, notes: List[str]) -> Dict[str, bool]:
    """Declared directions, else the sign of the rank correlation with the subjective scores (said)."""
    subjective = {it.item_id: it.score for it in items}
    directions = {}
    for name, info in provenance.items():
        if info["direction"] is not None:
            directions[name] = info["direction"]
            continue
        higher, srocc = imported_scores.infer_direction(imported_values[name], subjective,
                                                        ds.score.higher_is_better)
        if higher is None:
            higher = True
            notes.append(f"{name}: direction unknown (rank correlation with {ds.score.name} undefined); taken as "
                         f"higher = better; declare it with --scores {name}:higher=FILE or {name}:lower=FILE")
        else:
            notes.append(f"{name}: direction inferred from the data: {'higher' if higher else 'lower'} = better "
                         f"(SROCC {srocc:+.3f} with {ds.score.name}); declare it with --scores "
                         f"{name}:{'higher' if higher else 'lower'}=FILE")
        info["direction"], info["inferred"] = higher, True
        directions[name] = higher
    return directions


def write_run(ds, config, items, modules, specs, unavailable, report, values, folder: RunFolder, keys,
              provenance=None) -> EvaluationResult:
    """Regression / 2AFC statistics of the stored scores and every output file of the run, written into
    ``folder``'s stage (:class:`~iqa_bench.run.run_folder.RunFolder`, moved into place by the caller)."""
    run_dir = folder.stage
    report.failures = unavailable + report.failures
    log.info("%s: %d scores reused from the store, %d computed, %d failures",
             ds.key, report.reused, report.computed, len(report.failures))
    provenance = provenance or {}
    notes: List[str] = []
    directions = {m.spec: m.higher_is_better for m in modules}
    directions.update(_imported_directions(provenance, values, items, ds, notes))
    notes += [f"{name}: {info['sentinel']['text']}" for name, info in provenance.items() if "sentinel" in info]
    specs = specs + list(provenance)

    scores = scores_frame(items, values)
    score_text = ds.score.describe()
    if folder.has_finished_run and not _any_value(scores, specs):
        # every metric failed: the finished run already in the folder is worth more than a table of failures
        summary = build_summary(ds.protocol, scores, specs, directions, config.by, config.main_fit, 0, config.seed,
                                ds.score.higher_is_better, config.resample)
        if ds.protocol == "regression":
            summary = with_reasons(summary, specs + [f.metric for f in unavailable], report.failures)
        notes.append(f"no metric was computed: {folder.final} keeps the previous run's files unchanged")
        folder.keep_previous()
        return EvaluationResult(ds.key, score_text, ds.protocol, scores, summary, folder.final, report.failures,
                                report.reused, report.computed, ds.score.higher_is_better, notes)
    atomic_write_text(run_dir / "scores.csv", scores.to_csv(index=False))
    memory = FitMemory()  # the run's curve fits: made once, shared by every table and figure
    _fit_memory(config, memory.recall, "read")
    with fit_memory.using(memory):
        summary = build_summary(ds.protocol, scores, specs, directions, config.by, config.main_fit,
                                config.bootstrap, config.seed, ds.score.higher_is_better, config.resample)
        if ds.protocol == "regression":
            summary = with_reasons(summary, specs + [f.metric for f in unavailable], report.failures)
        labels = run_labels(list(summary["metric"]) if "metric" in summary.columns else specs, config.labels,
                            provenance)
        labels, summary = mark_trained_on(labels, summary, training_overlap([m.spec for m in modules], ds))
        methods = method_results(scores, specs, directions, ds, config)
        notes += methods.notes
        summary = with_sentinel_notes(methods.with_columns(summary), provenance)
        meta = {"dataset": ds.key, "protocol": ds.protocol, "score": score_text, "score_label": ds.score.label(),
                "score_higher_is_better": ds.score.higher_is_better, "metrics": specs, "higher_is_better": directions,
                "items": len(scores), "digests": {**{spec: key.digest for spec, key in keys.items()},
                            **{name: info["digest"] for name, info in provenance.items()}},
                "imported": provenance, "labels": labels, "config": config.to_dict(),
                "identity": folder.identity.to_dict(),
                "spread": None if ds.spread is None else {"text": ds.spread.describe(), "ratings": ds.spread.ratings}}
        atomic_write_text(run_dir / "run.json", json.dumps(meta, indent=2, default=str))
        write_reports(run_dir, ds.protocol, scores, summary, ds.key, score_text, ds.score.label(),
                      config.main_fit, config.plots, config.layout, config.ci, config.by or "group")
        significance = protocols = None
        if ds.protocol == "regression":
            significance = write_significance(run_dir, scores, specs, directions, ds.score.higher_is_better, config,
                                              ds.key, labels)
            protocols = write_fit_protocols(run_dir, scores, specs, config, ds.key, score_text, labels)
        tables = methods.write(run_dir, ds.key, labels, ds.spread.describe() if ds.spread else "", config.main_fit)
        failures = [(f.item_id, f.metric, f.message) for f in report.failures]
        write_pages(run_dir, RunView(
            dataset=display_name(ds.key), protocol=ds.protocol, score_text=score_text, score_label=ds.score.label(),
            scores=scores, summary=summary, meta=meta, fit=config.main_fit, significance=significance,
            fit_protocols=protocols, failures=failures, thumbnails=thumbnails(items) if config.thumbnails else None,
            versions=package_versions(), tables=tables, group_by=config.by or "group"))
    _fit_memory(config, memory.keep, "write")
    failures_path = run_dir / "failures.txt"
    if report.failures:
        atomic_write_text(failures_path, "".join(f"{f.item_id}\t{f.metric or '-'}\t{f.message}\n"
                                                 for f in report.failures))
    elif failures_path.exists():
        failures_path.unlink()
    return EvaluationResult(ds.key, score_text, ds.protocol, scores, summary, folder.final, report.failures,
                            report.reused, report.computed, ds.score.higher_is_better, notes)


def _any_value(scores: pd.DataFrame, specs: Sequence[str]) -> bool:
    """Whether any metric of ``specs`` has a finite value in the per-item table."""
    return any(np.isfinite(scores[s].to_numpy(float)).any() for s in specs if s in scores.columns)


def with_sentinel_notes(summary: pd.DataFrame, provenance) -> pd.DataFrame:
    """summary.csv with a ``placeholder`` column: on an imported metric's rows, how its file's placeholder
    values were treated (the tables' notes say it)."""
    found = {name: info["sentinel"]["note"] for name, info in (provenance or {}).items()
             if isinstance(info, dict) and isinstance(info.get("sentinel"), dict)
             and isinstance(info["sentinel"].get("note"), str)}
    if found and "metric" in summary.columns:
        summary = summary.copy()
        summary["placeholder"] = [found.get(m, "") for m in summary["metric"]]
    return summary


def write_pages(run_dir: Path, view: RunView) -> None:
    """``report.html`` (every page format's run page), written atomically."""
    for renderer in RENDERERS.values():
        text = renderer.run_page(view)
        if text is not None:
            atomic_write_text(run_dir / f"report{renderer.suffix}", text)


def _fit_memory(config: EvaluateConfig, action, what: str) -> None:
    """Read the curve fits the run's score store keeps, or write this run's into it: a rerun on unchanged
    scores refits nothing. A store that cannot be read or written costs only the time (a warning)."""
    try:
        with open_store(config.store_path) as store:
            action(store)
    except (OSError, sqlite3.Error, StoreDamagedError) as err:
        log.warning("could not %s the fits kept in %s (%s); the fits are made again", what, config.store_path, err)


@contextlib.contextmanager
def finished_run_fits(run_dir: Path, config: dict) -> Iterator[FitMemory]:
    """The curve fits a finished run kept in its score store (``store``, else the results folder's
    ``scores.sqlite`` beside the run folder, or beside its parent for a dataset of a run across several),
    made the fits of the block: ``report`` refits only what the run did not fit. A store that is gone or
    cannot be read costs only the time."""
    memory = FitMemory()
    run_dir = Path(run_dir)
    from ..store import STORE_FILENAME

    candidates = ([Path(config["store"])] if isinstance(config.get("store"), str) else []) + \
        [run_dir.parent / STORE_FILENAME, run_dir.parent.parent / STORE_FILENAME]
    path = next((c for c in candidates if c.is_file()), None)
    if path is not None:
        try:
            with open_store(path) as store:
                memory.recall(store)
        except (OSError, sqlite3.Error, StoreDamagedError) as err:
            log.warning("could not read the fits kept in %s (%s); the fits are made again", path, err)
    with fit_memory.using(memory):
        yield memory


def run_labels(specs: Sequence[str], overrides: Optional[Dict[str, str]], imported=()) -> Dict[str, str]:
    """spec → display name for a run's tables and figures: ``overrides`` (``--label`` / ``labels:``,
    keyed by a spec as typed: ``lpips:alex`` names ``lpips``), imported scores under their own names,
    every other spec by :func:`~iqa_bench.reports.labels.metric_label`."""
    from ..metrics.registry import parse_spec

    keyed = {}
    for spec, text in (overrides or {}).items():
        try:
            key = canonical_spec(spec) if spec not in specs else spec
            parse_spec(key)
        except ValueError:
            key = spec  # an imported name, or a spec of no metric here (ignored below)
        keyed[key] = text
    unknown = [s for s in keyed if s not in specs]
    if unknown:
        raise ValueError(f"--label {unknown[0]}=...: no metric {unknown[0]!r} in this run; its metrics: "
                         f"{', '.join(dict.fromkeys(specs))}")
    return resolve_labels(specs, keyed, verbatim=imported)
