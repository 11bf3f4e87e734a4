"""Helpers of the fault tests (issue 14): a tiny custom dataset, the evaluate command run in-process or as a
real process, and the store's rows."""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from iqa_bench.cli import cli

from conftest import random_rgb, write_image


FAST = ["--metrics", "psnr,mse", "--no-plots", "--bootstrap", "0", "--no-progress", "--batch-size", "2"]


def make_set(root: Path, n: int = 6, size=(40, 48)) -> Path:
    """n reference/distorted PNG pairs and a manifest (score = the noise level)."""
    rows = []
    for k in range(n):
        ref = random_rgb(k, *size)
        noise = np.random.default_rng(100 + k).normal(0, 4 + 3 * k, ref.shape)
        dist = np.clip(ref + noise, 0, 255).astype(np.uint8)
        write_image(root / f"ref{k}.png", ref)
        write_image(root / f"dist{k}.png", dist)
        rows.append(f"ref{k}.png,dist{k}.png,{10 - k}")
    (root / "manifest.csv").write_text("ref,dist,score\n" + "\n".join(rows) + "\n")
    return root


def evaluate(root, results, *extra, options=FAST):
    return CliRunner().invoke(cli, ["evaluate", "-d", "custom", "--root", str(root), "--results", str(results),
                                    *options, *extra])


def stored(results: Path):
    with sqlite3.connect(results / "scores.sqlite") as db:
        return dict(((i, m), v) for i, m, v in db.execute("SELECT item, metric, value FROM scores"))


def popen_evaluate(root, results, *extra):
    args = [sys.executable, "-m", "iqa_bench", "evaluate", "-d", "custom", "--root", str(root), "--results",
            str(results), "--metrics", "fsim,vsi,haarpsi", "--batch-size", "1", "--no-plots", "--bootstrap", "0",
            "--no-progress", *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})


def wait_for_rows(store: Path, proc, rows: int, timeout: float = 240) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if store.exists():
            try:
                with sqlite3.connect(store) as db:
                    count = db.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
                if count >= rows:
                    return count
            except sqlite3.OperationalError:
                pass
        time.sleep(0.1)
    raise AssertionError("the run finished or stalled before the signal could be sent")


def score_counts(output: str):
    """(computed, reused) from the line evaluate prints ("scores: N computed, M reused")."""
    computed, reused = re.search(r"scores: (\d+) computed, (\d+) reused", output).groups()
    return int(computed), int(reused)


def copied(run: Path, tmp_path: Path) -> Path:
    """A copy of the run folder ``run`` in ``tmp_path`` (the shared finished run stays as it is)."""
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    return copy
