"""One table across datasets, as FR-IQA papers print their benchmark: metrics as rows; for every
dataset its PLCC / SROCC / KROCC with bootstrap intervals (2AFC datasets: the 2AFC score), and beside
them the peers' published SROCC / KROCC where a peer benchmarked the same measure on that dataset
(:mod:`.peer_values`). Built from finished runs' summaries, so a run evaluated elsewhere (imported
scores, another machine) joins the table without recomputation.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
import pandas as pd

from ..io_utils import run_files
from .peer_values import PEERS, SOURCES, peer_values
from .labels import label_of
from ..stats.summaries import ALL, INVERTED
from .table_model import Cell, Column, Document, Note, Row, Table
from .tables import LABELS, RESAMPLING, best_rows, display_name, shown_value, stat_parts
from .twoafc import SUBSET_STATISTICS

STATS = ("plcc", "srocc", "krocc")


@dataclass
class DatasetRun:
    """One column group of the table: a finished run's overall rows."""

    name: str          # as the table heads it (the run folder's name where it differs from the key)
    key: str           # dataset key as stored (live:realigned, tid2013, ...)
    protocol: str      # regression | 2afc | jnd
    summary: pd.DataFrame
    folder: str = ""   # the run folder (as given), to tell two runs of one dataset apart

    @property
    def overall(self) -> pd.DataFrame:
        return self.summary[self.summary["group"] == ALL].drop_duplicates("metric").set_index("metric")


