"""``iqa_bench.evaluate``: dataset → engine → store → regression → reports, as the CLI runs it."""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import pandas as pd

from .errors import MetricUnavailableError
from .config import DEFAULT_BY, EvaluateConfig, load_config
from .datasets import Dataset, create_dataset
from .datasets.base import require_unique_items
from . import distributed
from .engine import Engine, Failure, resolve_device, score_digest
from . import imported as imported_scores
from . import regression
from .images import image_size
from .io_utils import atomic_write_text, run_files
from .metrics import canonical_spec, create_metric
from .reports import render_table, summarize
from .reports.labels import label_of, resolve_labels, with_labels
from .reports.tables import ALL, display_name, has_intervals, render_ci_table
from .store import ScoreStore, StoreDamagedError, open_store
from .runlock import ResultsNotWritableError, run_lock
from .twoafc import render_2afc_table, summarize_2afc

log = logging.getLogger(__name__)


@dataclass
class EvaluationResult:
    """What a run produced: per-item scores, the regression summary and where the files went."""

    dataset: str
    score_text: str
    protocol: str
    scores: pd.DataFrame
    summary: pd.DataFrame
    run_dir: Path
    failures: List[Failure] = field(default_factory=list)
    reused: int = 0
    computed: int = 0
    score_higher_is_better: Optional[bool] = None
    notes: List[str] = field(default_factory=list)  # e.g. an imported score's inferred direction

    def table(self, fmt: str = "md", group: Optional[str] = None, layout: str = "paper", ci: str = "below") -> str:
        """The summary rendered as ``md``/``latex``/``csv`` in ``layout`` (paper | groups); ``group``
        limits regression tables to one group (None: every group). 2AFC tables show every subset.
        ``ci``: LaTeX intervals inline | below | separate."""
        summary = self.summary
        if group is not None and self.protocol == "regression" and "group" in summary.columns:
            summary = summary[summary["group"] == group]
        return render_summary(self.protocol, summary, fmt, self.dataset, self.score_text, layout, ci)


def build_summary(protocol: str, scores: pd.DataFrame, specs: Sequence[str], directions: dict,
                  by: Optional[str], fit: str, n_boot: int, seed: int,
                  score_higher_is_better: Optional[bool] = None, resample: str = "items") -> pd.DataFrame:
    """Regression statistics (per group) or 2AFC scores (per subset), by the dataset's protocol.
    With ``score_higher_is_better`` a correlation of the wrong sign is flagged (tables.sign_status);
    ``resample="references"`` bootstraps whole reference images (cluster bootstrap)."""
    if protocol == "2afc":
        return summarize_2afc(scores, specs, directions, n_boot=n_boot, seed=seed)
    column = f"group:{by}" if by else None
    if column is not None and column not in scores.columns:
        column = None
    return summarize(scores, specs, by=column, fit=fit, n_boot=n_boot, seed=seed, directions=directions,
                     score_higher_is_better=score_higher_is_better,
                     clusters="group:reference" if resample == "references" else None)


NOTHING_COMPUTED = "no metric was computed: every requested metric (or every item) failed; the reasons are listed " \
    "in failures.txt and on the terminal"


def render_summary(protocol: str, summary: pd.DataFrame, fmt: str, dataset: str, score_text: str,
                   layout: str = "paper", ci: str = "below", by: str = "group") -> str:
    dataset = display_name(dataset)
    if summary.empty or "metric" not in summary.columns or \
            ("n" in summary.columns and not summary["n"].fillna(0).astype(bool).any()):
        if fmt == "csv":
            return summary.to_csv(index=False)
        notes = [f"{label_of(r)}: {r['note']}" for _, r in summary.iterrows()
                 if "note" in summary.columns and isinstance(r.get("note"), str) and r["note"]]
        prefix = "% " if fmt == "latex" else ""
        return "".join(f"{prefix}{line}\n" for line in [f"{dataset}: {NOTHING_COMPUTED}"] + notes)
    if protocol == "2afc":
        return render_2afc_table(summary, fmt, dataset)
    return render_table(summary, fmt, dataset, score_text, ci=ci, layout=layout, by=by)


