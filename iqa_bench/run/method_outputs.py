"""The evaluation-methodology outputs of a run folder: ITU-T P.1401 (p1401.*) and Krasula et al. (krasula.*)
where the dataset gives score spreads, the in-sample / held-out mapping table (mapping.*, ``mapping:
held-out``), the Waterloo L-test / P-test (waterloo.*) where the items name their distortion levels, their
columns in summary.csv, and the learned metrics evaluated on their own training data."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

from ..io_utils import atomic_write_text, remove_stale
from ..metrics.training_data import MARK, trained_on
from ..reports.labels import with_labels
from ..reports.methodology import held_out_document, krasula_document, p1401_document, waterloo_document
from ..reports.renderers import TABLE_RENDERERS
from ..reports.table_model import document_record
from ..reports.tables import display_name
from ..stats.evaluated_run import SCORE_RATINGS, SCORE_SE, EvaluatedRun
from ..stats.p1401 import P1401_COLUMNS

__all__ = ["SCORE_RATINGS", "SCORE_SE", "MethodResults", "method_results"]
#: Said (and written nowhere) when the run's mapping is ``none``.
NO_MAPPING_NOTE = ("no P.1401 table and no held-out mapping table: --fit none maps no metric to the subjective "
                   "scale, and their RMSE, rmse* and outliers are in its units")
KRASULA_COLUMNS = ("auc_ds", "auc_bw", "c0")
HELD_OUT_COLUMNS = ("plcc_held_out", "rmse_held_out")
WATERLOO_COLUMNS = ("l_test", "p_test")

#: The method tables of a run: file stem -> (the :class:`MethodResults` field, the report page's section title,
#: the table's :class:`~iqa_bench.reports.table_model.Document` from the result and the run). A new method
#: table is one entry here (and its builder in :mod:`iqa_bench.reports.methodology`).
METHOD_TABLES = {
    "p1401": ("p1401", "ITU-T P.1401: RMSE, rmse* and outlier ratio",
              lambda result, run: p1401_document(result, display_name(run.dataset), dict(run.labels), run.spread_text)),
    "krasula": ("krasula", "Krasula et al. 2016: AUC different/similar, AUC better/worse, C0",
                lambda result, run: krasula_document(result, display_name(run.dataset), dict(run.labels),
                                                     run.spread_text)),
    "mapping": ("held_out", "In-sample and held-out mapping",
                lambda result, run: held_out_document(with_labels(result, dict(run.labels)), display_name(run.dataset),
                                                      run.settings.fit)),
    "waterloo": ("waterloo", "Waterloo L-test and P-test (no opinion scores)",
                 lambda result, run: waterloo_document(with_labels(result, dict(run.labels)),
                                                       display_name(run.dataset))),
}


#: The method tables' documents as the run computed them (:meth:`MethodResults.write`): what ``report --format
#: html`` draws without computing them again (Krasula's jackknife takes minutes on TID2013).
SECTIONS_FILE = "page_tables.json"


def read_sections(run_dir: Path) -> Optional[List]:
    """The page's method sections a run kept (:data:`SECTIONS_FILE`): [(anchor, title, Document)], or None
    where the file is absent or not what :meth:`MethodResults.write` wrote (the caller computes them again)."""
    from ..reports.table_model import document_from_record

    try:
        records = json.loads((Path(run_dir) / SECTIONS_FILE).read_text(encoding="utf-8"))["sections"]
        sections = [(r["anchor"], r["title"], document_from_record(r["document"])) for r in records]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    if not all(anchor in METHOD_TABLES and isinstance(title, str) for anchor, title, _ in sections):
        return None
    return sections


@dataclass
class MethodResults:
    """A run's P.1401 result, Krasula result and held-out mapping table (each None where not computed)."""

    p1401: object = None     #: stats.p1401.P1401Result, None where not computed
    krasula: object = None   #: stats.krasula.KrasulaResult, None where not computed
    held_out: Optional[pd.DataFrame] = None
    waterloo: Optional[pd.DataFrame] = None  #: stats.waterloo.waterloo_table, where the items name their levels
    notes: List[str] = field(default_factory=list)  # what was skipped, and why (one line each)

    def with_columns(self, summary: pd.DataFrame) -> pd.DataFrame:
        """summary.csv's rows of all items with the P.1401 columns (rmse_dof, rmse_star, outlier_ratio),
        Krasula's (auc_ds, auc_bw, c0) and the held-out mapping's (plcc_held_out, rmse_held_out)."""
        summary = with_overall_columns(summary, self.p1401.table if self.p1401 else None, P1401_COLUMNS)
        summary = with_overall_columns(summary, self.krasula.table if self.krasula else None, KRASULA_COLUMNS)
        summary = with_overall_columns(summary, self.waterloo, WATERLOO_COLUMNS)
        return with_overall_columns(summary, self.held_out, HELD_OUT_COLUMNS)

    def write(self, run_dir: Path, run: EvaluatedRun) -> List:
        """Each table of :data:`METHOD_TABLES` in every format (p1401.md/.tex/.csv, krasula.*, mapping.*), the
        pairs of a comparison (p1401_pairs.csv, krasula_pairs.csv) and the page's sections
        (:data:`SECTIONS_FILE`, where there is one); a table not computed is removed, so no stale one is left.
        Returns the report page's sections (:meth:`sections`)."""
        for stem, (field_name, _, _) in METHOD_TABLES.items():
            if getattr(self, field_name) is None:
                remove_stale(run_dir, [f"{stem}{r.suffix}" for r in TABLE_RENDERERS.values()] + [f"{stem}_pairs.csv"])
        sections = self.sections(run)
        for stem, title, document in sections:
            for renderer in TABLE_RENDERERS.values():
                atomic_write_text(run_dir / f"{stem}{renderer.suffix}", renderer.draw(document, title))
            pairs = getattr(getattr(self, METHOD_TABLES[stem][0]), "pairs", None)
            if isinstance(pairs, pd.DataFrame):
                atomic_write_text(run_dir / f"{stem}_pairs.csv", pairs.to_csv(index=False))
        records = [{"anchor": stem, "title": title, "document": document_record(document)}
                   for stem, title, document in sections]
        if records:
            atomic_write_text(run_dir / SECTIONS_FILE, json.dumps({"sections": records}, indent=1) + "\n")
        else:
            remove_stale(run_dir, [SECTIONS_FILE])
        return sections

    def sections(self, run: EvaluatedRun) -> List:
        """[(file stem, title, :class:`~iqa_bench.reports.table_model.Document`)] of every table computed, in
        the order of :data:`METHOD_TABLES`: the report page's further sections."""
        return [(stem, title, document_of(getattr(self, field_name), run))
                for stem, (field_name, title, document_of) in METHOD_TABLES.items()
                if getattr(self, field_name) is not None]


