"""How many degrees of separation a trait clusters over (Christakis & Fowler's "three degrees")."""

from __future__ import annotations

import pandas as pd

from kinship_research.methods.checks import check_alpha, require_columns


def significant_reach(
    table: pd.DataFrame, *, alpha: float = 0.05, by: tuple[str, ...] = ("network", "wave", "trait")
) -> pd.DataFrame:
    """The number of consecutive distances, starting at 1, at which clustering is significant.

    For each group of ``by`` in a :func:`~kinship_research.networks.distance_clustering.distance_clustering`
    table (stacked over networks, waves and traits), the reach is the largest d such that the
    permutation p-values at distances 1..d are all below ``alpha`` (0 when distance 1 is not):
    Christakis & Fowler (2013, Stat Med 32:556-577) read clustering "up to three degrees" this way.
    Returns one row per group: the ``by`` columns, ``degrees``, ``alpha`` and ``max_distance``.
    """
    alpha = check_alpha(alpha)
    require_columns(table, [*by, "distance", "p_value"], "table")
    rows = []
    for key, group in table.groupby(list(by), sort=False):
        ordered = group.sort_values("distance")
        consecutive = (ordered["distance"].to_numpy() == range(1, len(ordered) + 1)).all()
        if not consecutive:
            raise ValueError(f"{dict(zip(by, key))}: distances must run 1, 2, ... without gaps")
        degrees = int(ordered["p_value"].lt(alpha).cumprod().sum())
        rows.append(
            {**dict(zip(by, key)), "degrees": degrees, "alpha": alpha, "max_distance": int(ordered["distance"].max())}
        )
    return pd.DataFrame(rows)