def _runnable_on_sizes(modules, items, unavailable: List[Failure]):
    """Drop (and report, before any work) a metric needing larger images than every item has."""
    needing = [m for m in modules if getattr(m, "min_side", 0)]
    if not needing:
        return modules
    largest, enough = 0, max(m.min_side for m in needing)
    for item in items:  # headers only, and only until one image is large enough for every metric
        try:
            largest = max(largest, min(image_size(item.dist_path)))
        except OSError:
            continue  # the engine reports unreadable files per item
        if largest >= enough:
            return modules
    if largest == 0:
        return modules
    kept = []
    for module in modules:
        if getattr(module, "min_side", 0) > largest:
            unavailable.append(Failure("(all items)", module.spec,
                                       f"needs images of at least {module.min_side}×{module.min_side} "
                                       f"pixels ({module.min_side_reason}); this dataset's largest short side is "
                                       f"{largest} pixels"))
        else:
            kept.append(module)
    return kept


def with_reasons(summary: pd.DataFrame, specs: Sequence[str], failures) -> pd.DataFrame:
    """The summary with a ``note`` column saying why a metric has no value at all (its first failure),
    and a row for every requested metric that could not run, so the tables say "not computed"."""
    reasons: Dict[str, str] = {}
    for failure in failures:
        reasons.setdefault(failure.metric, failure.message)
    summary = summary.copy() if "metric" in summary.columns else pd.DataFrame(columns=["metric", "group", "n"])
    summary["note"] = [reasons.get(r["metric"], "") if not r["n"] else "" for _, r in summary.iterrows()]
    missing = [s for s in dict.fromkeys(specs) if s not in set(summary["metric"])]
    extra = pd.DataFrame([{"metric": s, "group": ALL, "n": 0, "status": "not computed", "note": reasons.get(s, "")}
                          for s in missing])
    return pd.concat([summary, extra], ignore_index=True, sort=False) if missing else summary


def scores_frame(items, values_by_metric) -> pd.DataFrame:
    """Per-item table: item, score, group:<name> columns, then one column per metric (NaN if absent)."""
    frame = pd.DataFrame({"item": [it.item_id for it in items], "score": [it.score for it in items]})
    for key in sorted({k for it in items for k in it.groups}):
        frame[f"group:{key}"] = [it.groups.get(key, "") for it in items]
    for spec, values in values_by_metric.items():
        frame[spec] = [values.get(it.item_id, float("nan")) for it in items]
    return frame


def separate_ci_table(protocol: str, summary: pd.DataFrame, dataset: str, score_text: str,
                      ci: str) -> Optional[str]:
    """``--ci separate``: the LaTeX table of the intervals beside an interval-free ``table.tex``
    (None for another mode, for 2AFC, or when no metric has values or intervals: ``--bootstrap 0``)."""
    if ci != "separate" or protocol != "regression" or "n" not in summary.columns or \
            not summary["n"].fillna(0).any() or not has_intervals(summary):
        return None
    return render_ci_table(summary, display_name(dataset), score_text)


def write_reports(run_dir: Path, protocol: str, scores: pd.DataFrame, summary: pd.DataFrame, dataset: str,
                  score_text: str, score_label: str, fit: str, plots: bool, layout: str = "paper",
                  ci: str = "below", by: str = "group") -> None:
    """summary.csv, table.md, table.tex (with ``ci="separate"`` also table_ci.tex) and (regression
    protocol) the figures, written atomically."""
    atomic_write_text(run_dir / "summary.csv", summary.to_csv(index=False))
    atomic_write_text(run_dir / "table.md", render_summary(protocol, summary, "md", dataset, score_text, layout, ci, by))
    atomic_write_text(run_dir / "table.tex", render_summary(protocol, summary, "latex", dataset, score_text, layout,
                                                            ci, by))
    intervals = separate_ci_table(protocol, summary, dataset, score_text, ci)
    if intervals is not None:
        atomic_write_text(run_dir / "table_ci.tex", intervals)
    else:
        _remove_stale(run_dir, ["table_ci.tex"])
    if plots and protocol == "regression":
        from .reports.plots import run_figures

        run_figures(scores, summary, list(dict.fromkeys(summary["metric"])), run_dir / "plots", score_label, fit)


