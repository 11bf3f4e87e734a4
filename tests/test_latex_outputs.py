"""Every .tex a run writes compiles (issue 27, item 1): `evaluate` with `--fit all` (table, significance,
fit protocols), `report --layout groups` and `across` -- pdflatex where installed (.ci/run installs it),
and always: no character outside ASCII left in a LaTeX file, the characters pdflatex's default input
encoding stops on (Δ in "ΔSROCC", the minus sign of "largest − smallest", ‡, †) escaped."""
import pytest

from iqa_bench.reports.tables import latex_escape

from conftest import run_cli
from test_paper import _compile_if_available


def test_latex_escape_spells_the_unicode_the_tables_use():
    assert latex_escape("ΔSROCC − x ‡ † α ≥ 2 × 3 … σ²") == \
        r"$\Delta$SROCC $-$ x $^\ddagger$ $^\dagger$ $\alpha$ $\geq$ 2 $\times$ 3 \ldots{} $\sigma$$^2$"


@pytest.mark.slow
def test_every_tex_of_a_run_compiles(tmp_path):
    results = tmp_path / "results"
    run = run_cli("evaluate", "-m", "psnr,ssim,vifp", "--fit", "all", "--bootstrap", "50", "--no-plots",
                  "--results", results)
    assert run.returncode == 0, run.stderr[-3000:]
    folder = results / "sample"
    groups = run_cli("report", folder, "--layout", "groups", "--by", "distortion", "--format", "latex")
    assert groups.returncode == 0, groups.stderr[-3000:]
    (tmp_path / "groups.tex").write_text(groups.stdout)
    across = run_cli("across", folder, "--out", tmp_path / "across")
    assert across.returncode == 0, across.stderr[-3000:]
    files = sorted(folder.glob("*.tex")) + [tmp_path / "groups.tex"] + sorted((tmp_path / "across").glob("*.tex"))
    names = {f.name for f in files}
    assert {"table.tex", "significance.tex", "fit_protocols.tex", "groups.tex", "across.tex"} <= names, names
    for path in files:
        text = path.read_text()
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("%"))
        assert body.isascii(), (path.name, sorted({c for c in body if not c.isascii()}))
    _compile_if_available(tmp_path, [f.read_text() for f in files])
