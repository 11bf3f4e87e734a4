"""Pure work spread over the machine's cores: forked worker processes that inherit the work from the
parent (nothing is pickled on the way in but an index) and send back only the results.

Used for the stage after scoring: the curve fits with their bootstraps (:func:`regression.fit_and_report`)
and the figures (:class:`reports.figure_cache.FigureCache`). Each job is a pure function of data the parent
already holds, so the results are the ones a serial run gets; where ``fork`` does not exist (Windows,
macOS's default) or one core is available, the jobs run in this process.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, List, Optional, Sequence

#: The work of the pool being run: (function, items); read by the forked children.
_WORK: Optional[tuple] = None


def available_cores() -> int:
    """The cores this process may run on (its affinity where the platform says, else the count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _call(index: int):
    function, items = _WORK
    return function(items[index])


def map_forked(function: Callable, items: Sequence, workers: Optional[int] = None, minimum: int = 2,
               cost: Optional[Callable] = None) -> List:
    """``[function(item) for item in items]``, in ``workers`` forked processes (default every available
    core) when there are at least ``minimum`` items; ``cost(item)``: the largest are started first, so no
    worker is left with a big one at the end. The children only compute: no torch, no file the parent
    writes too."""
    global _WORK
    workers = available_cores() if workers is None else int(workers)
    if len(items) < max(minimum, 2) or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(item) for item in items]
    order = sorted(range(len(items)), key=lambda k: -cost(items[k])) if cost else list(range(len(items)))
    _WORK = (function, items)
    try:
        with ProcessPoolExecutor(min(workers, len(items)), mp_context=multiprocessing.get_context("fork")) as pool:
            done = dict(zip(order, pool.map(_call, order)))
    finally:
        _WORK = None
    return [done[k] for k in range(len(items))]
