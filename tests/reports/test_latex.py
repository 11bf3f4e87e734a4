"""Every .tex a run writes compiles (issue 27, item 1): `evaluate` with `--fit all` (table, significance,
fit protocols), `report --layout groups` and `across` -- pdflatex where installed (.ci/run installs it),
and always: no character outside ASCII left in a LaTeX file, the characters pdflatex's default input
encoding stops on (Δ in "ΔSROCC", the minus sign of "largest − smallest", ‡, †) escaped."""
import pytest

from iqa_bench.reports.latex import latex_escape

from conftest import run_cli
from latex_helpers import compile_if_available


def test_latex_escape_spells_the_unicode_the_tables_use():
    assert latex_escape("ΔSROCC − x ‡ † α ≥ 2 × 3 … σ²") == \
        r"$\Delta$SROCC $-$ x$^\ddagger$$^\dagger$ $\alpha$ $\geq$ 2 $\times$ 3 \ldots{} $\sigma$$^2$"
    assert latex_escape("LPIPS (AlexNet) §") == r"LPIPS (AlexNet)\S{}"   # the training-data mark after a name
    assert latex_escape("P.1401 §7.7") == r"P.1401 \S{}7.7"              # a section sign keeps its space
    assert latex_escape("|PLCC| a|b") == r"$|$PLCC$|$ a$|$b"             # not an em dash (OT1 text mode)


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
    compile_if_available(tmp_path, [f.read_text() for f in files])


SPECS = ["psnr", "ssim", "ms_ssim", "vifp", "gmsd", "huber:0.01"]


def _table_body(text: str) -> str:
    """A .tex without its comment lines and trailing ``% spec`` comments: what the reader sees."""
    lines = [line.split(" % ")[0] for line in text.splitlines() if not line.lstrip().startswith("%")]
    return "\n".join(lines)


def assert_no_raw_spec(path, specs=SPECS):
    """No metric spec as typed (``ms_ssim``, ``huber:0.01``, nor LaTeX's ``ms\\_ssim``) in a table body:
    every row and heading shows the display name; the spec lives in the comments."""
    body = _table_body(path.read_text())
    for spec in specs:
        for spelled in {spec, latex_escape(spec)}:
            assert spelled not in body, (path.name, spelled)
    assert "\\$" not in body, (path.name, "an escaped $ in a heading: math set as text")


@pytest.mark.slow
def test_every_output_of_a_run_and_of_fit_all_compiles_at_body_size_with_display_names(tmp_path):
    """Issue 27's done-when: every .tex of an evaluation (``--fit all``; ``--ci`` below, inline and
    separate), of ``report --layout groups`` and of ``across`` compiles in the two-column 10 pt article
    with no overfull line, and no raw spec is left in a table body."""
    results = tmp_path / "results"
    files = []
    for ci in ("below", "inline", "separate"):
        run = run_cli("evaluate", "-m", ",".join(SPECS), "--fit", "all", "--bootstrap", "50", "--no-plots",
                      "--ci", ci, "--label", "huber:0.01=Huber loss", "--results", results, "--run", ci)
        assert run.returncode == 0, run.stderr[-3000:]
        folder = results / ci
        assert "| Huber loss |" in run.stdout and "| MS-SSIM |" in run.stdout
        assert ("table_ci.tex" in {f.name for f in folder.glob("*.tex")}) == (ci == "separate")
        files += [f.rename(tmp_path / f"{ci}_{f.name}") for f in sorted(folder.glob("*.tex"))]
    groups = run_cli("report", results / "below", "--layout", "groups", "--by", "distortion", "--format", "latex")
    assert groups.returncode == 0 and "Huber loss" in groups.stdout, groups.stderr[-3000:]
    (tmp_path / "groups.tex").write_text(groups.stdout)
    relabelled = run_cli("report", results / "below", "--label", "psnr=PSNR (dB)", "--format", "md")
    assert "| PSNR (dB) |" in relabelled.stdout and "| Huber loss |" in relabelled.stdout
    unknown = run_cli("report", results / "below", "--label", "lpips=LPIPS")
    assert unknown.returncode == 2 and "no metric 'lpips' in this run" in unknown.stderr
    across = run_cli("across", results / "below", "--out", tmp_path / "across")
    assert across.returncode == 0, across.stderr[-3000:]
    files += [tmp_path / "groups.tex"] + sorted((tmp_path / "across").glob("*.tex"))
    assert {"below_table.tex", "below_significance.tex", "below_fit_protocols.tex", "separate_table_ci.tex",
            "inline_table.tex", "groups.tex", "across.tex"} <= {f.name for f in files}
    for path in files:
        assert_no_raw_spec(path)
    compile_if_available(tmp_path, [f.read_text() for f in files], body_size=True)


