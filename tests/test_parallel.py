"""Work spread over processes (parallel.py): the order kept, closures never pickled."""
import numpy as np

from iqa_bench import parallel


def test_map_forked_keeps_the_order_and_runs_closures_it_never_pickles():
    data = [np.arange(k) for k in range(12)]
    assert parallel.map_forked(lambda a: int(a.sum()), data, workers=2, cost=len) == [int(a.sum()) for a in data]
