"""A researcher's own metric in the benchmark (issue 29): the three ways in -- a spec naming code
(``-m pkg.mod:Name``), an installed entry point (group ``iqa_bench.metrics``), the Python API
(``evaluate(metrics=[Name(), fn])``, :func:`register_metric`) -- end in one :class:`PluginMetric`, which the
engine batches, checks, stores and the trainer optimises as it does a built-in metric.

The contract a plugin meets (:class:`PluginMetric` checks it; a breach stops that metric with one line,
:class:`~iqa_bench.errors.MetricContractError`, the others run): ``f(ref, dist)`` on N×3×H×W tensors in
[0, 1] returns a float tensor of shape (N,) (or (N, 1)), finite, with each pair's value independent of the
batch (checked once: the first pair alone and in its batch). Direction: the object's ``higher_is_better``
or the spec's ``:higher`` / ``:lower``; optional ``min_side`` (pixels) and ``min_side_reason``.

The store key cannot lie: the digest holds the qualified name, the argument, the package's version, the
bytes of every source file of the object's top-level package (an edit without a version bump recomputes),
for a module its state dict and its plain attributes, for a function its closure's plain values; code
without a source file is never reused (a fresh digest each process, said once).
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import logging
import sys
import uuid
from pathlib import Path
from typing import Callable, Optional

import torch
from torch import nn

from ..errors import MetricContractError, MetricUnavailableError
from .base import Metric, is_out_of_memory
from ..plugin_specs import (distribution_of, installed_entry_points, is_code_spec, is_entry_value, split_code_spec,
                            split_direction)
from .registry import FAMILIES, SPEC_RESOLVERS, MetricFamily, register

log = logging.getLogger(__name__)

#: Source files hashed per package at most; a larger package hashes the defining file only.
MAX_SOURCE_FILES = 2000
ARGUMENT = "argument of the class or factory; :higher / :lower states the direction"
_PLAIN = (bool, int, float, str, bytes, type(None))


class PluginError(MetricUnavailableError):
    """A plugin that cannot be built (its constructor fails, no direction): that metric is reported
    unavailable in one line and the others still run."""


class PluginImportError(PluginError):
    """The code a spec names cannot be found (no such module, no such name, the module fails to import):
    most likely a typo or an uninstalled package, so the run is refused before any scoring."""


class PluginMetric(Metric):
    """The user's module or function behind the metric contract (checked inputs via :meth:`Metric.forward`,
    checked outputs here)."""

    def __init__(self, spec: str, inner, higher: bool, source: str, digest: str):
        super().__init__()
        self.spec, self.higher_is_better, self.source, self._digest = spec, higher, source, digest
        if isinstance(inner, nn.Module):
            self.inner = inner           # a submodule: moved to the engine's device with the metric
        else:
            self._function = inner
        for attr, kind in (("min_side", int), ("min_side_reason", str), ("bytes_per_pixel", (int, float))):
            value = getattr(inner, attr, None)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, kind) or (kind is not str and not value > 0):
                raise PluginError(f"{spec}: its {attr} is {value!r}; a metric's {attr} is "
                                  + ("a text" if kind is str else "a positive number"))
            setattr(self, attr, value)
        self._batch_checked = False

    def digest(self) -> str:
        return self._digest

    def _call(self, ref, dist):
        """The user's code on its own copies of the batch: whatever it writes into its inputs (``t.copy_``,
        ``ref.mul_(0)``) cannot change what the metrics after it see, nor their stored values. The copies
        are differentiable (a plugin stays a training loss)."""
        ref, dist = ref.clone(), dist.clone()
        try:
            return self.inner(ref, dist) if hasattr(self, "inner") else self._function(ref, dist)
        except SystemExit as err:  # the user's code may not end the run (nor the other metrics) by sys.exit
            raise MetricContractError(f"{self.spec} called sys.exit({err.code!r}) while scoring; a metric returns "
                                      f"values") from None
        except Exception as err:
            if is_out_of_memory(err):
                raise  # the engine splits the batch
            raise MetricContractError(f"{self.spec} raised {type(err).__name__}: {err} (stopped after its first "
                                      f"failing batch)") from None

    def _checked(self, out, n: int) -> torch.Tensor:
        if not isinstance(out, torch.Tensor):
            raise MetricContractError(f"{self.spec} returned {type(out).__name__}, not a torch.Tensor of shape (N,)")
        if tuple(out.shape) == (n, 1):
            out = out.reshape(n)
        if tuple(out.shape) != (n,):
            raise MetricContractError(f"{self.spec} returned shape {tuple(out.shape)} for a batch of {n} pairs; "
                                      f"expected ({n},): one value per pair")
        if not out.is_floating_point():
            out = out.double()
        bad = ~torch.isfinite(out.detach())
        if bool(bad.any()):
            k = int(bad.nonzero()[0, 0])
            raise MetricContractError(f"{self.spec} returned {float(out[k])} for pair {k + 1} of a batch of {n}; "
                                      f"a metric returns a finite value for every pair")
        return out

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        values = self._checked(self._call(ref, dist), ref.shape[0])
        if not self._batch_checked and ref.shape[0] > 1:
            self._batch_checked = True  # every pair of the first batch scored alone, once per run
            together = values.detach().double()
            with torch.no_grad():
                for k in range(ref.shape[0]):
                    alone = self._checked(self._call(ref[k:k + 1], dist[k:k + 1]), 1).double()
                    if not torch.allclose(alone, together[k:k + 1], rtol=1e-4, atol=1e-6):
                        raise MetricContractError(
                            f"{self.spec}: values depend on the batch (pair {k + 1} alone gives {float(alone[0]):.6g}, "
                            f"in a batch of {ref.shape[0]} {float(together[k]):.6g}); score each pair on its own")
        return values


def _qualified(obj) -> str:
    target = obj if inspect.isclass(obj) or inspect.isroutine(obj) else type(obj)
    return f"{getattr(target, '__module__', '?')}:{getattr(target, '__qualname__', type(target).__name__)}"


@functools.lru_cache(maxsize=1)
def _packages_distributions() -> dict:
    """importlib.metadata's top-level module → distributions map: it reads every installed package's
    metadata, so once per process."""
    from importlib import metadata

    return metadata.packages_distributions()


def _distribution(module_name: str) -> str:
    from importlib import metadata

    top = module_name.split(".")[0]
    names = _packages_distributions().get(top, [])
    for name in names:
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    return "not packaged"


def _source_files(obj):
    """The source files the object's code comes from: every ``.py`` of its top-level package (or its
    module file); None when it has none (defined interactively)."""
    target = obj if inspect.isclass(obj) or inspect.isroutine(obj) else type(obj)
    module = sys.modules.get(getattr(target, "__module__", ""), None)
    top = sys.modules.get(module.__name__.split(".")[0]) if module is not None else None
    roots = list(getattr(top, "__path__", []) or []) if top is not None else []
    files = sorted(f for root in roots for f in Path(root).rglob("*.py"))
    if files and len(files) <= MAX_SOURCE_FILES:
        return files
    try:
        return [Path(inspect.getsourcefile(target))]
    except (TypeError, OSError):
        return None


def digest_of(obj, instance, arg: Optional[str]) -> str:
    """The store digest of a plugin (module docstring); never equal for two different computations."""
    qualified = _qualified(obj)
    h = hashlib.sha256(f"{qualified}|{arg!r}|{_distribution(qualified.split(':')[0])}".encode())
    files = _source_files(obj)
    if files is None and inspect.isfunction(instance):
        import marshal

        h.update(marshal.dumps(instance.__code__))
    elif files is None:
        log.warning("%s has no source file: its values are recomputed in every process, never reused", qualified)
        h.update(uuid.uuid4().bytes)
    for path in files or ():
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    if isinstance(instance, nn.Module):
        for key, tensor in instance.state_dict().items():
            h.update(f"{key}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
            h.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
        for name, module in instance.named_modules():
            for attr, value in sorted(vars(module).items()):
                if not attr.startswith("_") and attr != "training" and isinstance(value, _PLAIN):
                    h.update(f"{name}.{attr}={value!r}".encode())
    elif inspect.isfunction(instance):
        for cell in instance.__closure__ or ():
            if isinstance(cell.cell_contents, _PLAIN):
                h.update(repr(cell.cell_contents).encode())
    return "plugin-" + h.hexdigest()[:24]


def _takes_a_pair(fn) -> bool:
    """A plain metric function ``f(ref, dist)``: two positional parameters without a default."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    required = [p for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(required) >= 2


