"""``iqa_bench.evaluate``: dataset → engine → store → statistics → the run folder's files, as the CLI
runs it."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from ..datasets import Dataset, create_dataset
from ..datasets.base import require_unique_items
from ..engine import Failure, score_keys
from ..errors import MetricUnavailableError, OptionError
from .. import imported as imported_scores
from ..images import image_size
from ..metrics import canonical_spec, create_metric
from ..metrics.plugins import PluginImportError
from ..stats.resampling import check_bootstrap_fits
from ..store import open_store
from . import distributed
from .config import DEFAULT_BY, EvaluateConfig, load_config
from .outputs import Scored, write_run
from .result import EvaluationResult
from .run_folder import RunFolder, RunIdentity, choose_run_name
from .runlock import ResultsNotWritableError, run_lock
from .sharded import make_engine, sharded_run


def evaluate(dataset: Union[str, Sequence[str], Dataset] = "sample", metrics: Optional[Sequence] = None,
             config: Optional[EvaluateConfig] = None, *, objects: Optional[Dict[str, object]] = None,
             **options) -> EvaluationResult:
    """Score ``dataset`` with ``metrics`` and fit each against the subjective scores.

    Several dataset names (``["tid2013", "live"]``, roots as ``root={"tid2013": DIR, ...}``) evaluate
    each into ``RESULTS/<run>/<name>/`` and return a :class:`~iqa_bench.run.several.AcrossResult` whose
    ``table()`` is one table metric × dataset (also written as ``across.md/.tex/.csv``).

    Keyword options are :class:`~iqa_bench.run.config.EvaluateConfig` fields (``root``, ``device``,
    ``batch_size``, ``results``, ``fresh``, ``fit``, ``bootstrap``, ...). Scores already in the
    results folder's store are reused.

    ``metrics`` holds specs and, beside them, a researcher's own metric objects: a ``torch.nn.Module``, a
    function ``f(ref, dist) -> Tensor[N]`` (direction from its ``higher_is_better``) or
    :func:`iqa_bench.metrics.as_metric` of one; each runs under its qualified name ``module:Name``.
    """
    objects = dict(objects or {})
    if metrics is not None:
        metrics, objects = _specs_and_objects(metrics, objects)
    if config is None:
        name = dataset.name if isinstance(dataset, Dataset) else dataset
        config = load_config(dataset=name, metrics=list(metrics) if metrics else None, **options)
    if len(config.datasets) > 1 and not isinstance(dataset, Dataset):
        return _evaluate_several(config, objects)
    ds = dataset if isinstance(dataset, Dataset) else create_dataset(
        config.dataset, root=config.root_for(config.dataset), **config.all_dataset_options())
    return _scored_and_written(_planned(ds, config, objects))


@dataclass
class _Plan:
    """One dataset's evaluation before any scoring: its configuration (the run named), the dataset and its
    items, the metrics created and those unavailable (with why), the imported score sources with their
    values and placeholder findings, the run's identity and a note on how the run was named."""

    config: EvaluateConfig
    ds: Dataset
    items: list
    modules: list
    unavailable: list
    imported: list
    imported_values: dict
    sentinels: dict
    identity: RunIdentity
    note: Optional[str]


def _planned(ds: Dataset, config: EvaluateConfig, objects: Dict[str, object]) -> _Plan:
    """Everything checked that can be checked before scoring (unique items, the bootstrap, imported files,
    image sizes, the grouping): what cannot work is refused before any metric runs."""
    requested = list(dict.fromkeys(s if s in objects else canonical_spec(s) for s in config.metrics))
    if config.highlight:
        config = _canonical_highlight(config, requested, objects)
    imported = _imported_sources(config, ds, requested)
    identity = run_identity(config, objects, [s.name for s in imported])
    config, note = _named_run(config, identity)
    modules, unavailable = _created_metrics(requested, objects, config)
    items = ds.items()
    require_unique_items(items, f"dataset {ds.key}")
    check_bootstrap_fits(config.bootstrap, len(items))  # before any scoring: what cannot fit is refused now
    imported_values, sentinels = _imported_values(imported, items, ds, config)
    modules = _without_images(modules, items, ds, unavailable)
    modules = _runnable_on_sizes(modules, items, unavailable)
    _check_grouping(config, items, ds)
    return _Plan(config, ds, items, modules, unavailable, imported, imported_values, sentinels, identity, note)