def _remove_stale(run_dir: Path, names: Sequence[str]) -> None:
    """Outputs an earlier run wrote that this run does not: removed, so no stale table is left."""
    for name in names:
        (run_dir / name).unlink(missing_ok=True)


SIGNIFICANCE_FILES = ("significance.md", "significance.tex", "significance.csv")


def write_significance(run_dir: Path, scores: pd.DataFrame, specs: Sequence[str], directions: dict,
                       score_higher_is_better: Optional[bool], config: EvaluateConfig, dataset: str,
                       labels: Optional[Dict[str, str]] = None) -> None:
    """significance.md/.tex/.csv (every pair of metrics with values: F-test, Williams' test, paired
    bootstrap of ΔSROCC/ΔPLCC) and plots/significance_f.png/.pdf; removed when fewer than two metrics
    have values, so a rerun never leaves a stale matrix."""
    from .significance import compare_metrics, plot_significance, render_significance

    present = [s for s in specs if s in scores.columns and scores[s].notna().sum() >= 3]
    result = compare_metrics(scores, present, directions, score_higher_is_better, config.main_fit, config.bootstrap,
                             config.seed) if len(present) >= 2 else None
    if result is None or len(result.metrics) < 2:
        _remove_stale(run_dir, SIGNIFICANCE_FILES)
        return
    name = display_name(dataset)
    atomic_write_text(run_dir / "significance.md", render_significance(result, "md", name, labels))
    atomic_write_text(run_dir / "significance.tex", render_significance(result, "latex", name, labels))
    atomic_write_text(run_dir / "significance.csv", result.pairs.to_csv(index=False))  # kurtoses included
    if config.plots:  # redrawn only when the matrix, its names or its title changed
        from .reports.plots import FigureCache, figure_digest

        title = f"{name}: F-test after the fit (1 = row better, α = {result.alpha:g})"
        figures = FigureCache(run_dir / "plots")
        shown = [(labels or {}).get(m) or m for m in result.metrics]
        drawing = hashlib.sha256(Path(plot_significance.__code__.co_filename).read_bytes()).hexdigest()
        figures.draw("significance_f.png", figure_digest("significance_f", drawing, result.matrix("f"),
                                                         result.f_marked(), shown, title),
                     lambda: plot_significance(result, run_dir / "plots" / "significance_f.png", title=title,
                                               labels=labels))
        figures.close()


FIT_PROTOCOL_FILES = ("fit_protocols.md", "fit_protocols.tex", "fit_protocols.csv")


def write_fit_protocols(run_dir: Path, scores: pd.DataFrame, specs: Sequence[str], config: EvaluateConfig,
                        dataset: str, score_text: str, labels: Optional[Dict[str, str]] = None) -> None:
    """With ``fit: all``, fit_protocols.md/.tex/.csv: PLCC (with its bootstrap interval) and RMSE of every
    metric over all items under each protocol of :data:`~iqa_bench.regression.PROTOCOLS`; otherwise any
    earlier such files are removed."""
    from .reports.fit_protocols import fit_protocol_table, render_fit_protocols

    if config.fit != "all":
        _remove_stale(run_dir, FIT_PROTOCOL_FILES)
        return
    table = with_labels(fit_protocol_table(scores, [s for s in specs if s in scores.columns], config.bootstrap,
                                           config.seed), labels or {})
    name = display_name(dataset)
    atomic_write_text(run_dir / "fit_protocols.csv", table.to_csv(index=False))
    atomic_write_text(run_dir / "fit_protocols.md", render_fit_protocols(table, "md", name, score_text))
    atomic_write_text(run_dir / "fit_protocols.tex", render_fit_protocols(table, "latex", name, score_text))


