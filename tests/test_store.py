import math

from iqa_bench.store import ScoreStore


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
