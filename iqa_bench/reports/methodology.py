"""The evaluation-methodology tables of a run with score spreads: ITU-T P.1401 (:mod:`..stats.p1401`) and
Krasula et al. 2016 (:mod:`..stats.krasula`), as Markdown or LaTeX: one row per metric (best in bold),
then per test the matrix of 1 / 0 / −1 (row metric significantly better / not distinguishable / worse)
under the run's correction for multiple comparisons. The CSV renderer writes the per-metric tables; the
pairs are in ``p1401_pairs.csv`` / ``krasula_pairs.csv``. Also the in-sample / held-out mapping table
(:mod:`..stats.held_out`)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

from ..stats.multiple_comparisons import TITLES
from . import latex
from .labels import trained_on_note
from .tables import best_rows, md_row


def _names(metrics: Sequence[str], labels: Optional[Dict[str, str]]) -> Dict[str, str]:
    from .labels import metric_label

    return {m: (labels or {}).get(m) or metric_label(m) for m in metrics}


def _number(value, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if np.isfinite(value) else "—"


def _matrices(pairs: pd.DataFrame, metrics: Sequence[str], names: Dict[str, str], tests: Sequence[str],
              titles: Dict[str, str], correction: str, fmt: str, dataset: str, alpha: float) -> List[str]:
    out = []
    suffix = "" if correction == "none" else f"_{correction}"
    for test in tests:
        column = f"{test}_symbol{suffix}"
        if pairs.empty or column not in pairs.columns:
            continue
        table = pairs.pivot(index="row", columns="col", values=column).reindex(index=metrics, columns=metrics)

        def cell(a, b):
            value = table.loc[a, b]
            return "" if a == b or not np.isfinite(value) else f"{int(value)}"
        if fmt == "latex":
            rows = [latex.Row([f"{k + 1} {names[m]}"] + [cell(m, o).replace("-", "−") for o in metrics], spec=m)
                    for k, m in enumerate(metrics)]
            block = latex.tabular(["Metric"] + [str(k + 1) for k in range(len(metrics))], rows,
                                  latex.name_column() + "c" * len(metrics))
            out.append(latex.table(f"{dataset}: {titles[test]}; 1: row metric significantly better, −1: worse, "
                                   f"0: not distinguishable (α = {alpha:g}); {TITLES[correction]}.", [block],
                                   notes=["Columns: the metrics numbered as the rows."], font=r"\footnotesize"))
        else:
            out += [f"**{titles[test]}** ({TITLES[correction]})", "",
                    md_row([names[m] for m in metrics], corner=True), "|---|" + "---:|" * len(metrics)]
            out += [md_row([names[m]] + [cell(m, o) for o in metrics]) for m in metrics]
            out.append("")
    return out


def _render(fmt: str, caption: str, short: str, header: List[str], rows: List[latex.Row], matrices: List[str],
            notes: Sequence[str]) -> str:
    if fmt == "latex":
        block = latex.tabular(header, rows, latex.name_column() + "r" * (len(header) - 1))
        return latex.table(short, [block], caption, notes, font=r"\footnotesize") + "\n" + "\n".join(matrices)
    lines = [f"_{caption}_", "", md_row(header), "|---|" + "---:|" * (len(header) - 1)]
    for row in rows:
        bold = list(row.bold) + [False] * (len(row.cells) - len(row.bold))
        lines.append(md_row(f"**{c}**" if b and c else c for c, b in zip(row.cells, bold)))
    return "\n".join(lines + [""] + [f"{n}" for n in notes] + [""] + matrices) + "\n"


def _prologue(result, labels: Optional[Dict[str, str]], columns: Sequence[str], lower: bool):
    """(the per-metric table indexed 0…, spec → shown name, column → its best rows)."""
    table = result.table.reset_index(drop=True)
    return table, _names(result.metrics, labels), {k: best_rows(table, k, lower) for k in columns}


def render_p1401(result, fmt: str, dataset: str, labels: Optional[Dict[str, str]] = None,
                 spread: str = "") -> str:
    """The P.1401 table (RMSE with N − d, rmse*, outlier ratio; lowest in bold) and its matrices."""
    if fmt == "csv":
        return result.table.to_csv(index=False)
    table, names, best = _prologue(result, labels, ("rmse_dof", "rmse_star", "outlier_ratio"), lower=True)
    rows = [latex.Row([names[r["metric"]], str(int(r["n"])), _number(r["rmse_dof"]), _number(r["rmse_star"]),
                       _number(r["outlier_ratio"]), str(int(r["outliers"]))],
                      [False, False, i in best["rmse_dof"], i in best["rmse_star"], i in best["outlier_ratio"]],
                      spec=r["metric"]) for i, r in table.iterrows()]
    d = int(table["d"].iloc[0]) if len(table) else 0
    caption = (f"{dataset}: ITU-T P.1401 figures after the mapping (d = {d} parameters); rmse*: errors within "
               f"the 95% interval of each subjective score count 0; outlier: error beyond that interval; "
               f"interval = t(0.975, K − 1) × the score's standard error" + (f"; {spread}" if spread else "")
               + f"; matrices: the standard's tests (§7.6.2, §7.6.4, §7.7), then the paired tests by "
               + _unit_text(result))
    matrices = _matrices(result.pairs, result.metrics, names, result.tests, result.titles, result.correction, fmt,
                         dataset, result.alpha)
    return _render(fmt, caption, f"{dataset}: RMSE (N − d), epsilon-insensitive rmse* and outlier ratio "
                   f"(ITU-T P.1401); lowest in bold.", ["Metric", "n", "RMSE (N − d)", "rmse*", "Outlier ratio",
                                                        "Outliers"], rows, matrices,
                   ["In bold: the lowest of each column."] + trained_on_note(names.values()))


def render_krasula(result, fmt: str, dataset: str, labels: Optional[Dict[str, str]] = None,
                   spread: str = "") -> str:
    """The Krasula table (AUC different/similar, AUC better/worse, C₀; highest in bold) and its matrices."""
    if fmt == "csv":
        return result.table.to_csv(index=False)
    table, names, best = _prologue(result, labels, ("auc_ds", "auc_bw", "c0"), lower=False)
    rows = [latex.Row([names[r["metric"]], _number(r["auc_ds"]), _number(r["auc_bw"]), _number(100 * r["c0"], 1),
                       f"{r['threshold_95']:.4g}" if np.isfinite(r["threshold_95"]) else "—"],
                      [False, i in best["auc_ds"], i in best["auc_bw"], i in best["c0"]], spec=r["metric"])
             for i, r in table.iterrows()]
    c = result.counts
    caption = (f"{dataset}: Krasula et al. 2016, over all {c['pairs']:,} pairs of {c['items']} items"
               + (" (a random subset of the items)" if c.get("subsampled") else "")
               + f": {c['different']:,} significantly different (|z| > {result.z:.2f}), {c['similar']:,} similar; "
               f"fit-free (raw metric differences, a distance negated)" + (f"; {spread}" if spread else ""))
    matrices = _matrices(result.pairs, result.metrics, names, result.tests, result.titles, result.correction,
                         fmt, dataset, result.alpha)
    notes = ["In bold: the highest of each column. Threshold: the 95th percentile of |Δmetric| over similar "
             "pairs. Matrices: differences tested by " + _unit_text(result) + "."] + trained_on_note(names.values())
    return _render(fmt, caption, f"{dataset}: AUC different/similar, AUC better/worse and C0 (Krasula et al. "
                   f"2016); highest in bold.", ["Metric", "AUC diff./sim.", "AUC better/worse", "C0 (%)",
                                                "Threshold (95%)"], rows, matrices, notes)


def _unit_text(result) -> str:
    """What the paired tests resampled, as a caption says it (with why, where references were asked for
    and the item-level tests ran)."""
    if result.unit == "references":
        return (f"reference content: the delete-one-reference jackknife over {result.clusters} references, paired "
                f"(both metrics on each deletion; Student's t with {result.clusters - 1} df)")
    text = "item: item-level tests that take the items (and pairs of items) as independent"
    return text + (f" -- the reference jackknife was not possible: {result.unit_note}" if result.unit_note else "")


def render_held_out(table: pd.DataFrame, fmt: str, dataset: str, fit: str) -> str:
    """Markdown / LaTeX / CSV: PLCC and RMSE in-sample and held-out side by side, with the difference."""
    from .labels import label_of

    if fmt == "csv":
        return table.to_csv(index=False)
    folds = int(table["folds"].iloc[0]) if len(table) else 0
    caption = (f"{dataset}: PLCC and RMSE after the {fit} mapping, in-sample (fitted on all items, as in the main "
               f"table) and held-out ({folds}-fold by reference content: fitted without the items of a fold's "
               f"references, evaluated on them); |PLCC|; Δ = held-out − in-sample")

    def number(v, signed=False):
        return "—" if not np.isfinite(v) else (f"{v:+.3f}" if signed else f"{v:.3f}")
    body = [(label_of(r), r["metric"], [number(abs(r["plcc_in_sample"])), number(abs(r["plcc_held_out"])),
                                        number(abs(r["plcc_held_out"]) - abs(r["plcc_in_sample"]), True),
                                        number(r["rmse_in_sample"]), number(r["rmse_held_out"]),
                                        number(r["d_rmse"], True)]) for _, r in table.iterrows()]
    header = ["Metric", "PLCC in-sample", "PLCC held-out", "ΔPLCC", "RMSE in-sample", "RMSE held-out", "ΔRMSE"]
    if fmt == "latex":
        rows = [latex.Row([name] + cells, spec=spec) for name, spec, cells in body]
        block = latex.tabular(header, rows, latex.name_column() + "r" * 6)
        return latex.table(f"{dataset}: in-sample and held-out mapping ({folds}-fold by reference).", [block],
                           caption, font=r"\footnotesize")
    lines = [f"_{caption}_", "", md_row(header), "|---|" + "---:|" * 6]
    lines += [md_row([name] + cells) for name, _, cells in body]
    return "\n".join(lines) + "\n"