def evaluate(dataset: Union[str, Sequence[str], Dataset] = "sample", metrics: Optional[Sequence[str]] = None,
             config: Optional[EvaluateConfig] = None, **options) -> EvaluationResult:
    """Score ``dataset`` with ``metrics`` and fit each against the subjective scores.

    Several dataset names (``["tid2013", "live"]``, roots as ``root={"tid2013": DIR, ...}``) evaluate
    each into ``RESULTS/<run>/<name>/`` and return a :class:`~iqa_bench.multi_dataset.AcrossResult` whose
    ``table()`` is one table metric × dataset (also written as ``across.md/.tex/.csv``).

    Keyword options are :class:`~iqa_bench.config.EvaluateConfig` fields (``root``, ``device``,
    ``batch_size``, ``results``, ``fresh``, ``fit``, ``bootstrap``, ...). Scores already in the
    results folder's store are reused.
    """
    if config is None:
        name = dataset.name if isinstance(dataset, Dataset) else dataset
        config = load_config(dataset=name, metrics=list(metrics) if metrics else None, **options)
    if len(config.datasets) > 1 and not isinstance(dataset, Dataset):
        from .multi_dataset import evaluate_datasets

        return evaluate_datasets(config, evaluate)
    ds = dataset if isinstance(dataset, Dataset) else create_dataset(
        config.dataset, root=config.root_for(config.dataset), **config.all_dataset_options())
    if config.mdf_weights:  # read by iqa_bench.metrics.mdf.weights_folder when resolving mdf:<task>
        os.environ["IQA_BENCH_MDF_WEIGHTS"] = str(config.mdf_weights)
    requested = list(dict.fromkeys(canonical_spec(s) for s in config.metrics))
    imported = imported_scores.collect(config.scores, config.scores_dir)
    if imported and ds.protocol != "regression":
        raise ValueError(f"imported scores: dataset {ds.key} is scored by {ds.protocol}; imported values are "
                         f"read for regression datasets (one value per distorted image)")
    clash = [s.name for s in imported if s.name in requested]
    if clash:
        raise ValueError(f"imported scores: {', '.join(clash)} is also a requested metric; import it under "
                         f"another name (NAME=FILE)")
    modules, unavailable = [], []
    for spec in requested:
        try:
            modules.append(create_metric(spec))
        except MetricUnavailableError as err:  # the other metrics still run; this one is reported
            unavailable.append(Failure("(all items)", spec, str(err)))
    items = ds.items()
    require_unique_items(items, f"dataset {ds.key}")
    imported_values = {s.name: imported_scores.read_values(s, [it.item_id for it in items], ds.item_order)
                       for s in imported}
    for source in imported:
        imported_scores.check_order(source, imported_values[source.name], {it.item_id: it.score for it in items},
                                    ds.item_order, ds.score.name)
    modules = _without_images(modules, items, ds, unavailable)
    modules = _runnable_on_sizes(modules, items, unavailable)
    specs = [m.spec for m in modules]
    groups = sorted({k for it in items for k in it.groups})
    if config.by and config.by != DEFAULT_BY and config.by not in groups and ds.protocol == "regression":
        raise ValueError(f"by: {config.by!r} is not a grouping of dataset {ds.key}; its groups: "
                         f"{', '.join(groups) or '(none)'}")
    results = Path(config.results)
    run_dir = results / config.run_name
    store_path = config.store_path
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ResultsNotWritableError(
            f"cannot create the run folder {run_dir} ({err.strerror or err}); choose a writable --results "
            f"folder (a read-only store can still be read with --store {store_path})") from None

    rank, world = distributed.context()
    with run_lock(run_dir) if rank == 0 else contextlib.nullcontext():
        if world > 1:
            report = _sharded_run(ds.key, items, modules, config, store_path, rank, world)
            if rank != 0:
                return None
            with open_store(store_path) as store:
                values = {m.spec: store.scores(ds.key, m.spec, score_digest(m, config.amp)) for m in modules}
        else:
            with open_store(store_path, fresh=config.fresh) as store:
                report = _engine(modules, store, config, config.device, config.progress).run(
                    ds.key, items, fresh=config.fresh)
                values = {m.spec: store.scores(ds.key, m.spec, score_digest(m, config.amp)) for m in modules}
        if imported:
            with open_store(store_path) as store:
                provenance = _store_imported(store, ds, items, imported, imported_values)
        else:
            provenance = {}
        values.update(imported_values)
        return _write_run(ds, config, items, modules, specs, unavailable, report, values, run_dir, provenance)