def method_results(run: EvaluatedRun) -> MethodResults:
    """P.1401 and Krasula where the scores carry their standard error (score_se; Krasula unless
    ``krasula: false``), the matrices under the run's correction; the held-out table under ``mapping:
    held-out``; the Waterloo L-test and P-test where the items name their reference, type and level.
    Regression datasets only."""
    from ..stats.held_out import held_out_table
    from ..stats.krasula import krasula
    from ..stats.p1401 import p1401

    from ..stats.waterloo import waterloo_table

    results, settings = MethodResults(), run.settings
    if run.protocol != "regression":
        return results
    present = run.present
    results.waterloo = waterloo_table(run.scores, present, dict(run.directions), n_boot=settings.bootstrap,
                                      seed=settings.seed)
    if settings.fit == "none":
        if run.has_spread() or settings.mapping == "held-out":
            results.notes.append(NO_MAPPING_NOTE)
    elif settings.mapping == "held-out":
        results.held_out = held_out_table(run, present)
    if not run.has_spread():
        return results
    results.p1401 = p1401(run, present)
    if settings.krasula:
        results.krasula = krasula(run, present)
    return results


def with_overall_columns(summary: pd.DataFrame, table: Optional[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """summary.csv with ``columns`` of ``table`` (one row per metric) on the rows of all items, NaN on the
    group rows; unchanged when ``table`` is None."""
    from ..stats.summaries import ALL

    if table is None or table.empty or "metric" not in summary.columns:
        return summary
    values = table.set_index("metric")
    overall = summary["group"] == ALL
    for column in columns:
        summary[column] = [values.loc[m, column] if o and m in values.index else np.nan
                           for m, o in zip(summary["metric"], overall)]
    return summary


def training_overlap(specs: Sequence[str], ds) -> Dict[str, object]:
    """spec → the :class:`~iqa_bench.metrics.training_data.TrainingData` this dataset (and BAPPS split)
    overlaps, for the run's learned metrics evaluated on their own training data."""
    found = {}
    splits = sorted({part[0] for part in getattr(ds, "parts", [])})  # BAPPS: the (split, subset) parts read
    for spec in specs:
        data = trained_on(spec, ds.name, splits)
        if data is not None:
            found[spec] = data
    return found


def mark_trained_on(labels: Dict[str, str], summary: pd.DataFrame, flags: Dict[str, object]):
    """(labels with § after each flagged metric's name, summary with its ``trained_on`` source column)."""
    labels = {s: f"{text} {MARK}" if s in flags else text for s, text in labels.items()}
    summary = with_labels(summary, labels)
    if flags and "metric" in summary.columns:
        summary["trained_on"] = [flags[m].describe() if m in flags else "" for m in summary["metric"]]
    return labels, summary
