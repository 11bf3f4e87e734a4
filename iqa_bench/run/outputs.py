"""Every file of a run folder: scores.csv, summary.csv, run.json, the tables, the significance matrices,
the fit-protocol table, the figures and failures.txt, written atomically from the stored scores."""
from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

from .. import imported as imported_scores
from ..io_utils import atomic_write_text, remove_stale
from ..metrics import canonical_spec
from ..reports.html_run import RunView, package_versions
from ..reports.labels import resolve_labels, with_labels
from ..reports.thumbnails import thumbnails
from ..reports.renderers import RENDERERS, TABLE_RENDERERS
from ..reports.tables import display_name
from ..stats.evaluated_run import EvaluatedRun
from ..store import StoreDamagedError, open_store
from ..stats.summaries import build_summary, with_reasons
from .config import EvaluateConfig, statistics_settings
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


def write_reports(run_dir: Path, run: EvaluatedRun, summary: pd.DataFrame, config: EvaluateConfig) -> None:
    """The summary table in every format (``Renderer.table_file``: table.md, table.tex, summary.csv; with
    ``ci="separate"`` also table_ci.tex) and (regression protocol) the figures, written atomically."""
    by = config.by or "group"
    for renderer in TABLE_RENDERERS.values():
        atomic_write_text(run_dir / renderer.table_file, renderer.summary(run.protocol, summary, run.dataset,
                                                                          run.score_text, config.layout, config.ci, by))
    for renderer in TABLE_RENDERERS.values():  # --ci separate: the intervals' own table (LaTeX)
        intervals = renderer.ci_table(run.protocol, summary, run.dataset, run.score_text, config.ci)
        if intervals is not None:
            atomic_write_text(run_dir / f"table_ci{renderer.suffix}", intervals)
        else:
            remove_stale(run_dir, [f"table_ci{renderer.suffix}"])
    if config.plots and run.protocol == "regression":
        from ..reports.plots import run_figures

        run_figures(run, summary, run_dir / "plots")


SIGNIFICANCE_FILES = tuple(f"significance{r.suffix}" for r in TABLE_RENDERERS.values())


def significance_of(run: EvaluatedRun):
    """:func:`~iqa_bench.stats.significance.compare_metrics` over the run's metrics with at least 3 values
    (None when fewer than two metrics have a result), resampling the main table's unit: whole reference
    images under ``resample: references``."""
    from ..stats.significance import compare_metrics

    scores = run.scores
    present = [s for s in run.specs if s in scores.columns and scores[s].notna().sum() >= 3]
    result = compare_metrics(run, present) if len(present) >= 2 else None
    return result if result is not None and len(result.metrics) >= 2 else None


def write_significance(run_dir: Path, run: EvaluatedRun, config: EvaluateConfig):
    """significance.md/.tex/.csv (every pair of metrics with values: F-test, Williams' test, paired
    bootstrap of ΔSROCC/ΔPLCC) and plots/significance_f.png/.pdf; removed when fewer than two metrics
    have values, so a rerun never leaves a stale matrix. Returns the result (None: no matrix)."""
    from ..reports.significance import plot_significance

    result = significance_of(run)
    if result is None:
        remove_stale(run_dir, SIGNIFICANCE_FILES)
        return None
    name, labels = display_name(run.dataset), dict(run.labels)
    for renderer in TABLE_RENDERERS.values():
        atomic_write_text(run_dir / f"significance{renderer.suffix}",
                          renderer.significance(result, name, labels, config.highlight))
    if config.plots:  # redrawn only when the matrix, its names or its title changed
        from ..reports.figure_cache import FigureCache, source_digest
        from ..reports.plots import figure_digest

        corrected = {"holm": ", Holm-corrected", "bh": ", BH-corrected"}.get(result.correction, "")
        title = f"{name}: F-test after the fit (1 = row better, α = {result.alpha:g}{corrected})"
        figures = FigureCache(run_dir / "plots")
        shown = [run.label(m) for m in result.metrics]
        digest = figure_digest("significance_f", source_digest(plot_significance), result.matrix("f"),
                               result.f_marked(), shown, title)
        figures.draw("significance_f.png", digest,
                     lambda: plot_significance(result, run_dir / "plots" / "significance_f.png", title=title,
                                               labels=labels))
        figures.close()
    return result


