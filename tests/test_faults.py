"""Fault injection (issue 14): for each bad input or environment fault, the exit code, a message naming
the culprit, the other items still scored, and nothing stored before lost. Tiny images; the command
line runs in-process (click's runner) except where a real signal or a second process is needed."""
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from iqa_bench.cli import cli
from iqa_bench.images import load_rgb
from iqa_bench.learned import singan
from iqa_bench.learned.singan import load_discriminators
from iqa_bench.run.runlock import run_lock
from iqa_bench.store import ScoreStore

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


# -- weights files: no code runs from them -------------------------------------------------------
class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _malicious_files(folder: Path, marker: Path):
    legacy, zipped, header = folder / "legacy.pth", folder / "zip.pth", folder / "header.pth"
    torch.save([_Payload(marker)], legacy, _use_new_zipfile_serialization=False)
    torch.save([_Payload(marker)], zipped)
    # the legacy format's first record (the magic number) is read with pickle_module.load directly
    header.write_bytes(pickle.dumps(_Payload(marker), protocol=2) + legacy.read_bytes())
    return legacy, zipped, header


def test_malicious_weight_files_run_nothing_and_name_the_file_and_global(tmp_path):
    marker = tmp_path / "marker"
    for path in _malicious_files(tmp_path, marker):
        with pytest.raises(ValueError) as info:
            load_discriminators(path)
        assert str(path) in str(info.value) and "refusing to load posix.system" in str(info.value)
        assert not marker.exists()
    result = CliRunner().invoke(cli, ["evaluate", "-m", f"mdf:{tmp_path / 'header.pth'}", "--no-plots"])
    assert result.exit_code == 2 and "header.pth" in result.output and not marker.exists()


def test_the_malicious_file_test_can_fail(tmp_path, monkeypatch):
    """With the old loader (plain pickle.load for torch's legacy header records) the payload runs."""
    marker = tmp_path / "marker"
    _, _, header = _malicious_files(tmp_path, marker)
    monkeypatch.setattr(singan.restricted_pickle, "load", pickle.load)
    with pytest.raises(Exception):
        load_discriminators(header)
    assert marker.exists()


# -- scores never attributed to the wrong item ----------------------------------------------------
def test_one_distorted_file_against_two_references_gets_two_items(tmp_path):
    root = make_set(tmp_path / "set", n=3)
    with open(root / "manifest.csv", "a") as f:
        f.write("missing_ref.png,dist0.png,5\n")  # dist0 again, against a reference that does not exist
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 1
    assert "missing_ref.png" in result.output
    scores = pd.read_csv(tmp_path / "res" / "custom" / "scores.csv").set_index("item")
    assert np.isfinite(scores.loc["dist0.png (ref ref0.png)", "psnr"])
    assert np.isnan(scores.loc["dist0.png (ref missing_ref.png)", "psnr"])  # never another pair's PSNR


def test_duplicate_item_ids_are_refused_naming_the_lines(tmp_path):
    root = make_set(tmp_path / "set", n=3)
    (root / "manifest.csv").write_text("ref,dist,score,item\nref0.png,dist0.png,1,a\nref1.png,dist1.png,2,b\n"
                                       "ref2.png,dist2.png,3,a\n")
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 2 and "duplicate item" in result.output and "lines 2, 4" in result.output


# -- targets --------------------------------------------------------------------------------------
def test_non_finite_scores_are_listed_and_left_out(tmp_path, caplog):
    root = make_set(tmp_path / "set", n=6)
    text = (root / "manifest.csv").read_text().replace(",10\n", ",nan\n").replace(",8\n", ",inf\n")
    (root / "manifest.csv").write_text(text)
    with caplog.at_level("WARNING"):
        result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 0, result.output
    assert "2 row(s) without a finite score" in caplog.text and "line 2" in caplog.text and "line 4" in caplog.text
    assert len(pd.read_csv(tmp_path / "res" / "custom" / "scores.csv")) == 4