def _without_images(modules, items, ds, unavailable: List[Failure]):
    """Metadata-only mode: when none of the dataset's distorted images is on disk (score files and
    imported values only), every image metric is reported once, before any work, and none runs."""
    if not modules or not items or any(Path(it.dist_path).exists() for it in items):
        return modules
    where = ds.root if ds.root is not None else Path(items[0].dist_path).parent
    for module in modules:
        unavailable.append(Failure("(all items)", module.spec,
                                   f"the images of {ds.key} are not under {where} (none of its {len(items)} "
                                   f"distorted images is there): only imported scores (--scores) can be evaluated"))
    return []


def _store_imported(store, ds, items, imported, imported_values) -> Dict[str, dict]:
    """Put imported values in the store under their file digest; their provenance for run.json."""
    provenance = {}
    for source in imported:
        digest = source.digest
        if store.scores(ds.key, source.name, digest) != imported_values[source.name]:  # a rerun writes nothing
            store.put((ds.key, item_id, source.name, digest, value)
                      for item_id, value in imported_values[source.name].items())
        provenance[source.name] = {"file": str(source.path), "digest": digest,
                                   "direction": source.higher_is_better}
    return provenance


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


def _write_run(ds, config, items, modules, specs, unavailable, report, values, run_dir,
               provenance=None) -> EvaluationResult:
    """Regression / 2AFC statistics of the stored scores and every output file of the run folder."""
    report.failures = unavailable + report.failures
    log.info("%s: %d scores reused from the store, %d computed, %d failures",
             ds.key, report.reused, report.computed, len(report.failures))
    provenance = provenance or {}
    notes: List[str] = []
    directions = {m.spec: m.higher_is_better for m in modules}
    directions.update(_imported_directions(provenance, values, items, ds, notes))
    specs = specs + list(provenance)

    scores = scores_frame(items, values)
    atomic_write_text(run_dir / "scores.csv", scores.to_csv(index=False))
    score_text = ds.score.describe()
    _fit_memory(config, regression.recall_fits, "read")
    summary = build_summary(ds.protocol, scores, specs, directions, config.by, config.main_fit,
                            config.bootstrap, config.seed, ds.score.higher_is_better, config.resample)
    if ds.protocol == "regression":
        summary = with_reasons(summary, specs + [f.metric for f in unavailable], report.failures)
    labels = run_labels(list(summary["metric"]) if "metric" in summary.columns else specs, config.labels,
                        provenance)
    summary = with_labels(summary, labels)
    meta = {"dataset": ds.key, "protocol": ds.protocol, "score": score_text, "score_label": ds.score.label(),
            "score_higher_is_better": ds.score.higher_is_better, "metrics": specs, "higher_is_better": directions,
            "items": len(scores), "digests": {**{m.spec: score_digest(m, config.amp) for m in modules},
                        **{name: info["digest"] for name, info in provenance.items()}},
            "imported": provenance, "labels": labels, "config": config.to_dict()}
    atomic_write_text(run_dir / "run.json", json.dumps(meta, indent=2, default=str))
    write_reports(run_dir, ds.protocol, scores, summary, ds.key, score_text, ds.score.label(),
                  config.main_fit, config.plots, config.layout, config.ci, config.by or "group")
    if ds.protocol == "regression":
        write_significance(run_dir, scores, specs, directions, ds.score.higher_is_better, config, ds.key, labels)
        write_fit_protocols(run_dir, scores, specs, config, ds.key, score_text, labels)
    _fit_memory(config, regression.keep_fits, "write")
    failures_path = run_dir / "failures.txt"
    if report.failures:
        atomic_write_text(failures_path, "".join(f"{f.item_id}\t{f.metric or '-'}\t{f.message}\n"
                                                 for f in report.failures))
    elif failures_path.exists():
        failures_path.unlink()
    return EvaluationResult(ds.key, score_text, ds.protocol, scores, summary, run_dir, report.failures,
                            report.reused, report.computed, ds.score.higher_is_better, notes)


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
    from .metrics.registry import parse_spec

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
                         f"{', '.join(specs)}")
    return resolve_labels(specs, keyed, verbatim=imported)