FIT_PROTOCOL_FILES = tuple(f"fit_protocols{r.suffix}" for r in TABLE_RENDERERS.values())


def fit_protocols_of(run: EvaluatedRun):
    """The fit-protocol table of every metric with values (``fit: all``), else None."""
    from ..reports.fit_protocols import fit_protocols_document
    from ..stats.fit_protocols import fit_protocol_table

    if not run.settings.all_fits:
        return None
    table = with_labels(fit_protocol_table(run), dict(run.labels))
    return fit_protocols_document(table, display_name(run.dataset), run.score_text)


def write_fit_protocols(run_dir: Path, run: EvaluatedRun):
    """With ``fit: all``, fit_protocols.md/.tex/.csv: PLCC (with its bootstrap interval) and RMSE of every
    metric over all items under each protocol of :data:`~iqa_bench.stats.regression.PROTOCOLS`; otherwise any
    earlier such files are removed. Returns the table's document (the page's section; None without
    ``fit: all``)."""
    document = fit_protocols_of(run)
    if document is None:
        remove_stale(run_dir, FIT_PROTOCOL_FILES)
        return None
    for renderer in TABLE_RENDERERS.values():
        atomic_write_text(run_dir / f"fit_protocols{renderer.suffix}", renderer.draw(document))
    return document


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


@dataclass
class Scored:
    """What the scoring stage hands the run writer: the dataset and its items, the metrics made (and those
    that could not run, as failures), the engine's report, every stored value by metric and item, the store
    keys, and the imported scores' provenance."""

    ds: object
    items: list
    modules: list
    specs: List[str]
    unavailable: list
    report: object
    values: Dict[str, dict]
    keys: dict
    provenance: Dict[str, dict] = field(default_factory=dict)


def write_run(scored: Scored, config: EvaluateConfig, folder: RunFolder) -> EvaluationResult:
    """Regression / 2AFC statistics of the stored scores and every output file of the run, written into
    ``folder``'s stage (:class:`~iqa_bench.run.run_folder.RunFolder`, moved into place by the caller)."""
    ds, report, provenance = scored.ds, scored.report, scored.provenance
    run_dir = folder.stage
    report.failures = scored.unavailable + report.failures
    log.info("%s: %d scores reused from the store, %d computed, %d failures",
             ds.key, report.reused, report.computed, len(report.failures))
    notes: List[str] = []
    run = _evaluated(scored, config, notes)
    specs, scores = list(run.specs), run.scores
    every = specs + [f.metric for f in scored.unavailable]
    if folder.has_finished_run and not _any_value(scores, specs):
        # every metric failed: the finished run already in the folder is worth more than a table of failures
        summary = build_summary(run.with_settings(bootstrap=0))
        summary = with_reasons(summary, every, report.failures) if ds.protocol == "regression" else summary
        notes.append(f"no metric was computed: {folder.final} keeps the previous run's files unchanged")
        folder.keep_previous()
        return EvaluationResult(ds.key, run.score_text, ds.protocol, scores, summary, folder.final, report.failures,
                                report.reused, report.computed, ds.score.higher_is_better, notes)
    atomic_write_text(run_dir / "scores.csv", scores.to_csv(index=False))
    _fit_memory(config, run.fits.recall, "read")  # the run's curve fits: made once, kept for the next run
    summary = build_summary(run)
    summary = with_reasons(summary, every, report.failures) if ds.protocol == "regression" else summary
    labels = run_labels(list(summary["metric"]) if "metric" in summary.columns else specs, config.labels,
                        provenance)
    labels, summary = mark_trained_on(labels, summary, training_overlap([m.spec for m in scored.modules], ds))
    run = run.named(labels)
    methods = method_results(run)
    notes += methods.notes
    summary = with_sentinel_notes(methods.with_columns(summary), provenance)
    meta = _run_meta(scored, run, config, folder)
    atomic_write_text(run_dir / "run.json", json.dumps(meta, indent=2, default=str))
    write_reports(run_dir, run, summary, config)
    significance = write_significance(run_dir, run, config) if ds.protocol == "regression" else None
    protocols = write_fit_protocols(run_dir, run) if ds.protocol == "regression" else None
    tables = methods.write(run_dir, run)
    write_pages(run_dir, RunView(
        run=run, summary=summary, meta=meta, significance=significance, fit_protocols=protocols,
        failures=[(f.item_id, f.metric, f.message) for f in report.failures],
        thumbnails=thumbnails(scored.items) if config.thumbnails else None, versions=package_versions(), tables=tables,
        group_by=config.by or "group"))
    _fit_memory(config, run.fits.keep, "write")
    _write_failures(run_dir, report.failures)
    return EvaluationResult(ds.key, run.score_text, ds.protocol, scores, summary, folder.final, report.failures,
                            report.reused, report.computed, ds.score.higher_is_better, notes)


