"""The engine: batches image pairs onto a device, runs every requested metric, fills the store.

Items are grouped by image size so a batch stacks into one tensor; decoding happens in DataLoader
workers. Only (item, metric) pairs missing from the store are computed; each batch's scores are
committed before the next batch starts.
"""
from __future__ import annotations

import logging
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch.utils.data import DataLoader, Dataset as TorchDataset
from tqdm.auto import tqdm

from .datasets.base import Item
from .errors import MetricContractError, OptionError
from .features import AMP_DTYPES, ReferenceFeatures, is_out_of_memory, shared_features  # noqa: F401 (re-exported)
from .images import image_size, load_rgb
from .metrics.base import Metric
from .metrics.deep import FeatureMetric
from .store import ScoreKey, ScoreStore

log = logging.getLogger(__name__)


def resolve_device(device: Optional[str]) -> torch.device:
    """``auto``/None: CUDA when available, else CPU; anything else is passed to ``torch.device``."""
    if device in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as err:
        raise OptionError("device", f"{{option}}: {err}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise OptionError("device", f"{{option}} {device}: CUDA is not available on this machine")
    return resolved


@dataclass
class Failure:
    item_id: str
    metric: Optional[str]  # None: the item could not be loaded at all
    message: str


@dataclass
class EngineReport:
    reused: int = 0
    computed: int = 0
    failures: List[Failure] = field(default_factory=list)
    #: Metrics stopped for breaking the metric contract: no value of theirs enters the statistics.
    stopped: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Pass:
    """One :meth:`Engine.run`: the dataset's key, per spec the items still to score and the digest of its
    store key, and the report the batches add their failures to."""

    dataset_key: str
    missing: Dict[str, set]
    digests: Dict[str, str]
    report: EngineReport


@dataclass(frozen=True)
class _Batch:
    """Items of one batch and their reference and distorted images (N×3×H×W)."""

    items: List[Item]
    ref: torch.Tensor
    dist: torch.Tensor

    def on(self, device) -> "_Batch":
        return _Batch(self.items, self.ref.to(device, non_blocking=True), self.dist.to(device, non_blocking=True))

    def halves(self) -> Tuple["_Batch", "_Batch"]:
        half = len(self.items) // 2
        return (_Batch(self.items[:half], self.ref[:half], self.dist[:half]),
                _Batch(self.items[half:], self.ref[half:], self.dist[half:]))


class _PairImages(TorchDataset):
    """Decodes (ref, dist) for one item; a failure is returned as a message, not raised. The last few
    references decoded are kept, so a reference shared by consecutive items is decoded once (per
    DataLoader worker)."""

    KEPT_REFERENCES = 4

    def __init__(self, items: Sequence[Item]):
        self.items = items
        self._references: "OrderedDict[str, torch.Tensor]" = OrderedDict()

    def __len__(self):
        return len(self.items)

    def _reference(self, path) -> torch.Tensor:
        key = str(path)
        if key not in self._references:
            self._references[key] = load_rgb(path)
            while len(self._references) > self.KEPT_REFERENCES:
                self._references.popitem(last=False)
        return self._references[key]

    def __getitem__(self, index):
        item = self.items[index]
        try:
            ref, dist = self._reference(item.ref_path), load_rgb(item.dist_path)
        except OSError as err:
            return index, None, None, str(err)
        if ref.shape != dist.shape:
            return index, None, None, (
                f"size mismatch: reference {item.ref_path} is {ref.shape[2]}×{ref.shape[1]}, "
                f"distorted {item.dist_path} is {dist.shape[2]}×{dist.shape[1]}")
        return index, ref, dist, None


def _collate(samples):
    good = [s for s in samples if s[3] is None]
    bad = [(s[0], s[3]) for s in samples if s[3] is not None]
    if not good:
        return [], None, None, bad
    return ([s[0] for s in good], torch.stack([s[1] for s in good]),
            torch.stack([s[2] for s in good]), bad)


def failure_lines(failures: Sequence["Failure"]) -> List[str]:
    """One line per (metric, reason): the count of items and one example, in first-seen order
    (per-item details stay in the run's failures.txt); a reason that kept several metrics from running
    at all is one line naming them."""
    groups: "OrderedDict[Tuple[str, str], List[str]]" = OrderedDict()
    whole: "OrderedDict[str, List[str]]" = OrderedDict()  # a reason that stopped metrics on every item
    for failure in failures:
        if failure.item_id == "(all items)":
            whole.setdefault(failure.message, []).append(failure.metric or "-")
            groups.setdefault(("", failure.message), ["(all items)"])
        else:
            groups.setdefault((failure.metric or "-", failure.message), []).append(failure.item_id)
    lines = []
    for (metric, message), item_ids in groups.items():
        if item_ids == ["(all items)"]:
            lines.append(f"{', '.join(dict.fromkeys(whole[message]))}: {message}")
        else:
            count = f"{len(item_ids)} item{'s' if len(item_ids) > 1 else ''}"
            lines.append(f"{metric}: {message} ({count}, e.g. {item_ids[0]})")
    return lines


def size_batches(items: Sequence[Item], batch_size: int) -> Tuple[List[List[int]], List[Tuple[int, str]]]:
    """Indices grouped into batches of equal distorted-image size, in first-seen order.

    Items whose header cannot be read are returned separately as (index, message).
    """
    groups: "OrderedDict[Tuple[int, int], List[int]]" = OrderedDict()
    unreadable = []
    for index, item in enumerate(items):
        try:
            size = image_size(item.dist_path)
        except OSError as err:
            unreadable.append((index, str(err)))
            continue
        groups.setdefault(size, []).append(index)
    batches = [indices[i:i + batch_size] for indices in groups.values()
               for i in range(0, len(indices), batch_size)]
    return batches, unreadable


#: Overrides the CPU memory budget (GiB) of the memory guard; default: MemAvailable of /proc/meminfo.
MEMORY_ENV = "IQA_BENCH_MAX_MEMORY_GB"


def memory_budget() -> Optional[float]:
    """Bytes a pair's metric may use on the CPU: ``$IQA_BENCH_MAX_MEMORY_GB`` GiB, else 90 % of the
    kernel's MemAvailable; None where neither is known (the guard is then off). A pair whose estimated
    need (``Metric.bytes_per_pixel`` × pixels) exceeds it is reported, never left to the OOM killer."""
    value = os.environ.get(MEMORY_ENV)
    if value:
        try:
            return float(value) * 2 ** 30
        except ValueError:
            raise ValueError(f"${MEMORY_ENV}={value!r} is not a number of GiB") from None
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return 0.9 * int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def score_digest(metric: Metric, amp: Optional[str] = None) -> str:
    """The store key's digest: the metric's, plus the precision its backbone ran in under --amp."""
    return metric.digest() + (f"-amp-{amp}" if amp and isinstance(metric, FeatureMetric) else "")


def score_keys(dataset_key: str, metrics: Sequence[Metric], amp: Optional[str] = None) -> Dict[str, ScoreKey]:
    """spec -> :class:`~iqa_bench.store.ScoreKey` of every metric of a run: the one place a store key is
    made (the engine, the sharded run, the run's values and its ``run.json`` digests all read these)."""
    return {m.spec: ScoreKey(dataset_key, m.spec, score_digest(m, amp)) for m in metrics}


class Engine:
    """Computes metric scores for dataset items into a :class:`ScoreStore`. ``batch_size`` has no default
    here: its one default is the run configuration's (:class:`iqa_bench.run.config.EvaluateConfig`)."""

    def __init__(self, metrics: Sequence[Metric], store: ScoreStore, device=None, *, batch_size: int,
                 num_workers: int = 0, progress: bool = True, amp: Optional[str] = None,
                 channels_last: bool = False, compile: bool = False, reuse_references: bool = True):
        if batch_size < 1:
            raise OptionError("batch_size", f"{{option}} must be at least 1, got {batch_size}")
        if amp not in (None, *AMP_DTYPES):
            raise ValueError(f"amp {amp!r}: choose {', '.join(AMP_DTYPES)}")
        self.device = resolve_device(device) if not isinstance(device, torch.device) else device
        self.metrics = [m.to(self.device).eval() for m in metrics]
        self.amp, self.channels_last = amp, channels_last
        for metric in self.metrics:
            if isinstance(metric, FeatureMetric):
                if channels_last:
                    metric.backbone.to(memory_format=torch.channels_last)
                metric.backbone.compile_extractors = compile
        self.store, self.batch_size, self.num_workers = store, batch_size, num_workers
        self.progress = progress
        #: Each reference image forwarded once per backbone (:mod:`.features`); off: [ref; dist] per pair.
        self.references = ReferenceFeatures() if reuse_references else None
        #: Metrics stopped for breaking the metric contract (:class:`MetricContractError`): one failure line each.
        self.stopped: set = set()

    def run(self, dataset_key: str, items: Sequence[Item], fresh: bool = False,
            known: Optional[Dict[str, set]] = None) -> EngineReport:
        """Score ``items``; pairs already in the store (or in ``known``: spec -> item ids stored
        elsewhere, as a sharded run's main store) are skipped."""
        report = EngineReport()
        keys = score_keys(dataset_key, self.metrics, self.amp)
        if fresh:
            for key in keys.values():
                self.store.delete(*key)
        stored = {spec: set(self.store.scores(*key)) | set((known or {}).get(spec, ())) for spec, key in keys.items()}
        digests = {spec: key.digest for spec, key in keys.items()}
        missing: Dict[str, set] = {spec: {it.item_id for it in items} - values for spec, values in stored.items()}
        report.reused = sum(len(items) - len(m) for m in missing.values())
        todo = [it for it in items if any(it.item_id in m for m in missing.values())]
        if not todo:
            return report
        todo.sort(key=lambda it: str(it.ref_path))  # a reference's items in consecutive batches (stable)

        batches, unreadable = size_batches(todo, self.batch_size)
        report.failures += [Failure(todo[i].item_id, None, msg) for i, msg in unreadable]
        work = _Pass(dataset_key, missing, digests, report)
        loader = DataLoader(_PairImages(todo), batch_sampler=batches, collate_fn=_collate,
                            num_workers=self.num_workers,
                            pin_memory=self.device.type == "cuda")
        bar = tqdm(total=len(todo), desc=f"{dataset_key}", unit="pair", disable=not self.progress,
                   initial=len(unreadable))
        for indices, ref, dist, bad in loader:
            report.failures += [Failure(todo[i].item_id, None, msg) for i, msg in bad]
            if indices:
                batch_items = [todo[i] for i in indices]
                rows = self._score_batch(work, _Batch(batch_items, ref, dist))
                report.computed += self.store.put(rows)
                if self.references is not None:
                    self.references.retain({str(it.ref_path) for it in batch_items})
            bar.update(len(indices) + len(bad))
        bar.close()
        return report

    def _score_batch(self, work: "_Pass", batch: "_Batch", metrics=None) -> list:
        """Rows (dataset, item, spec, digest, value) of ``metrics`` (default: all) on one batch. A metric
        that runs out of device memory is retried on each half of the batch, down to one pair, which is
        then that item's failure; the other metrics' scores are kept either way."""
        batch = batch.on(self.device)
        wanted = {metric: [k for k, it in enumerate(batch.items) if it.item_id in work.missing[metric.spec]]
                  for metric in (self.metrics if metrics is None else metrics) if metric.spec not in self.stopped}
        if self.device.type == "cpu" and not self._within_budget(work, batch, wanted):
            return self._halves(work, batch, metrics)  # smaller batches first; a single pair is judged there
        shared, errors = shared_features([m for m, want in wanted.items() if want], batch.ref, batch.dist,
                                         self.amp, self.channels_last, [str(it.ref_path) for it in batch.items],
                                         self.references)
        rows, out_of_memory = [], []
        for metric, want in wanted.items():
            if not want:
                continue
            try:
                values = self._values(metric, batch, want, shared, errors)
            except MetricContractError as err:  # a plugin's defect: that metric stops, said once
                self.stopped.add(metric.spec)
                work.report.stopped.append(metric.spec)
                work.report.failures.append(Failure("(all items)", metric.spec, str(err)))
                continue
            except Exception as err:  # one metric failing must not lose the others' scores
                if is_out_of_memory(err):
                    out_of_memory.append(metric)
                    continue
                work.report.failures += [Failure(batch.items[k].item_id, metric.spec,
                                                 f"{metric.spec} on {batch.items[k].dist_path}: {err}") for k in want]
                continue
            rows += [(work.dataset_key, batch.items[k].item_id, metric.spec, work.digests[metric.spec], value)
                     for k, value in zip(want, values.detach().double().cpu().tolist())]
        if out_of_memory:
            rows += self._after_out_of_memory(work, batch, out_of_memory)
        return rows

    def _values(self, metric: Metric, batch: "_Batch", want: List[int], shared, errors) -> torch.Tensor:
        """``metric`` on the pairs ``want`` of the batch (all of them: the tensors themselves, no copy), from
        the backbone features the batch shares where it is a feature metric."""
        index = torch.tensor(want, device=self.device)

        def pick(tensor, whole=len(want) == len(batch.items)):
            return tensor if whole else tensor.index_select(0, index)

        with torch.no_grad():
            if isinstance(metric, FeatureMetric):
                if metric.backbone in errors:
                    raise errors[metric.backbone]
                part_ref, part_dist = shared[metric.backbone]
                f_ref = {k: pick(part_ref[k]) for k in (*metric.layers, *metric.reference_transforms)}
                f_dist = {k: pick(part_dist[k]) for k in (*metric.layers, *metric.distorted_transforms)}
                return metric.score_features(pick(batch.ref), pick(batch.dist), f_ref, f_dist)
            return metric(pick(batch.ref), pick(batch.dist))

    def _within_budget(self, work: "_Pass", batch: "_Batch", wanted: dict) -> bool:
        """On the CPU, whether every metric's pairs fit the memory budget (:func:`memory_budget`): False
        where a batch of several pairs should be halved; a single pair over it is that item's failure for
        that metric (taken out of ``wanted``)."""
        budget = memory_budget()
        if budget is None:
            return True
        pixels = batch.ref.shape[-2] * batch.ref.shape[-1]
        need = {m: m.bytes_per_pixel * pixels * len(want) for m, want in wanted.items() if want}
        if len(batch.items) > 1 and any(n > budget for n in need.values()):
            return False
        for metric, n in need.items():
            if n > budget:
                item = batch.items[0]
                work.report.failures.append(Failure(item.item_id, metric.spec, (
                    f"{metric.spec} on {item.dist_path}: needs about {n / 2 ** 30:.1f} GiB for a "
                    f"{batch.ref.shape[-2]}×{batch.ref.shape[-1]} pair, {budget / 2 ** 30:.1f} GiB available: not "
                    f"scored (free memory or use a GPU; {MEMORY_ENV}=N sets the budget in GiB)")))
                wanted[metric] = []
        return True

    def _halves(self, work: "_Pass", batch: "_Batch", metrics) -> list:
        """``metrics`` scored on each half of the batch in turn."""
        first, second = batch.halves()
        return self._score_batch(work, first, metrics) + self._score_batch(work, second, metrics)

    def _after_out_of_memory(self, work: "_Pass", batch: "_Batch", metrics) -> list:
        """Retry ``metrics`` on each half of the batch; a single pair that still does not fit is that
        item's failure, with the image size and the metric."""
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        if len(batch.items) > 1:
            log.info("out of memory on a batch of %d: retrying halves for %s", len(batch.items),
                     ", ".join(m.spec for m in metrics))
            return self._halves(work, batch, metrics)
        item = batch.items[0]
        for metric in metrics:
            work.report.failures.append(Failure(item.item_id, metric.spec, (
                f"{metric.spec} on {item.dist_path}: out of memory on {self.device} for one "
                f"{batch.ref.shape[-1]}×{batch.ref.shape[-2]} pair (batches are split down to one pair; a smaller "
                f"image or a device with more memory is needed)")))
        return []
