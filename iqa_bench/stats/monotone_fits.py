"""Least-squares mappings that are monotone by construction on the observed metric range [lo, hi].

VQEG (FR-TV Phase II) and ITU-T P.1401 (Sec. 7.2) require the mapping from metric to subjective score to
be monotone: it linearises a monotone relation, it must not reorder items. Unconstrained fits of the
5-parameter logistic and of the cubic are not: on TID2013's own values the previous fit of PSNRc turned
back (b4 = −1.41 against a rising logistic), and an audit's wider unconstrained search found a vertical
step (b2 = −4334). Here each mapping is fitted in a parametrisation whose every
value is monotone on [lo, hi], so the optimiser can only return monotone curves:

* **logistic-5** ``Q(z) = b1 (σ(b2 (z − b3)) − 1/2) + b4 z + b5`` (Sheikh et al. 2006; σ the logistic
  function, identical to their ``b1 (1/2 − 1/(1 + exp(b2 (z − b3))))``). Its slope is
  ``Q'(z) = k · g(z) + b4`` with ``k = b1 b2`` and the bell ``g = σ (1 − σ) ∈ (0, 1/4]``. For a direction
  s = ±1, ``s Q' ≥ 0`` on [lo, hi] iff ``s b4 ≥ floor = −min_z s k g(z)`` (the minimum of the bell over
  the range is at the end farther from b3; its maximum at b3 clipped to the range). The free parameters
  are (b1, u, b3, c, b5) with ``b4 = s (floor + c²)`` and ``b2 = cap · tanh(u)``: every value gives a
  monotone curve, and every monotone logistic-5 whose steepness is within the cap is reached. The cap
  (:data:`MAX_STEEPNESS`) keeps the logistic's rise at least 20 % of the metric's robust spread wide:
  the unconstrained optimum can otherwise be a vertical step between two neighbouring values of a
  noisy cloud, monotone but discontinuous.
* **cubic** ``p(z)``: ``s p'`` is a quadratic ≥ 0 on [lo, hi], which by Lukács' theorem is exactly
  ``(c1 z + c0)² + γ² (z − lo)(hi − z)``; free parameters (c1, c0, γ, a0), p integrated from it.
  When the unconstrained least-squares cubic is already monotone on the range it is the optimum and
  is kept as it is.
* **logistic-4** (VQEG) is monotone for every parameter value and needs no constraint.

The rule, stated in the documentation (docs/pipeline.md) and the captions: *the monotone fit with the smallest squared error over
a fixed set of starts* (the rank correlation's direction: centres at the 10/30/50/70/90 % quantiles of z,
three slopes, two amplitudes, and a steep rise in each of the three gaps of the data where a step fits
best; the other direction: the median centre; each start run briefly, the three best refined to
convergence with scipy's Levenberg-Marquardt and the analytic Jacobian).
"""
from __future__ import annotations

import warnings
from typing import List, NamedTuple, Optional, Tuple

import numpy as np
from scipy import optimize, stats

#: Starts of the logistic-5 search: centre quantiles, slopes (in units of the robust spread of z),
#: amplitudes (in units of the score's range). The direction of the rank correlation gets all of them,
#: the other direction the median centre only.
CENTRES = (0.1, 0.3, 0.5, 0.7, 0.9)
SLOPES = (0.5, 2.0, 8.0)
AMPLITUDES = (1.0, 3.0)
#: The steepest logistic allowed: |b2| · σ̂ ≤ this, σ̂ = IQR(z) / 1.349 the robust spread of the metric
#: values, i.e. the logistic term rises from 12 % to 88 % of its amplitude over no less than 4/20 = 20 %
#: of σ̂. Without a cap the least-squares optimum can be a vertical step between two neighbouring values
#: of a noisy cloud (the sample's vifp: b2 = 8·10⁵ between 0.427831 and 0.427834), monotone but a
#: discontinuous mapping that fits noise. The earlier cap of 50 (8 % of σ̂) still let the sample's VIF
#: curve drop by 15 severity points between VIF 0.40 and 0.44 -- a near-step for an RMSE of 16.791
#: against 16.820 with this cap (0.17 %; the fit no longer reaches the cap): fitting the noise of a
#: five-level target, not a feature of the metric. No other mapping over all items moved: the 17 other
#: default metrics on the sample and the 14 TID2013 metrics have the same RMSE to 4 decimals under both
#: caps; per-group fits (30 sample items, 125 TID2013 items) that ran at the old cap are smoother now. The robust spread, not the range, sets the
#: scale: a few far values (TID2013's placeholders) must not flatten the curve over the others.
MAX_STEEPNESS = 20.0
#: Gaps of the data tried as the place of a steep step (see :func:`step_starts`).
STEPS = 3
#: Function evaluations of one start's brief run, and of the refinement of the best few.
BRIEF, REFINE, REFINED = 200, 5000, 3


