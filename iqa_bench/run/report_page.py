"""``report.html`` of a finished run (``iqa-bench report RUN --format html``): the run folder read back, the
significance matrices and fit protocols computed again as the run did, from the fits it kept, the method
tables (P.1401, Krasula, held-out mapping) as the run kept them."""
from __future__ import annotations

from pathlib import Path
from typing import List

import pandas as pd

from ..reports.gmad_analysis import read_analysis_section
from ..reports.html_run import RunView, package_versions
from ..reports.renderers import RENDERERS
from ..reports.thumbnails import thumbnails
from ..stats.evaluated_run import EvaluatedRun
from .config import statistics_settings
from .method_outputs import method_results, read_sections
from .outputs import fit_protocols_of, significance_of


def read_failures(run_dir: Path) -> List[tuple]:
    """failures.txt as (item, metric, message) rows ([] when absent; a line without tabs is kept whole as
    the message)."""
    path = Path(run_dir) / "failures.txt"
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t", 2)
        if line.strip():
            rows.append(tuple(parts) if len(parts) == 3 else ("", "", line))
    return rows


def finished_run_page(run_dir: Path, meta: dict, run: EvaluatedRun, summary: pd.DataFrame,
                      with_thumbnails: bool = False, by: str = "") -> str:
    """``report.html`` of a finished run (``iqa-bench report RUN --format html``): ``run`` as
    :func:`~iqa_bench.run.result.evaluated_run` rebuilt it from the folder (``meta``: its run.json), the
    significance matrices and, under ``fit: all``, the fit protocols computed again as the run did, from the
    fits it kept; the method tables (P.1401, Krasula, held-out mapping) as the run kept them
    (:data:`~.method_outputs.SECTIONS_FILE`), computed again where the file is absent or damaged or where
    ``report`` changes the run's statistics settings; a judged gMAD run's analysis (``iqa-bench gmad analyse``)
    as it kept it; ``with_thumbnails``: the dataset is opened again from
    run.json's dataset and root to read its images."""
    significance = protocols = None
    tables: List = []
    if run.protocol == "regression":
        named = run.named({m: label for m, label in zip(summary["metric"], summary["label"])}
                          if "label" in summary.columns else {})
        significance = significance_of(named)
        protocols = fit_protocols_of(named)
        kept = read_sections(run_dir) if run.settings == statistics_settings(meta["config"]) else None
        tables = kept if kept is not None else method_results(named).sections(named)
    judged = read_analysis_section(run_dir)
    tables = list(tables) + ([judged] if judged else [])
    images = _thumbnails(meta, run.scores) if with_thumbnails else None
    view = RunView(run=run, summary=summary, meta=meta, significance=significance, fit_protocols=protocols,
                   failures=read_failures(run_dir), thumbnails=images, versions=package_versions(), tables=tables,
                   group_by=by or "group")
    return RENDERERS["html"].run_page(view)


def _thumbnails(meta: dict, scores: pd.DataFrame) -> dict:
    """The page's thumbnails of every item, read from the dataset opened again at the run's root."""
    from ..datasets import create_dataset

    config = meta["config"]
    dataset = create_dataset(config.get("dataset", meta["dataset"]), root=_single_root(config),
                             **dict(config.get("dataset_options") or {}))
    by_id = {it.item_id: it for it in dataset.items()}
    missing = [str(i) for i in scores["item"] if str(i) not in by_id]
    if missing:
        raise ValueError(f"--thumbnails: the dataset at the run's root has no item {missing[0]!r} (and "
                         f"{len(missing) - 1} more); is the root still the one the run scored?")
    return thumbnails([by_id[str(i)] for i in scores["item"]])


def _single_root(config: dict):
    root = config.get("root")
    if isinstance(root, dict):
        name = str(config.get("dataset", ""))
        return root.get(name) or next(iter(root.values()), None)
    return root