@pytest.mark.parametrize("text, message", [
    ("", "the manifest is empty"),
    ("ref,dist,score\n", "no pairs (a header line only)"),
    ("ref,dist,score\nref0.png,dist0.png,abc\n", "line 2: score 'abc' is not a number"),
])
def test_empty_or_non_numeric_manifests_are_refused_naming_the_file(tmp_path, text, message):
    root = make_set(tmp_path / "set", n=1)
    (root / "manifest.csv").write_text(text)
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 2 and message in result.output and "manifest.csv" in result.output


def test_header_cells_with_spaces_are_read(tmp_path):
    root = make_set(tmp_path / "set", n=3)
    (root / "manifest.csv").write_text((root / "manifest.csv").read_text().replace("ref,dist,score",
                                                                                   "ref, dist, score"))
    assert evaluate(root, tmp_path / "res").exit_code == 0


def test_custom_root_without_manifest_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = evaluate(tmp_path / "empty", tmp_path / "res")
    assert result.exit_code == 2 and "manifest.csv not found" in result.output


# -- images ---------------------------------------------------------------------------------------
def test_sixteen_bit_and_float_images_are_scaled_by_their_true_range(tmp_path):
    grey8 = random_rgb(3, 40, 48)[..., 0]
    grey16 = grey8.astype(np.uint16) * 257                      # the same picture in 16 bits
    Image.fromarray(grey8).save(tmp_path / "g8.png")
    Image.fromarray(grey16).save(tmp_path / "g16.png")
    Image.fromarray(grey8.astype(np.float32) / 255).save(tmp_path / "f.tif")
    eight = load_rgb(tmp_path / "g8.png")
    torch.testing.assert_close(load_rgb(tmp_path / "g16.png"), eight, atol=1e-6, rtol=0)
    torch.testing.assert_close(load_rgb(tmp_path / "f.tif"), eight, atol=1e-6, rtol=0)