def _instantiate(obj, arg: Optional[str], spec: str):
    """The scoring object: a class or factory called (with the argument), a module or function as is."""
    if isinstance(obj, nn.Module) or (callable(obj) and not inspect.isclass(obj) and _takes_a_pair(obj)):
        if arg is not None:
            raise PluginError(f"{spec}: {_qualified(obj)} takes no argument (a metric object or function), got {arg!r}")
        return obj
    if not callable(obj):
        raise PluginError(f"{spec} is a {type(obj).__name__}, not a torch.nn.Module class, a factory or a "
                          f"function f(ref, dist)")
    try:
        made = obj(arg) if arg is not None else obj()
    except Exception as err:  # the user's constructor: one line, the others run
        raise PluginError(f"{spec}: {_qualified(obj)}({arg if arg is not None else ''}) raised "
                          f"{type(err).__name__}: {err}") from None
    if not (isinstance(made, nn.Module) or (callable(made) and _takes_a_pair(made))):
        raise PluginError(f"{spec}: {_qualified(obj)}() returned a {type(made).__name__}, not a torch.nn.Module or a "
                          f"function f(ref, dist)")
    return made


def build(obj, arg: Optional[str], spec: str, higher: Optional[bool] = None, source: str = "") -> PluginMetric:
    """The :class:`PluginMetric` of a user's object (class, factory, module, function) under ``spec``."""
    instance = _instantiate(obj, arg, spec)
    if higher is None:
        higher = getattr(instance, "higher_is_better", getattr(obj, "higher_is_better", None))
    if not isinstance(higher, bool):
        raise PluginError(f"{spec}: the direction is unknown: give {_qualified(obj)} a higher_is_better attribute "
                          f"(True/False) or end the spec with :higher or :lower")
    source = source or f"plugin: {_qualified(obj)} ({_distribution(_qualified(obj).split(':')[0])})"
    return PluginMetric(spec, instance, higher, source, digest_of(obj, instance, arg))


