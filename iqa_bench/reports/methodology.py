"""The evaluation-methodology tables of a run with score spreads: ITU-T P.1401 (:mod:`..stats.p1401`) and
Krasula et al. 2016 (:mod:`..stats.krasula`): one row per metric (best in bold), then per test the matrix of
1 / 0 / −1 (row metric significantly better / not distinguishable / worse) under the run's correction for
multiple comparisons; the CSV format writes the per-metric tables (the pairs are in ``p1401_pairs.csv`` /
``krasula_pairs.csv``). Also the in-sample / held-out mapping table (:mod:`..stats.held_out`). Each builder
returns a format-neutral :class:`~.table_model.Document`; the formats draw it (:mod:`.renderers`)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

from ..stats.multiple_comparisons import TITLES
from .labels import trained_on_note
from .table_model import Cell, Column, Document, Note, Row, Table, matrix_table, number
from .tables import best_rows


def _names(metrics: Sequence[str], labels: Optional[Dict[str, str]]) -> Dict[str, str]:
    from .labels import metric_label

    return {m: (labels or {}).get(m) or metric_label(m) for m in metrics}


def _matrices(result, names: Dict[str, str], dataset: str) -> List[Table]:
    """One matrix per test of a P.1401 or Krasula result, under the result's correction."""
    out = []
    suffix = "" if result.correction == "none" else f"_{result.correction}"
    for test in result.tests:
        column = f"{test}_symbol{suffix}"
        if result.pairs.empty or column not in result.pairs.columns:
            continue
        symbols = result.pairs.pivot(index="row", columns="col", values=column).reindex(
            index=result.metrics, columns=result.metrics)
        out.append(matrix_table(
            symbols, result.metrics, names, title=result.titles[test], title_note=TITLES[result.correction],
            short_caption=f"{dataset}: {result.titles[test]}; 1: row metric significantly better, −1: worse, "
                          f"0: not distinguishable (α = {result.alpha:g}); {TITLES[result.correction]}."))
    return out


def _rows(table: pd.DataFrame, names, texts, best: Dict[int, Sequence]) -> List[Row]:
    """One row per metric of a result's table: ``texts(r)`` its cells, the cells of column k in bold
    where ``best[k]`` holds the row."""
    return [Row(names[r["metric"]], [Cell(text, bold=i in best.get(k, ())) for k, text in enumerate(texts(r))],
                spec=r["metric"]) for i, r in table.iterrows()]


def p1401_document(result, dataset: str, labels: Optional[Dict[str, str]] = None, spread: str = "") -> Document:
    """The P.1401 table (RMSE with N − d, rmse*, outlier ratio; lowest in bold) and its matrices."""
    table, names = result.table.reset_index(drop=True), _names(result.metrics, labels)
    best = {k: best_rows(table, key, True) for k, key in ((1, "rmse_dof"), (2, "rmse_star"), (3, "outlier_ratio"))}
    rows = _rows(table, names, lambda r: [str(int(r["n"])), number(r["rmse_dof"]), number(r["rmse_star"]),
                                          number(r["outlier_ratio"]), str(int(r["outliers"]))], best)
    d = int(table["d"].iloc[0]) if len(table) else 0
    caption = (f"{dataset}: ITU-T P.1401 figures after the mapping (d = {d} parameters); rmse*: errors within "
               f"the 95% interval of each subjective score count 0; outlier: error beyond that interval; "
               f"interval = t(0.975, K − 1) × the score's standard error" + (f"; {spread}" if spread else "")
               + "; matrices: the standard's tests (§7.6.2, §7.6.4, §7.7), then the paired tests by "
               + _unit_text(result))
    figures = Table([Column(h) for h in ("n", "RMSE (N − d)", "rmse*", "Outlier ratio", "Outliers")], rows,
                    caption=caption, short_caption=f"{dataset}: RMSE (N − d), epsilon-insensitive rmse* and "
                                                   f"outlier ratio (ITU-T P.1401); lowest in bold.",
                    notes=[Note(n) for n in ["In bold: the lowest of each column."] + trained_on_note(names.values())])
    return Document([figures] + _matrices(result, names, dataset), data=result.table)


