"""One run at a time per run folder: an advisory lock (``fcntl.flock``) on ``.RUN.lock`` beside it (the run
folder itself is replaced whole when a run finishes: :mod:`iqa_bench.run.run_folder`).

Two evaluations writing the same run folder would replace each other's tables and leave stale plots;
the second one is refused at once, naming the process that holds the folder. Scores in the shared
store are safe either way (SQLite transactions). The lock dies with its process (kill -9 included),
so a crashed run never blocks the next one.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, runs are not serialised
    fcntl = None

LOCK_NAME = ".lock"


class RunLockedError(RuntimeError):
    """Another process is writing this run folder."""


class ResultsNotWritableError(OSError):
    """The results folder cannot be written."""


@contextlib.contextmanager
def run_lock(run_dir):
    """Hold ``run_dir``'s lock for the duration of the block; RunLockedError if another process has it."""
    run_dir = Path(run_dir)
    path = run_dir.parent / f".{run_dir.name}{LOCK_NAME}"  # beside the folder, which a finished run replaces
    if fcntl is None:
        yield
        return
    try:
        handle = open(path, "a+")
    except OSError as err:
        raise ResultsNotWritableError(f"cannot write {path} ({err.strerror or err}); choose a writable "
                                      "--results folder") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLockedError(f"run folder {run_dir} is in use by {holder}; wait for it to finish or "
                                 "choose another --run") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} (iqa-bench)")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
