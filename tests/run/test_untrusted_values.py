"""Values from elsewhere that used to end in a traceback or in wrong results without a word (issue 43, items
6-8): each is one line with its exit code, naming the file or option, or refused up front with the figure."""
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from fault_helpers import FAST, evaluate, make_set


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    base = tmp_path_factory.mktemp("finished")
    root = make_set(base / "set", n=6)
    result = evaluate(root, base / "res")
    assert result.exit_code == 0, result.output
    return base / "res" / "custom"


def _copy(finished, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(finished, run)
    return run


def test_report_refuses_directions_that_are_not_a_mapping(finished, tmp_path):
    run = _copy(finished, tmp_path)
    meta = json.loads((run / "run.json").read_text())
    meta["higher_is_better"] = [1, 2]
    (run / "run.json").write_text(json.dumps(meta))
    result = run_cli("report", run)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "run.json: 'higher_is_better' must map each metric to true or false" in result.stderr


@pytest.mark.parametrize("field, value, message", [
    ("items", "abc", "'items' must be a count, got 'abc'"),
    ("score_higher_is_better", "abc", "'score_higher_is_better' must be true, false or null"),
    ("protocol", "abc", "'protocol' must be one of regression, 2afc"),
    ("digests", 3, "'digests' must be a mapping of metric to its code's digest"),
    ("labels", [1], "'labels' must be a mapping of metric to text"),
    ("config.seed", "abc", "config: key 'seed' must be an integer, got 'abc' (str)"),
    ("config.fit", 5, "config: key 'fit' must be one of logistic5, logistic4, cubic, none, all, got 5 (int)"),
    ("config.by", ["x"], "config: key 'by' must be a string"),
    ("config.correct", "x", "config: key 'correct' must be one of none, holm, bh"),
    ("config.labels", [1], "config: key 'labels' must map metric specs to texts"),
])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_names_the_file_and_field_of_a_damaged_run_json(finished, tmp_path, field, value, message, fmt):
    """Item 10: every run.json field that `report` reads is checked where it is read, naming the file (a
    string where a direction belongs used to flip the metric's direction without a word)."""
    run = _copy(finished, tmp_path)
    meta = json.loads((run / "run.json").read_text())
    *parents, name = field.split(".")
    target = meta
    for part in parents:
        target = target[part]
    target[name] = value
    (run / "run.json").write_text(json.dumps(meta))
    result = run_cli("report", run, "--format", fmt, "-o", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-1500:]
    assert f"{run / 'run.json'}: {message}" in result.stderr


def test_report_refuses_a_scores_table_with_an_item_twice(finished, tmp_path):
    """The last row a copy of the first: as many rows as run.json says, one item twice and one missing."""
    run = _copy(finished, tmp_path)
    lines = (run / "scores.csv").read_text().splitlines(keepends=True)
    (run / "scores.csv").write_text("".join(lines[:-1] + [lines[1]]))
    result = run_cli("report", run)
    assert result.returncode == 2 and "scores.csv: the item" in result.stderr and "appears more than once" in \
        result.stderr


@pytest.mark.parametrize("where", ["flag", "run.json"])
def test_a_bootstrap_that_cannot_fit_is_refused_up_front_with_the_figure(finished, tmp_path, where):
    run = _copy(finished, tmp_path)
    if where == "flag":
        result = run_cli("report", run, "--bootstrap", "1000000000")
    else:
        meta = json.loads((run / "run.json").read_text())
        meta["config"]["bootstrap"] = 10 ** 12
        (run / "run.json").write_text(json.dumps(meta))
        result = run_cli("report", run)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the resamples of 6 items need about" in result.stderr and "GiB" in result.stderr
    assert "use at most" in result.stderr


def test_evaluate_refuses_a_bootstrap_that_cannot_fit_before_scoring(tmp_path):
    root = make_set(tmp_path / "set", n=4)
    result = evaluate(root, tmp_path / "res", options=[o for o in FAST if o not in ("--bootstrap", "0")]
                      + ["--bootstrap", "1000000000000"])
    assert result.exit_code == 2 and "--bootstrap 1000000000000: the resamples of 4 items" in result.output
    assert not (tmp_path / "res" / "scores.sqlite").exists()  # nothing was scored


@pytest.mark.parametrize("text", ["inf", "1e308", "nan", "-0.1"])
def test_a_tid2013_std_that_is_not_a_standard_deviation_is_refused(tmp_path, text):
    from iqa_bench.datasets import create_dataset

    root = tmp_path / "tid"
    root.mkdir()
    (root / "mos_with_names.txt").write_text("5.5 i01_01_1.bmp\n3.25 i01_01_2.bmp\n")
    (root / "mos_std.txt").write_text(f"0.1\n{text}\n")
    with pytest.raises(ValueError, match=r"mos_std.txt: a standard deviation of .* \(must be a number from 0 to 9"):
        create_dataset("tid2013", root=root).items()


@pytest.mark.parametrize("cell", ["abc", "-1", ""])
def test_kadid_variances_that_cannot_be_read_are_named_with_their_lines(tmp_path, cell):
    from iqa_bench.datasets import create_dataset

    root = tmp_path / "kadid"
    root.mkdir()
    (root / "dmos.csv").write_text("dist_img,ref_img,dmos,var\nI01_01_01.png,I01.png,4.57,0.496\n"
                                   f"I01_01_02.png,I01.png,4.33,{cell}\n")
    with pytest.raises(ValueError, match=r"dmos.csv: -o ratings needs a variance .* 1 cell\(s\) are not: line 3"):
        create_dataset("kadid10k", root=root, ratings="10").items()
    with pytest.raises(ValueError, match="a finite number above 1"):
        create_dataset("kadid10k", root=root, ratings="inf")


@pytest.mark.parametrize("path", ["../outside/secret.png", "ABSOLUTE"])
def test_a_manifest_may_not_read_files_outside_its_folder(tmp_path, path):
    root = make_set(tmp_path / "set", n=3)
    secret = tmp_path / "outside" / "secret.png"
    secret.parent.mkdir()
    shutil.copy(root / "ref0.png", secret)
    target = str(secret) if path == "ABSOLUTE" else path
    (root / "manifest.csv").write_text(f"ref,dist,score\n{target},dist0.png,1\nref1.png,dist1.png,2\n"
                                       "ref2.png,dist2.png,3\n")
    refused = evaluate(root, tmp_path / "res")
    assert refused.exit_code == 2 and f"ref {target!r} is outside the dataset folder" in refused.output
    assert "-o outside=true" in refused.output
    allowed = evaluate(root, tmp_path / "res", "-o", "outside=true")
    assert allowed.exit_code == 0, allowed.output
    assert np.isfinite(pd.read_csv(tmp_path / "res" / "custom" / "scores.csv")["psnr"]).all()


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


def test_train_with_a_loss_whose_weights_are_not_here_is_one_line(tmp_path, monkeypatch):
    """Issue 43, item 14: offline, VGG-16's ImageNet weights are not in the torch hub cache: one line, exit 1."""
    from PIL import Image

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty-hub"))
    hr = tmp_path / "hr"
    hr.mkdir()
    for k in range(2):
        Image.fromarray((np.random.default_rng(k).uniform(0, 255, (48, 48, 3))).astype(np.uint8)).save(hr / f"{k}.png")
    result = run_cli("train", "--train-dir", hr, "--model", "vdsr", "--scale", "2", "--patch", "16", "--batch-size",
                     "2", "--iters", "2", "--loss", "0.9*l2 + 0.1*lp_att:vgg16/relu3_2", "--device", "cpu",
                     "-o", tmp_path / "run", "--no-progress")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "vgg16" in lines[0], result.stderr[-2000:]


def test_an_unknown_label_names_the_runs_metrics_once(tmp_path):
    root = make_set(tmp_path / "set", n=4)
    config = tmp_path / "run.yaml"
    config.write_text("labels: {nosuch: Nothing}\n")
    result = evaluate(root, tmp_path / "res", "--config", str(config), "--by", "distortion")
    assert result.exit_code == 2
    assert "no metric 'nosuch' in this run; its metrics: psnr, mse" in result.output


def test_the_store_count_reads_a_store_it_cannot_write(tmp_path):
    from iqa_bench.cli.common import _stored_count

    assert _stored_count(tmp_path / "absent.sqlite") == "scores"  # never "the the"
    root = make_set(tmp_path / "set", n=3)
    assert evaluate(root, tmp_path / "res").exit_code == 0
    assert _stored_count(tmp_path / "res" / "scores.sqlite") == "6 scores"  # psnr and mse on 3 items
