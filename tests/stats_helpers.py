"""What the statistics tests share: scores tables (two metrics with groups; three with a spread; grouped by
reference with a content effect), Holm's procedure and the jackknife p-value written out, and a mutated copy
of a module (the injected errors the tests must catch)."""
import sys
import types

import numpy as np
import pandas as pd
from scipy import stats


Z = 1.959963984540054


def grouped_scores(seed=0, refs=8, per_ref=12):
    rng = np.random.default_rng(seed)
    reference = np.repeat([f"I{k:02d}" for k in range(refs)], per_ref)
    content = np.repeat(rng.normal(0, 0.8, refs), per_ref)  # a content effect: items of a reference move together
    y = rng.uniform(1, 8, reference.size)
    return pd.DataFrame({"score": y, "score_se": rng.uniform(0.05, 0.3, y.size), "group:reference": reference,
                         "good": np.round(y + content + rng.normal(0, 0.5, y.size), 1),
                         "poor": np.round(y + 0.5 * content + rng.normal(0, 0.9, y.size), 1),
                         "distance": np.round(-y + rng.normal(0, 0.7, y.size), 1)})


def mutant(module, old: str, new: str):
    """A copy of ``module`` with ``old`` replaced by ``new`` in its source (exactly once)."""
    source = open(module.__file__).read()
    if source.count(old) != 1:  # not an AssertionError: the mutation tests expect one from the check alone
        raise LookupError(f"the mutation site {old!r} is not unique in {module.__file__}")
    copy = types.ModuleType(module.__name__ + "_mutant")
    copy.__dict__.update(__package__=module.__package__, __file__=module.__file__)
    sys.modules[copy.__name__] = copy  # dataclasses look their module up while the class is made
    try:
        exec(compile(source.replace(old, new), module.__file__, "exec"), copy.__dict__)
    finally:
        del sys.modules[copy.__name__]
    return copy


def jackknife_p_by_hand(full, left):
    g = len(left)
    var = (g - 1) / g * np.sum((left - left.mean()) ** 2)
    return 2 * stats.t.sf(abs(full) / np.sqrt(var), g - 1)


def two_metric_scores(n=96, seed=3):
    rng = np.random.default_rng(seed)
    quality = rng.uniform(0, 1, n)
    return pd.DataFrame({
        "score": 1 + 4 * quality + rng.normal(0, 0.3, n),
        "a": np.log1p(9 * quality) + rng.normal(0, 0.1, n),
        "b": -quality ** 2 + rng.normal(0, 0.2, n),
        "group:distortion": np.repeat(["blur", "noise", "jpeg", "jp2k"], n // 4),
        "group:reference": np.tile([f"r{k}" for k in range(12)], n // 12)})


def holm_by_hand(p):
    """Holm's step-down procedure written out: the i-th smallest p times (k - i + 1), made monotone."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * len(p), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return out


def demo_scores(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.uniform(1, 8, n)
    return pd.DataFrame({"score": y, "score_se": rng.uniform(0.05, 0.3, n),
                         "good": y + rng.normal(0, 0.4, n), "poor": y + rng.normal(0, 1.2, n),
                         "distance": -y + rng.normal(0, 0.6, n)})


def dmos_scores(n_per_group=12, groups=("blur", "jpeg", "noise"), seed=0):
    gen = np.random.default_rng(seed)
    rows = []
    for g, group in enumerate(groups):
        dmos = np.linspace(0, 100, n_per_group)
        rows.append(pd.DataFrame({"item": [f"{group}{k}" for k in range(n_per_group)], "score": dmos,
                                  "group:distortion": group,
                                  "good": -dmos + gen.normal(0, 5 + 10 * g, n_per_group),
                                  "poor": -dmos + gen.normal(0, 40, n_per_group)}))
    return pd.concat(rows, ignore_index=True)
