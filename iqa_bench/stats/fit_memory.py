"""The curve fits of one run, owned by it: a fit is a deterministic function of its data, so a run that
fits a metric's curve for its table, again for the figures, the significance tests and the fit-protocol
table asks once; and a rerun on unchanged scores refits nothing, the fits being kept in the run's score
store (blob kind ``fit``).

A run (:class:`~iqa_bench.stats.evaluated_run.EvaluatedRun`) owns a :class:`FitMemory`: it reads the
store's fits into it (:meth:`FitMemory.recall`), hands it explicitly to every curve it fits (the ``memory``
of :class:`~iqa_bench.stats.regression.MetricRegression`, as scikit-learn's ``memory=``; forked workers get
their parent's models with it) and writes the new fits back (:meth:`FitMemory.keep`). Nothing is
process-wide: a fit made without a memory is remembered nowhere.

A kept fit is keyed by the mapping, the item count, the SHA-256 of the exact bytes of the standardised
metric values and the scores, and a digest of the code that made it (:func:`fit_code`): a damaged,
foreign or stale row of a store (untrusted input) is skipped, never used.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Optional

import numpy as np

from .choices import MAPPING_PARAMETERS


@dataclass
class FitResult:
    kind: str
    params: Optional[np.ndarray]
    status: str  # "ok" or a reason the fit failed


#: Fits one run remembers (FIFO beyond it): enough for ``--fit all`` on TID2013 (4 kinds × 14 metrics ×
#: 25 subsets).
FIT_MEMORY = 4096
#: The store's kind of a kept fit (``blobs`` table).
FIT_BLOB = "fit"
#: Parameters of each mapping's fit.
PARAMETER_COUNT = {kind: d for kind, d in MAPPING_PARAMETERS.items() if d}


def fit_key(kind: str, z: np.ndarray, y: np.ndarray) -> tuple:
    return kind, z.size, hashlib.sha256(z.tobytes() + b"|" + y.tobytes()).digest()


def _blob_key(key: tuple, code: str) -> str:
    kind, size, data = key
    return f"{kind}:{size}:{data.hex()}:{code}"


def _kept_fit(blob_key: str, text: str, code: str):
    """(memory key, fit) of one kept fit, or None when it is not one this code made or does not read as
    a fit (a store is untrusted input: a damaged or foreign row is skipped, never used)."""
    try:
        kind, size, data, made_by = blob_key.split(":")
        value = json.loads(text)
        params, status = value["params"], value["status"]
        key = (kind, int(size), bytes.fromhex(data))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if made_by != code or kind not in PARAMETER_COUNT or len(key[2]) != 32 or not isinstance(status, str):
        return None
    if params is None:
        return (key, FitResult(kind, None, status)) if status != "ok" else None
    if (not isinstance(params, list) or len(params) != PARAMETER_COUNT[kind] or status != "ok"
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in params)):
        return None
    return key, FitResult(kind, np.array(params, dtype=np.float64), status)



def fit_code() -> str:
    """What computes a fit: :mod:`.regression`'s and :mod:`.monotone_fits`' source and numpy's and scipy's
    versions, as a digest: a kept fit is reused only by the code that made it."""
    import scipy

    digest = hashlib.sha256(f"numpy {np.__version__} scipy {scipy.__version__}".encode())
    for module in ("regression.py", "monotone_fits.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()[:16]


class FitMemory:
    """The fits a run has made or recalled (bounded, FIFO) and which of them its store lacks."""

    def __init__(self, limit: int = FIT_MEMORY):
        self.limit = limit
        self.fits: Dict[tuple, FitResult] = {}
        self.new: set = set()

    def get(self, key: tuple) -> Optional[FitResult]:
        return self.fits.get(key)

    def remember(self, key: tuple, result: FitResult, new: bool = True) -> FitResult:
        """``result`` under ``key`` (the one already there wins: a fit is a function of its data)."""
        if key in self.fits:
            return self.fits[key]
        if len(self.fits) >= self.limit:
            self.fits.pop(next(iter(self.fits)))
        self.fits[key] = result
        if new:
            self.new.add(key)
        return result

    def fitted(self, kind: str, z: np.ndarray, y: np.ndarray, fitters: Dict[str, Callable]) -> FitResult:
        """``fitters[kind](z, y)``, made once: the fit already remembered for the same data, else made and
        remembered."""
        key = fit_key(kind, z, y)
        known = self.get(key)
        return known if known is not None else self.remember(key, fitters[kind](z, y))

    def recall(self, store) -> int:
        """Put the fits a score store keeps (made by this code) in memory; returns how many."""
        code = fit_code()
        recalled = 0
        for blob_key, text in store.blobs(FIT_BLOB):
            kept = _kept_fit(blob_key, text, code)
            if kept is not None and kept[0] not in self.fits:
                self.remember(*kept, new=False)
                recalled += 1
        return recalled

    def keep(self, store) -> int:
        """Write the fits made since the last call into a score store, and drop those other code made
        (they are never read again); returns how many were written. Parameters go through JSON's repr of
        floats, which gives back the same doubles."""
        code = fit_code()
        rows = [(_blob_key(key, code), json.dumps({"params": None if self.fits[key].params is None
                                                    else [float(v) for v in self.fits[key].params],
                                                    "status": self.fits[key].status}))
                for key in self.new if key in self.fits]
        store.put_blobs(FIT_BLOB, rows)
        store.delete_blobs(FIT_BLOB, [key for key, _ in store.blobs(FIT_BLOB) if not key.endswith(f":{code}")])
        self.new.clear()
        return len(rows)
