"""A run's folder (run/run_folder.py): a failed or mistyped run leaves the finished one byte-identical, a folder
holds its current run's files only, runs of other metrics do not replace each other, a run that dies while
writing loses nothing, what it left aside is cleared, no run is written over a folder of other files."""
import json

import pytest

from fault_helpers import FAST, evaluate, make_set


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("metrics", ["psnr,mymetric.measures:MAEE", "mdf:sisr"])
def test_a_failed_or_mistyped_run_leaves_the_finished_one_byte_identical(tmp_path, metrics):
    """Issue 43, item 12: a typo in a code spec (refused before scoring) and a run in which every metric fails
    (MDF without its weights) leave the previous run's folder exactly as it was."""
    root = make_set(tmp_path / "set", n=4)
    first = evaluate(root, tmp_path / "res", options=["--metrics", "psnr,ssim", "--bootstrap", "0", "--no-progress",
                                                       "--batch-size", "2"])
    assert first.exit_code == 0, first.output
    before = _tree(tmp_path / "res" / "custom")
    assert "plots/scatter_psnr.png" in before
    again = evaluate(root, tmp_path / "res", options=["--metrics", metrics, "--bootstrap", "0", "--no-progress",
                                                       "--mdf-weights", str(tmp_path / "set")])
    assert again.exit_code in (1, 2) and "Traceback" not in again.output, again.output
    assert _tree(tmp_path / "res" / "custom") == before


def test_a_folder_holds_the_files_of_its_current_run_only(tmp_path):
    """A run asked into a folder holding another one (--run) replaces it whole: no figure, significance
    matrix or failures.txt of the earlier run stays; unchanged figures are taken over, not redrawn."""
    root = make_set(tmp_path / "set", n=4)
    options = ["--bootstrap", "0", "--no-progress", "--batch-size", "2", "--run", "mine"]
    assert evaluate(root, tmp_path / "res", options=["--metrics", "psnr,ssim"] + options).exit_code == 0
    folder = tmp_path / "res" / "mine"
    (folder / "notes.txt").write_text("written by hand into the run folder")
    drawn = (folder / "plots" / "scatter_psnr.png").stat().st_mtime_ns
    assert evaluate(root, tmp_path / "res", options=["--metrics", "psnr"] + options).exit_code == 0
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert files == ["plots/figures.json", "plots/overview_scatter.pdf", "plots/overview_scatter.png",
                     "plots/overview_srocc.pdf", "plots/overview_srocc.png", "plots/scatter_psnr.pdf",
                     "plots/scatter_psnr.png", "report.html", "run.json", "scores.csv", "summary.csv", "table.md",
                     "table.tex"]
    assert (folder / "plots" / "scatter_psnr.png").stat().st_mtime_ns == drawn  # taken over, not redrawn
    manifest = json.loads((folder / "plots" / "figures.json").read_text())
    assert sorted(manifest) == ["overview_scatter.png", "overview_srocc.png", "scatter_psnr.png"]
    assert [p.name for p in (tmp_path / "res").iterdir() if p.name.startswith(".")] == [".mine.lock"]


def test_runs_of_other_metrics_do_not_replace_each_other(tmp_path):
    """Item 12: without --run, a run of other metrics goes to DATASET-2 (said in one line); a rerun of the
    first one's metrics, in any order, goes back to its own folder; neither touches the other's files."""
    root = make_set(tmp_path / "set", n=4)
    first = evaluate(root, tmp_path / "res", options=["--metrics", "psnr,ssim"] + FAST[2:])
    assert first.exit_code == 0
    before = _tree(tmp_path / "res" / "custom")
    second = evaluate(root, tmp_path / "res", options=["--metrics", "psnr"] + FAST[2:])
    assert second.exit_code == 0
    assert (f"{tmp_path / 'res' / 'custom'} holds a run of psnr, ssim; this run is written to "
            f"{tmp_path / 'res' / 'custom-2'} (--run NAME chooses the folder)") in second.output
    assert _tree(tmp_path / "res" / "custom") == before
    assert json.loads((tmp_path / "res" / "custom-2" / "run.json").read_text())["metrics"] == ["psnr"]
    again = evaluate(root, tmp_path / "res", options=["--metrics", "ssim,psnr"] + FAST[2:])
    assert again.exit_code == 0 and "this run is written to" not in again.output
    assert f"written: {tmp_path / 'res' / 'custom'}/" in again.output
    third = evaluate(root, tmp_path / "res", options=["--metrics", "psnr"] + FAST[2:])
    assert f"written: {tmp_path / 'res' / 'custom-2'}/" in third.output


def test_a_run_that_dies_while_writing_leaves_the_finished_one_byte_identical(tmp_path, monkeypatch):
    """Files are written aside and moved into place at the end: an error half-way through the outputs
    leaves the previous folder as it was, and no partial folder behind."""
    from iqa_bench.run import outputs

    root = make_set(tmp_path / "set", n=4)
    assert evaluate(root, tmp_path / "res").exit_code == 0
    before = _tree(tmp_path / "res" / "custom")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "write_significance", broken)
    result = evaluate(root, tmp_path / "res", "--fit", "cubic")  # a real option: the files would differ
    assert result.exit_code == 1 and "No space left on device" in result.output, result.output
    assert _tree(tmp_path / "res" / "custom") == before
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == [".custom.lock", "custom", "scores.sqlite"]


def test_what_a_killed_run_left_aside_is_cleared_by_the_next(tmp_path):
    root = make_set(tmp_path / "set", n=4)
    (tmp_path / "res" / ".custom.partial-99999" / "plots").mkdir(parents=True)
    (tmp_path / "res" / ".custom.previous-99999").mkdir()
    assert evaluate(root, tmp_path / "res").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == [".custom.lock", "custom", "scores.sqlite"]


def test_a_run_is_not_written_over_a_folder_of_other_files(tmp_path):
    root = make_set(tmp_path / "set", n=4)
    (tmp_path / "res" / "mine").mkdir(parents=True)
    (tmp_path / "res" / "mine" / "thesis.tex").write_text("months of work")
    result = evaluate(root, tmp_path / "res", "--run", "mine")
    assert result.exit_code == 2 and "holds files but no run (run.json)" in result.output
    assert (tmp_path / "res" / "mine" / "thesis.tex").read_text() == "months of work"
