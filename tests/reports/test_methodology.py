"""The method tables as documents (reports/methodology.py): P.1401's figures with the lowest of each column in
bold and one matrix per test, Krasula's with the highest in bold, each matrix the result's symbols (a metric
never compared with itself), the held-out table beside the in-sample figures; the names the run's labels."""
import numpy as np

from iqa_bench.reports.methodology import held_out_document, krasula_document, p1401_document
from iqa_bench.stats.evaluated_run import EvaluatedRun
from iqa_bench.stats.held_out import held_out_table
from iqa_bench.stats.krasula import krasula
from iqa_bench.stats.p1401 import p1401

from stats_helpers import grouped_scores

LABELS = {"good": "Good metric", "poor": "Poor metric", "distance": "A distance"}


def _run(**settings):
    return EvaluatedRun.of(grouped_scores(), ["good", "poor", "distance"], {"distance": False}, True, ratings=30,
                           **{"bootstrap": 0, **settings})


def _column(table, k):
    return [row.cells[k] for row in table.rows]


def test_p1401_figures_bold_the_lowest_and_each_test_is_a_matrix_of_its_symbols():
    result = p1401(_run())
    document = p1401_document(result, "toy", LABELS)
    figures, *matrices = document.tables
    assert [row.name for row in figures.rows] == ["Good metric", "Poor metric", "A distance"]
    rmse = result.table.set_index("metric")["rmse_dof"]
    assert [c.bold for c in _column(figures, 1)] == list(rmse.to_numpy() == rmse.min())
    assert len(matrices) == len(result.tests) and all(m.matrix for m in matrices)
    pairs = result.pairs.set_index(["row", "col"])
    for test, matrix in zip(result.tests, matrices):
        for i, row in enumerate(matrix.rows):
            for j, cell in enumerate(row.cells):
                a, b = result.metrics[i], result.metrics[j]
                expected = "" if a == b else f"{int(pairs.loc[(a, b), f'{test}_symbol'])}"
                assert cell.text.rstrip("*†") == expected, (test, a, b)


def test_krasula_figures_bold_the_highest():
    result = krasula(_run())
    figures = krasula_document(result, "toy", LABELS).tables[0]
    auc = result.table.set_index("metric")["auc_bw"]
    assert [c.bold for c in _column(figures, 1)] == list(auc.to_numpy() == auc.max())
    assert [c.text for c in _column(figures, 1)] == [f"{v:.3f}" for v in auc]


def test_the_held_out_table_sits_beside_the_in_sample_figures():
    table = held_out_table(_run(mapping="held-out"))
    document = held_out_document(table, "toy", "logistic5")
    (shown,) = document.tables
    assert [row.name for row in shown.rows] == list(table["metric"])
    assert [c.header for c in shown.columns] == ["PLCC in-sample", "PLCC held-out", "ΔPLCC", "RMSE in-sample",
                                                 "RMSE held-out", "ΔRMSE"]
    values = np.array([[float(c.text) for c in row.cells] for row in shown.rows])
    columns = ["plcc_in_sample", "plcc_held_out", "d_plcc", "rmse_in_sample", "rmse_held_out", "d_rmse"]
    np.testing.assert_allclose(values, table[columns].to_numpy(float), atol=5e-4)
    assert (table["plcc_held_out"] <= table["plcc_in_sample"]).all()  # a mapping does worse on what it did not see
