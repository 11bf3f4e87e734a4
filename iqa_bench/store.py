"""SQLite score store (WAL): one row per (dataset, item, metric spec, digest).

Every batch of scores is one committed transaction, so a run killed at any moment (kill -9
included) loses at most the batch in flight and the next run recomputes nothing already stored.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Dict, Iterable, NamedTuple, Tuple

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
log = logging.getLogger(__name__)
_SIDE_FILES = ("-wal", "-shm")


class StoreDamagedError(RuntimeError):
    """The score store fails SQLite's integrity check; says what the user can do."""

    def __init__(self, path: Path, detail: str):
        self.path = Path(path)
        super().__init__(
            f"score store {path} is damaged ({detail}); nothing was changed. Either start over with --fresh "
            f"(the damaged file is kept beside it as {Path(path).name}.damaged-<time>) or copy every readable "
            f"row into a new store with `iqa-bench store salvage {path}`")


def set_aside(path) -> Path:
    """Move a (damaged) store and its WAL side files to ``<name>.damaged-<YYYYmmdd-HHMMSS>``."""
    path = Path(path)
    target = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("",) + _SIDE_FILES:
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(Path(f"{target}{suffix}"))
    return target


def salvage(path, output=None) -> Tuple[int, int, Path]:
    """Copy every readable score/blob row of a damaged store into a new one.

    ``output`` defaults to ``path`` itself: the damaged file is first set aside (see :func:`set_aside`).
    Rows are read in rowid chunks; a chunk that cannot be read is bisected down to single rows, so one
    corrupted page loses only the rows on it. Returns (scores kept, blobs kept, where the old file went).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no store at {path}")
    with open(path, "rb") as handle:
        header = handle.read(16)
    if header != b"SQLite format 3\x00":
        what = "is empty (0 bytes)" if not header else f"is not a SQLite database (it begins {header!r})"
        raise ValueError(f"{path} {what}: there is no score row to salvage; the file is left as it is")
    aside = set_aside(path) if output is None or Path(output) == path else path
    target = path if output is None else Path(output)
    if target.exists():
        raise FileExistsError(f"{target} exists: salvage writes a new store")
    source = sqlite3.connect(f"file:{aside}?mode=ro", uri=True)
    kept = {}
    with ScoreStore(target) as fresh:
        for table, columns in (("scores", 6), ("blobs", 4)):
            rows = _readable_rows(source, table)
            marks = ",".join("?" * columns)
            with fresh._db:
                fresh._db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})",
                                      [r for r in rows if len(r) == columns])
            kept[table] = len(rows)
    source.close()
    return kept["scores"], kept["blobs"], aside


def _readable_rows(db, table: str, chunk: int = 4096) -> list:
    try:
        top = db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
    except sqlite3.DatabaseError:
        top = None
    if top is None:  # even the b-tree root is unreadable: try a plain scan, keep what comes
        rows = []
        try:
            for row in db.execute(f"SELECT * FROM {table}"):
                rows.append(row)
        except sqlite3.DatabaseError:
            pass
        return rows

    def read(lo: int, hi: int) -> list:
        try:
            return db.execute(f"SELECT * FROM {table} WHERE rowid BETWEEN ? AND ?", (lo, hi)).fetchall()
        except sqlite3.DatabaseError:
            if lo == hi:
                return []
            mid = (lo + hi) // 2
            return read(lo, mid) + read(mid + 1, hi)

    rows = []
    for lo in range(1, top + 1, chunk):
        rows.extend(read(lo, min(lo + chunk - 1, top)))
    return rows


class ScoreKey(NamedTuple):
    """Where one metric's scores of one dataset live in a store: the dataset's key, the metric's spec and
    the digest of what computes them (:func:`iqa_bench.engine.score_keys` makes every key of a run; a
    key is passed whole: ``store.scores(*key)``)."""

    dataset: str
    metric: str
    digest: str


class ScoreStore:
    """Resumable, atomic score storage; safe to share between runs and processes."""

    def __init__(self, path, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            # A read-only folder: no WAL side files can be created, so open the file as immutable.
            self._db = sqlite3.connect(f"file:{self.path}?immutable=1", uri=True, timeout=120)
            self._check()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=120)
        self._check()
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

    def _check(self) -> None:
        """Open-time integrity check (``PRAGMA quick_check``): a damaged file is refused with the way out,
        never read half-way or overwritten."""
        try:
            result = self._db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise StoreDamagedError(self.path, str(err)) from None
        if result != [("ok",)]:
            self._db.close()
            raise StoreDamagedError(self.path, "; ".join(str(r[0]) for r in result[:3]))

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

    def put_blobs(self, kind: str, rows: Iterable[Tuple[str, str]]) -> None:
        """Several (key, value) blobs of one kind in one transaction."""
        now = time.time()
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO blobs (kind, key, value, created) VALUES (?, ?, ?, ?)",
                                 [(kind, key, value, now) for key, value in rows])

    def delete_blobs(self, kind: str, keys: Iterable[str]) -> None:
        with self._db:
            self._db.executemany("DELETE FROM blobs WHERE kind=? AND key=?", [(kind, key) for key in keys])

    def blobs(self, kind: str) -> list:
        """Every (key, value) blob of one kind."""
        return self._db.execute("SELECT key, value FROM blobs WHERE kind=?", (kind,)).fetchall()

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


def open_store(path, fresh: bool = False) -> ScoreStore:
    """The run's store: a damaged file is refused (:class:`StoreDamagedError`), or with ``fresh`` set
    aside and replaced; a store in a folder this process cannot write is opened read-only (enough to
    re-render a run whose scores are all stored; writing a score then fails naming the file)."""
    path = Path(path)
    if path.exists() and not os.access(path.parent, os.W_OK):
        return ScoreStore(path, read_only=True)
    try:
        return ScoreStore(path)
    except StoreDamagedError:
        if not fresh:
            raise
        aside = set_aside(path)
        log.warning("damaged score store kept as %s; --fresh starts a new one at %s", aside, path)
        return ScoreStore(path)
