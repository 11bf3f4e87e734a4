"""The analysis of a judged gMAD pair set (:mod:`iqa_bench.competition.analysis`) as a format-neutral
:class:`~.table_model.Document`: the global ranking, the aggressiveness and resistance matrices with their
intervals, and notes on the test, the observers' agreement and the files used."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List

import numpy as np
import pandas as pd

from .table_model import Cell, Column, Document, Note, Row, Table, document_from_record, number

TITLE = "gMAD: what people's judgements say"
#: The analysis files of a judged gMAD run (``gmad_analysis.md``, ...) and the document its report page draws.
ANALYSIS_STEM, ANALYSIS_RECORD = "gmad_analysis", "gmad_analysis.json"


def _interval(low: float, high: float) -> str:
    return "" if not (np.isfinite(low) and np.isfinite(high)) else f"[{number(low, 2)}, {number(high, 2)}]"


def _ranking_table(analysis) -> Table:
    fit, overall = analysis.bradley_terry, analysis.overall
    rows = []
    for rank, model in enumerate(fit.ranking(), start=1):
        theta, se, o = fit.strength[model], fit.se[model], overall.loc[model]
        cells = [Cell(str(rank)), Cell(number(theta, 2, signed=True), _interval(theta - 1.96 * se, theta + 1.96 * se)),
                 Cell(number(o["aggressiveness"], 2), _interval(o["aggressiveness_low"], o["aggressiveness_high"])),
                 Cell(f"{int(o['wins'])}/{int(o['attacks'])}"),
                 Cell(number(o["resistance"], 2), _interval(o["resistance_low"], o["resistance_high"])),
                 Cell(f"{int(o['survivals'])}/{int(o['defences'])}")]
        rows.append(Row(model, cells, spec=model))
    columns = [Column("Rank"), Column("Bradley–Terry log-strength", short="BT"),
               Column("Aggressiveness", short="Aggr."), Column("Attacks won", short="won"),
               Column("Resistance", short="Resist."), Column("Defences held", short="held")]
    return Table(columns, rows, title="Global ranking", short_caption="gMAD global ranking",
                 notes=[Note("Bradley–Terry log-strength (95 % Wald interval); aggressiveness and resistance pooled "
                             "over each model's attacks and defences (Clopper–Pearson 95 % intervals)",
                             lead="Reading")])


def _matrix(analysis, which: str, title: str, reading: str) -> Table:
    """The ``which`` matrix of the analysis, each value with its interval (Markdown, HTML; LaTeX: the values)."""
    values = getattr(analysis, which)
    low, high = analysis.intervals[f"{which}_low"], analysis.intervals[f"{which}_high"]
    rows = [Row(model, [Cell("" if model == other or not np.isfinite(values.loc[model, other])
                             else number(values.loc[model, other], 2),
                             _interval(low.loc[model, other], high.loc[model, other]) if model != other else "")
                        for other in analysis.models], spec=model) for model in analysis.models]
    return Table([Column(m) for m in analysis.models], rows, matrix=True, title=title, short_caption=title,
                 notes=[Note(reading, lead="Reading")])


def _notes(analysis, refused) -> List[Note]:
    fit = analysis.bradley_terry
    verdict = ("the models differ" if fit.lr_p < 0.05 else "no significant difference between the models: these "
               "judgements do not support a ranking")
    p = f"p = {number(fit.lr_p, 3)}" if fit.lr_p >= 0.001 else "p < 0.001"
    if np.isfinite(analysis.agreement):
        agreement = (f"Krippendorff's α (nominal: a / same / b) = {number(analysis.alpha, 2)}; the same answer in "
                     f"{100 * analysis.agreement:.0f} % of the observer pairs that judged a pair in common")
    else:
        agreement = "no pair was judged by two observers: no agreement to measure"
    notes = [Note(f"likelihood-ratio statistic of the Bradley–Terry fit against equal strengths "
                  f"{fit.lr_statistic:.2f} on {len(analysis.models) - 1} degrees of freedom, {p}: {verdict} "
                  f"(α = 0.05)", lead="Test"),
             Note(f"{analysis.judgements} judgements by {len(analysis.observers)} observer(s); {agreement}",
                  lead="Observers")]
    notes += [Note(text, lead="Note", text_only=True) for text in analysis.notes]
    notes += [Note(f"{file}: {why}", lead="Refused", text_only=True) for file, why in refused]
    return notes


def analysis_data(analysis) -> pd.DataFrame:
    """The numbers of the ranking table, one row per model (what the CSV format writes)."""
    fit = analysis.bradley_terry
    data = analysis.overall.copy()
    data.insert(0, "bt_se", fit.se)
    data.insert(0, "bt_strength", fit.strength)
    data = data.loc[fit.ranking()]
    data.insert(0, "rank", np.arange(1, len(data) + 1))
    data["lr_statistic"], data["lr_p"] = fit.lr_statistic, fit.lr_p
    data["regularised"] = fit.regularised
    data["alpha"], data["agreement"], data["observers"] = analysis.alpha, analysis.agreement, len(analysis.observers)
    return data.reset_index()


def analysis_document(analysis, refused=()) -> Document:
    """The analysis as a document (see the module); ``refused``: the judgement files left out, with why."""
    tables = [_ranking_table(analysis),
              _matrix(analysis, "aggressiveness", "Aggressiveness: attacker (row) against defender (column)",
                      "share of judgements preferring the image the attacker (row) called better, of the pairs the "
                      "defender (column) called equal (Clopper–Pearson 95 % interval)"),
              _matrix(analysis, "resistance", "Resistance: defender (row) against attacker (column)",
                      "share of judgements in which the defender's (row) equal pair held against the attacker "
                      "(column): no difference seen, or the attacker's order reversed")]
    caption = (f"gMAD competition judged by {len(analysis.observers)} observer(s), {analysis.judgements} judgements: "
               f"the attacker wins when the observer prefers its better image")
    return Document(tables, caption=caption, title=TITLE, data=analysis_data(analysis),
                    notes=_notes(analysis, refused), note_style="list")


def read_analysis_section(run_dir: Path):
    """The report page's section of a judged gMAD run, (anchor, title, Document), as ``iqa-bench gmad analyse``
    kept it (:data:`ANALYSIS_RECORD`, every field checked); None where there is none or the file is not what it
    wrote."""
    try:
        record = json.loads((Path(run_dir) / ANALYSIS_RECORD).read_text(encoding="utf-8"))
        return "gmad-analysis", TITLE, document_from_record(record["document"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