def _evaluated(scored: Scored, config: EvaluateConfig, notes: List[str]) -> EvaluatedRun:
    """The run's :class:`~iqa_bench.stats.evaluated_run.EvaluatedRun`: the per-item table, the metrics (the
    imported ones last) with their directions (an imported one's inferred where not declared: said in
    ``notes``, as each imported file's placeholder rule is), the statistics settings."""
    ds, provenance = scored.ds, scored.provenance
    directions = {m.spec: m.higher_is_better for m in scored.modules}
    directions.update(_imported_directions(provenance, scored.values, scored.items, ds, notes))
    notes += [f"{name}: {info['sentinel']['text']}" for name, info in provenance.items() if "sentinel" in info]
    return EvaluatedRun(scores_frame(scored.items, scored.values), tuple(scored.specs + list(provenance)), directions,
                        ds.score.higher_is_better, statistics_settings(config.to_dict()), ds.protocol,
                        ds.spread.ratings if ds.spread else None, dataset=ds.key, score_text=ds.score.describe(),
                        score_label=ds.score.label(), spread_text=ds.spread.describe() if ds.spread else "")


def _run_meta(scored: Scored, run: EvaluatedRun, config: EvaluateConfig, folder: RunFolder) -> dict:
    """run.json: what the run was (dataset, protocol, score, metrics, directions, store digests, imported
    files, labels, configuration, identity, the scores' spread)."""
    ds, provenance = scored.ds, scored.provenance
    return {"dataset": ds.key, "protocol": ds.protocol, "score": run.score_text, "score_label": run.score_label,
            "score_higher_is_better": ds.score.higher_is_better, "metrics": list(run.specs),
            "higher_is_better": dict(run.directions), "items": len(run.scores),
            "digests": {**{spec: key.digest for spec, key in scored.keys.items()},
                        **{name: info["digest"] for name, info in provenance.items()}},
            "imported": provenance, "labels": dict(run.labels), "config": config.to_dict(),
            "identity": folder.identity.to_dict(),
            "spread": None if ds.spread is None else {"text": ds.spread.describe(), "ratings": ds.spread.ratings}}


def _write_failures(run_dir: Path, failures) -> None:
    """failures.txt: item, metric and message of each failure (removed when there is none)."""
    path = run_dir / "failures.txt"
    if failures:
        atomic_write_text(path, "".join(f"{f.item_id}\t{f.metric or '-'}\t{f.message}\n" for f in failures))
    elif path.exists():
        path.unlink()


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