def test_the_raw_spec_check_fails_on_a_raw_spec(tmp_path):
    """The check above can fail: a table row showing ``ms\\_ssim`` or a heading ``\\$n\\$`` is caught."""
    bad = tmp_path / "bad.tex"
    bad.write_text("\\begin{tabular}{ll}\nms\\_ssim & 0.9 \\\\ % ms_ssim\n\\end{tabular}\n")
    with pytest.raises(AssertionError, match="ms"):
        assert_no_raw_spec(bad)
    bad.write_text("\\$n\\$ & x \\\\\n")
    with pytest.raises(AssertionError, match="escaped"):
        assert_no_raw_spec(bad)
    good = tmp_path / "good.tex"
    good.write_text("MS-SSIM & 0.9 \\\\ % ms_ssim\n% provenance: ms_ssim\n")
    assert_no_raw_spec(good)


@pytest.mark.slow
def test_the_default_deep_metric_names_take_two_lines_at_most_in_latex(tmp_path):
    """Issue 43, item 16: "LP-att (EfficientNet-Lite0, block4_expand_relu)" and its kin wrapped to three lines
    in the name column. Typeset at body size (the paper table, the per-group blocks, the significance
    matrix) and read back from the PDF (pdftotext), each default deep name's first line holds the family and
    the backbone, so the layer is all that goes to a second line."""
    import os
    import shutil
    import subprocess

    from iqa_bench.reports.labels import metric_label
    from iqa_bench.run.config import DEFAULT_METRICS

    deep = [metric_label(spec) for spec in DEFAULT_METRICS if ", " in metric_label(spec)]
    assert len(deep) == 4, deep
    stand_ins = ["psnr", "ssim", "mse", "l1"]  # cheap metrics under the deep ones' names: the same typesetting
    results = tmp_path / "results"
    run = run_cli("evaluate", "-m", ",".join(stand_ins), "--bootstrap", "20", "--no-plots", "--results", results,
                  *[a for spec, name in zip(stand_ins, deep) for a in ("--label", f"{spec}={name}")])
    assert run.returncode == 0, run.stderr[-3000:]
    folder = results / "sample"
    groups = run_cli("report", folder, "--layout", "groups", "--by", "distortion", "--format", "latex")
    fragments = [(folder / "table.tex").read_text(), (folder / "significance.tex").read_text(), groups.stdout]
    compile_if_available(tmp_path, fragments, body_size=True)
    if shutil.which("pdftotext") is None:
        if os.environ.get("IQA_BENCH_REQUIRE_PDFLATEX"):  # .ci/run installs poppler-utils with pdflatex
            pytest.fail("pdftotext (poppler-utils) is required here but not installed")
        pytest.skip("pdftotext (poppler-utils) not installed; .ci/run installs it")
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "tables.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    for name in deep:
        first_line = name.split(", ")[0] + ","  # e.g. "LP-att (EfficientNet-Lite0,"
        assert text.count(first_line) >= 3, (name, [line for line in text.splitlines() if name[:4] in line])
