"""Similarity of friends: the correlation of a trait across ties, with a node-jackknife interval."""

from __future__ import annotations

import numpy as np

from kinship_research.methods.checks import as_float_array, check_level


def _pearson_from_sums(n, sx, sy, sxx, syy, sxy):
    cov = sxy - sx * sy / n
    var = (sxx - sx * sx / n) * (syy - sy * sy / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.sqrt(var)


def tie_correlation(values, ego, alter, *, level: float = 0.95) -> dict:
    r"""Pearson correlation of ``values[ego]`` with ``values[alter]`` over the given ties.

    Each directed tie (ego, alter) is one pair, so with both directions of every symmetric tie this
    is Newman's (2003) numeric assortativity coefficient. Ties sharing a node are not independent,
    so the interval is not Fisher's: it is the node jackknife of Snijders & Borgatti (1999), which
    deletes one node with all its ties at a time,
    :math:`\widehat{se}^2 = \frac{m-1}{m}\sum_i (\hat r_{(i)} - \bar r_{(\cdot)})^2` over the m
    nodes with ties, and the interval :math:`\hat r \pm z_{(1+\mathrm{level})/2}\,\widehat{se}`
    (clipped to [-1, 1]). Ties with a missing value at either end are dropped. Returns estimate,
    std_error, ci_low, ci_high, n_ties, n_nodes, level.

    References
    ----------
    Newman MEJ (2003) Mixing patterns in networks. Phys Rev E 67:026126.
    Snijders TAB, Borgatti SP (1999) Non-parametric standard errors and tests for network
    statistics. Connections 22:161-170.
    """
    from scipy import stats

    values = as_float_array("values", values)
    ego, alter = as_float_array("ego", ego), as_float_array("alter", alter)
    level = check_level(level)
    if (
        ego.shape != alter.shape
        or not (np.isfinite(ego).all() and np.isfinite(alter).all())
        or (ego != np.round(ego)).any()
        or (alter != np.round(alter)).any()
    ):
        raise ValueError("ego and alter must be 1-d integer index arrays of the same length")
    ego, alter = ego.astype(np.int64), alter.astype(np.int64)
    if ego.size and (min(ego.min(), alter.min()) < 0 or max(ego.max(), alter.max()) >= values.size):
        raise ValueError(f"tie indices must lie in 0..{values.size - 1}")
    if (ego == alter).any():
        raise ValueError("self-ties (ego == alter) are not allowed")
    keep = np.isfinite(values[ego]) & np.isfinite(values[alter])
    ego, alter = ego[keep], alter[keep]
    x, y = values[ego], values[alter]
    terms = np.stack([np.ones_like(x), x, y, x * x, y * y, x * y])
    total = terms.sum(axis=1)
    estimate = float(_pearson_from_sums(*total))
    if not np.isfinite(estimate):
        raise ValueError("the trait is constant across the ties, so its correlation is undefined")
    nodes = np.unique(np.concatenate([ego, alter]))
    if nodes.size < 3:
        raise ValueError(f"need ties among at least 3 nodes with known values, got {nodes.size}")
    size = values.size
    touching = np.stack([np.bincount(ego, t, size) + np.bincount(alter, t, size) for t in terms])[:, nodes]
    deleted = _pearson_from_sums(*(total[:, None] - touching))
    deleted = deleted[np.isfinite(deleted)]
    m = deleted.size
    se = float(np.sqrt((m - 1) / m * ((deleted - deleted.mean()) ** 2).sum()))
    half = stats.norm.ppf((1 + level) / 2) * se
    return {
        "estimate": estimate,
        "std_error": se,
        "ci_low": max(-1.0, estimate - half),
        "ci_high": min(1.0, estimate + half),
        "n_ties": int(ego.size),
        "n_nodes": int(nodes.size),
        "level": level,
    }
