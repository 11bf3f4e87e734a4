"""Sharded evaluation: `torchrun --nproc_per_node=2 -m iqa_bench evaluate` (gloo, CPU) equals one process."""
import os
import subprocess
import sys

import pytest
import torch

from conftest import run_cli

ARGS = ["evaluate", "--metrics", "psnr,ssim,l1", "--bootstrap", "200", "--no-plots", "--no-progress"]


@pytest.mark.slow
def test_two_process_sharded_run_equals_single_process(tmp_path, sample_items, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # same float reduction order in both runs
    env = {**os.environ}
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29547",
                "-m", "iqa_bench"]
    sharded = subprocess.run(launcher + ARGS + ["--results", str(tmp_path / "sharded")], capture_output=True,
                             text=True, env=env, timeout=600)
    assert sharded.returncode == 0, sharded.stderr[-3000:]
    assert sharded.stdout.count("scores: 450 computed, 0 reused") == 1  # rank 0 reports, once
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as OMP_NUM_THREADS=1 does for the torchrun processes
    try:
        single = run_cli(*ARGS, "--results", tmp_path / "single")
    finally:
        torch.set_num_threads(threads)
    assert single.returncode == 0, single.stderr
    for name in ("scores.csv", "summary.csv", "table.md"):
        assert (tmp_path / "sharded" / "sample" / name).read_bytes() == (tmp_path / "single" / "sample" / name).read_bytes()
    assert not list((tmp_path / "sharded" / "shards").glob("*.sqlite"))  # merged and removed
    again = subprocess.run(launcher + ARGS + ["--results", str(tmp_path / "sharded")], capture_output=True,
                           text=True, env=env, timeout=600)
    assert again.returncode == 0 and "scores: 0 computed, 450 reused" in again.stdout
