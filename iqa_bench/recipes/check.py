"""Regression check of metric correlations against a committed baseline (``iqa-bench check``).

A baseline (JSON) lists runs — dataset, root, options, metrics — and, per metric and group, the figures
to keep: |PLCC|, |SROCC|, |KROCC| (regression) or the 2AFC score, each with its bootstrap interval, where the
dataset gives score spreads P.1401's rmse* and outlier ratio (lower is better: a rise beyond the tolerance
fails) and Krasula et al.'s AUCs and C0, and
the significance symbols of every pair of metrics (``significance.csv``, uncorrected and after Holm's and
Benjamini–Hochberg's corrections: a changed symbol fails).
``check`` re-runs every run through the normal pipeline (the results folder's store is reused), and
fails (exit 1) when a figure dropped by more than ``tolerance`` — or, with ``use_ci``, fell below the
baseline's bootstrap interval. ``update`` rewrites the figures deliberately. A run whose ``root`` does
not exist is skipped with a line saying so (e.g. ../shared/data absent). The Waterloo L-test / P-test of a run
with distortion levels are figures like the others; each metric's mapping transferred between the runs that
share it (:mod:`..stats.transfer`: PLCC, and RMSE the lower the better) is kept under the baseline's
``transfer`` key.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np
import pandas as pd

from ..errors import OptionError
from ..io_utils import atomic_write_text

STATS = {"regression": ("plcc", "srocc", "krocc"), "2afc": ("twoafc",), "jnd": ("jnd_map",)}
#: Figures of P.1401, Krasula et al. and the Waterloo tests (summary.csv, the rows of all items) kept where a
#: run has them.
METHOD_STATS = ("rmse_star", "outlier_ratio", "auc_ds", "auc_bw", "c0", "l_test", "p_test")
#: Figures for which lower is better: a rise beyond the tolerance fails.
LOWER_IS_BETTER = frozenset({"rmse_star", "outlier_ratio", "transfer_rmse"})
#: The baseline's figures of the mapping transferred between its runs: "metric|source>target|transfer_plcc"
#: (and transfer_rmse), under this top-level key.
TRANSFER = "transfer"
VERSION = 1


@dataclass
class Comparison:
    run: str
    metric: str
    group: str
    stat: str
    baseline: float
    current: float
    lo: float
    failed: bool

    @property
    def change(self) -> float:
        return self.current - self.baseline


def figures(summary: pd.DataFrame, protocol: str) -> Dict[str, Dict[str, float]]:
    """"metric|group|stat" -> {"value", "lo", "hi"} with correlations as absolute values."""
    out = {}
    for _, row in summary.iterrows():
        for stat in STATS[protocol] + (METHOD_STATS if row.get("group") == "all" else ()):
            value = row.get(stat, np.nan)
            if not np.isfinite(value):
                continue
            lo, hi = row.get(f"{stat}_lo", np.nan), row.get(f"{stat}_hi", np.nan)
            if protocol == "regression":
                value = abs(value)
                lo, hi = sorted((abs(lo), abs(hi))) if np.isfinite(lo) and np.isfinite(hi) else (np.nan, np.nan)
                if row.get(stat, 0) < 0 and np.isfinite(lo) and np.sign(row[f"{stat}_lo"]) != np.sign(row[f"{stat}_hi"]):
                    lo = 0.0  # an interval through zero
            out[f"{row['metric']}|{row['group']}|{stat}"] = {"value": float(value), "lo": float(lo), "hi": float(hi)}
    return out


SIGNIFICANCE_TESTS = ("f", "williams", "srocc", "plcc")
SYMBOL_SUFFIXES = ("", "_holm", "_bh")


def significance_figures(run_dir: Path) -> Dict[str, Dict[str, float]]:
    """"ROW>COL|all|sig_<test>" -> the 1 / 0 / −1 symbol of ``significance.csv`` (both orders of each
    pair, so a symbol that changes either way lowers one of them and fails the check)."""
    path = Path(run_dir) / "significance.csv"
    if not path.exists():
        return {}
    out = {}
    for _, row in pd.read_csv(path).iterrows():
        for test in SIGNIFICANCE_TESTS:
            for suffix in SYMBOL_SUFFIXES:  # uncorrected, Holm, Benjamini-Hochberg
                value = row.get(f"{test}_symbol{suffix}", np.nan)
                if np.isfinite(value):
                    out[f"{row['row']}>{row['col']}|all|sig_{test}{suffix}"] = {
                        "value": float(value), "lo": float("nan"), "hi": float("nan")}
    return out


#: The keys of a baseline's run and their types (``None``: may be null or absent).
RUN_KEYS = {"name": (str,), "dataset": (str,), "metrics": (list,), "root": (str, type(None)),
            "bootstrap": (int,), "seed": (int,), "by": (str, type(None)), "options": (dict,), "figures": (dict,)}
#: Options a run may give: config keys that check does not set itself (it sets the others from RUN_KEYS).
FIXED_OPTIONS = ("dataset", "metrics", "root", "results", "run", "bootstrap", "seed", "by", "plots", "progress")


def _number(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def validate_baseline(data, path: Path, trust_specs: bool = False) -> List[dict]:
    """The runs of a baseline file, checked against its schema (keys, types, figure keys, options, and
    metric specs that name no file unless ``trust_specs``); ValueError naming the file and the key.
    A baseline comes from elsewhere (a colleague's branch, a pull request): it is data."""
    import dataclasses

    from ..run.config import EvaluateConfig
    from ..metrics.registry import check_specs_from_file

    where = f"baseline {path}"
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object with a 'runs' list, got a {type(data).__name__}")
    if not isinstance(data.get("runs"), list):
        raise ValueError(f"{where}: key 'runs' must be a list of runs, got {data.get('runs')!r}")
    transfer = data.get(TRANSFER, {"figures": {}})
    if not isinstance(transfer, dict) or set(transfer) != {"figures"} or not isinstance(transfer["figures"], dict):
        raise ValueError(f"{where}: key {TRANSFER!r} must be an object with one key 'figures' (an object)")
    _check_figures(transfer["figures"], f"{where}: {TRANSFER}")
    allowed = {f.name for f in dataclasses.fields(EvaluateConfig)} - set(FIXED_OPTIONS)
    names = set()
    for k, run in enumerate(data["runs"]):
        at = f"{where}: runs[{k}]"
        if not isinstance(run, dict):
            raise ValueError(f"{at}: expected an object, got {run!r}")
        for key in ("name", "dataset", "metrics"):
            if key not in run:
                raise ValueError(f"{at}: missing key {key!r}")
        for key, value in run.items():
            if key not in RUN_KEYS:
                raise ValueError(f"{at}: unknown key {key!r}; valid keys: {', '.join(RUN_KEYS)}")
            if not isinstance(value, RUN_KEYS[key]) or (isinstance(value, bool) and bool not in RUN_KEYS[key]):
                kinds = " or ".join("null" if t is type(None) else t.__name__ for t in RUN_KEYS[key])
                raise ValueError(f"{at}: key {key!r} must be {kinds}, got {value!r}")
        if run["name"] in names:
            raise ValueError(f"{at}: run name {run['name']!r} appears twice")
        names.add(run["name"])
        if not all(isinstance(m, str) for m in run["metrics"]):
            raise ValueError(f"{at}: key 'metrics' must be a list of metric specs, got {run['metrics']!r}")
        check_specs_from_file(run["metrics"], f"{at}: key 'metrics'", trust_specs)
        bad = sorted(set(run.get("options", {})) - allowed)
        if bad:
            raise ValueError(f"{at}: options {', '.join(bad)} cannot be set by a baseline; valid options: "
                             f"{', '.join(sorted(allowed))}")
        _check_figures(run.get("figures", {}), at)
    return data["runs"]


def _check_figures(figures: dict, at: str) -> None:
    for key, old in figures.items():
        if not isinstance(key, str) or len(key.split("|")) != 3:
            raise ValueError(f"{at}: figure key {key!r} must be 'metric|group|statistic'")
        if not isinstance(old, dict) or not _number(old.get("value", "")) or old.get("value") is None or \
                not all(_number(old.get(b)) for b in ("lo", "hi")):
            raise ValueError(f"{at}: figure {key!r} must be an object with a numeric 'value' (and numeric or "
                             f"null 'lo', 'hi'), got {old!r}")


def transfer_figures(results: Dict[str, object]) -> Dict[str, Dict[str, float]]:
    """"metric|source>target|transfer_plcc" and "..._rmse" of every metric two or more of the evaluated
    regression runs (``results``: run name → the evaluation's result) share, where finite."""
    from ..stats.transfer import TransferData, transfer_table

    data = []
    for name, result in results.items():
        if result.protocol != "regression":
            continue
        fit = json.loads((result.run_dir / "run.json").read_text())["config"].get("fit", "logistic5")
        data.append(TransferData(name, result.scores, result.score_higher_is_better,
                                 fit if fit != "none" else "logistic5"))
    metrics = [m for m in dict.fromkeys(c for d in data for c in d.scores.columns)
               if m not in ("item", "score") and not m.startswith(("group:", "score_"))
               and sum(m in d.scores.columns for d in data) >= 2]
    figures_ = {}
    for _, row in transfer_table(data, metrics).iterrows():
        for stat, value in (("transfer_plcc", abs(row["plcc"])), ("transfer_rmse", row["rmse"])):
            if np.isfinite(value):
                figures_[f"{row['metric']}|{row['source']}>{row['target']}|{stat}"] = {
                    "value": float(value), "lo": float("nan"), "hi": float("nan")}
    return figures_


def _evaluate(run: dict, results: Path, progress: bool, where: str):
    from ..run.evaluate import evaluate

    options = dict(run.get("options", {}))
    by = run.get("by")
    try:
        return evaluate(run["dataset"], run["metrics"], root=run.get("root"), results=str(results),
                        run=run["name"], bootstrap=run.get("bootstrap", 1000), seed=run.get("seed", 0),
                        by="" if by == "none" else by, plots=False, progress=progress, **options)
    except OptionError as err:  # a bad option value or grouping: named with the run (the CLI names the flag)
        raise OptionError(err.key, f"{where}: run {run['name']}: {err.message}") from None
    except ValueError as err:  # a bad dataset name
        raise ValueError(f"{where}: run {run['name']}: {err}") from None


def _root_missing(run: dict, baseline_path: Path) -> Optional[str]:
    root = run.get("root")
    if root and not Path(root).exists():
        return f"skipped run {run['name']}: dataset root {root} not found (baseline {baseline_path})"
    return None


@dataclass(frozen=True)
class Tolerance:
    """How far a figure may move before the check fails: ``value`` below its baseline (above, for a figure
    the lower the better: rmse*, outlier ratio), or with ``use_ci`` down to the baseline's lower bootstrap
    bound where it has one."""

    value: float = 0.01
    use_ci: bool = False

    def compared(self, run: str, key: str, old: dict, now: float) -> "Comparison":
        """The baseline's figure ``key`` (metric|group|statistic) of ``run`` against its value ``now``."""
        metric, group, stat = key.split("|")
        if stat in LOWER_IS_BETTER:  # rmse*, outlier ratio: a rise is the regression
            ceiling = old["value"] + self.value
            return Comparison(run, metric, group, stat, old["value"], now, ceiling,
                              failed=not (np.isfinite(now) and now <= ceiling))
        lo = old.get("lo")
        floor = lo if self.use_ci and lo is not None and np.isfinite(lo) else old["value"] - self.value
        return Comparison(run, metric, group, stat, old["value"], now, floor,
                          failed=not (np.isfinite(now) and now >= floor))


def run_check(baseline_path: Path, tolerance: Tolerance = Tolerance(), results: Path = Path("results/check"),
              update: bool = False, progress: bool = False, say: Optional[Callable[[str], None]] = None,
              trust_specs: bool = False):
    """Returns (comparisons, notes). With ``update`` the baseline file is rewritten with current figures.
    ``say`` receives a line as each run starts and ends (the CLI prints them as progress). A malformed
    baseline is a ValueError naming the file and the key (:func:`validate_baseline`)."""
    say = say or (lambda line: None)
    try:
        baseline = json.loads(Path(baseline_path).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ValueError(f"baseline {baseline_path}: not a readable JSON file ({err})") from None
    runs = validate_baseline(baseline, baseline_path, trust_specs)
    comparisons: List[Comparison] = []
    notes: List[str] = []
    evaluated = {}
    for run in runs:
        missing = _root_missing(run, baseline_path)
        if missing:
            notes.append(missing)
            continue
        options = run.get("options", {})
        imported = " and imported scores" if options.get("scores") or options.get("scores_dir") else ""
        say(f"checking run {run['name']}: {run['dataset']}, {len(run['metrics'])} metrics{imported} ...")
        result = _evaluate(run, Path(results), progress, f"baseline {baseline_path}")
        evaluated[run["name"]] = result
        notes += [f"{run['name']}: {f.metric}: {f.message}" for f in result.failures if f.item_id == "(all items)"]
        current = figures(result.summary, result.protocol)
        current.update(significance_figures(result.run_dir))
        if update:
            run["figures"] = current
            continue
        mine = [tolerance.compared(run["name"], key, old, current.get(key, {"value": float("nan")})["value"])
                for key, old in run.get("figures", {}).items()]
        comparisons += mine
        say(f"  {run['name']}: {len(mine)} figures compared, {sum(_changed(c) for c in mine)} changed, "
            f"{sum(c.failed for c in mine)} failed")
    comparisons += _transfer_compared(baseline, evaluated, tolerance, update, notes)
    if update:
        baseline["version"] = VERSION
        atomic_write_text(baseline_path, json.dumps(_strict_json(baseline), indent=1, sort_keys=True,
                                                    allow_nan=False) + "\n")
    return comparisons, notes


def _transfer_compared(baseline: dict, evaluated: dict, tolerance, update: bool, notes: List[str]) -> List:
    """The transfer figures of the runs evaluated (:func:`transfer_figures`) against the baseline's (those of
    a skipped run noted, not compared); with ``update`` they replace the baseline's."""
    current = transfer_figures(evaluated)
    if update:
        baseline[TRANSFER] = {"figures": current}
        return []
    compared, skipped = [], {}
    for key, old in baseline.get(TRANSFER, {}).get("figures", {}).items():
        source, _, target = key.split("|")[1].partition(">")
        if source in evaluated and target in evaluated:
            compared.append(tolerance.compared(TRANSFER, key, old, current.get(key, {"value": float("nan")})["value"]))
        else:
            missing = source if source not in evaluated else target
            skipped[missing] = skipped.get(missing, 0) + 1
    notes += [f"{count} transfer figure(s) not compared: run {name} was skipped" for name, count in skipped.items()]
    return compared


def _strict_json(value):
    """``value`` with every non-finite float as null: strict JSON (RFC 8259 has no NaN), which the
    baseline's reader takes back as "no interval" (``lo``/``hi``)."""
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strict_json(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


#: The smallest change the diff table shows (it prints 4 decimals): smaller ones are not counted as changes.
SHOWN_CHANGE = 0.5e-4


def _changed(c: Comparison) -> bool:
    return c.failed or not np.isfinite(c.change) or abs(c.change) >= SHOWN_CHANGE


def diff_table(comparisons: List[Comparison], all_rows: bool = False) -> str:
    """The figures that changed (or failed) as a table; a line saying so when none changed."""
    rows = [c for c in comparisons if all_rows or _changed(c)]
    if not rows:
        return f"no figure changed ({len(comparisons)} compared)\n"
    lines = ["| run | metric | group | figure | baseline | now | change | floor | status |",
             "|---|---|---|---|---:|---:|---:|---:|---|"]
    for c in rows:
        lines.append(f"| {c.run} | {c.metric} | {c.group} | {c.stat} | {c.baseline:.4f} | {c.current:.4f} | "
                     f"{c.change:+.4f} | {c.lo:.4f} | {'FAIL' if c.failed else 'ok'} |")
    return "\n".join(lines) + "\n"
