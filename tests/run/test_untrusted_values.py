"""Values from elsewhere that used to end in a traceback or in wrong results without a word (issue 43, items
6-8): each is one line with its exit code, naming the file or option, or refused up front with the figure."""
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from fault_helpers import FAST, copied, evaluate, make_set


@pytest.mark.parametrize("where", ["flag", "run.json"])
def test_a_bootstrap_that_cannot_fit_is_refused_up_front_with_the_figure(finished, tmp_path, where):
    run = copied(finished, tmp_path)
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
