"""A format-neutral document drawn as HTML (reports/html_tables.py): every text escaped, several label columns
as header cells, a note's lead in bold, a matrix's columns its rows' metrics, the intervals beside the values."""
from iqa_bench.reports.html_tables import document_html, table_html
from iqa_bench.reports.table_model import Cell, Column, Document, Note, Row, Table

SCRIPT = "<script>alert(1)</script>"


def test_every_text_of_a_document_is_escaped():
    table = Table([Column(f"SROCC{SCRIPT}")], [Row(f"psnr{SCRIPT}", [Cell(f"0.9{SCRIPT}", f"[{SCRIPT}]")])],
                  caption=f"cap{SCRIPT}", title=f"t{SCRIPT}", title_note=f"n{SCRIPT}", notes=[Note(f"note{SCRIPT}")])
    html = "".join(document_html(Document([table], caption=f"doc{SCRIPT}", notes=[Note(f"x{SCRIPT}", lead=SCRIPT)],
                                          closing=f"end{SCRIPT}")))
    assert SCRIPT not in html and html.count("&lt;script&gt;") == 12  # each of the twelve texts


def test_several_label_columns_are_header_cells_and_leads_are_bold():
    table = Table([Column("LCC ours")], [Row("VGG", [Cell("0.91", "[0.88, 0.93]")], labels=["VGG", "relu2_2"]),
                                         Row("", [Cell("0.85")], labels=["", "relu4_1"])],
                  label_headers=["Network", "Layer"])
    html = table_html(table)
    head = html[0 if not table.caption else 1]
    assert "<th>Network</th><th>Layer</th>" in head and 'style="text-align: right;">LCC ours</th>' in head
    assert "<tr><th>VGG</th><th>relu2_2</th><td" in html[1] and '<span class="ci">[0.88, 0.93]</span>' in html[1]
    assert "<tr><th></th><th>relu4_1</th>" in html[2]
    notes = document_html(Document([table], notes=[Note("the paper's Table 1", lead="Reading")]))[-1]
    assert notes == "<ul><li><strong>Reading:</strong> the paper&#x27;s Table 1</li></ul>"


def test_a_matrix_heads_its_columns_with_its_rows_metrics_and_intervals_can_be_left_out():
    matrix = Table([Column("A"), Column("B")], [Row("A", [Cell(""), Cell("1")]), Row("B", [Cell("-1"), Cell("")])],
                   matrix=True)
    head = table_html(matrix)[0]
    assert '<tr><th></th><th style="text-align: right;">A</th><th style="text-align: right;">B</th></tr>' in head
    plain = Table([Column("x")], [Row("m", [Cell("1.0", "[0.9, 1.1]")])])
    assert "[0.9, 1.1]" in "".join(table_html(plain)) and "[0.9, 1.1]" not in "".join(table_html(plain, False))
    assert "[0.9, 1.1]" not in "".join(document_html(Document([plain], intervals="separate")))