def test_bad_images_fail_alone(tmp_path):
    """Zero-byte, truncated, non-image, missing, size mismatch, 1×1, grey/RGBA: each item on its own."""
    root = make_set(tmp_path / "set", n=8)
    (root / "dist0.png").write_bytes(b"")
    data = (root / "dist1.png").read_bytes()
    (root / "dist1.png").write_bytes(data[: len(data) // 2])
    (root / "dist2.png").write_text("not an image")
    (root / "dist3.png").unlink()
    write_image(root / "dist4.png", random_rgb(9, 20, 20))                       # size mismatch
    write_image(root / "ref5.png", random_rgb(5, 1, 1))
    write_image(root / "dist5.png", random_rgb(6, 1, 1))                         # 1×1: PSNR still defined
    Image.fromarray(random_rgb(6, 40, 48)[..., 0]).save(root / "dist6.png")      # greyscale
    Image.fromarray(np.dstack([random_rgb(7, 40, 48), np.full((40, 48), 255, np.uint8)])).save(root / "dist7.png")
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 1
    for name in ("dist0.png", "dist1.png", "dist2.png", "dist3.png", "dist4.png"):
        assert name in result.output
    scores = pd.read_csv(tmp_path / "res" / "custom" / "scores.csv").set_index("item")
    assert scores.loc[["dist5.png", "dist6.png", "dist7.png"], "psnr"].notna().all()
    assert scores.loc[[f"dist{k}.png" for k in range(5)], "psnr"].isna().all()


def test_a_decompression_bomb_is_that_items_failure(tmp_path):
    root = make_set(tmp_path / "set", n=3)
    Image.new("1", (14000, 13000)).save(root / "dist1.png")   # ~180 M pixels in a few hundred KB
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 1
    assert "dist1.png" in result.output and "decompression-bomb limit" in result.output
    assert "IQA_BENCH_MAX_PIXELS" in result.output
    scores = pd.read_csv(tmp_path / "res" / "custom" / "scores.csv").set_index("item")
    assert scores["psnr"].notna().sum() == 2


# -- configuration --------------------------------------------------------------------------------
@pytest.mark.parametrize("yaml_text, key", [
    ('fresh: "no"', "fresh"), ("metrics: 5", "metrics"), ("batch_size: abc", "batch_size"),
    ("bootstrap: -5", "bootstrap"), ("by: nosuchgroup", "nosuchgroup"), ("fit: linear", "fit"),
    ("fresh: [unclosed", "run.yaml"),
])
def test_bad_config_values_are_refused_and_nothing_stored_is_lost(tmp_path, yaml_text, key):
    root = make_set(tmp_path / "set", n=3)
    results = tmp_path / "res"
    assert evaluate(root, results).exit_code == 0
    before = stored(results)
    config = tmp_path / "run.yaml"
    defaults = {"metrics": "metrics: [psnr, mse]", "bootstrap": "bootstrap: 0", "batch_size": "batch_size: 2"}
    config.write_text("\n".join([yaml_text] + [v for k, v in defaults.items() if k != key]) + "\n")
    result = evaluate(root, results, "--config", str(config), options=["--no-plots", "--no-progress"])
    assert result.exit_code == 2 and key in result.output
    assert stored(results) == before


# -- the store ------------------------------------------------------------------------------------
def _damage(path: Path, how: str):
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    if how == "garbage":
        data = bytearray(b"garbage!" * 512)
    elif how == "truncated":
        data = data[: len(data) // 2 + 100]
    else:  # one corrupted page (a table b-tree page, past the schema)
        page = 4096
        data[2 * page: 3 * page] = bytes(np.random.default_rng(0).integers(0, 256, page, dtype=np.uint8))
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["garbage", "truncated", "page"])
def test_a_damaged_store_is_refused_then_fresh_or_salvaged(tmp_path, how):
    root = make_set(tmp_path / "set", n=40, size=(24, 24))
    results = tmp_path / "res"
    assert evaluate(root, results).exit_code == 0
    store = results / "scores.sqlite"
    _damage(store, how)
    damaged = store.read_bytes()
    result = evaluate(root, results)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"score store {store} is damaged" in result.output and "--fresh" in result.output
    assert "iqa-bench store salvage" in result.output
    assert store.read_bytes() == damaged  # nothing was changed

    salvage = CliRunner().invoke(cli, ["store", "salvage", str(store), "--output", str(tmp_path / "new.sqlite")])
    if how == "garbage":  # not an SQLite file at all: nothing to salvage, said in one line, the file kept
        assert salvage.exit_code == 2 and "is not a SQLite database" in salvage.output, salvage.output
        assert store.read_bytes() == damaged and not (tmp_path / "new.sqlite").exists()
    else:
        assert salvage.exit_code == 0 and "salvaged" in salvage.output
        with ScoreStore(tmp_path / "new.sqlite") as new:
            kept = new.count()
        assert kept <= 80 and (how != "page" or kept > 0)

    fresh = evaluate(root, results, "--fresh")
    assert fresh.exit_code == 0, fresh.output
    aside = list(results.glob("scores.sqlite.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == damaged  # kept, not deleted


# -- the environment ------------------------------------------------------------------------------
def test_full_disk_keeps_what_was_stored_and_says_so(tmp_path, monkeypatch):
    root = make_set(tmp_path / "set", n=8)
    calls = {"n": 0}
    original = ScoreStore.put

    def put(self, rows):
        calls["n"] += 1
        if calls["n"] > 2:
            raise sqlite3.OperationalError("database or disk is full")
        return original(self, rows)

    monkeypatch.setattr(ScoreStore, "put", put)
    result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 1 and "database or disk is full" in result.output
    assert "scores.sqlite" in result.output and "Traceback" not in result.output
    kept = stored(tmp_path / "res")
    assert len(kept) == 8  # two batches of two pairs × two metrics
    monkeypatch.setattr(ScoreStore, "put", original)
    again = evaluate(root, tmp_path / "res")
    assert again.exit_code == 0 and "8 reused" in again.output


def test_unwritable_results_folder_is_one_line(tmp_path, monkeypatch):
    root = make_set(tmp_path / "set", n=3)
    original = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if "readonly" in str(self):
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    result = evaluate(root, tmp_path / "readonly")
    assert result.exit_code == 1 and "readonly" in result.output and "Permission denied" in result.output
    assert "Traceback" not in result.output


def test_a_read_only_store_serves_a_complete_run(tmp_path, monkeypatch):
    root = make_set(tmp_path / "set", n=3)
    assert evaluate(root, tmp_path / "res").exit_code == 0
    store = tmp_path / "res" / "scores.sqlite"
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == store.parent else real_access(p, mode))
    before = store.read_bytes()
    result = evaluate(root, tmp_path / "elsewhere", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "0 computed, 6 reused" in result.output
    assert store.read_bytes() == before
    assert (tmp_path / "elsewhere" / "custom" / "table.md").exists()


def test_missing_mdf_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["evaluate", "-m", f"mdf:{tmp_path / 'nope.pth'}", "--no-plots"])
    assert result.exit_code == 2 and "nope.pth" in result.output


def test_a_second_run_on_a_locked_run_folder_is_refused(tmp_path):
    root = make_set(tmp_path / "set", n=3)
    run_dir = tmp_path / "res" / "custom"
    run_dir.mkdir(parents=True)
    with run_lock(run_dir):
        result = evaluate(root, tmp_path / "res")
    assert result.exit_code == 1 and f"run folder {run_dir} is in use by process {os.getpid()}" in result.output
    assert evaluate(root, tmp_path / "res").exit_code == 0  # released with its holder


def test_malformed_specs_are_usage_errors(tmp_path):
    root = make_set(tmp_path / "set", n=2)
    for spec in ("ssim:octave", "lp:vgg16", "huber:abc", "nosuch"):
        result = CliRunner().invoke(cli, ["evaluate", "-d", "custom", "--root", str(root), "-m", spec,
                                          "--results", str(tmp_path / "res"), "--no-plots"])
        assert result.exit_code == 2 and "Traceback" not in result.output, (spec, result.output)


# -- signals and concurrency (real processes) -----------------------------------------------------
def _popen(root, results, *extra):
    args = [sys.executable, "-m", "iqa_bench", "evaluate", "-d", "custom", "--root", str(root), "--results",
            str(results), "--metrics", "fsim,vsi,haarpsi", "--batch-size", "1", "--no-plots", "--bootstrap", "0",
            "--no-progress", *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})


def _wait_for_rows(store: Path, proc, rows: int, timeout: float = 240) -> int:
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


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_end_cleanly_keeping_scores(tmp_path, sig):
    root = make_set(tmp_path / "set", n=30, size=(128, 128))
    results = tmp_path / "res"
    proc = _popen(root, results)
    seen = _wait_for_rows(results / "scores.sqlite", proc, 6)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted:" in err and "scores kept in" in err and "Traceback" not in err
    assert len(stored(results)) >= seen
    with sqlite3.connect(results / "scores.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_two_concurrent_runs_on_one_run_folder(tmp_path):
    root = make_set(tmp_path / "set", n=30, size=(128, 128))
    results = tmp_path / "res"
    first = _popen(root, results)
    _wait_for_rows(results / "scores.sqlite", first, 1)
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
        proc = _popen(root, results)
        _wait_for_rows(results / "scores.sqlite", proc, 1)
        time.sleep(float(rng.uniform(0, 1.5)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with sqlite3.connect(results / "scores.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for folder in (results, clean):
        proc = _popen(root, folder)
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(results / "custom" / "scores.csv"),
                                  pd.read_csv(clean / "custom" / "scores.csv"))


def test_a_pair_too_large_for_memory_is_that_items_failure(tmp_path, monkeypatch):
    """The memory guard (budget forced down to 1.6 MiB): the 96×96 pair cannot be scored by the
    metrics that would need more, and fails alone; the small pairs are scored, batches are split."""
    root = make_set(tmp_path / "set", n=4, size=(24, 24))
    write_image(root / "ref3.png", random_rgb(3, 96, 96))
    write_image(root / "dist3.png", random_rgb(13, 96, 96))
    monkeypatch.setenv("IQA_BENCH_MAX_MEMORY_GB", str(1.6 / 1024))  # psnr needs 1.4 MB here, ssim 1.8
    result = evaluate(root, tmp_path / "res", options=["--metrics", "psnr,ssim", "--no-plots", "--bootstrap", "0",
                                                       "--no-progress", "--batch-size", "4"])
    assert result.exit_code == 1
    assert "ssim on" in result.output and "dist3.png: needs about" in result.output and "96×96" in result.output
    scores = pd.read_csv(tmp_path / "res" / "custom" / "scores.csv").set_index("item")
    assert scores.loc[["dist0.png", "dist1.png", "dist2.png"], "ssim"].notna().all()
    assert np.isnan(scores.loc["dist3.png", "ssim"]) and np.isfinite(scores.loc["dist3.png", "psnr"])


def test_when_no_requested_metric_can_run_the_reason_is_shown_and_the_exit_is_1(tmp_path, monkeypatch):
    """Offline, LPIPS / VGG weights absent: the pre-fetch line and exit 1, never a traceback (issue 16.1)."""
    import urllib.error

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    root = make_set(tmp_path / "set", n=3)
    result = evaluate(root, tmp_path / "res", options=["-m", "lp:vgg16/relu2_2", "--no-plots", "--bootstrap", "0"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Pre-fetch" in result.output and "VGG16_Weights" in result.output and "Downloading" not in result.output
    assert "no metric was computed" in (tmp_path / "res" / "custom" / "table.md").read_text()


def test_written_files_get_the_mode_the_umask_gives(tmp_path):
    """Files written atomically are readable by colleagues as a normally created file is (issue 16.2)."""
    from iqa_bench.io_utils import atomic_write_text

    previous = os.umask(0o022)
    try:
        assert (atomic_write_text(tmp_path / "a.md", "x").stat().st_mode & 0o777) == 0o644
        os.umask(0o027)
        assert (atomic_write_text(tmp_path / "b.md", "x").stat().st_mode & 0o777) == 0o640
    finally:
        os.umask(previous)


def test_a_metric_that_cannot_run_on_the_image_size_is_unavailable_before_any_work(tmp_path):
    """40×48 images: ms_ssim (161) and vif (48) are reported once each, not per item, and never run;
    the table says why each cell is empty (issue 16.3)."""
    root = make_set(tmp_path / "set", n=6)
    result = evaluate(root, tmp_path / "res", options=["-m", "psnr,ms_ssim,vif", "--no-plots", "--bootstrap", "0",
                                                       "--no-progress"])
    assert result.exit_code == 1
    assert result.output.count("needs images of at least 161×161 pixels") == 2   # table note + failure line
    assert result.output.count("vif: needs images of at least 48×48 pixels") == 1 and "(6 items" not in result.output
    assert "3 failure" not in result.output and "2 failure(s), 2 reason(s)" in result.output
    assert {m for _, m in stored(tmp_path / "res")} == {"psnr"}
    table = (tmp_path / "res" / "custom" / "table.md").read_text()
    assert "| PSNR | 6 | n = 6 < 8 | n = 6 < 8 |" in table and "| MS-SSIM | 0 | not computed |" in table
    assert "- VIF not computed: needs images of at least 48×48" in table
