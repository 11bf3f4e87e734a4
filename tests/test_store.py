import math
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from iqa_bench.cli import cli
from iqa_bench.store import ScoreStore

from fault_helpers import evaluate, make_set, stored


def test_put_and_read_back(tmp_path):
    with ScoreStore(tmp_path / "s.sqlite") as store:
        assert store.put([("d", "a", "psnr", "v1", 30.5), ("d", "b", "psnr", "v1", float("nan"))]) == 2
        values = store.scores("d", "psnr", "v1")
        assert values["a"] == 30.5 and math.isnan(values["b"])
        assert store.scores("d", "psnr", "v2") == {}
        store.delete("d", "psnr", "v1")
        assert store.count() == 0


def test_rows_survive_reopening_and_wal_mode(tmp_path):
    path = tmp_path / "s.sqlite"
    with ScoreStore(path) as store:
        store.put([("d", "a", "ssim", "v1", 0.9)])
    with ScoreStore(path) as store:
        assert store.scores("d", "ssim", "v1") == {"a": 0.9}
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


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