def load_dataset_run(run_dir) -> DatasetRun:
    """A run folder written by ``iqa-bench evaluate`` (run.json and summary.csv), as one column group."""
    run_dir = Path(run_dir)
    meta_path, summary_path = run_files(run_dir, "run.json", "summary.csv")
    try:
        meta = json.loads(meta_path.read_text())
        summary = pd.read_csv(summary_path)
    except (ValueError, OSError) as err:
        raise ValueError(f"{run_dir}: cannot read run.json / summary.csv ({err})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("dataset"), str) or \
            not {"metric", "group"} <= set(summary.columns):
        raise ValueError(f"{run_dir}: run.json has no dataset name or summary.csv no metric/group columns")
    if not (summary["group"] == ALL).any():
        raise ValueError(f"{summary_path}: no overall ('{ALL}') row: the file is damaged or not a run's summary")
    for column in summary.columns:  # numbers stay numbers; anything else in their place becomes "n/a"
        if column in ("n",) + tuple(f"{k}{s}" for k in STATS + ("rmse", "twoafc", "jnd_map")
                                    for s in ("", "_lo", "_hi")):
            summary[column] = pd.to_numeric(summary[column], errors="coerce")
    key = meta["dataset"]
    return DatasetRun(dataset_label(key), key, str(meta.get("protocol", "regression")), summary, str(run_dir))


def dataset_label(key: str) -> str:
    """A dataset key as the table heads it: the adapter's name (``live:realigned`` -> live), a custom
    dataset by its folder."""
    return display_name(key) if key.startswith("custom:") else key.partition(":")[0].split("-v")[0]


def load_dataset_runs(run_dirs: Sequence) -> List[DatasetRun]:
    """Several run folders; two runs of one dataset (e.g. LIVE with both DMOS versions) are told apart by
    their folders' names."""
    runs = [load_dataset_run(d) for d in run_dirs]
    return distinct_names(runs)


def distinct_names(runs: List[DatasetRun]) -> List[DatasetRun]:
    """Runs of one dataset headed by their folder's name, or by its path where those agree too."""
    for label in (lambda r: Path(r.folder).name, lambda r: r.folder):
        names = [r.name for r in runs]
        for run in runs:
            if names.count(run.name) > 1 and run.folder:
                run.name = label(run)
    names = [r.name for r in runs]
    if len(set(names)) < len(runs):
        raise ValueError("the same run is given twice: " + ", ".join(sorted({n for n in names if names.count(n) > 1})))
    return runs


def _distinct(runs: Sequence[DatasetRun], column: str) -> Dict[str, str]:
    return {run.name: ", ".join(sorted(str(v) for v in run.summary.loc[run.summary["group"] == ALL, column]
                                       .dropna().unique()))
            for run in runs if column in run.summary.columns and run.protocol == "regression"}


def _size(run: DatasetRun) -> str:
    n = pd.to_numeric(run.overall["n"], errors="coerce").max() if "n" in run.overall.columns else np.nan
    what = {"2afc": "triplets", "jnd": "pairs"}.get(run.protocol, "images")
    return f"{run.name} ({int(n)} {what})" if np.isfinite(n) and n else run.name


def _caption(runs: Sequence[DatasetRun]) -> str:
    parts = ["Across datasets: " + ", ".join(_size(r) for r in runs)]
    for column, label in (("fit", "fit"), ("resample", "bootstrap:")):
        per_run = _distinct(runs, column)
        if column == "resample":
            per_run = {k: RESAMPLING.get(v, v) for k, v in per_run.items()}
        values = set(per_run.values())
        if len(values) == 1:
            parts.append(f"{label} {values.pop()}")
        elif values:
            parts.append(f"{label} per dataset: " + ", ".join(f"{k} {v}" for k, v in per_run.items()))
    parts.append("|correlation| with 95% bootstrap CI in brackets; peers' published SROCC / KROCC beside ours "
                 "where they benchmarked the same measure")
    return "; ".join(parts)


def across_frame(runs: Sequence[DatasetRun]) -> pd.DataFrame:
    """Long form: one row per metric × dataset with our statistics as shown (correlations as magnitudes,
    intervals flipped with them) and each peer's published SROCC / KROCC (strings, as printed)."""
    metrics = list(dict.fromkeys(m for run in runs for m in run.overall.index))
    records = []
    for metric in metrics:
        for run in runs:
            overall = run.overall
            if metric not in overall.index:
                continue
            row = overall.loc[metric]
            record = {"metric": metric, "dataset": run.name, "dataset_key": run.key, "protocol": run.protocol,
                      "n": row.get("n", np.nan), "fit": row.get("fit", ""), "resample": row.get("resample", ""),
                      "sign": row.get("sign", ""), "status": row.get("status", ""), "note": row.get("note", "")}
            if isinstance(row.get("label"), str) and row.get("label"):  # the run's display name (--label)
                record["label"] = row["label"]
            keys = STATS if run.protocol == "regression" else (SUBSET_STATISTICS[run.protocol][0],)
            for key in keys:
                value = float(row.get(key, np.nan))
                lo, hi = float(row.get(f"{key}_lo", np.nan)), float(row.get(f"{key}_hi", np.nan))
                record[key], record[f"{key}_lo"], record[f"{key}_hi"] = shown_value(key, value, lo, hi)
            for peer, value in peer_values(metric, run.key.partition(":")[0]).items():
                record.update({f"{peer}_row": value.row, f"{peer}_srocc": value.srocc, f"{peer}_krocc": value.krocc,
                               f"{peer}_note": value.note})
            records.append(record)
    return pd.DataFrame(records)


def _cell(record, key: str):
    """(value, interval) of a statistic as the per-dataset tables show it (:func:`.tables.stat_parts`),
    † when inverted."""
    if record is None:
        return "—", ""
    value, interval = stat_parts(record, key)
    return value + (" †" if record.get("sign") == INVERTED else ""), interval


def _columns(runs: Sequence[DatasetRun], frame: pd.DataFrame):
    """(heading, dataset name, key or (peer,), is ours) per column, peers only where they have a value."""
    columns = []
    for run in runs:
        keys = STATS if run.protocol == "regression" else (SUBSET_STATISTICS[run.protocol][0],)
        columns += [(f"{run.name} {LABELS.get(k, {'jnd_map': 'JND mAP'}.get(k, '2AFC'))}", run.name, k, True)
                    for k in keys]
        part = frame[frame["dataset"] == run.name]
        for peer in PEERS:
            if f"{peer}_srocc" in part.columns and part[f"{peer}_srocc"].notna().any():
                columns.append((f"{run.name} {peer} SROCC / KROCC", run.name, peer, False))
    return columns


def _table(frame: pd.DataFrame, runs: Sequence[DatasetRun]):
    """Rows of (metric, cells, bold flags) and the column headings."""
    columns = _columns(runs, frame)
    lookup = {(r["metric"], r["dataset"]): r for r in frame.to_dict("records")}
    best = {}
    for _heading, dataset, key, ours in columns:
        if not ours:
            continue
        part = frame[(frame["dataset"] == dataset) & (frame["n"].fillna(0) > 0)]
        best[(dataset, key)] = set(part.loc[list(best_rows(part, key)), "metric"]) if key in part.columns else set()
    rows = []
    names = {r["metric"]: label_of(r) for r in frame.to_dict("records")}
    for metric in dict.fromkeys(frame["metric"]) if not frame.empty else ():
        cells, intervals, flags = [], [], []
        for _heading, dataset, key, ours in columns:
            record = lookup.get((metric, dataset))
            if ours:
                value, interval = _cell(record, key)
                cells.append(value)
                intervals.append(interval)
                flags.append(metric in best[(dataset, key)])
            else:
                srocc = record.get(f"{key}_srocc") if record else None
                cells.append(f"{srocc} / {record[f'{key}_krocc']}" if isinstance(srocc, str) else "—")
                intervals.append("")
                flags.append(False)
        rows.append((metric, names[metric], cells, intervals, flags))
    return columns, rows


def _notes(frame: pd.DataFrame) -> List[Note]:
    """Footnotes: the peers' sources and row mapping, what was not computed (LaTeX: without the reason,
    which can hold a machine path), the † note."""
    notes = []
    for peer in PEERS:
        if f"{peer}_srocc" in frame.columns and frame[f"{peer}_srocc"].notna().any():
            notes.append(Note(f"{peer}: {SOURCES[peer]}."))
            mapped = frame.dropna(subset=[f"{peer}_srocc"])
            for (metric, row, note), _ in mapped.groupby([mapped["metric"], mapped[f"{peer}_row"],
                                                          mapped[f"{peer}_note"].fillna("")]):
                if metric != row or note:
                    notes.append(Note(f"{metric} beside {peer}'s {row}" + (f" ({note})" if note else "") + "."))
    missing = [r for r in frame.to_dict("records") if isinstance(r.get("note"), str) and r["note"]]
    notes += [Note(f"{label_of(r)} on {r['dataset']} not computed: {r['note']}", text_only=True) for r in missing]
    if missing:
        notes.append(Note("Not computed (reasons in each run's failures.txt): "
                          + ", ".join(f"{label_of(r)} on {r['dataset']}" for r in missing) + ".", latex_only=True))
    if "sign" in frame.columns and (frame["sign"] == INVERTED).any():
        notes.append(Note("† correlation sign contradicts the metric's declared direction (see the dataset's table)."))
    return notes


def across_document(runs: Sequence[DatasetRun]) -> Document:
    """The table across datasets: one column group per dataset (LaTeX: one block each, in one float); the
    CSV format writes the long form (:func:`across_frame`)."""
    frame = across_frame(runs)
    columns, rows = _table(frame, runs)
    table = Table([Column(heading, heading[len(dataset) + 1:], group=dataset) for heading, dataset, _, _ in columns],
                  [Row(name, [Cell(c, i, b) for c, i, b in zip(cells, intervals, flags)], spec=spec)
                   for spec, name, cells, intervals, flags in rows],
                  name_header="metric", name_short="Metric", caption=_caption(runs),
                  short_caption="Each metric across datasets: correlation with each dataset's subjective scores; best of "
                                "each column in bold.", font=r"\small", group_style="blocks")
    return Document([table], notes=_notes(frame), note_style="list", data=frame)
