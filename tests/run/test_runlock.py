"""One run folder, one process (iqa_bench.run.runlock, issue 14): a second run is refused naming the holder, in
process and across real processes; another --run shares the store."""
import os
import signal
import subprocess
import sys

import pytest

from iqa_bench.run.runlock import run_lock

from fault_helpers import FAST, make_set, evaluate, popen_evaluate, wait_for_rows


def test_a_second_run_on_a_locked_run_folder_is_refused(tmp_path):
    root = make_set(tmp_path / "set", n=3)
    run_dir = tmp_path / "res" / "custom"
    run_dir.mkdir(parents=True)
    with run_lock(run_dir):
        result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 1 and f"run folder {run_dir} is in use by process {os.getpid()}" in result.output
    assert evaluate(root, tmp_path / "res").exit_code == 0  # released with its holder


@pytest.mark.slow
def test_two_concurrent_runs_on_one_run_folder(tmp_path):
    root = make_set(tmp_path / "set", n=30, size=(128, 128))
    results = tmp_path / "res"
    first = popen_evaluate(root, results)
    wait_for_rows(results / "scores.sqlite", first, 1)
    first.send_signal(signal.SIGSTOP)  # holds its lock, deterministically, while the second one tries
    second = subprocess.run([sys.executable, "-m", "iqa_bench", "evaluate", "-d", "custom", "--root", str(root),
                             "--results", str(results), *FAST], capture_output=True, text=True, env={**os.environ})
    assert second.returncode == 1
    assert f"is in use by process {first.pid}" in second.stderr
    first.send_signal(signal.SIGCONT)
    first.send_signal(signal.SIGTERM)
    first.communicate(timeout=120)
    # another --run on the same results folder shares the store safely
    third = subprocess.run([sys.executable, "-m", "iqa_bench", "evaluate", "-d", "custom", "--root", str(root),
                            "--results", str(results), "--run", "other", *FAST], capture_output=True, text=True,
                           env={**os.environ})
    assert third.returncode == 0, third.stderr