def _engine(modules, store, config: EvaluateConfig, device, progress: bool) -> Engine:
    return Engine(modules, store, device=device, batch_size=config.batch_size, num_workers=config.workers,
                  progress=progress, amp=config.amp, channels_last=config.channels_last, compile=config.compile)


def _sharded_run(key, items, modules, config, main: Path, rank: int, world: int):
    """This rank's share of the items into its shard store; rank 0 merges (see :mod:`.distributed`)."""
    results = main.parent
    if rank == 0:  # rank 0 creates (and with --fresh clears) the main store before the others read it
        with ScoreStore(main) as store:
            for m in modules if config.fresh else ():
                store.delete(key, m.spec, score_digest(m, config.amp))
    distributed.barrier()
    with ScoreStore(main) as store:
        known = {m.spec: set(store.scores(key, m.spec, score_digest(m, config.amp))) for m in modules}
    shard_path = results / "shards" / f"{config.run_name.replace('/', '-')}-rank{rank}.sqlite"
    device = distributed.local_device(resolve_device(config.device))
    with ScoreStore(shard_path) as shard:
        report = _engine(modules, shard, config, device, config.progress and rank == 0).run(
            key, list(items)[rank::world], known=known)
    reports = distributed.gather(report)
    distributed.barrier()
    if rank == 0:
        with ScoreStore(main) as store:
            for r in range(world):
                path = results / "shards" / f"{config.run_name.replace('/', '-')}-rank{r}.sqlite"
                store.merge_from(path)
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
    distributed.barrier()
    merged = reports[0]
    for other in reports[1:]:
        merged.computed += other.computed
        merged.failures += other.failures
    merged.reused = sum(len(items) - sum(1 for it in items if it.item_id not in known[m.spec]) for m in modules)
    return merged


def load_run(run_dir) -> dict:
    """The run.json and scores.csv of a finished run (for ``iqa-bench report``)."""
    meta_path, scores_path = run_files(run_dir, "run.json", "scores.csv")
    try:
        meta = json.loads(meta_path.read_text())
    except (UnicodeDecodeError, ValueError) as err:
        raise ValueError(f"{meta_path}: not a readable run.json ({err}); is {run_dir} a folder written by "
                         f"`iqa-bench evaluate`?") from None
    config = meta.get("config") if isinstance(meta, dict) else None
    if not isinstance(config, dict) or not isinstance(meta.get("metrics"), list) or \
            not isinstance(meta.get("dataset"), str) or not all(k in config for k in ("fit", "bootstrap", "seed")):
        raise ValueError(f"{meta_path}: not a run.json written by `iqa-bench evaluate` (it needs dataset, metrics "
                         f"and config with fit, bootstrap, seed)")
    try:
        meta["scores"] = pd.read_csv(scores_path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ValueError(f"{scores_path}: not a readable scores table ({err})") from None
    missing = [c for c in ["item", "score"] + list(meta["metrics"]) if c not in meta["scores"].columns]
    if missing:
        raise ValueError(f"{scores_path}: no column {', '.join(map(str, missing))} (run.json lists these metrics); "
                         f"the file is damaged or from another run")
    expected = meta.get("items")
    if not scores_path.read_bytes().endswith(b"\n") or (isinstance(expected, int) and len(meta["scores"]) != expected):
        raise ValueError(f"{scores_path}: truncated ({len(meta['scores'])} rows read"
                         + (f", run.json says {expected} items" if isinstance(expected, int) else ", no final newline")
                         + "); rerun `iqa-bench evaluate` (the store keeps every score: nothing is recomputed)")
    return meta
