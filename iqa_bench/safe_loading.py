"""One rule for every file a metric loads on a user's behalf: tensors, not code.

Our own loaders call ``torch.load(..., weights_only=True)`` (or the restricted unpickler of
:mod:`iqa_bench.learned.singan` for the MDF authors' legacy pickles). Third-party libraries do not all do
so: pyiqa's ``load_pretrained_network`` calls ``torch.load(path, weights_only=False)``, and with torch
older than 2.6 piq's and torchvision's downloads are unpickled without restriction. While such a
library builds a metric, :func:`weights_only_loads` makes every ``torch.load`` a ``weights_only=True``
load — PyTorch's own restricted unpickler, which rebuilds tensors, containers and numbers and refuses
any other global — so a weight file that carries a pickled ``__reduce__`` payload fails to load instead
of running (the bridge then reports the metric unavailable in one line).
"""
from __future__ import annotations

import contextlib
import functools
import threading

_lock = threading.RLock()


@contextlib.contextmanager
def weights_only_loads():
    """Inside, ``torch.load`` always loads with ``weights_only=True``, whatever the caller asked (an
    explicit ``pickle_module`` is dropped: the restricted unpickler replaces it)."""
    import torch

    with _lock:
        original = torch.load
        if getattr(original, "_iqa_bench_weights_only", False):  # nested: already restricted
            yield
            return

        @functools.wraps(original)
        def restricted(f, map_location=None, *args, **kwargs):
            kwargs.pop("pickle_module", None)
            kwargs["weights_only"] = True
            return original(f, map_location=map_location, **kwargs)

        restricted._iqa_bench_weights_only = True
        torch.load = restricted
        try:
            yield
        finally:
            torch.load = original


class DamagedCheckpointError(ValueError):
    """A checkpoint or state file that cannot be loaded: named, with what to do (exit 2)."""


def load_checkpoint(path, what: str, map_location="cpu", remedy: str = "") -> dict:
    """``torch.load(path, weights_only=True)`` of a file this project wrote (a training checkpoint, an MDF
    state): a damaged, truncated, empty or foreign file -- or one holding pickled code, which the
    restricted loader refuses -- is a :class:`DamagedCheckpointError` naming the file, never a traceback.
    The result must be a mapping (every file we write is one)."""
    import torch

    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # UnpicklingError, RuntimeError (zip), EOFError, ValueError ...
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DamagedCheckpointError(f"{path}: not a readable {what} ({type(err).__name__}: {first[:200]})"
                                     + (f"; {remedy}" if remedy else "")) from None
    if not isinstance(payload, dict):
        raise DamagedCheckpointError(f"{path}: not a {what} (it holds a {type(payload).__name__})"
                                     + (f"; {remedy}" if remedy else ""))
    return payload