class Domain(NamedTuple):
    """The observed range [lo, hi] of the (standardised) metric values and the steepest logistic
    allowed there (:data:`MAX_STEEPNESS` over the robust spread)."""
    lo: float
    hi: float
    cap: float

    @classmethod
    def of(cls, z: np.ndarray) -> "Domain":
        return cls(float(z.min()), float(z.max()), MAX_STEEPNESS / robust_spread(z))


def robust_spread(z: np.ndarray) -> float:
    """IQR / 1.349 (σ for normal data); the standard deviation when the IQR is 0, else 1."""
    spread = float(np.subtract(*np.percentile(z, [75, 25]))) / 1.349
    return spread if spread > 0 else (float(np.std(z)) or 1.0)


def _sigmoid(t: np.ndarray):
    """σ(t) of an array without overflow, with e = exp(−|t|) and d = 1 + e, from which the bell
    σ (1 − σ) is ``e / d ** 2``."""
    e = np.exp(-np.abs(t))
    d = 1.0 + e
    return np.where(t >= 0, 1.0 / d, e / d), e, d


def _scalar_sigmoid_and_bell(t: float):
    """σ(t) and the bell σ(t) (1 − σ(t)) of one value, as Python floats (numpy's exp, the operations of
    :func:`_sigmoid`)."""
    e = float(np.exp(-abs(t)))
    d = 1.0 + e
    return (1.0 / d if t >= 0 else e / d), e / d ** 2


def _floor_point(k: float, b2: float, b3: float, lo: float, hi: float) -> Tuple[float, bool]:
    """Where on [lo, hi] the bell term ``k g(b2 (z − b3))`` is least: for k ≥ 0 the end farther from b3
    (the bell's minimum), for k < 0 b3 clipped to the range (its maximum); and whether that point moves
    with b3 (b3 inside the range, k < 0)."""
    if k >= 0:
        return (lo if abs(b2 * (lo - b3)) >= abs(b2 * (hi - b3)) else hi), False
    if lo < b3 < hi:
        return b3, True
    return min(max(b3, lo), hi), False


def logistic5_slope_floor(k: float, b2: float, b3: float, lo: float, hi: float) -> float:
    """The least ``b4`` for which ``k g(z) + b4 ≥ 0`` on [lo, hi], g the bell of ``b2 (z − b3)``:
    ``−k min g`` for k ≥ 0 (the minimum at the end of the range farther from b3), ``−k max g`` for
    k < 0 (the maximum at b3 clipped to the range)."""
    point, _ = _floor_point(k, b2, b3, lo, hi)
    return -k * _scalar_sigmoid_and_bell(float(b2 * (point - b3)))[1]


def free_slope(b2: float, domain: Domain) -> float:
    """The free value u of a start's slope b2 = cap · tanh(u) (held to 95 % of the cap)."""
    return float(np.arctanh(np.clip(b2 / domain.cap, -0.95, 0.95)))


