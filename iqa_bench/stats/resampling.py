"""The bootstrap's resamples: their index matrices (items, or whole reference images: the cluster
bootstrap), the memory the metrics of one subset share them through, and the check that they fit in memory
before any work."""
from __future__ import annotations

import os
from typing import Dict, Optional

import numpy as np

from ..errors import OptionError


class ResampleMemory:
    """The latest bootstrap resamples (indices, draw counts, the scores' values and ranks), least recently
    used dropped beyond :data:`RESAMPLE_MEMORY_BYTES`: the metrics of one subset share them."""

    def __init__(self, budget: int = None):
        self.budget = RESAMPLE_MEMORY_BYTES if budget is None else budget
        self._items: "Dict[tuple, list]" = {}
        self._sizes: "Dict[tuple, int]" = {}  # bytes of each entry, counted once when it is put

    def get(self, key):
        found = self._items.pop(key, None)
        if found is not None:
            self._items[key] = found  # most recent last
        return found

    def put(self, key, value) -> None:
        self._items.pop(key, None)
        self._items[key] = value
        self._sizes[key] = sum(a.nbytes for entry in value for a in entry)
        total = sum(self._sizes.values())
        while len(self._items) > 1 and total > self.budget:
            oldest = next(iter(self._items))
            self._items.pop(oldest)
            total -= self._sizes.pop(oldest)


#: What a :class:`ResampleMemory` may hold (1000 resamples of 3000 items take 96 MB).
RESAMPLE_MEMORY_BYTES = 256 * 2 ** 20


#: Bytes of the bootstrap's working arrays per resample and item: the index matrix (int64) and the resampled
#: metric values, subjective scores and ranks (float64) held at once.
BOOTSTRAP_BYTES_PER_DRAW = 32


def check_bootstrap_fits(n_boot: int, n: int, free: Optional[int] = None) -> None:
    """Refuse, up front and with the figure, a bootstrap whose resamples of ``n`` items cannot fit in half
    the memory now free (OptionError on ``bootstrap``), instead of an allocation error after the scoring."""
    if free is None:
        try:
            free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            return
    need = int(n_boot) * max(int(n), 1) * BOOTSTRAP_BYTES_PER_DRAW
    if need > free // 2:
        most = max(free // 2 // (max(int(n), 1) * BOOTSTRAP_BYTES_PER_DRAW), 0)
        raise OptionError("bootstrap", f"{{option}} {n_boot}: the resamples of {n} items need about "
                                       f"{need / 2 ** 30:,.1f} GiB, more than half the {free / 2 ** 30:,.1f} GiB free; "
                                       f"use at most {most:,} (1000 is the usual figure)")


def resample_indices(rng, n_boot: int, n: int, clusters=None):
    """Index matrices of ``n_boot`` bootstrap resamples of ``n`` items: one n_boot × n matrix of items drawn
    with replacement; with ``clusters`` (one label per item), whole clusters drawn with replacement (as many
    as there are; Field & Welsh 2007's cluster bootstrap), the resamples grouped by their length."""
    check_bootstrap_fits(n_boot, n)
    if clusters is None:
        return [rng.integers(0, n, size=(n_boot, n))]
    _, inverse = np.unique(np.asarray(clusters), return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(inverse.max() + 1)]
    by_length: Dict[int, list] = {}
    for chosen in rng.integers(0, len(members), size=(n_boot, len(members))):
        rows = np.concatenate([members[k] for k in chosen])
        by_length.setdefault(rows.size, []).append(rows)
    return [np.stack(rows) for rows in by_length.values()]
