"""The pyiqa bridge: ``pyiqa:<name>[:<key>=<value>,...]`` runs any pyiqa full-reference metric inside our
engine — batched, on the engine's device, stored under a digest holding pyiqa's version and the
options, fitted and reported like ours, with pyiqa's declared direction (``lower_better``).

pyiqa is an optional extra (``pip install "iqa-bench[pyiqa]"``); it is imported only when a ``pyiqa:``
spec is created. Options are pyiqa's metric options (``pyiqa:ssim:test_y_channel=false``), read as YAML
scalars (numbers, booleans, strings): no code is evaluated. pyiqa fetches its own weights into its
cache; offline, a metric whose files are missing is reported unavailable in one line and the other
metrics still run.

Files: pyiqa unpickles a weight file with an unrestricted ``torch.load(path, weights_only=False)``, so a
file named by an option (``pretrained_model_path=FILE``) could run code. An option that names a file --
a key ending in ``path``/``file``/``dir``/``ckpt``/``checkpoint``/``weights`` or containing
``model_path``, or a value that is an existing path or has a weight file's extension -- is refused with
one line naming the option and the file, unless the file's SHA-256 is one the weights manifest knows
(:func:`iqa_bench.metrics.weight_manifest.known_file`). And while pyiqa builds a metric every ``torch.load`` is a
``weights_only=True`` load (:func:`iqa_bench.safe_loading.weights_only_loads`), its own cached files
included: a payload fails to load instead of running.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch
import yaml

from ..errors import MetricUnavailableError, UnknownNameError
from ..io_utils import download_timeout
from ..safe_loading import weights_only_loads
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


FILE_KEY = re.compile(r"(path|file|dir|ckpt|checkpoint|weights?)$|model_path|pretrained_model", re.IGNORECASE)
WEIGHT_SUFFIXES = (".pth", ".pt", ".ckpt", ".pkl", ".pickle", ".bin", ".tar", ".zip", ".npz", ".npy", ".mat",
                   ".safetensors", ".onnx", ".h5", ".joblib")


def file_options(options: Dict[str, object]) -> List[Tuple[str, str]]:
    """The (key, value) options that name a file or folder (see the module docstring)."""
    named = []
    for key, value in options.items():
        text = "" if value is None or isinstance(value, bool) else str(value)
        if not text:
            continue
        if FILE_KEY.search(key) or text.lower().endswith(WEIGHT_SUFFIXES) or os.path.exists(os.path.expanduser(text)):
            named.append((key, text))
    return named


def refuse_file_options(spec: str, options: Dict[str, object]) -> None:
    """ValueError naming the option and the file, for every file option whose file the weights manifest
    does not know by SHA-256."""
    from .weight_manifest import known_file

    for key, value in file_options(options):
        path = Path(value).expanduser()
        if path.is_file() and known_file(path):
            continue
        raise ValueError(f"{spec}: option {key}={value} names a file ({path}); the pyiqa bridge passes no file to "
                         f"pyiqa, which would unpickle it with an unrestricted torch.load (a weight file can run "
                         f"code): only files whose SHA-256 the weights manifest knows are accepted (`iqa-bench "
                         f"weights`); leave the option out to use pyiqa's own weights")


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
    refuse_file_options(spec, options)
    try:
        with download_timeout(), weights_only_loads(), contextlib.redirect_stdout(io.StringIO()):
            model = pyiqa.create_metric(name, as_loss=False, device=torch.device("cpu"), **options)
    except TypeError as err:  # an option the metric does not take
        raise ValueError(f"{spec}: pyiqa's {name} does not accept these options ({err})") from None
    except Exception as err:  # a missing weight file that cannot be downloaded, mostly
        raise MetricUnavailableError(
            f"{spec}: pyiqa could not build {name} ({type(err).__name__}: {err}); pyiqa fetches its weights into "
            f"{cache_folder()}: on a machine with internet run `iqa-bench weights --prefetch {spec}` and copy that "
            f"folder here") from None
    return PyiqaMetric(name, options, model.eval(), pyiqa.__version__)


def files_named(arg: Optional[str]) -> List[str]:
    """The files a ``pyiqa:`` spec's options name (for specs read from files: see metrics.trust)."""
    name, _, text = (arg or "").partition(":")
    try:
        return [value for _, value in file_options(parse_options(text, f"pyiqa:{arg}"))]
    except ValueError:
        return []  # a malformed option is refused when the metric is created


def _fetch_own_files(arg: Optional[str]) -> str:
    """pyiqa fetches its own files when the metric is built: build it, say where they went."""
    create(arg)
    return f"pyiqa's files are in {cache_folder()}"


register(MetricFamily("pyiqa", create, None, True, f"library: pyiqa (optional: {INSTALL})",
                      "any pyiqa full-reference metric through our engine, with pyiqa's direction",
                      argument="<name>[:<key>=<value>,...]", group="bridged",
                      calibrated="ResultsCalibra 5 pairs (pyiqa:cw_ssim, pyiqa:nlpd)", files_named=files_named,
                      package="pyiqa", own_files=_fetch_own_files))
