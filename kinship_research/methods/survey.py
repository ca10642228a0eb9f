"""Survey-weighted descriptive statistics with design-based standard errors."""

from __future__ import annotations

import numpy as np

from kinship_research.methods.checks import check_level


def weighted_mean(x, weights, *, level: float = 0.95) -> dict:
    r"""Weighted (Hájek) mean :math:`\bar x_w = \sum w_i x_i / \sum w_i` with its linearisation
    standard error for a with-replacement design without strata or clusters,

    .. math:: \widehat{\mathrm{Var}}(\bar x_w) = \frac{n}{n-1}\,
              \frac{\sum_i w_i^2 (x_i - \bar x_w)^2}{(\sum_i w_i)^2},

    as R's ``survey::svymean`` computes for ``svydesign(ids = ~1, weights = ~w)``; normal-based
    interval. Rows where ``x`` or the weight is missing are dropped. Returns estimate, std_error,
    ci_low, ci_high, n.

    References
    ----------
    Lumley T (2010) Complex Surveys: A Guide to Analysis Using R. Wiley, ch. 2.
    """
    from scipy import stats

    level = check_level(level)
    x, w = np.asarray(x, dtype=float), np.asarray(weights, dtype=float)
    if x.shape != w.shape or x.ndim != 1:
        raise ValueError("x and weights must be 1-d arrays of the same length")
    keep = np.isfinite(x) & np.isfinite(w)
    x, w = x[keep], w[keep]
    if (w <= 0).any():
        raise ValueError("weights must be positive")
    n = x.size
    if n < 2:
        raise ValueError(f"need at least 2 observations with a value and a weight, got {n}")
    mean = float(np.sum(w * x) / np.sum(w))
    se = float(np.sqrt(n / (n - 1) * np.sum(w**2 * (x - mean) ** 2) / np.sum(w) ** 2))
    half = stats.norm.ppf((1 + level) / 2) * se
    return {"estimate": mean, "std_error": se, "ci_low": mean - half, "ci_high": mean + half, "n": n}