def as_metric(obj, name: Optional[str] = None, higher_is_better: Optional[bool] = None) -> Metric:
    """A metric object given to :func:`iqa_bench.evaluate` (a Module, a function, an iqa-bench Metric) under
    ``name`` (default: its qualified name ``module:Name``, the spec that names the same code)."""
    if isinstance(obj, PluginMetric):
        return obj
    return build(obj, None, name or _qualified(obj), higher_is_better)


def _import(module: str, attr: str, spec: str):
    import importlib

    try:
        target = importlib.import_module(module)
    except ModuleNotFoundError as err:
        raise PluginImportError(f"{spec}: no module {err.name or module} can be imported; install the package "
                                f"(pip install -e DIR) or put its folder on the path (PYTHONPATH=.)") from None
    except Exception as err:  # SyntaxError, an error raised by the module: one line
        raise PluginImportError(f"{spec}: importing {module} failed ({type(err).__name__}: {err})") from None
    for part in attr.split("."):
        if not hasattr(target, part):
            names = sorted(n for n in dir(target) if not n.startswith("_"))[:12]
            raise PluginImportError(f"{spec}: {module} has no attribute {attr!r}"
                                    + (f" (it has: {', '.join(names)})" if names else ""))
        target = getattr(target, part)
    return target


def code_family(spec: str) -> MetricFamily:
    """The family of one ``package.module:Name`` spec (built on demand; its code is imported only when the
    metric is created)."""
    module, attr, _ = split_code_spec(spec)
    name = f"{module}:{attr}"

    def factory(rest: Optional[str]) -> PluginMetric:
        arg, higher = split_direction(rest)
        full = name if rest is None else f"{name}:{rest}"
        return build(_import(module, attr, full), arg, full, higher)

    return MetricFamily(name=name, factory=factory, higher_is_better=None, needs_weights=False,
                        source=f"plugin: {name}", description="Python code named by the spec", argument=ARGUMENT,
                        group="plugins", names_code=True)


