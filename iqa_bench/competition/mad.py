"""Maximum differentiation (MAD) competition between two metrics (Z. Wang and E. P. Simoncelli, "Maximum
differentiation (MAD) competition: A methodology for comparing computational models of perceptual
quantities", Journal of Vision 8(12):8, 2008): from a reference and an initial distorted image, the images of
best and worst quality by metric B among those metric A scores as the initial one (A's level set), and the
reverse.

The paper's procedure, not plenoptic's: plenoptic's ``MADCompetition`` (2.x) optimises a weighted sum of the
synthesis metric and a quadratic penalty on the fixed metric's change, so the fixed metric holds only as well
as its trade-off weight makes it; the paper moves along the fixed metric's level set. Each iteration here does
what the paper's Figure 7 and Appendix describe: the gradient of B with its component along the gradient of A
projected out (a step that leaves A unchanged to first order), a step of ``step`` (the largest pixel change)
up or down it, then A brought back to its level by Newton steps along its own gradient (the correction the
paper makes for the level set's curvature), the image kept in [0, 1]. A step after which A cannot be brought
back within ``tolerance`` is halved and taken again; the synthesis stops when B has not moved by more than
``stall`` in ``patience`` iterations (a local extremum: as the paper says, a negative result is then not
meaningful) or after ``iterations``. Every image says whether A drifted beyond its tolerance and whether the
optimisation stalled.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

import torch

from ..errors import OptionError

#: The four images: (name, the metric moved, the metric held, towards better (+1) or worse (-1) quality by the
#: moved one). Names as the figure shows them.
EXTREMES = (("best B, A fixed", "b", "a", +1), ("worst B, A fixed", "b", "a", -1),
            ("best A, B fixed", "a", "b", +1), ("worst A, B fixed", "a", "b", -1))


class NotDifferentiableError(ValueError):
    """A metric gives no usable gradient with respect to the distorted image: MAD cannot move along it."""


@dataclass(frozen=True)
class MadSettings:
    """How each MAD image is synthesised (see the module): at most ``iterations`` steps of at most ``step``
    per pixel (images in [0, 1]); the held metric within ``tolerance`` of its initial value, relative;
    ``restore`` Newton steps per iteration to bring it back; stalled when the moved metric changed by less
    than ``stall`` (relative) over ``patience`` iterations."""

    iterations: int = 200
    step: float = 2.0 / 255
    tolerance: float = 0.01
    restore: int = 8
    stall: float = 1e-4
    patience: int = 20

    def __post_init__(self):
        for name in ("iterations", "restore", "patience"):
            if getattr(self, name) < 1:
                raise OptionError(name, f"{{option}} must be at least 1, got {getattr(self, name)}")
        for name in ("step", "tolerance"):
            if not getattr(self, name) > 0:
                raise OptionError(name, f"{{option}} must be positive, got {getattr(self, name)}")


@dataclass
class MadImage:
    """One synthesised image: its name, the image (1×3×H×W in [0, 1]), both metrics' values after each
    iteration (``trace``: iteration, a, b, step), and what went wrong: the held metric's largest relative
    drift, whether it drifted beyond the tolerance, whether the moved metric stalled."""

    name: str
    image: torch.Tensor
    trace: List[Dict[str, float]] = field(default_factory=list)
    drift: float = 0.0
    drifted: bool = False
    stalled: bool = False

    @property
    def values(self) -> Dict[str, float]:
        """The two metrics' final values (a, b)."""
        last = self.trace[-1]
        return {"a": last["a"], "b": last["b"]}


def _value_and_gradient(metric, ref: torch.Tensor, x: torch.Tensor):
    x = x.detach().requires_grad_(True)
    value = metric(ref, x)
    if not isinstance(value, torch.Tensor) or not value.requires_grad:
        raise NotDifferentiableError(f"{metric.spec or type(metric).__name__}: no gradient with respect to the "
                                     f"distorted image (MAD moves along each metric's gradient; choose a "
                                     f"differentiable metric)")
    (gradient,) = torch.autograd.grad(value.sum(), x)
    if not torch.isfinite(gradient).all() or not gradient.abs().max() > 0:
        raise NotDifferentiableError(f"{metric.spec or type(metric).__name__}: its gradient with respect to the "
                                     f"distorted image is zero or not finite here (MAD needs a usable gradient)")
    return float(value.detach().sum()), gradient


def _restored(metric, ref: torch.Tensor, x: torch.Tensor, level: float, settings: MadSettings):
    """``x`` brought back to ``metric``'s ``level`` by Newton steps along its gradient, kept in [0, 1]:
    (image, value)."""
    value, gradient = _value_and_gradient(metric, ref, x)
    for _ in range(settings.restore):
        if abs(value - level) <= 1e-3 * settings.tolerance * max(abs(level), 1e-12):
            break
        x = (x - (value - level) / gradient.pow(2).sum() * gradient).clamp(0, 1)
        value, gradient = _value_and_gradient(metric, ref, x)
    return x, value


