"""The command line end to end on the embedded sample and on small custom trees."""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from conftest import random_rgb, run_cli, write_image

FAST = ["--bootstrap", "200", "--no-progress"]


def _counts(output):
    computed, reused = re.search(r"scores: (\d+) computed, (\d+) reused", output).groups()
    return int(computed), int(reused)


@pytest.mark.slow
def test_default_evaluate_prints_table_of_all_metrics(tmp_path):
    result = run_cli("evaluate", "--results", tmp_path, "--no-progress")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "synthetic severity, not human opinion" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "[" in line]
    assert len(rows) >= 10
    assert all(line.count("[") == 4 for line in rows)  # RMSE, PLCC, SROCC, KROCC with intervals
    run = tmp_path / "sample"
    for name in ("scores.csv", "summary.csv", "table.md", "table.tex", "run.json"):
        assert (run / name).exists(), name
    assert len(list((run / "plots").glob("scatter_*.png"))) == len(list((run / "plots").glob("scatter_*.pdf"))) \
        == len(rows)
    assert (run / "plots" / "overview_scatter.pdf").exists() and (run / "plots" / "overview_srocc.png").exists()
    summary = pd.read_csv(run / "summary.csv")
    assert set(summary["group"]) == {"all", "fastfading", "gblur", "jp2k", "jpeg", "wn"}
    tex = (run / "table.tex").read_text()
    assert r"\toprule" in tex and r"\textbf{" in tex and "MS-SSIM" in tex and "% ms_ssim" in tex
    significance = pd.read_csv(run / "significance.csv")  # every ordered pair of the metrics with values
    assert len(significance) == len(rows) * (len(rows) - 1)
    assert set(significance["f_symbol"].dropna()) <= {-1, 0, 1} and (run / "significance.md").exists()
    assert (run / "plots" / "significance_f.png").exists() and "significance.md/.tex/.csv" in out


@pytest.mark.slow
def test_evaluate_then_report_rerenders_without_recomputing(tmp_path):
    args = ["evaluate", "--results", tmp_path, "--metrics", "psnr,ssim,l2", *FAST, "--no-plots"]
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert _counts(first.stdout) == (450, 0)
    second = run_cli(*args)
    assert _counts(second.stdout) == (0, 450)
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


def test_unknown_names_exit_2_with_valid_lists(tmp_path):
    bad_metric = run_cli("evaluate", "--results", tmp_path, "--metrics", "psnr,nosuch")
    assert bad_metric.returncode == 2
    assert "nosuch" in bad_metric.stderr and "ms_ssim" in bad_metric.stderr
    bad_dataset = run_cli("evaluate", "--results", tmp_path, "--dataset", "nosuch")
    assert bad_dataset.returncode == 2 and "sample" in bad_dataset.stderr
    config = tmp_path / "c.yaml"
    config.write_text("metrics: [psnr]\nbatchsize: 3\n")
    bad_key = run_cli("evaluate", "--config", config)
    assert bad_key.returncode == 2 and "batchsize" in bad_key.stderr and "batch_size" in bad_key.stderr


def _custom_tree(root, n=10):
    rows = []
    for k in range(n):
        ref = random_rgb(k, 40, 48)
        noise = np.random.default_rng(k).normal(0, 3 + 4 * k, ref.shape)
        dist = np.clip(ref + noise, 0, 255).astype(np.uint8)
        write_image(root / "ref" / f"r{k}.png", ref)
        write_image(root / "dist" / f"d{k}.png", dist)
        rows.append({"ref": f"ref/r{k}.png", "dist": f"dist/d{k}.png", "score": 90 - 8 * k,
                     "distortion": "wn"})
    pd.DataFrame(rows).to_csv(root / "manifest.csv", index=False)


def test_bad_images_are_named_others_scored_exit_nonzero(tmp_path):
    root = tmp_path / "data"
    _custom_tree(root)
    (root / "dist" / "d3.png").write_bytes((root / "dist" / "d3.png").read_bytes()[:150])
    write_image(root / "dist" / "d5.png", random_rgb(5, 40, 40))
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: custom\nroot: {root}\nmetrics: psnr,ssim\nbootstrap: 100\nplots: false\n")
    result = run_cli("evaluate", "--config", config, "--results", tmp_path / "res", "--no-progress")
    assert result.returncode == 1
    assert "d3.png" in result.stderr and "size mismatch" in result.stderr and "d5.png" in result.stderr
    assert _counts(result.stdout) == (16, 0)
    scores = pd.read_csv(tmp_path / "res" / "custom" / "scores.csv")
    assert scores["psnr"].notna().sum() == 8
    assert (tmp_path / "res" / "custom" / "failures.txt").read_text().count("\n") == 2


