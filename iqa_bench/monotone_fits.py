"""Least-squares mappings that are monotone by construction on the observed metric range [lo, hi].

VQEG (FR-TV Phase II) and ITU-T P.1401 (Sec. 7.2) require the mapping from metric to subjective score to
be monotone: it linearises a monotone relation, it must not reorder items. Unconstrained fits of the
5-parameter logistic and of the cubic are not: on TID2013's own values the best unconstrained logistic-5
of PSNRc has a vertical step (b2 = −4334). Here each mapping is fitted in a parametrisation whose every
value is monotone on [lo, hi], so the optimiser can only return monotone curves:

* **logistic-5** ``Q(z) = b1 (σ(b2 (z − b3)) − 1/2) + b4 z + b5`` (Sheikh et al. 2006; σ the logistic
  function, identical to their ``b1 (1/2 − 1/(1 + exp(b2 (z − b3))))``). Its slope is
  ``Q'(z) = k · g(z) + b4`` with ``k = b1 b2`` and the bell ``g = σ (1 − σ) ∈ (0, 1/4]``. For a direction
  s = ±1, ``s Q' ≥ 0`` on [lo, hi] iff ``s b4 ≥ floor = −min_z s k g(z)`` (the minimum of the bell over
  the range is at the end farther from b3; its maximum at b3 clipped to the range). The free parameters
  are (b1, b2, b3, c, b5) with ``b4 = s (floor + c²)``: every value gives a monotone curve, and every
  monotone logistic-5 is reached.
* **cubic** ``p(z)``: ``s p'`` is a quadratic ≥ 0 on [lo, hi], which by Lukács' theorem is exactly
  ``(c1 z + c0)² + γ² (z − lo)(hi − z)``; free parameters (c1, c0, γ, a0), p integrated from it.
  When the unconstrained least-squares cubic is already monotone on the range it is the optimum and
  is kept as it is.
* **logistic-4** (VQEG) is monotone for every parameter value and needs no constraint.

The rule, stated in the README and the captions: *the monotone fit with the smallest squared error over
a fixed set of starts* (both directions; centres at the 10/30/50/70/90 % quantiles of z, three slopes,
two amplitudes; each start run briefly, the three best refined to convergence).
"""
from __future__ import annotations

import warnings
from typing import Callable, List, Optional, Tuple

import numpy as np
from scipy import optimize, stats

#: Starts of the logistic-5 search: centre quantiles, slopes (in units of the robust spread of z),
#: amplitudes (in units of the score's range). The direction of the rank correlation gets all of them,
#: the other direction the median centre only.
CENTRES = (0.1, 0.3, 0.5, 0.7, 0.9)
SLOPES = (0.5, 2.0, 8.0)
AMPLITUDES = (1.0, 3.0)
#: Function evaluations of one start's brief run, and of the refinement of the best few.
BRIEF, REFINE, REFINED = 200, 5000, 3


def sigmoid(t):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-t))


def _bell(t):
    """σ(t) (1 − σ(t)) without overflow."""
    e = np.exp(-np.abs(t))
    return e / (1.0 + e) ** 2


def logistic5_slope_floor(k: float, b2: float, b3: float, lo: float, hi: float) -> float:
    """The least ``b4`` for which ``k g(z) + b4 ≥ 0`` on [lo, hi], g the bell of ``b2 (z − b3)``:
    ``−k min g`` for k ≥ 0 (the minimum at the end of the range farther from b3), ``−k max g`` for
    k < 0 (the maximum at b3 clipped to the range)."""
    if k >= 0:
        return -k * min(_bell(b2 * (lo - b3)), _bell(b2 * (hi - b3)))
    return -k * _bell(b2 * (min(max(b3, lo), hi) - b3))


def logistic5_from_free(theta, direction: int, lo: float, hi: float) -> np.ndarray:
    """(b1, b2, b3, b4, b5) of the monotone logistic-5 given the free (b1, b2, b3, c, b5)."""
    b1, b2, b3, c, b5 = theta
    b4 = direction * (logistic5_slope_floor(direction * b1 * b2, b2, b3, lo, hi) + c * c)
    return np.array([b1, b2, b3, b4, b5], dtype=np.float64)