def logistic5_from_free(theta, direction: int, domain: Domain) -> np.ndarray:
    """(b1, b2, b3, b4, b5) of the monotone logistic-5 given the free (b1, u, b3, c, b5)."""
    b1, u, b3, c, b5 = theta
    b2 = domain.cap * float(np.tanh(u))
    b4 = direction * (logistic5_slope_floor(direction * b1 * b2, b2, b3, domain.lo, domain.hi) + c * c)
    return np.array([b1, b2, b3, b4, b5], dtype=np.float64)


def _logistic5_model(z: np.ndarray, direction: int, domain: Domain):
    """Value and (``jac=True``) Jacobian in the free parameters of the monotone logistic-5 at z.

    The scalars are Python floats (the same IEEE operations as numpy's scalars, without their per-operation
    cost: this function runs ~6000 times per fit); every transcendental goes through numpy's ufuncs. The
    value's intermediates are kept for the Jacobian, which MINPACK asks at the point just evaluated."""
    lo, hi, cap = domain
    s = direction
    sz = s * z
    last = {}

    def model(theta, jac: bool = True):
        key = theta.tobytes()
        if last.get("key") != key:  # the Jacobian is asked at the point whose value was just computed
            b1, u, b3, c, b5 = theta.tolist()
            tanh_u = float(np.tanh(u))
            b2 = cap * tanh_u
            shifted = z - b3
            sigma, e, d = _sigmoid(b2 * shifted)
            point, moving = _floor_point(s * b1 * b2, b2, b3, lo, hi)
            sigma_p, g_p = _scalar_sigmoid_and_bell(b2 * (point - b3))
            b4 = s * (-s * b1 * b2 * g_p + c * c)
            centred = sigma - 0.5
            last.update(key=key, value=b1 * centred + b4 * z + b5,
                        parts=(b1, b3, c, tanh_u, b2, shifted, centred, e, d, point, moving, sigma_p, g_p))
        if not jac:
            return last["value"], None
        b1, b3, c, tanh_u, b2, shifted, centred, e, d, point, moving, sigma_p, g_p = last["parts"]
        g = e / d ** 2
        # floor = −s b1 b2 g(w), w = b2 (point − b3); g'(w) = g (1 − 2σ); w does not move when point = b3
        dg = g_p * (1.0 - 2.0 * sigma_p)
        dw_b2, dw_b3 = (0.0, 0.0) if moving else (point - b3, -b2)
        d_floor = (-s * b2 * g_p, -s * b1 * (g_p + b2 * dg * dw_b2), -s * b1 * b2 * dg * dw_b3)
        jacobian = np.empty((z.size, 5))
        jacobian[:, 0] = centred + sz * d_floor[0]
        jacobian[:, 1] = (b1 * g * shifted + sz * d_floor[1]) * cap * (1.0 - tanh_u ** 2)
        jacobian[:, 2] = -b1 * g * b2 + sz * d_floor[2]
        jacobian[:, 3] = 2.0 * s * c * z
        jacobian[:, 4] = 1.0
        return last["value"], jacobian
    return model


class _Fit(NamedTuple):
    x: np.ndarray
    cost: float


def _least_squares(model, y, start, max_nfev: int) -> Optional[_Fit]:
    """MINPACK's Levenberg-Marquardt (``lmder``) with the analytic Jacobian from ``start``, at most
    ``max_nfev`` evaluations: the call ``scipy.optimize.least_squares(method="lm", max_nfev=…)`` makes
    (ftol = xtol = gtol = 1e-8, factor 100, scaling from the Jacobian), through ``leastsq``, which passes
    the functions to MINPACK directly: least_squares' wrapper costs more than the model on 125 items.
    MINPACK asks the Jacobian at the point whose residual it just had: the logistic-5 model keeps that
    point's intermediates (the cubic's value is cheap to compute again)."""

    def residual(theta):
        return model(theta, False)[0] - y

    def jacobian(theta):
        return model(theta, True)[1]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            x, _, info, _, _ = optimize.leastsq(residual, np.array(start, dtype=np.float64), Dfun=jacobian,
                                                full_output=True, ftol=1e-8, xtol=1e-8, gtol=1e-8,
                                                maxfev=max_nfev, factor=100.0)
        except (ValueError, TypeError, np.linalg.LinAlgError):
            return None
    fvec = info["fvec"]
    cost = 0.5 * float(np.dot(fvec, fvec))
    return _Fit(x, cost) if np.all(np.isfinite(x)) and np.isfinite(cost) else None


