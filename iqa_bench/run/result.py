"""What a run leaves: :class:`EvaluationResult` (returned by :func:`iqa_bench.run.evaluate.evaluate`),
:func:`load_run`, which reads a finished run folder back (``iqa-bench report``), and
:func:`evaluated_run`, the same :class:`~iqa_bench.stats.evaluated_run.EvaluatedRun` the run computed
its statistics from, rebuilt from the folder with the fits the run kept."""
from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import pandas as pd

from ..engine import Failure
from ..io_utils import run_files
from ..reports.renderers import renderer
from ..stats.evaluated_run import EvaluatedRun
from ..stats.fit_memory import FitMemory
from ..store import STORE_FILENAME, StoreDamagedError, open_store
from .config import check_recorded_config, statistics_settings

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
        return renderer(fmt).summary(self.protocol, summary, self.dataset, self.score_text, layout, ci)


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
            not isinstance(meta.get("dataset"), str) or "score" not in meta or \
            not all(k in config for k in ("fit", "bootstrap", "seed")):
        raise ValueError(f"{meta_path}: not a run.json written by `iqa-bench evaluate` (it needs dataset, score, "
                         f"metrics and config with fit, bootstrap, seed)")
    try:
        meta["scores"] = pd.read_csv(scores_path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ValueError(f"{scores_path}: not a readable scores table ({err})") from None
    missing = [c for c in ["item", "score"] + list(meta["metrics"]) if c not in meta["scores"].columns]
    if missing:
        raise ValueError(f"{scores_path}: no column {', '.join(map(str, missing))} (run.json lists these metrics); "
                         f"the file is damaged or from another run")
    directions = meta.get("higher_is_better", {})
    if not isinstance(directions, dict) or not all(isinstance(k, str) and isinstance(v, bool)
                                                   for k, v in directions.items()):
        raise ValueError(f"{meta_path}: 'higher_is_better' must map each metric to true or false, got "
                         f"{directions!r:.80}")
    check_recorded_config(config, f"{meta_path}: config")
    _check_recorded_fields(meta, meta_path)
    repeated = meta["scores"]["item"][meta["scores"]["item"].duplicated()].astype(str).tolist()
    if repeated:
        raise ValueError(f"{scores_path}: the item {repeated[0]} appears more than once"
                         + (f" (and {len(repeated) - 1} more)" if len(repeated) > 1 else "")
                         + "; the file is damaged: rerun `iqa-bench evaluate` (the store keeps every score)")
    expected = meta.get("items")
    if not scores_path.read_bytes().endswith(b"\n") or (isinstance(expected, int) and len(meta["scores"]) != expected):
        raise ValueError(f"{scores_path}: truncated ({len(meta['scores'])} rows read"
                         + (f", run.json says {expected} items" if isinstance(expected, int) else ", no final newline")
                         + "); rerun `iqa-bench evaluate` (the store keeps every score: nothing is recomputed)")
    return meta


def evaluated_run(run_dir, run: dict, **settings) -> EvaluatedRun:
    """The finished run of ``run_dir`` (``run``: what :func:`load_run` read) as the value its statistics
    were computed from: its scores, metrics, directions and statistics settings (``settings``: those
    ``report`` changes, e.g. ``fit``, ``bootstrap``, ``by``; None keeps the run's), with the curve fits the
    run kept (:func:`finished_run_fits`)."""
    spread = run.get("spread") if isinstance(run.get("spread"), dict) else {}
    ratings = spread.get("ratings")
    changes = {key: value for key, value in settings.items() if value is not None}
    return EvaluatedRun(
        run["scores"], tuple(run["metrics"]), run.get("higher_is_better", {}), run.get("score_higher_is_better"),
        dataclasses.replace(statistics_settings(run["config"]), **changes), run.get("protocol", "regression"),
        float(ratings) if isinstance(ratings, (int, float)) and not isinstance(ratings, bool) else None,
        finished_run_fits(run_dir, run["config"]), dataset=run["dataset"], score_text=run["score"],
        score_label=run.get("score_label") or "score", spread_text=spread.get("text") or "",
        labels={k: v for k, v in (run.get("labels") or {}).items() if isinstance(v, str)})


def finished_run_fits(run_dir: Path, config: dict) -> FitMemory:
    """The curve fits a finished run kept in its score store (``store``, else the results folder's
    ``scores.sqlite`` beside the run folder, or beside its parent for a dataset of a run across several):
    ``report`` refits only what the run did not fit. A store that is gone or cannot be read costs only
    the time."""
    memory = FitMemory()
    run_dir = Path(run_dir)
    candidates = ([Path(config["store"])] if isinstance(config.get("store"), str) else []) + \
        [run_dir.parent / STORE_FILENAME, run_dir.parent.parent / STORE_FILENAME]
    path = next((c for c in candidates if c.is_file()), None)
    if path is not None:
        try:
            with open_store(path) as store:
                memory.recall(store)
        except (OSError, sqlite3.Error, StoreDamagedError) as err:
            log.warning("could not read the fits kept in %s (%s); the fits are made again", path, err)
    return memory


#: run.json's own fields that ``report`` reads, each with the types it may hold (None: absent or null).
_RECORDED = {"protocol": ("one of regression, 2afc, jnd", lambda v: v in ("regression", "2afc", "jnd")),
             "score": ("a text", lambda v: isinstance(v, str)),
             "score_label": ("a text", lambda v: v is None or isinstance(v, str)),
             "score_higher_is_better": ("true, false or null", lambda v: v is None or isinstance(v, bool)),
             "items": ("a count", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0),
             "labels": ("a mapping of metric to text", lambda v: isinstance(v, dict)),
             "imported": ("a mapping of name to its file's record", lambda v: isinstance(v, dict)),
             "digests": ("a mapping of metric to its code's digest",
                         lambda v: isinstance(v, dict) and all(isinstance(d, str) for d in v.values())),
             "spread": ("null or a mapping with the spread's text",
                        lambda v: v is None or (isinstance(v, dict) and isinstance(v.get("text", ""), str)))}


def _check_recorded_fields(meta: dict, meta_path: Path) -> None:
    """A damaged or hand-edited run.json field is one line naming the file and the field, not a wrong
    direction or a traceback later."""
    for name, (expected, valid) in _RECORDED.items():
        if name in meta and not valid(meta[name]):
            raise ValueError(f"{meta_path}: {name!r} must be {expected}, got {meta[name]!r:.60}")
