"""Weighted income-inequality measures.

Every function takes incomes ``x`` and optional non-negative ``weights`` (frequency or
survey weights; integer weights give exactly the value of the data with each unit replicated
``weights[i]`` times). All measures are scale invariant.

References
----------
Cowell FA (2011) *Measuring Inequality*, 3rd ed. Oxford University Press.
Atkinson AB (1970) On the measurement of inequality. J Econ Theory 2:244-263.
Cobham A, Sumner A (2013) Is it all about the tails? The Palma measure of income inequality.
CGD Working Paper 343.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinship_research.methods.checks import (
    as_float_array,
    check_finite,
    check_level,
    check_positive_int,
    random_generator,
)

__all__ = [
    "GiniInterval",
    "atkinson",
    "gini",
    "gini_ci",
    "lorenz_curve",
    "mean_log_deviation",
    "palma",
    "quintile_ratio",
    "theil",
]


def _validate(x, weights=None, *, positive: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Incomes and weights as float arrays, checked.

    ``positive=True`` requires strictly positive incomes (measures that take logarithms or
    negative powers); otherwise incomes must be non-negative with a positive total.
    """
    x = as_float_array("incomes", x)
    if x.size == 0:
        raise ValueError("incomes are empty: at least one observation is needed")
    if not np.all(np.isfinite(x)):
        raise ValueError("incomes contain NaN or infinite values: drop or impute them first")
    if positive and np.any(x <= 0):
        raise ValueError("this measure takes logarithms/negative powers: all incomes must be > 0")
    if np.any(x < 0):
        raise ValueError("incomes must be non-negative")
    if weights is None:
        w = np.ones_like(x)
    else:
        w = as_float_array("weights", weights)
        if w.shape != x.shape:
            raise ValueError(
                f"weights have shape {w.shape} but incomes have shape {x.shape}: give one weight per income"
            )
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("weights must be finite and non-negative")
        if w.sum() <= 0:
            raise ValueError("weights sum to zero: at least one weight must be positive")
    if not np.any((w > 0) & (x > 0)):  # the total w·x is positive (tested without summing: no overflow)
        raise ValueError("total income is zero: inequality measures are undefined")
    # every measure here is scale invariant: dividing by the largest income keeps sums of incomes
    # near 1e308 or powers of incomes near 1e-10 from overflowing or underflowing
    return x / x.max(), w


