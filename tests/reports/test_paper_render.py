"""A paper recipe's table as a document (reports/paper_render.py), drawn by every format: labels repeated from
the row above left blank, per column the paper's value, ours with its interval (beside it in Markdown and HTML,
left out in LaTeX) and the signed difference; the notes with their leads; where the values were scored a
comment in LaTeX only; the per-dataset fits under their own heading."""
import numpy as np
import yaml

from iqa_bench.recipes.paper import PaperResult, Value
from iqa_bench.recipes.recipe import load_recipe
from iqa_bench.reports.paper_render import paper_document, shown_labels
from iqa_bench.reports.renderers import RENDERERS


def _result(tmp_path, per_source=False):
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump({
        "title": "Table 1: lp on two networks", "kind": "regression", "columns": ["srocc"],
        "header": ["Network", "Layer"], "sources": [{"dataset": "sample"}], "source": "A et al. 2020",
        "rows": [{"labels": ["VGG", "relu1"], "metric": "psnr", "published": [0.9]},
                 {"labels": ["VGG", "relu2"], "metric": "ssim", "published": [0.8]},
                 {"labels": ["Alex", "relu1"], "metric": "mse"}],
        "caveats": [{"label": "Alex", "text": "torchvision's AlexNet, not the paper's"}],
        "reading": ["SROCC read as its magnitude"]}))
    values = [{"srocc": Value(0.91, 0.88, 0.93)}, {"srocc": Value(0.75)}, {"srocc": Value()}]
    result = PaperResult(load_recipe(path), values, notes=["lpips: weights absent"], data=["sample: 48 items (/x/y)"])
    if per_source:
        result.per_source = {"live": [{"srocc": Value(0.5)}] * 3, "live_md": [{"srocc": Value(np.nan)}] * 3}
    return result


def test_repeated_labels_are_blank_and_a_caveat_marks_its_row(tmp_path):
    recipe = _result(tmp_path).recipe
    assert shown_labels(recipe.rows) == [["VGG", "relu1"], ["", "relu2"], ["Alex", "relu1 [a]"]]
    table = paper_document(_result(tmp_path)).tables[0]
    assert [c.header for c in table.columns] == ["SROCC paper", "SROCC ours", "SROCC Δ"]
    assert [[c.text for c in row.cells] for row in table.rows] == [["0.9000", "0.9100", "+0.0100"],
                                                                  ["0.8000", "0.7500", "-0.0500"], ["—", "—", "—"]]
    assert table.rows[0].cells[1].interval == "[0.8800, 0.9300]" and table.rows[1].cells[1].interval == ""


def test_markdown_latex_csv_and_html_draw_the_same_table(tmp_path):
    result = _result(tmp_path)
    md = RENDERERS["md"].paper(result)
    assert md.startswith("# Table 1: lp on two networks\n\n_Table 1: lp on two networks. Published values from A et al.")
    assert "| Network | Layer | SROCC paper | SROCC ours | SROCC Δ |\n|---|---|---:|---:|---:|" in md
    assert "| VGG | relu1 | 0.9000 | 0.9100 [0.8800, 0.9300] | +0.0100 |" in md
    assert "| Alex | relu1 [a] | — | — | — |" in md
    assert md.rstrip().endswith("- **Reading:** SROCC read as its magnitude")
    assert "- **Scored:** sample: 48 items (/x/y)" in md and "- **[a]:** torchvision's AlexNet" in md
    tex = RENDERERS["latex"].paper(result)
    assert tex.startswith("% sample: 48 items (/x/y)\n% needs \\usepackage{booktabs,graphicx}")
    assert "\\label{tab:r}" in tex and "[0.8800" not in tex and "Scored:" not in tex
    assert "&& \\multicolumn{3}{c}{SROCC} \\\\\n\\cmidrule(lr){3-5}\nNetwork & Layer & Paper & Ours & $\\Delta$ \\\\" in tex
    assert "\\midrule\nAlex & relu1 [a] & --- & --- & --- \\\\" in tex  # a new block of rows under its rule
    assert "\\textbf{Not computed:} lpips: weights absent\\\\" in tex
    csv = RENDERERS["csv"].paper(result)
    assert csv.splitlines()[0] == ("Network,Layer,spec,column,published,ours,ours_lo,ours_hi,difference,caveat")
    html = RENDERERS["html"].paper(result)
    assert "<h1>Table 1: lp on two networks</h1>" in html and "<title>r: recomputed beside" in html
    assert "<tr><th>VGG</th><th>relu1</th>" in html and '<span class="ci">[0.8800, 0.9300]</span>' in html
    assert "<li><strong>Scored:</strong> sample: 48 items (/x/y)</li>" in html


def test_the_per_dataset_fits_are_a_table_under_their_heading(tmp_path):
    result = _result(tmp_path, per_source=True)
    md = RENDERERS["md"].paper(result)
    assert "\n## One fit per dataset" in md and "| Network | Layer | live SROCC | live_md SROCC |" in md
    assert "| VGG | relu1 | 0.5000 | — |" in md
    tex = RENDERERS["latex"].paper(result)
    assert "\\textit{One fit per dataset" in tex and tex.count("\\begin{tabular}") == 2
    assert "&& \\multicolumn{1}{c}{live} & \\multicolumn{1}{c}{live\\_md} \\\\\nNetwork & Layer & SROCC & SROCC" in tex
