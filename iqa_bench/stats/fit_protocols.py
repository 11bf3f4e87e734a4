"""How much of a PLCC is protocol: every metric under each mapping of ``--fit all``, side by side.

PLCC and RMSE over all items with no mapping (pyiqa's published protocol: Pearson of the raw values,
no RMSE), VQEG's 4-parameter logistic, Sheikh et al.'s 5-parameter logistic and a cubic polynomial
(:data:`iqa_bench.stats.regression.PROTOCOLS`); PLCC with its percentile bootstrap interval (curve held fixed,
as in the main tables). SROCC/KROCC do not depend on the mapping and are in the main table.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd

from .evaluated_run import EvaluatedRun
from .regression import PROTOCOLS


def fit_protocol_table(run: EvaluatedRun, specs: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """One row per metric of ``specs`` (default: the run's with values): ``plcc_<protocol>`` (|PLCC|), its
    ``_lo``/``_hi`` bounds (the run's bootstrap and seed), ``rmse_<protocol>`` and ``status_<protocol>``, and
    the spread of |PLCC| across the protocols that fitted."""
    rows = []
    for spec in run.present if specs is None else specs:
        x, y = run.values(spec), run.subjective
        row = {"metric": spec, "n": int((np.isfinite(x) & np.isfinite(y)).sum())}
        for protocol in PROTOCOLS:
            report = run.regression(fit=protocol, n_boot=run.settings.bootstrap).fit(x, y).report()
            sign = -1.0 if np.isfinite(report["plcc"]) and report["plcc"] < 0 else 1.0
            lo, hi = sign * report["plcc_lo"], sign * report["plcc_hi"]
            row[f"plcc_{protocol}"] = abs(report["plcc"])
            row[f"plcc_{protocol}_lo"], row[f"plcc_{protocol}_hi"] = min(lo, hi), max(lo, hi)
            row[f"rmse_{protocol}"] = report["rmse"]
            row[f"status_{protocol}"] = report["status"]
        values = [row[f"plcc_{p}"] for p in PROTOCOLS if np.isfinite(row[f"plcc_{p}"])]
        row["plcc_spread"] = max(values) - min(values) if values else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)