def synthesize(ref: torch.Tensor, init: torch.Tensor, moved, held, direction: int,
               settings: MadSettings = MadSettings(), name: str = "") -> MadImage:
    """The image of best (``direction`` +1) or worst (-1) quality by ``moved`` on ``held``'s level set
    through ``init`` (see the module). ``ref``, ``init``: 1×3×H×W in [0, 1]."""
    sign = direction if moved.higher_is_better else -direction  # the way the metric's value goes
    level, _ = _value_and_gradient(held, ref, init)
    b_value, _ = _value_and_gradient(moved, ref, init)
    x, step = init.detach().clone(), settings.step
    result = MadImage(name, x, [{"iteration": 0, "a": level, "b": b_value, "step": 0.0}])
    history = [b_value]
    for iteration in range(1, settings.iterations + 1):
        _, g_held = _value_and_gradient(held, ref, x)
        _, g_moved = _value_and_gradient(moved, ref, x)
        tangent = g_moved - (g_moved * g_held).sum() / g_held.pow(2).sum() * g_held
        if not tangent.abs().max() > 0:
            result.stalled = True
            break
        while True:
            candidate = (x + sign * step * tangent / tangent.abs().max()).clamp(0, 1)
            candidate, a_value = _restored(held, ref, candidate, level, settings)
            drift = abs(a_value - level) / max(abs(level), 1e-12)
            if drift <= settings.tolerance or step < settings.step / 1024:
                break
            step /= 2
        b_value, _ = _value_and_gradient(moved, ref, candidate)
        if sign * (b_value - history[-1]) < 0 and step >= settings.step / 1024:  # no progress: a smaller step
            step /= 2
            continue
        x = candidate
        result.drift = max(result.drift, drift)
        result.trace.append({"iteration": iteration, "a": a_value, "b": b_value, "step": step})
        history.append(b_value)
        if len(history) > settings.patience and \
                abs(history[-1] - history[-1 - settings.patience]) <= settings.stall * max(abs(history[-1]), 1e-12):
            result.stalled = True
            break
    result.image = x.detach()
    result.drifted = result.drift > settings.tolerance
    return result


@dataclass
class MadResult:
    """The four MAD images of metrics A and B from one reference and initial image, both metrics' values
    for the initial image too."""

    spec_a: str
    spec_b: str
    reference: torch.Tensor
    initial: torch.Tensor
    initial_values: Dict[str, float]
    images: List[MadImage]

    def warnings(self) -> List[str]:
        """One line per image whose held metric drifted beyond its tolerance or whose optimisation stalled."""
        lines = []
        for image in self.images:
            held = self.spec_a if image.name.endswith("A fixed") else self.spec_b
            if image.drifted:
                lines.append(f"{image.name}: {held} drifted by {100 * image.drift:.2f} % of its initial value, "
                             f"beyond the tolerance")
            if image.stalled:
                lines.append(f"{image.name}: stopped after {image.trace[-1]['iteration']} iterations, the moved "
                             f"metric no longer changing (a local extremum: a pair that looks alike proves nothing)")
        return lines


def mad_competition(ref: torch.Tensor, init: torch.Tensor, metric_a, metric_b,
                    settings: MadSettings = MadSettings()) -> MadResult:
    """The four MAD images (:data:`EXTREMES`) of ``metric_a`` and ``metric_b`` (metric modules of the
    registry, plugins included) from ``ref`` and ``init`` (1×3×H×W in [0, 1], on the metrics' device)."""
    metrics = {"a": metric_a, "b": metric_b}
    initial = {key: _value_and_gradient(metric, ref, init)[0] for key, metric in metrics.items()}
    images = []
    for name, moved, held, direction in EXTREMES:
        image = synthesize(ref, init, metrics[moved], metrics[held], direction, settings, name)
        for row in image.trace:  # the trace in A and B, whichever was moved
            row["a"], row["b"] = (row["a"], row["b"]) if moved == "b" else (row["b"], row["a"])
        images.append(image)
    return MadResult(metric_a.spec, metric_b.spec, ref, init, initial, images)


def initial_image(ref: torch.Tensor, init: Optional[str], seed: int = 0) -> torch.Tensor:
    """The initial distorted image: ``noise:SIGMA`` adds white Gaussian noise of standard deviation SIGMA
    (in [0, 1] units; the paper's MSE 1024 on 0-255 images is σ = 32/255 ≈ 0.125), clipped to [0, 1]; a file
    path is read as the image (of the reference's size)."""
    from ..images import load_rgb

    text = init or "noise:0.125"
    if text.startswith("noise:"):
        try:
            sigma = float(text[len("noise:"):])
        except ValueError:
            raise OptionError("init", f"{{option}} {text!r}: noise:SIGMA needs a number, e.g. noise:0.125") from None
        if not sigma > 0:
            raise OptionError("init", f"{{option}} {text!r}: SIGMA must be positive")
        generator = torch.Generator().manual_seed(seed)
        noise = torch.randn(ref.shape, generator=generator, dtype=ref.dtype).to(ref.device)
        return (ref + sigma * noise).clamp(0, 1)
    image = load_rgb(text)[None].to(ref.device, ref.dtype)
    if image.shape != ref.shape:
        raise OptionError("init", f"{{option}} {text}: {tuple(image.shape[-2:])[::-1]} pixels, the reference has "
                                  f"{tuple(ref.shape[-2:])[::-1]}")
    return image