def _search(model_of, to_params, z, y, domain: Domain, starts: List[Tuple[int, np.ndarray]]):
    """Each (direction, free start) run for :data:`BRIEF` evaluations, the :data:`REFINED` best refined
    to convergence; the parameters with the smallest squared error (the first on a tie), or None."""
    models = {direction: model_of(z, direction, domain) for direction in (1, -1)}
    brief = []
    for direction, start in starts:
        result = _least_squares(models[direction], y, start, BRIEF)
        if result is not None:
            brief.append((float(result.cost), direction, result.x))
    brief.sort(key=lambda item: item[0])
    best, best_sse = None, np.inf
    for _, direction, theta in brief[:REFINED]:
        result = _least_squares(models[direction], y, theta, REFINE)
        if result is None:
            continue
        residual = models[direction](result.x, False)[0] - y
        sse = float(residual @ residual)
        if np.isfinite(sse) and sse < best_sse:
            best, best_sse = to_params(result.x, direction, domain), sse
    return best


def _direction(z, y) -> int:
    rho = stats.spearmanr(z, y)[0]
    return -1 if np.isfinite(rho) and rho < 0 else 1


def _logistic5_start(direction: int, b1: float, b2: float, b3: float, b4: float, b5: float, domain: Domain):
    """Free parameters of the monotone logistic-5 nearest to (b1..b5): b2 within the cap, b4 raised to
    the floor when below it."""
    u = free_slope(b2, domain)
    b2 = domain.cap * float(np.tanh(u))
    floor = logistic5_slope_floor(direction * b1 * b2, b2, b3, domain.lo, domain.hi)
    return direction, np.array([b1, u, b3, np.sqrt(max(direction * b4 - floor, 0.0)), b5])


