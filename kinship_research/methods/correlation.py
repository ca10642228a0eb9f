r"""Correlation coefficients with Fisher-z confidence intervals.

The interval is :math:`\tanh(\operatorname{artanh} r \pm z_{(1+\mathrm{level})/2}\,\mathrm{se})`
with :math:`\mathrm{se} = 1/\sqrt{n-3}` (Pearson) or Bonett & Wright's
:math:`\sqrt{(1+r^2/2)/(n-3)}` (Spearman); p-values are scipy's ``pearsonr``/``spearmanr``.

References
----------
Fisher RA (1921) Metron 1:3-32. Bonett DG, Wright TA (2000) Psychometrika 65:23-28.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinship_research.methods.checks import as_float_array, check_choice, check_level, require_columns

CORRELATIONS = ("pearson", "spearman")


def paired_correlation(x, y, *, correlation: str = "pearson", level: float = 0.95) -> dict:
    """r, Fisher-z CI (ci_low, ci_high), p_value and n of two paired arrays (no missing values).

    Raises ValueError with fewer than 4 pairs or when either variable is constant.
    """
    from scipy import stats

    check_choice("correlation", correlation, CORRELATIONS)
    level = check_level(level)
    x, y = as_float_array("x", x), as_float_array("y", y)
    if x.size != y.size:
        raise ValueError(f"x and y must be paired: got {x.size} and {y.size} values")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite: drop pairs with NaN or infinite values first")
    n = x.size
    if n < 4:
        raise ValueError(f"too few complete pairs ({n}); a correlation CI needs at least 4")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise ValueError("a variable is constant, so its correlation is undefined")
    if correlation == "pearson":
        r, p = stats.pearsonr(x, y)
        se = 1 / np.sqrt(n - 3)
    else:
        r, p = stats.spearmanr(x, y)
        se = np.sqrt((1 + r**2 / 2) / (n - 3))
    half = stats.norm.ppf((1 + level) / 2) * se
    z = np.arctanh(np.clip(r, -1 + 1e-15, 1 - 1e-15))
    return {
        "r": float(r),
        "ci_low": float(np.tanh(z - half)),
        "ci_high": float(np.tanh(z + half)),
        "p_value": float(p),
        "n": int(n),
    }


def correlate(df: pd.DataFrame, x: str, ys, *, correlation: str = "pearson", level: float = 0.95) -> pd.DataFrame:
    """Correlation of column ``x`` with each column in ``ys`` (pairwise-complete rows).

    Returns one row per outcome: x, outcome, method, r, ci_low, ci_high, p_value, n.
    """
    if not isinstance(ys, (str, list, tuple, pd.Index)):
        raise TypeError(f"ys must be a column name or a list of column names, got {type(ys).__name__}")
    ys = [ys] if isinstance(ys, str) else list(ys)
    require_columns(df, [x, *ys], numeric=True)
    rows = []
    for y in ys:
        pair = df[[x, y]].dropna()
        try:
            result = paired_correlation(pair[x], pair[y], correlation=correlation, level=level)
        except ValueError as err:
            raise ValueError(f"{x} vs {y}: {err}") from None
        rows.append({"x": x, "outcome": y, "method": correlation, **result})
    return pd.DataFrame(rows)


def association(data: pd.DataFrame, x: str, y: str, *, level: float = 0.95) -> pd.DataFrame:
    """Pearson correlation (Fisher-z CI) and OLS slope (t CI) of ``y`` on ``x``, complete cases.

    Slope :math:`b = r\\, s_y/s_x` with the classical OLS standard error. Returns one row with x, y,
    n, r, r_ci_low, r_ci_high, slope, slope_ci_low, slope_ci_high, p_value.
    """
    from scipy import stats

    require_columns(data, [x, y], numeric=True)
    pair = data[[x, y]].dropna()
    r = paired_correlation(pair[x], pair[y], level=level)
    fit = stats.linregress(pair[x], pair[y])
    t = stats.t.ppf(0.5 + level / 2, r["n"] - 2)
    return pd.DataFrame(
        [
            {
                "x": x,
                "y": y,
                "n": r["n"],
                "r": r["r"],
                "r_ci_low": r["ci_low"],
                "r_ci_high": r["ci_high"],
                "slope": fit.slope,
                "slope_ci_low": fit.slope - t * fit.stderr,
                "slope_ci_high": fit.slope + t * fit.stderr,
                "p_value": r["p_value"],
            }
        ]
    )
