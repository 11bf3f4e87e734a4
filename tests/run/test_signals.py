"""SIGINT and SIGTERM handled alike in every phase (issue 25, item 7): a real process gets the real
signal while it imports, scores, fits and writes reports -- also when it was started with SIGINT ignored,
as a non-interactive shell starts a background job -- and ends with one line and exit code 130, every
stored score kept. The phase is chosen by wrapping that phase's function in the child process so that it
signals itself on entry (no test hook in the package)."""
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from fault_helpers import make_set, popen_evaluate, stored, wait_for_rows

CHILD = textwrap.dedent("""
    import os, signal, sys
    phase, signum, root, results = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    class SignalOnImport:  # the command's own heavy import (torch, the pipeline) is under way
        def find_spec(self, name, path=None, target=None):
            if name == "iqa_bench.run.evaluate":
                sys.meta_path.remove(self)
                os.kill(os.getpid(), signum)
            return None
    if phase == "imports":
        sys.meta_path.insert(0, SignalOnImport())
    from iqa_bench import cli
    def on_entry(module, name):
        original = getattr(module, name)
        def wrapped(*args, **kwargs):
            os.kill(os.getpid(), signum)
            return original(*args, **kwargs)
        setattr(module, name, wrapped)
    if phase != "imports":
        from iqa_bench import engine
        from iqa_bench.run import outputs
        if phase == "scoring":  # the second batch: the first one's scores are stored
            original = engine.Engine._score_batch
            calls = []
            def second(self, *args, **kwargs):
                calls.append(1)
                if len(calls) == 2:
                    os.kill(os.getpid(), signum)
                return original(self, *args, **kwargs)
            engine.Engine._score_batch = second
        else:
            on_entry(outputs, {"fit": "build_summary", "reports": "write_reports"}[phase])
    sys.argv = ["iqa-bench", "evaluate", "-d", "custom", "--root", root, "--results", results, "-m", "psnr,mse",
                "--batch-size", "2", "--bootstrap", "20", "--no-progress"]
    cli.main()
""")


def _stored(results):
    with sqlite3.connect(results / "scores.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return db.execute("SELECT COUNT(*) FROM scores").fetchone()[0]


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["imports", "scoring", "fit", "reports"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_in_any_phase_ends_with_one_line_and_130(tmp_path, phase, sig):
    root = make_set(tmp_path / "set", n=6)
    results = tmp_path / "res"
    # started with SIGINT ignored, as `cmd &` in a script without job control does
    proc = subprocess.run([sys.executable, "-c", CHILD, phase, str(int(sig)), str(root), str(results)],
                          capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert proc.returncode == 130, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and "Aborted!" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("interrupted")]
    assert len(lines) == 1, proc.stderr
    if phase == "imports":
        assert lines[0].startswith("interrupted (") and "SIG" in lines[0]
        return
    assert "scores kept in" in lines[0]
    stored = _stored(results)
    assert stored == {"scoring": 4, "fit": 12, "reports": 12}[phase]  # 2 metrics × (1 batch of 2 | 6 items)
    if phase != "scoring":  # the rerun resumes: nothing is recomputed
        rerun = subprocess.run([sys.executable, "-m", "iqa_bench", "evaluate", "-d", "custom", "--root", str(root),
                                "--results", str(results), "-m", "psnr,mse", "--bootstrap", "0", "--no-plots",
                                "--no-progress"], capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0 and "0 computed, 12 reused" in rerun.stdout, rerun.stdout + rerun.stderr


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_end_cleanly_keeping_scores(tmp_path, sig):
    root = make_set(tmp_path / "set", n=30, size=(128, 128))
    results = tmp_path / "res"
    proc = popen_evaluate(root, results)
    seen = wait_for_rows(results / "scores.sqlite", proc, 6)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted:" in err and "scores kept in" in err and "Traceback" not in err
    assert len(stored(results)) >= seen
    with sqlite3.connect(results / "scores.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_kill_9_while_writing_reports_loses_nothing(tmp_path):
    root = make_set(tmp_path / "set", n=12, size=(64, 64))
    results = tmp_path / "res"
    args = [sys.executable, "-m", "iqa_bench", "evaluate", "-d", "custom", "--root", str(root), "--results",
            str(results), "--metrics", "psnr,ssim,gmsd", "--bootstrap", "200", "--no-progress"]  # plots on
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    scores_csv = results / "custom" / "scores.csv"
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None and not scores_csv.exists():
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = stored(results)
    assert len(before) == 36  # every score was committed before the reports
    again = subprocess.run(args, capture_output=True, text=True, env={**os.environ})
    assert again.returncode == 0 and "0 computed, 36 reused" in again.stdout
    assert stored(results) == before


@pytest.mark.slow
def test_repeated_kill_9_at_random_moments_keeps_the_store_whole(tmp_path):
    """Kills land at random points of scoring, store commits included; the store stays intact and the
    finished run equals an uninterrupted one."""
    root = make_set(tmp_path / "set", n=30, size=(128, 128))
    results, clean = tmp_path / "res", tmp_path / "clean"
    rng = np.random.default_rng(7)
    for _ in range(3):
        proc = popen_evaluate(root, results)
        wait_for_rows(results / "scores.sqlite", proc, 1)
        time.sleep(float(rng.uniform(0, 1.5)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with sqlite3.connect(results / "scores.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for folder in (results, clean):
        proc = popen_evaluate(root, folder)
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(results / "custom" / "scores.csv"),
                                  pd.read_csv(clean / "custom" / "scores.csv"))