@pytest.mark.slow
def test_kill_9_mid_run_resumes_without_recomputing(tmp_path):
    results = tmp_path / "res"
    args = [sys.executable, "-m", "iqa_bench", "evaluate", "--results", str(results), "--metrics",
            "fsim,vsi,ms_ssim", "--batch-size", "2", "--no-plots", "--bootstrap", "50", "--no-progress"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    store = results / "scores.sqlite"
    stored_at_kill = 0
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if store.exists():
            try:
                with sqlite3.connect(store) as db:
                    stored_at_kill = db.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
            except sqlite3.OperationalError:
                stored_at_kill = 0
            if stored_at_kill >= 30:
                break
        time.sleep(0.2)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(store) as db:
        before = dict(((i, m), v) for i, m, v in db.execute("SELECT item, metric, value FROM scores"))
    assert len(before) >= stored_at_kill

    resumed = run_cli(*args[3:])  # the resumed and the fresh run need no process of their own
    assert resumed.returncode == 0, resumed.stderr
    computed, reused = _counts(resumed.stdout)
    assert reused == len(before) and computed + reused == 450

    fresh_results = tmp_path / "fresh"
    fresh = run_cli(*[a if a != str(results) else str(fresh_results) for a in args[3:]])
    assert fresh.returncode == 0
    a = pd.read_csv(results / "sample" / "scores.csv")
    b = pd.read_csv(fresh_results / "sample" / "scores.csv")
    pd.testing.assert_frame_equal(a, b)
    with sqlite3.connect(store) as db:
        after = dict(((i, m), v) for i, m, v in db.execute("SELECT item, metric, value FROM scores"))
    assert all(after[key] == value for key, value in before.items())


def test_help_datasets_and_metrics_do_not_import_torch(tmp_path):
    """Start-up: `iqa-bench --help`, `datasets` and `metrics` never load torch (≈6 s cold on 2 cores), even
    with an empty cache: `metrics` reads the listing shipped with the package, which must be the
    registry's and carry the digest of the current sources (else: `python -m iqa_bench.catalog`)."""
    import os
    import subprocess
    import sys

    from iqa_bench import catalog

    assert catalog.shipped() is not None, "metrics_catalog.json is stale: run `python -m iqa_bench.catalog`"
    assert catalog.shipped() == catalog.build(), "metrics_catalog.json is stale: run `python -m iqa_bench.catalog`"
    code = ("import sys\nfrom iqa_bench.cli import cli\n"
            "for args in (['--help'], ['datasets'], ['metrics']):\n"
            "    try:\n        cli.main(args, standalone_mode=False)\n    except SystemExit:\n        pass\n"
            "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')\n")
    env = {**os.environ, "IQA_BENCH_CACHE": str(tmp_path)}
    root = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root,
                          env=env)
    assert done.stdout.strip().splitlines()[-1] == "NO-TORCH", done.stdout[-2000:] + done.stderr[-2000:]
    assert all(f"\n{family['name']}" in done.stdout for family in catalog.build())
    assert not list(tmp_path.glob("metrics-catalog-*.json"))


def test_a_stale_shipped_listing_is_rebuilt_once_and_cached(tmp_path, monkeypatch):
    """An edited checkout (sources digest differs from the shipped one) lists the registry, not the
    stale file, and caches it so that the next call needs no registry."""
    import json

    from iqa_bench import catalog

    stale = tmp_path / "shipped.json"
    stale.write_text(json.dumps({"sources": "0" * 16, "families": [{"name": "stale"}]}))
    monkeypatch.setattr(catalog, "SHIPPED", stale)
    monkeypatch.setenv("IQA_BENCH_CACHE", str(tmp_path / "cache"))
    assert catalog.shipped() is None
    registry = catalog.build()
    assert catalog.families() == registry
    assert len(list((tmp_path / "cache").glob("metrics-catalog-*.json"))) == 1

    def no_registry():
        raise AssertionError("the cached listing was not used")
    monkeypatch.setattr(catalog, "build", no_registry)
    assert catalog.families() == registry


def test_small_things_of_the_command_line():
    """train --help gives every default (checked against TrainConfig), the csf-map help line is whole,
    an unknown layer lists the layers in network order with correct grammar."""
    from click.testing import CliRunner

    from iqa_bench.backbones import get_backbone
    from iqa_bench.cli import cli
    from iqa_bench.errors import UnknownNameError
    from iqa_bench.training.trainer import Stage, TrainConfig

    text = " ".join(CliRunner().invoke(cli, ["train", "--help"]).output.split())
    config, stage = TrainConfig(), Stage()
    for default in (f"default {stage.loss})", f"default {stage.iters})", f"default {stage.lr})",
                    f"default {stage.schedule})", f"(default {config.seed})", f"(default {config.checkpoint_every})",
                    f"(default {config.output})", f"(default {config.workers})", f"(default {config.model})",
                    f"(default {config.patch})", f"(default {config.batch_size})"):
        assert default in text, default
    top = CliRunner().invoke(cli, ["--help"]).output
    assert "csf-map         Write the CSF attention map of an image.\n" in top
    backbone = get_backbone("efficientnet_lite0", "random")
    with pytest.raises(UnknownNameError) as info:
        backbone.check_layers(["no_such_layer"])
    message = str(info.value)
    assert "valid layers of efficientnet_lite0 (input to output): stem_relu, block0_depthwise_relu, block0," in message
