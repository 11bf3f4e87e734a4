"""The pyiqa bridge: ``pyiqa:<name>[:<key>=<value>,...]`` runs any pyiqa full-reference metric inside our
engine — batched, on the engine's device, stored under a digest holding pyiqa's version and the
options, fitted and reported like ours, with pyiqa's declared direction (``lower_better``).

pyiqa is an optional extra (``pip install "iqa-bench[pyiqa]"``); it is imported only when a ``pyiqa:``
spec is created. Options are pyiqa's metric options (``pyiqa:ssim:test_y_channel=false``), read as YAML
scalars (numbers, booleans, strings): no code is evaluated. pyiqa fetches its own weights into its
cache; offline, a metric whose files are missing is reported unavailable in one line and the other
metrics still run.
"""
from __future__ import annotations

import contextlib
import io
from typing import Dict, Optional

import torch
import yaml

from ..errors import MetricUnavailableError, UnknownNameError
from ..io_utils import download_timeout
from .base import Metric
from .registry import MetricFamily, register

INSTALL = 'pip install "iqa-bench[pyiqa]"'


def parse_options(text: str, spec: str) -> Dict[str, object]:
    """``key=value,key=value`` -> {key: YAML scalar}; anything else is a ValueError naming the spec."""
    options: Dict[str, object] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ValueError(f"{spec}: options are key=value pairs separated by commas, got {part!r}")
        try:
            parsed = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            parsed = value.strip()
        if not isinstance(parsed, (str, int, float, bool)) and parsed is not None:
            raise ValueError(f"{spec}: option {key.strip()} must be a number, a boolean or a string, got {value!r}")
        options[key.strip()] = parsed
    return options


def full_reference_names():
    from pyiqa.default_model_configs import DEFAULT_CONFIGS

    return sorted(k for k, v in DEFAULT_CONFIGS.items() if v.get("metric_mode") == "FR")


def cache_folder() -> str:
    from pyiqa.utils.download_util import DEFAULT_CACHE_DIR

    return DEFAULT_CACHE_DIR


class PyiqaMetric(Metric):
    """One pyiqa ``InferenceModel`` as a metric; pyiqa's call is ``model(distorted, reference)``."""

    bytes_per_pixel = 1500.0  # pyiqa's measures vary widely (MAD, NLPD pyramids); a cautious bound

    def __init__(self, name: str, options: Dict[str, object], model: torch.nn.Module, version: str):
        super().__init__()
        self.name, self.options, self.model, self.version = name, options, model, version
        self.higher_is_better = not bool(getattr(model, "lower_better", False))
        self.needs_weights = True
        self.source = f"library: pyiqa {version} ({name})"

    def digest(self) -> str:
        options = ",".join(f"{k}={v!r}" for k, v in sorted(self.options.items()))
        return f"pyiqa-{self.version}-{self.name}({options})"

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        # pyiqa asserts [0, 1] to 1e-6; our inputs are checked to 1e-4 (resampling overshoot): clamp.
        with torch.no_grad():
            out = self.model(dist.clamp(0, 1), ref.clamp(0, 1))
        return out.reshape(ref.shape[0], -1)[:, 0]  # pyiqa's dtype kept (MAD is float64)


def create(arg: Optional[str]) -> PyiqaMetric:
    """The bridged metric for ``pyiqa:<arg>``."""
    spec = f"pyiqa:{arg}"
    if not arg:
        raise ValueError("pyiqa: expected pyiqa:<name>[:<key>=<value>,...], e.g. pyiqa:cw_ssim")
    try:
        import pyiqa
    except ImportError:
        raise MetricUnavailableError(f"{spec}: pyiqa is not installed; {INSTALL}") from None
    name, _, text = arg.partition(":")
    name = name.strip().lower()
    names = full_reference_names()
    if name not in names:
        raise UnknownNameError("pyiqa full-reference metric", name, names)
    options = parse_options(text, spec)
    try:
        with download_timeout(), contextlib.redirect_stdout(io.StringIO()):
            model = pyiqa.create_metric(name, as_loss=False, device=torch.device("cpu"), **options)
    except TypeError as err:  # an option the metric does not take
        raise ValueError(f"{spec}: pyiqa's {name} does not accept these options ({err})") from None
    except Exception as err:  # a missing weight file that cannot be downloaded, mostly
        raise MetricUnavailableError(
            f"{spec}: pyiqa could not build {name} ({type(err).__name__}: {err}); pyiqa fetches its weights into "
            f"{cache_folder()}: on a machine with internet run `iqa-bench weights --prefetch {spec}` and copy that "
            f"folder here") from None
    return PyiqaMetric(name, options, model.eval(), pyiqa.__version__)


register(MetricFamily("pyiqa", create, None, True, f"library: pyiqa (optional: {INSTALL})",
                      "any pyiqa full-reference metric through our engine, with pyiqa's direction",
                      argument="<name>[:<key>=<value>,...]", group="bridged",
                      calibrated="ResultsCalibra 5 pairs (pyiqa:cw_ssim, pyiqa:nlpd)"))