def _least_squares(residual: Callable, start, max_nfev: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = optimize.least_squares(residual, np.asarray(start, dtype=np.float64), method="lm",
                                            max_nfev=max_nfev)
        except (ValueError, np.linalg.LinAlgError):
            return None
    return result if np.all(np.isfinite(result.x)) and np.isfinite(result.cost) else None


def _search(function, to_params, z, y, starts: List[Tuple[int, np.ndarray]]):
    """Each (direction, free start) run for :data:`BRIEF` evaluations, the :data:`REFINED` best refined
    to convergence; the parameters with the smallest squared error (the first on a tie), or None."""
    lo, hi = float(z.min()), float(z.max())

    def residual_of(direction):
        return lambda theta: function(z, *to_params(theta, direction, lo, hi)) - y

    brief = []
    for direction, start in starts:
        result = _least_squares(residual_of(direction), start, BRIEF)
        if result is not None:
            brief.append((float(result.cost), direction, result.x))
    brief.sort(key=lambda item: item[0])
    best, best_sse = None, np.inf
    for _, direction, theta in brief[:REFINED]:
        result = _least_squares(residual_of(direction), theta, REFINE)
        if result is None:
            continue
        params = to_params(result.x, direction, lo, hi)
        residual = function(z, *params) - y
        sse = float(residual @ residual)
        if np.isfinite(sse) and sse < best_sse:
            best, best_sse = params, sse
    return best


def _direction(z, y) -> int:
    rho = stats.spearmanr(z, y)[0]
    return -1 if np.isfinite(rho) and rho < 0 else 1


def fit_monotone_logistic5(function, z: np.ndarray, y: np.ndarray) -> Optional[np.ndarray]:
    """The monotone logistic-5 (on [min z, max z]) of least squared error over the fixed starts; None
    when no start converged to finite parameters."""
    lo, hi = float(z.min()), float(z.max())
    span = float(np.ptp(y)) or 1.0
    spread = float(np.subtract(*np.percentile(z, [75, 25]))) / 1.349 or 1.0
    main = _direction(z, y)
    starts = []
    for direction in (main, -main):
        for centre in (CENTRES if direction == main else (0.5,)):
            b3 = float(np.quantile(z, centre))
            for slope in SLOPES:
                for amplitude in AMPLITUDES:
                    b1, b2 = direction * amplitude * span, slope / spread
                    floor = logistic5_slope_floor(direction * b1 * b2, b2, b3, lo, hi)
                    c = np.sqrt(max(-floor, 0.0) + 0.01 * span / (hi - lo))
                    starts.append((direction, np.array([b1, b2, b3, c, float(np.mean(y))])))
    return _search(function, logistic5_from_free, z, y, starts)


def cubic_from_free(theta, direction: int, lo: float, hi: float) -> np.ndarray:
    """Coefficients (highest power first) of the cubic ``a0 + s ∫_0^z q`` with
    ``q = (c1 z + c0)² + γ² (z − lo)(hi − z)`` ≥ 0 on [lo, hi] (Lukács)."""
    c1, c0, gamma, a0 = theta
    g2 = gamma * gamma
    q2, q1, q0 = c1 * c1 - g2, 2 * c1 * c0 + g2 * (lo + hi), c0 * c0 - g2 * lo * hi
    return np.array([direction * q2 / 3.0, direction * q1 / 2.0, direction * q0, a0], dtype=np.float64)


def _cubic(z, *coefficients):
    return np.polyval(coefficients, z)


def is_monotone_cubic(coefficients, lo: float, hi: float) -> bool:
    """Whether the cubic's derivative keeps one sign on [lo, hi] (checked at the ends and at the
    derivative's stationary point)."""
    a3, a2, a1, _ = coefficients
    points = [lo, hi]
    if a3 != 0:
        vertex = -a2 / (3 * a3)
        if lo < vertex < hi:
            points.append(vertex)
    slopes = np.array([3 * a3 * t * t + 2 * a2 * t + a1 for t in points])
    return bool(np.all(slopes >= 0) or np.all(slopes <= 0))


def fit_monotone_cubic(z: np.ndarray, y: np.ndarray) -> Optional[np.ndarray]:
    """The least-squares cubic when it is monotone on [min z, max z]; otherwise the monotone cubic of
    least squared error over starts in the Lukács parametrisation (both directions)."""
    lo, hi = float(z.min()), float(z.max())
    free = np.polyfit(z, y, 3)
    if is_monotone_cubic(free, lo, hi):
        return free
    spread = float(np.std(y)) / max(hi - lo, 1e-12)
    mean = float(np.mean(y))
    starts = [(direction, np.array([c1 * np.sqrt(spread), c0 * np.sqrt(spread), gamma * np.sqrt(spread), mean]))
              for direction in (_direction(z, y), -_direction(z, y))
              for c1 in (0.0, 0.5, -0.5) for c0 in (1.0, 0.2) for gamma in (0.0, 0.5)]
    return _search(_cubic, cubic_from_free, z, y, starts)
