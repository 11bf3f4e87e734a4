"""The judged gMAD analysis as a document (reports/gmad_analysis.py): ranked by the Bradley–Terry strength,
every format drawn (the LaTeX compiled), a model named with markup shown as text, the kept section read back
and a damaged one ignored."""
import io
import json

import numpy as np
import pandas as pd
import pytest

from iqa_bench.competition.analysis import analyse
from iqa_bench.competition.judgements import Judgements, JudgingSet
from iqa_bench.reports.gmad_analysis import (ANALYSIS_RECORD, analysis_document, analysis_data,
                                             read_analysis_section)
from iqa_bench.reports.renderers import RENDERERS
from iqa_bench.reports.table_model import document_record

from latex_helpers import compile_if_available

MODELS = ["strong", "<script>alert(1)</script>", "weak_metric"]


def _analysis(seed=0, observers=("ann", "bob")):
    """Three models, six levels; the attacker ranked higher wins 90 % of the time, a lower one 15 %."""
    rng = np.random.default_rng(seed)
    trials = {f"{d}|{a}|{lv}": {"defender": d, "attacker": a, "level": str(lv)}
              for d in MODELS for a in MODELS if a != d for lv in range(1, 7)}
    rows = []
    for observer in observers:
        for trial, info in trials.items():
            stronger = MODELS.index(info["attacker"]) < MODELS.index(info["defender"])
            won = rng.random() < (0.9 if stronger else 0.15)
            rows.append({"observer": observer, "trial": trial, "file": "f",
                         "preferred": "a" if won else ("same" if rng.random() < 0.7 else "b")})
    return analyse(Judgements(pd.DataFrame(rows)), JudgingSet("s", "t", "gmad", trials))


def test_every_format_is_drawn_ranked_by_strength(tmp_path):
    analysis = _analysis()
    document = analysis_document(analysis, [("x.csv", "damaged JSON")])
    data = analysis_data(analysis)
    assert list(data["model"]) == MODELS and list(data["rank"]) == [1, 2, 3]
    assert (np.diff(data["bt_strength"]) < 0).all() and data["lr_p"].iloc[0] < 0.001
    markdown = RENDERERS["md"].draw(document)
    assert "| strong | 1 |" in markdown and "**Refused:** x.csv: damaged JSON" in markdown
    assert "**Test:** likelihood-ratio statistic" in markdown and "the models differ" in markdown
    html = RENDERERS["html"].draw(document)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert pd.read_csv(io.StringIO(RENDERERS["csv"].draw(document)))["model"].tolist() == MODELS
    tex = RENDERERS["latex"].draw(document)
    assert "x.csv" not in tex  # a file's path is said in the text formats only
    compile_if_available(tmp_path, [tex])


def test_the_kept_section_is_read_back_and_a_damaged_one_ignored(tmp_path):
    document = analysis_document(_analysis())
    (tmp_path / ANALYSIS_RECORD).write_text(json.dumps({"document": document_record(document)}))
    anchor, title, kept = read_analysis_section(tmp_path)
    assert anchor == "gmad-analysis" and RENDERERS["md"].draw(kept) == RENDERERS["md"].draw(document)
    for damaged in ("{", json.dumps({"document": {"tables": "x"}}), json.dumps([1])):
        (tmp_path / ANALYSIS_RECORD).write_text(damaged)
        assert read_analysis_section(tmp_path) is None
    assert read_analysis_section(tmp_path / "absent") is None


@pytest.mark.parametrize("observers", [("ann",), ("ann", "bob", "cy")])
def test_the_observers_note_says_what_was_measured(observers):
    markdown = RENDERERS["md"].draw(analysis_document(_analysis(1, observers)))
    if len(observers) == 1:
        assert "no pair was judged by two observers: no agreement to measure" in markdown
    else:
        assert "Krippendorff's α (nominal: a / same / b) = " in markdown and "3 observer(s)" in markdown