def krasula_document(result, dataset: str, labels: Optional[Dict[str, str]] = None, spread: str = "") -> Document:
    """The Krasula table (AUC different/similar, AUC better/worse, C₀; highest in bold) and its matrices."""
    table, names = result.table.reset_index(drop=True), _names(result.metrics, labels)
    best = {k: best_rows(table, key, False) for k, key in ((0, "auc_ds"), (1, "auc_bw"), (2, "c0"))}
    rows = _rows(table, names, lambda r: [number(r["auc_ds"]), number(r["auc_bw"]), number(100 * r["c0"], 1),
                                          f"{r['threshold_95']:.4g}" if np.isfinite(r["threshold_95"]) else "—"],
                 best)
    c = result.counts
    caption = (f"{dataset}: Krasula et al. 2016, over all {c['pairs']:,} pairs of {c['items']} items"
               + (" (a random subset of the items)" if c.get("subsampled") else "")
               + f": {c['different']:,} significantly different (|z| > {result.z:.2f}), {c['similar']:,} similar; "
               f"fit-free (raw metric differences, a distance negated)" + (f"; {spread}" if spread else ""))
    notes = ["In bold: the highest of each column. Threshold: the 95th percentile of |Δmetric| over similar "
             "pairs. Matrices: differences tested by " + _unit_text(result) + "."] + trained_on_note(names.values())
    figures = Table([Column(h) for h in ("AUC diff./sim.", "AUC better/worse", "C0 (%)", "Threshold (95%)")], rows,
                    caption=caption, short_caption=f"{dataset}: AUC different/similar, AUC better/worse and C0 "
                                                   f"(Krasula et al. 2016); highest in bold.",
                    notes=[Note(n) for n in notes])
    return Document([figures] + _matrices(result, names, dataset), data=result.table)


def _unit_text(result) -> str:
    """What the paired tests resampled, as a caption says it (with why, where references were asked for
    and the item-level tests ran)."""
    if result.unit == "references":
        return (f"reference content: the delete-one-reference jackknife over {result.clusters} references, paired "
                f"(both metrics on each deletion; Student's t with {result.clusters - 1} df)")
    text = "item: item-level tests that take the items (and pairs of items) as independent"
    return text + (f" -- the reference jackknife was not possible: {result.unit_note}" if result.unit_note else "")


def held_out_document(table: pd.DataFrame, dataset: str, fit: str) -> Document:
    """PLCC and RMSE in-sample and held-out side by side, with the difference."""
    from .labels import label_of

    folds = int(table["folds"].iloc[0]) if len(table) else 0
    caption = (f"{dataset}: PLCC and RMSE after the {fit} mapping, in-sample (fitted on all items, as in the main "
               f"table) and held-out ({folds}-fold by reference content: fitted without the items of a fold's "
               f"references, evaluated on them); |PLCC|; Δ = held-out − in-sample")
    rows = [Row(label_of(r), [Cell(t) for t in (
        number(abs(r["plcc_in_sample"])), number(abs(r["plcc_held_out"])),
        number(abs(r["plcc_held_out"]) - abs(r["plcc_in_sample"]), signed=True), number(r["rmse_in_sample"]),
        number(r["rmse_held_out"]), number(r["d_rmse"], signed=True))], spec=r["metric"]) for _, r in table.iterrows()]
    headers = ("PLCC in-sample", "PLCC held-out", "ΔPLCC", "RMSE in-sample", "RMSE held-out", "ΔRMSE")
    return Document([Table([Column(h) for h in headers], rows, caption=caption,
                           short_caption=f"{dataset}: in-sample and held-out mapping ({folds}-fold by reference).")],
                    data=table)


def waterloo_document(table: pd.DataFrame, dataset: str) -> Document:
    """The L-test and P-test (:mod:`..stats.waterloo`) per metric, each with its bootstrap interval; best in
    bold."""
    from .labels import label_of

    def cell(row, column: str, best: bool) -> Cell:
        low, high = row.get(f"{column}_lo", np.nan), row.get(f"{column}_hi", np.nan)
        interval = f"[{number(low)}, {number(high)}]" if np.isfinite(low) and np.isfinite(high) else ""
        return Cell(number(row[column]), interval, best)

    best = {c: table[c].max() if table[c].notna().any() else np.nan for c in ("l_test", "p_test")}
    rows = [Row(label_of(r), [cell(r, "l_test", bool(r["l_test"] == best["l_test"])),
                              cell(r, "p_test", bool(r["p_test"] == best["p_test"])),
                              Cell(str(int(r["lists"]))), Cell(str(int(r["pairs"])))], spec=r["metric"])
            for _, r in table.iterrows()]
    gap = int(table["min_gap"].iloc[0]) if len(table) else 1
    caption = (f"{dataset}: Waterloo L-test (mean SRCC between each reference-and-type list's levels and the "
               f"metric, 1 = every list ordered) and P-test (share of the pairs of one reference and type "
               f"{gap} or more levels apart that the metric orders as their levels, a tie half), no opinion "
               f"score used; 95% bootstrap CI over references in brackets")
    left_out = int(table["lists_left_out"].max()) if len(table) else 0
    notes = [Note(f"up to {left_out} list(s) left out of the L-test: fewer than two levels, or the metric "
                  f"constant on them")] if left_out else []
    return Document([Table([Column("L-test"), Column("P-test"), Column("Lists"), Column("Pairs")], rows,
                           caption=caption, notes=notes,
                           short_caption=f"{dataset}: Waterloo L-test and P-test (no opinion scores).")],
                    data=table)