def _gini_sorted(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
    """Weighted Gini of each row of ``ws`` for ascending incomes ``xs`` (see :func:`gini`)."""
    cum = np.cumsum(ws, axis=1)
    total_w = cum[:, -1:]
    wx = ws * xs
    return (wx * (2 * cum - ws - total_w)).sum(axis=1) / (total_w[:, 0] * wx.sum(axis=1))


def gini(x, *, weights=None) -> float:
    r"""Gini coefficient (relative mean difference form).

    .. math:: G = \frac{\sum_i\sum_j w_i w_j |x_i - x_j|}{2 W^2 \mu},
              \quad W = \sum_i w_i,\ \mu = \sum_i w_i x_i / W,

    computed in O(n log n) as :math:`\sum_i w_i x_i (2C_i - w_i - W) / (W \sum_i w_i x_i)` with
    :math:`C_i` the cumulative weight of the sorted incomes. Unweighted, it is PySAL's
    ``inequality.gini.Gini`` (one person holding everything gives (n-1)/n).

    References
    ----------
    Cowell (2011), section 2.3.
    """
    if weights is None:  # sort the values themselves: no argsort, gather or weight vector
        xs = np.sort(as_float_array("incomes", x))
        if xs.size == 0:
            raise ValueError("incomes are empty: at least one observation is needed")
        if not np.isfinite(xs[-1]):  # sorting puts NaN and +inf last
            raise ValueError("incomes contain NaN or infinite values: drop or impute them first")
        if xs[0] < 0:
            raise ValueError("incomes must be non-negative")
        if xs[-1] <= 0:
            raise ValueError("total income is zero: inequality measures are undefined")
        xs /= xs[-1]  # scale invariant; keeps the sums finite near 1e308
        n = xs.size
        return float(np.dot(2.0 * np.arange(1, n + 1) - n - 1.0, xs) / (n * xs.sum()))
    x, w = _validate(x, weights)
    order = np.argsort(x)  # equal incomes are interchangeable: G does not depend on tie order
    return float(_gini_sorted(x[order], w[order][None, :])[0])


def lorenz_curve(x, *, weights=None) -> pd.DataFrame:
    r"""Lorenz curve: cumulative population share against cumulative income share.

    Points :math:`(C_k/W, \sum_{i\le k} w_i x_{(i)} / \sum_i w_i x_i)` for incomes sorted
    ascending, starting at (0, 0) and ending at (1, 1). Between points the curve is linear,
    which spreads each unit's income evenly over its population weight.

    Returns
    -------
    DataFrame with columns ``population_share`` and ``income_share`` (n + 1 rows).
    """
    x, w = _validate(x, weights)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    population = np.concatenate([[0.0], np.cumsum(ws)]) / ws.sum()
    income = np.concatenate([[0.0], np.cumsum(ws * xs)]) / np.sum(ws * xs)
    return pd.DataFrame({"population_share": population, "income_share": income})


def _income_share_below(x, w, p: float) -> float:
    """Lorenz ordinate L(p): income share of the poorest fraction ``p`` (fractional unit at the cut)."""
    curve = lorenz_curve(x, weights=w)
    return float(np.interp(p, curve["population_share"], curve["income_share"]))


def _share_ratio(x, weights, top: float, bottom: float, name: str) -> float:
    """Income share of the richest ``top`` over that of the poorest ``bottom`` population share."""
    x, w = _validate(x, weights)
    poorest = _income_share_below(x, w, bottom)
    if poorest <= 0:
        raise ValueError(f"the poorest {bottom:.0%} have zero income: the {name} is infinite")
    return (1 - _income_share_below(x, w, 1 - top)) / poorest


def quintile_ratio(x, *, weights=None) -> float:
    r"""S80/S20 ratio: income share of the richest 20% over that of the poorest 20%.

    .. math:: S80/S20 = \frac{1 - L(0.8)}{L(0.2)}

    with :math:`L` the (linearly interpolated) Lorenz curve, so a unit straddling a quintile
    boundary contributes the fraction of its income that lies on each side. This is the
    "20:20 ratio" of Wilkinson & Pickett (2009), taken from the UNDP Human Development Report.

    References
    ----------
    Wilkinson R, Pickett K (2009) The Spirit Level, ch. 2. UNDP Human Development Report 2006.
    """
    return _share_ratio(x, weights, top=0.2, bottom=0.2, name="S80/S20 ratio")


def palma(x, *, weights=None) -> float:
    r"""Palma ratio: income share of the richest 10% over that of the poorest 40%.

    .. math:: \text{Palma} = \frac{1 - L(0.9)}{L(0.4)}

    References
    ----------
    Cobham A, Sumner A (2013) Is it all about the tails? CGD Working Paper 343.
    """
    return _share_ratio(x, weights, top=0.1, bottom=0.4, name="Palma ratio")


def theil(x, *, weights=None) -> float:
    r"""Theil T index (generalised entropy GE(1)).

    .. math:: T = \frac{1}{W}\sum_i w_i \frac{x_i}{\mu}\ln\frac{x_i}{\mu}

    Zero incomes contribute 0 (the limit of :math:`t\ln t` as :math:`t \to 0`). Ranges from 0
    to ln(W).

    References
    ----------
    Theil H (1967) Economics and Information Theory. Cowell (2011), section 3.3.
    """
    x, w = _validate(x, weights)
    s = x / (np.sum(w * x) / w.sum())
    terms = np.zeros_like(s)
    positive = s > 0
    terms[positive] = s[positive] * np.log(s[positive])
    return float(np.sum(w * terms) / w.sum())


def mean_log_deviation(x, *, weights=None) -> float:
    r"""Mean log deviation (Theil L, generalised entropy GE(0)).

    .. math:: L = \frac{1}{W}\sum_i w_i \ln\frac{\mu}{x_i}

    Requires strictly positive incomes.

    References
    ----------
    Cowell (2011), section 3.3.
    """
    x, w = _validate(x, weights, positive=True)
    mu = np.sum(w * x) / w.sum()
    return float(np.sum(w * np.log(mu / x)) / w.sum())


def atkinson(x, *, epsilon: float = 1.0, weights=None) -> float:
    r"""Atkinson index with inequality aversion :math:`\varepsilon \ge 0`.

    .. math:: A_\varepsilon = 1 - \frac{1}{\mu}\Big(\frac{1}{W}\sum_i w_i
              x_i^{1-\varepsilon}\Big)^{1/(1-\varepsilon)},\qquad
              A_1 = 1 - \frac{\exp(\frac{1}{W}\sum_i w_i \ln x_i)}{\mu}.

    Incomes must be strictly positive when :math:`\varepsilon \ge 1` and non-negative otherwise.

    References
    ----------
    Atkinson AB (1970) On the measurement of inequality. J Econ Theory 2:244-263.
    """
    epsilon = check_finite("epsilon", epsilon)
    if epsilon < 0:
        raise ValueError(f"epsilon (inequality aversion) must be a finite number >= 0, got {epsilon}")
    x, w = _validate(x, weights, positive=epsilon >= 1)
    total_w = w.sum()
    mu = np.sum(w * x) / total_w
    if epsilon == 1:
        ede = np.exp(np.sum(w * np.log(x)) / total_w)
    elif epsilon < 1:  # incomes are at most 1 here (rescaled), so x^(1-eps) <= 1 cannot overflow
        ede = (np.sum(w * x ** (1 - epsilon)) / total_w) ** (1 / (1 - epsilon))
    else:  # log-space mean of (x/min)^(1-eps) <= 1: finite for any eps > 1
        from scipy.special import logsumexp

        low = x.min()
        with np.errstate(over="ignore"):  # -inf for huge eps is exact: those terms vanish
            log_mean = logsumexp((1 - epsilon) * np.log(x / low), b=w) - np.log(total_w)
        ede = low * np.exp(log_mean / (1 - epsilon))
    return float(1 - ede / mu)


@dataclass(frozen=True)
class GiniInterval:
    """Gini estimate with a bootstrap percentile confidence interval."""

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    n_boot: int
    level: float

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table of the estimate and its interval."""
        return pd.DataFrame([{"measure": "gini", **self.__dict__}])


def gini_ci(x, *, weights=None, n_boot: int = 2000, seed=None, level: float = 0.95) -> GiniInterval:
    r"""Gini coefficient with a nonparametric bootstrap percentile confidence interval.

    Units (with their weights) are resampled with replacement ``n_boot`` times, drawn as
    multinomial counts that multiply the weights (so incomes are sorted only once); the interval
    is the :math:`(1-\text{level})/2` and :math:`(1+\text{level})/2` quantiles of the
    bootstrap Ginis.

    References
    ----------
    Efron B, Tibshirani RJ (1993) An Introduction to the Bootstrap, ch. 13.
    Mills JA, Zandvakili S (1997) Statistical inference via bootstrapping for measures of
    inequality. J Appl Econometrics 12:133-150.
    """
    x, w = _validate(x, weights)
    n_boot = check_positive_int("n_boot", n_boot, minimum=100)
    level = check_level(level)
    if x.size < 2:
        raise ValueError("a bootstrap interval needs at least 2 observations")
    rng = random_generator(seed)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    estimates = np.empty(int(n_boot))
    chunk = max(1, 2_000_000 // x.size)  # bound the memory of the (chunk, n) count matrix
    for start in range(0, int(n_boot), chunk):
        rows = min(chunk, int(n_boot) - start)
        draws = rng.integers(0, x.size, size=(rows, x.size)) + x.size * np.arange(rows)[:, None]
        counts = np.bincount(draws.ravel(), minlength=rows * x.size).reshape(rows, x.size)
        with np.errstate(invalid="ignore", divide="ignore"):  # all-zero resamples give NaN
            estimates[start : start + len(counts)] = _gini_sorted(xs, counts * ws)
    low, high = np.nanquantile(estimates, [(1 - level) / 2, (1 + level) / 2])
    return GiniInterval(gini(x, weights=w), float(low), float(high), int(x.size), int(n_boot), level)