def _scored_and_written(plan: _Plan) -> Optional[EvaluationResult]:
    """The plan's items scored (the store reused; sharded over a torchrun world) and the run written into
    its folder under the run's lock, committed whole or not at all; None on a non-zero rank."""
    config, ds, items, modules = plan.config, plan.ds, plan.items, plan.modules
    folder = _run_folder(config, plan.identity)
    keys = score_keys(ds.key, modules, config.amp)
    rank, world = distributed.context()
    with run_lock(folder.final) if rank == 0 else contextlib.nullcontext():
        scored = _scored(ds, keys, items, modules, config, rank, world)
        if scored is None:  # a non-zero rank of a torchrun evaluation: rank 0 writes the run
            return None
        report, values = scored
        if plan.imported:
            with open_store(config.store_path) as store:
                provenance = _store_imported(store, ds, items, plan.imported, plan.imported_values, plan.sentinels)
        else:
            provenance = {}
        for spec in report.stopped:  # a metric that broke the contract: not computed, with its one line
            values[spec] = {}
        values.update(plan.imported_values)
        folder.open()
        try:
            result = write_run(Scored(ds, items, modules, [m.spec for m in modules], plan.unavailable, report,
                                      values, keys, provenance), config, folder)
            folder.commit()
        finally:
            folder.discard()
        if plan.note:
            result.notes.insert(0, plan.note)
        return result


def _evaluate_several(config: EvaluateConfig, objects):
    """Several datasets: each into ``RESULTS/<run>/<name>/``, then the table across them."""
    import functools

    from .several import evaluate_datasets

    config, note = _named_run(config, run_identity(config, objects, ()))
    across = evaluate_datasets(config, functools.partial(evaluate, objects=objects))
    if across is not None and note:
        across.notes.append(note)
    return across


def _imported_sources(config: EvaluateConfig, ds, requested: List[str]) -> list:
    """The imported score files of the run (``scores`` / ``scores_dir``), refused on a 2AFC dataset or under
    a requested metric's name."""
    imported = imported_scores.collect(config.scores, config.scores_dir)
    if imported and ds.protocol != "regression":
        raise ValueError(f"imported scores: dataset {ds.key} is scored by {ds.protocol}; imported values are "
                         f"read for regression datasets (one value per distorted image)")
    clash = [s.name for s in imported if s.name in requested]
    if clash:
        raise ValueError(f"imported scores: {', '.join(clash)} is also a requested metric; import it under "
                         f"another name (NAME=FILE)")
    return imported


def _created_metrics(requested: List[str], objects, config: EvaluateConfig) -> tuple:
    """``(modules, unavailable)``: each requested metric made (or the object given), before any scoring; a
    metric that cannot run here is one failure line, a spec naming code that is not importable is refused."""
    modules, unavailable = [], []
    for spec in requested:
        try:
            modules.append(objects[spec] if spec in objects else create_metric(spec, weights_folder=config.mdf_weights))
        except PluginImportError as err:  # a typo or an uninstalled package: refused before any scoring
            raise ValueError(str(err)) from None
        except MetricUnavailableError as err:  # the other metrics still run; this one is reported
            unavailable.append(Failure("(all items)", spec, str(err)))
    return modules, unavailable


def _imported_values(imported, items, ds, config: EvaluateConfig) -> tuple:
    """``(values, sentinels)``: each imported file's values by item, its placeholder values treated by the
    ``sentinels`` rule, its order checked against the dataset's."""
    values, sentinels = {}, {}
    for source in imported:
        values[source.name], found = imported_scores.apply_sentinel_rule(
            source, imported_scores.read_values(source, [it.item_id for it in items], ds.item_order), config.sentinels)
        if found is not None:
            sentinels[source.name] = found  # said in the run's notes, and in its tables' notes
    for source in imported:
        imported_scores.check_order(source, values[source.name], {it.item_id: it.score for it in items},
                                    ds.item_order, ds.score.name)
    return values, sentinels


def _check_grouping(config: EvaluateConfig, items, ds) -> None:
    groups = sorted({k for it in items for k in it.groups})
    if config.by and config.by != DEFAULT_BY and config.by not in groups and ds.protocol == "regression":
        raise ValueError(f"by: {config.by!r} is not a grouping of dataset {ds.key}; its groups: "
                         f"{', '.join(groups) or '(none)'}")


