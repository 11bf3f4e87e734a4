"""iqa-bench report (cli/report.py): a finished run rendered again without recomputing."""
import pytest

from conftest import run_cli
from fault_helpers import score_counts


FAST = ["--bootstrap", "200", "--no-progress"]


@pytest.mark.slow
def test_evaluate_then_report_rerenders_without_recomputing(tmp_path):
    args = ["evaluate", "--results", tmp_path, "--metrics", "psnr,ssim,l2", *FAST, "--no-plots"]
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert score_counts(first.stdout) == (450, 0)
    second = run_cli(*args)
    assert score_counts(second.stdout) == (0, 450)
    assert second.stdout.split("scores:")[0] == first.stdout.split("scores:")[0]
    run = tmp_path / "sample"
    md = run_cli("report", run, "--format", "md", "--by", "distortion", "--layout", "groups")
    assert md.returncode == 0 and "sample-v1 — gblur" in md.stdout and "| MSE |" in md.stdout
    paper = run_cli("report", run, "--format", "md", "--by", "distortion")
    assert paper.returncode == 0 and "| SROCC gblur |" in paper.stdout and "sample-v1 — gblur" not in paper.stdout
    latex = run_cli("report", run, "--format", "latex")
    assert latex.returncode == 0 and r"\begin{tabular}" in latex.stdout
    csv = run_cli("report", run, "--format", "csv")
    assert csv.returncode == 0 and csv.stdout.startswith("metric,label,group,n")  # the spec, then its display name