def entry_point_family(entry) -> MetricFamily:
    """The family of an installed entry point (imported when the metric is created or listed)."""
    dist, version = distribution_of(entry)
    source = f"plugin: {entry.value} ({dist} {version})"

    name = entry.name.strip().lower()

    def factory(rest: Optional[str]) -> PluginMetric:
        arg, higher = split_direction(rest)
        full = name if rest is None else f"{name}:{rest}"
        if not is_entry_value(entry.value):
            raise PluginError(f"{full}: the entry point's value {entry.value!r} (package {dist}) is not "
                              f"module:Name; fix the package's entry_points")
        try:
            obj = entry.load()
        except Exception as err:
            raise PluginError(f"{full}: loading the entry point {entry.value} of {dist} failed "
                              f"({type(err).__name__}: {err})") from None
        return build(obj, arg, full, higher, source)

    return MetricFamily(name=name, factory=factory, higher_is_better=None, needs_weights=False,
                        source=source, description=f"installed plugin ({ENTRY_DESCRIPTION})", argument=ARGUMENT,
                        group="plugins")


ENTRY_DESCRIPTION = "entry point group iqa_bench.metrics"


def register_metric(name: str, higher_is_better: Optional[bool] = None, description: str = "") -> Callable:
    """Decorator: ``@register_metric("sharp")`` on a Module class, a factory or a function makes ``"sharp"``
    (and ``"sharp:ARG"``, ``"sharp:lower"``) a spec like a built-in one, for this process. The name is a
    word (letters, digits, ``_``, ``-``): a ``:`` or ``,`` would not survive being a spec."""
    import re

    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w-]*", name.strip()):
        raise ValueError(f"register_metric({name!r}): a metric name is a word (letters, digits, _ and -), "
                         f"without ':', ',' or spaces")
    name = name.strip().lower()

    def decorate(obj):
        if not callable(obj):
            raise TypeError(f"register_metric({name!r}) on a {type(obj).__name__}: it decorates a torch.nn.Module "
                            f"class, a factory or a function f(ref, dist)")
        def factory(rest: Optional[str]) -> PluginMetric:
            arg, higher = split_direction(rest)
            return build(obj, arg, name if rest is None else f"{name}:{rest}",
                         higher if higher is not None else higher_is_better)

        doc = (inspect.getdoc(obj) or "").strip().splitlines()
        register(MetricFamily(name=name, factory=factory, higher_is_better=higher_is_better, needs_weights=False,
                              source=f"plugin: {_qualified(obj)} (registered in Python)",
                              description=description or (doc[0] if doc else "registered in Python"),
                              argument=ARGUMENT, group="plugins"))
        return obj
    return decorate


def resolve(spec: str):
    """The registry's fallback for a spec no registered family has: code (``pkg.mod:Name``), or an entry
    point installed since (registered now, built-in names first). None: not a plugin."""
    if is_code_spec(spec):
        family = code_family(spec)
        rest = spec.strip()[len(family.name):].lstrip(":").strip()
        return family, rest or None
    name, _, rest = spec.strip().partition(":")
    entry = installed_entry_points().get(name.strip().lower())
    if entry is None:
        return None
    family = entry_point_family(entry)
    if family.name not in FAMILIES:
        register(family)
    return FAMILIES[family.name], rest.strip() or None


SPEC_RESOLVERS.append(resolve)