def step_starts(z: np.ndarray, y: np.ndarray, direction: int, domain: Domain, count: int = STEPS):
    """Starts for a steep logistic in a gap of the data: for every gap between consecutive distinct z,
    the least-squares ``a + b z + h·[z > gap]`` (closed form from cumulative sums), the ``count`` gaps
    with the smallest squared error among those whose step h has the curve's direction, as monotone
    logistic-5 starts (b3 mid-gap, as steep as the gap asks and the cap allows)."""
    order = np.argsort(z, kind="stable")
    zs, ys = z[order], y[order]
    gaps = np.flatnonzero(np.diff(zs) > 0)
    if gaps.size == 0:
        return []
    n = zs.size

    def above(values):  # sums over the items above each gap
        return np.cumsum(values[::-1])[::-1][gaps + 1]

    m, sz_up, sy_up = above(np.ones(n)), above(zs), above(ys)
    gram = np.empty((gaps.size, 3, 3))
    gram[:, 0, 0], gram[:, 0, 1], gram[:, 1, 1] = n, zs.sum(), (zs * zs).sum()
    gram[:, 0, 2] = gram[:, 2, 2] = m
    gram[:, 1, 2] = sz_up
    gram[:, 1, 0], gram[:, 2, 0], gram[:, 2, 1] = gram[:, 0, 1], gram[:, 0, 2], gram[:, 1, 2]
    rhs = np.stack([np.full(gaps.size, ys.sum()), np.full(gaps.size, (zs * ys).sum()), sy_up], axis=1)
    with np.errstate(all="ignore"):
        try:
            coef = np.linalg.solve(gram, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:
            return []
    sse = (ys * ys).sum() - np.einsum("kj,kj->k", coef, rhs)  # yᵀy − coefᵀXᵀy at the least squares
    usable = np.flatnonzero(np.isfinite(sse) & (direction * coef[:, 2] > 0))
    starts = []
    for k in usable[np.argsort(sse[usable], kind="stable")][:count]:
        a, b, h = coef[k]
        left, right = zs[gaps[k]], zs[gaps[k] + 1]
        starts.append(_logistic5_start(direction, h, 8.0 / (right - left), 0.5 * (left + right), b, a + 0.5 * h,
                                       domain))
    return starts


def fit_monotone_logistic5(z: np.ndarray, y: np.ndarray) -> Optional[np.ndarray]:
    """The monotone logistic-5 (on [min z, max z], steepness within the cap) of least squared error over
    the fixed starts and the step starts (:func:`step_starts`), as (b1, b2, b3, b4, b5); None when no
    start converged to finite parameters."""
    domain = Domain.of(z)
    span = float(np.ptp(y)) or 1.0
    spread = robust_spread(z)
    main = _direction(z, y)
    starts = step_starts(z, y, main, domain)
    for direction in (main, -main):
        for centre in (CENTRES if direction == main else (0.5,)):
            b3 = float(np.quantile(z, centre))
            for slope in SLOPES:
                for amplitude in AMPLITUDES:
                    b1, b2 = direction * amplitude * span, slope / spread
                    # b4 just above the floor: a start with a small linear term in the curve's direction
                    lift = 0.01 * span / max(domain.hi - domain.lo, 1e-12)
                    floor = logistic5_slope_floor(direction * b1 * b2, b2, b3, domain.lo, domain.hi)
                    starts.append(_logistic5_start(direction, b1, b2, b3, direction * (max(floor, 0.0) + lift),
                                                   float(np.mean(y)), domain))
    return _search(_logistic5_model, logistic5_from_free, z, y, domain, starts)


def cubic_from_free(theta, direction: int, domain: Domain) -> np.ndarray:
    """Coefficients (highest power first) of the cubic ``a0 + s ∫_0^z q`` with
    ``q = (c1 z + c0)² + γ² (z − lo)(hi − z)`` ≥ 0 on [lo, hi] (Lukács)."""
    c1, c0, gamma, a0 = theta
    lo, hi = domain.lo, domain.hi
    g2 = gamma * gamma
    q2, q1, q0 = c1 * c1 - g2, 2 * c1 * c0 + g2 * (lo + hi), c0 * c0 - g2 * lo * hi
    return np.array([direction * q2 / 3.0, direction * q1 / 2.0, direction * q0, a0], dtype=np.float64)


def _cubic_model(z: np.ndarray, direction: int, domain: Domain):
    """Value and Jacobian (in c1, c0, γ, a0) of the Lukács cubic at z."""
    lo, hi = domain.lo, domain.hi
    powers = np.stack([direction * z ** 3 / 3.0, direction * z ** 2 / 2.0, direction * z], axis=1)

    def model(theta, jac: bool = True):
        c1, c0, gamma, _ = theta
        value = np.polyval(cubic_from_free(theta, direction, domain), z)
        if not jac:
            return value, None
        # d(q2, q1, q0) / d(c1, c0, γ)
        dq = np.array([[2 * c1, 0.0, -2 * gamma],
                       [2 * c0, 2 * c1, 2 * gamma * (lo + hi)],
                       [0.0, 2 * c0, -2 * gamma * lo * hi]])
        jacobian = np.empty((z.size, 4))
        jacobian[:, :3] = powers @ dq
        jacobian[:, 3] = 1.0
        return value, jacobian
    return model


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
    domain = Domain.of(z)
    free = np.polyfit(z, y, 3)
    if is_monotone_cubic(free, domain.lo, domain.hi):
        return free
    root = np.sqrt(float(np.std(y)) / max(domain.hi - domain.lo, 1e-12))
    mean = float(np.mean(y))
    main = _direction(z, y)
    starts = [(direction, np.array([c1 * root, c0 * root, gamma * root, mean]))
              for direction in (main, -main)
              for c1 in (0.0, 0.5, -0.5) for c0 in (1.0, 0.2) for gamma in (0.0, 0.5)]
    return _search(_cubic_model, cubic_from_free, z, y, domain, starts)