def _run_folder(config: EvaluateConfig, identity: RunIdentity) -> RunFolder:
    """The run's folder, checked (it holds a run or nothing) and created before any scoring."""
    run_dir = Path(config.results) / config.run_name
    folder = RunFolder(run_dir, identity).check()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ResultsNotWritableError(
            f"cannot create the run folder {run_dir} ({err.strerror or err}); choose a writable --results "
            f"folder (a read-only store can still be read with --store {config.store_path})") from None
    return folder


def _scored(ds, keys, items, modules, config: EvaluateConfig, rank: int, world: int):
    """``(report, values)``: every item scored by every metric into the store (sharded over a torchrun
    world), and the stored values; None on a non-zero rank."""
    if world > 1:
        report = sharded_run(ds.key, keys, items, modules, config, rank, world)
        if rank != 0:
            return None
        with open_store(config.store_path) as store:
            return report, {spec: store.scores(*key) for spec, key in keys.items()}
    with open_store(config.store_path, fresh=config.fresh) as store:
        report = make_engine(modules, store, config, config.device, config.progress).run(
            ds.key, items, fresh=config.fresh)
        return report, {spec: store.scores(*key) for spec, key in keys.items()}


def _named_run(config: EvaluateConfig, identity: RunIdentity) -> tuple:
    """``config`` with its run folder named (:func:`~iqa_bench.run.run_folder.choose_run_name`: ``--run``
    as given, else the dataset's name unless it holds a run of other metrics), and the line saying so."""
    if config.run:
        return config, None
    import dataclasses

    name, note = choose_run_name(Path(config.results), config.datasets, identity)
    return dataclasses.replace(config, run=name), note


def run_identity(config: EvaluateConfig, objects, imported_names) -> RunIdentity:
    """The metrics (as the run spells them) and imported names that make a run the same run."""
    return RunIdentity.of([s if s in (objects or {}) else canonical_spec(s) for s in config.metrics], imported_names)


def _canonical_highlight(config: EvaluateConfig, requested: List[str], objects) -> EvaluateConfig:
    """``highlight`` spelled as the run's metrics are; a spec the run does not compute is refused."""
    import dataclasses

    chosen = [s if s in objects else canonical_spec(s) for s in config.highlight]
    stray = [s for s in chosen if s not in requested]
    if stray:
        raise OptionError("highlight", f"{{option}} {', '.join(stray)}: not a metric of this run "
                                       f"({', '.join(requested)})")
    return dataclasses.replace(config, highlight=chosen)


def _specs_and_objects(metrics, objects: Dict[str, object]):
    """Spec strings as given; each metric object as a :class:`~iqa_bench.metrics.plugins.PluginMetric` under
    its name, which two different objects may not share in one run."""
    from ..metrics import as_metric

    specs, given = [], {}
    for entry in metrics:
        if isinstance(entry, str):
            specs.append(entry)
            continue
        metric = as_metric(entry)
        if given.setdefault(metric.spec, entry) is not entry:
            raise ValueError(f"metrics: two different objects are named {metric.spec!r} in one run; name one with "
                             f"iqa_bench.metrics.as_metric(obj, name=...)")
        objects.setdefault(metric.spec, metric)
        specs.append(metric.spec)
    return specs, objects


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


def _store_imported(store, ds, items, imported, imported_values, sentinels) -> Dict[str, dict]:
    """Put imported values in the store under their file digest (and the placeholder rule, where one was
    applied: the store holds the values the run used); their provenance for run.json."""
    provenance = {}
    for source in imported:
        digest = source.digest + (f"-{sentinels[source.name].rule}" if source.name in sentinels else "")
        if store.scores(ds.key, source.name, digest) != imported_values[source.name]:  # a rerun writes nothing
            store.put((ds.key, item_id, source.name, digest, value)
                      for item_id, value in imported_values[source.name].items())
        provenance[source.name] = {"file": str(source.path), "digest": digest,
                                   "direction": source.higher_is_better}
        if source.name in sentinels:
            found = sentinels[source.name]
            provenance[source.name]["sentinel"] = {"value": found.value, "count": found.count, "rule": found.rule,
                                                   "replacement": found.replacement, "text": found.describe(),
                                                   "note": found.describe(with_file=False)}
    return provenance
