"""The format-neutral table model (issue 44): a builder returns a Document, every format draws it; a new format
is one class; names from elsewhere are text in every format."""
import numpy as np
import pandas as pd

from iqa_bench.reports.renderers import RENDERERS, Renderer
from iqa_bench.reports.table_model import Cell, Column, Document, Note, Row, Table, matrix_table
from iqa_bench.stats.evaluated_run import EvaluatedRun

from latex_helpers import compile_if_available

HOSTILE = "P|oor_1 & <img src=x onerror=alert(1)> {50%}"


def _document() -> Document:
    names = {"a": "Good", "b": HOSTILE}
    symbols = pd.DataFrame([[np.nan, 1.0], [-1.0, np.nan]], index=["a", "b"], columns=["a", "b"])
    figures = Table([Column("n", "$n$", in_latex=False), Column("PLCC"), Column("SROCC g1", "g1", group="SROCC per x")],
                    [Row("Good", [Cell("10"), Cell("0.900", "[0.8, 0.95]", bold=True), Cell("0.7")], spec="a"),
                     Row(HOSTILE, [Cell("10"), Cell("0.500", "[0.4, 0.6]"), Cell("0.8", bold=True)], spec="b")],
                    caption=f"caption with {HOSTILE}", short_caption="Short.", split_caption="Groups{part}.",
                    notes=[Note("for every format"), Note("latex only", latex_only=True),
                           Note("text only", text_only=True)])
    matrix = matrix_table(symbols, ["a", "b"], names, title="F-test", mirrored=True, short_caption="Matrix.")
    return Document([figures, matrix], closing="Residual kurtosis: fine",
                    data=pd.DataFrame({"metric": ["a", "b"], "plcc": [0.9, 0.5]}))


def test_every_format_draws_the_same_document():
    document = _document()
    md, tex, csv, html = (RENDERERS[f].draw(document, "t") for f in ("md", "latex", "csv", "html"))
    assert "| Good | 10 | **0.900 [0.8, 0.95]** | 0.7 |" in md
    assert "P\\|oor_1" in md and "text only" in md and "latex only" not in md  # a pipe never adds a column
    assert "| | Good | P\\|oor_1" in md and "| Good |  | 1 |" in md  # the matrix, whole
    assert "Good & \\textbf{0.900} \\\\ % a" in tex and "{\\scriptsize [0.8, 0.95]}" in tex  # interval on a second line
    assert "latex only" in tex and "text only" not in tex and " 10 " not in tex  # n: left to another table
    assert "Upper triangle" in tex and "\\multicolumn{1}{c}{SROCC per x}" in tex and "% Residual kurtosis" in tex
    assert csv == document.data.to_csv(index=False)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count('<table class="sortable">') == 2 and "<strong>0.900" in html


def test_the_latex_of_a_document_compiles(tmp_path):
    compile_if_available(tmp_path, [RENDERERS["latex"].draw(_document())], body_size=True)


class Tsv(Renderer):
    """A format added as one class: every table of a run drawn as tab-separated text."""

    name, suffix, table_file = "tsv", ".tsv", "table.tsv"

    def draw(self, document, title=""):
        return "".join("\t".join([row.name] + [c.text for c in row.cells]) + "\n"
                       for table in document.tables for row in table.rows)

    def calibration(self, rows):
        return ""

    def paper(self, result):
        return ""


def test_a_new_format_is_one_class():
    """Summary, significance, P.1401, Krasula, held-out and fit-protocol tables all reach a format that
    only says how to draw a document."""
    from iqa_bench.reports.labels import with_labels
    from iqa_bench.run.method_outputs import method_results
    from iqa_bench.run.outputs import significance_of
    from iqa_bench.stats.fit_protocols import fit_protocol_table
    from iqa_bench.stats.summaries import build_summary

    rng = np.random.default_rng(1)
    n = 48
    y = rng.uniform(1, 8, n)
    scores = pd.DataFrame({"item": range(n), "score": y, "score_se": rng.uniform(0.05, 0.3, n),
                           "group:reference": np.repeat([f"r{k}" for k in range(6)], n // 6),
                           "a": y + rng.normal(0, 0.5, n), "b": y + rng.normal(0, 1.0, n)})
    run = EvaluatedRun.of(scores, ["a", "b"], {}, True, bootstrap=20, mapping="held-out", ratings=20)
    methods, tsv = method_results(run), Tsv()
    texts = [tsv.summary("regression", with_labels(build_summary(run), {}), "d", "MOS"),
             tsv.significance(significance_of(run), "d"), tsv.p1401(methods.p1401, "d"),
             tsv.krasula(methods.krasula, "d"), tsv.held_out(with_labels(methods.held_out, {}), "d", "logistic5"),
             tsv.fit_protocols(with_labels(fit_protocol_table(run), {}), "d", "MOS")]
    assert all(text.startswith("a\t") for text in texts), texts
    assert texts[1].startswith("a\t\t")  # the significance matrix: its diagonal empty
