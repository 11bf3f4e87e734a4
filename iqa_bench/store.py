"""SQLite score store (WAL): one row per (dataset, item, metric spec, digest).

Every batch of scores is one committed transaction, so a run killed at any moment (kill -9
included) loses at most the batch in flight and the next run recomputes nothing already stored.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Dict, Iterable, Tuple

SCHEMA = """
CREATE TABLE IF NOT EXISTS scores (
    dataset TEXT NOT NULL,
    item    TEXT NOT NULL,
    metric  TEXT NOT NULL,
    digest  TEXT NOT NULL,
    value   REAL,
    created REAL NOT NULL,
    PRIMARY KEY (dataset, item, metric, digest)
);
CREATE TABLE IF NOT EXISTS blobs (
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (kind, key)
);
"""

STORE_FILENAME = "scores.sqlite"


class ScoreStore:
    """Resumable, atomic score storage; safe to share between runs and processes."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=120)
        # Switching a new database to WAL takes an exclusive lock that SQLite's busy timeout does not
        # wait for, so processes opening the same fresh store at once (ranks, parallel runs) retry.
        deadline = time.monotonic() + 120
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable against process crashes in WAL mode
        self._db.executescript(SCHEMA)
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def scores(self, dataset: str, metric: str, digest: str) -> Dict[str, float]:
        """Stored values for one metric variant: item id -> value (NaN stored as None -> nan)."""
        rows = self._db.execute(
            "SELECT item, value FROM scores WHERE dataset=? AND metric=? AND digest=?",
            (dataset, metric, digest))
        return {item: (float("nan") if value is None else value) for item, value in rows}

    def put(self, rows: Iterable[Tuple[str, str, str, str, float]]) -> int:
        """Insert (dataset, item, metric, digest, value) rows in one transaction; returns the count."""
        now = time.time()
        batch = [(d, i, m, g, None if v != v else float(v), now) for d, i, m, g, v in rows]
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO scores (dataset, item, metric, digest, value, created) "
                "VALUES (?, ?, ?, ?, ?, ?)", batch)
        return len(batch)

    def delete(self, dataset: str, metric: str, digest: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM scores WHERE dataset=? AND metric=? AND digest=?",
                             (dataset, metric, digest))

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM scores").fetchone()[0]

    def get_blob(self, kind: str, key: str):
        """A cached derived artefact (JSON text), e.g. a layer's channel efficacy; None if absent."""
        row = self._db.execute("SELECT value FROM blobs WHERE kind=? AND key=?", (kind, key)).fetchone()
        return None if row is None else row[0]

    def put_blob(self, kind: str, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO blobs (kind, key, value, created) VALUES (?, ?, ?, ?)",
                             (kind, key, value, time.time()))

    def merge_from(self, other_path) -> int:
        """Copy every score row of another store file (a shard of a distributed run) into this one."""
        with self._db:
            self._db.execute("ATTACH DATABASE ? AS shard", (str(other_path),))
            try:
                cursor = self._db.execute("INSERT OR REPLACE INTO scores SELECT * FROM shard.scores")
                count = cursor.rowcount
            finally:
                self._db.commit()
                self._db.execute("DETACH DATABASE shard")
        return count
