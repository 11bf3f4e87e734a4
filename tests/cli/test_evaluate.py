"""iqa-bench evaluate (cli/evaluate.py): the default run prints the table of every metric, bad images named and the
others scored, a run killed mid-way resumes without recomputing."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from conftest import random_rgb, run_cli, write_image
from fault_helpers import score_counts


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
    assert score_counts(result.stdout) == (16, 0)
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
    computed, reused = score_counts(resumed.stdout)
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
