"""What estimated selection and influence parameters mean: RSiena's ego-alter tables.

Selection (network objective function; the RSiena manual's "ego-alter selection tables"):
the contribution of a tie from an ego with behaviour ``z_i`` to an alter with ``z_j`` is
``beta_ego (z_i - m) + beta_alter (z_j - m) + beta_sim (sim_ij - s_bar) + beta_same I{z_i = z_j}``,
``sim_ij = 1 - |z_i - z_j| / range``. Influence (behaviour objective function, "ego-alter influence tables"): for an ego
whose alters all have behaviour ``a``, the objective of the ego's own value ``z`` is
``gamma_linear (z - m) + gamma_quadratic (z - m)^2 + gamma_avAlt (z - m)(a - m)`` plus, for
``average_similarity``, ``gamma_avSim (1 - |z - a| / range - s_bar)`` and, for
``total_similarity``, the same times the number of alters (taken as 1). ``m`` is the behaviour's
centring mean and ``s_bar`` its similarity mean. Differences between rows of the same alter value
are log-odds of the ego's choice between those values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinship_research.networks.saom.results import SaomResult


def _scale(result: SaomResult) -> tuple[str, np.ndarray, float, float, float]:
    if result.behaviour_scale is None:
        raise ValueError("the result has no behaviour (estimate_saom on data with a behaviour)")
    behaviours = [v for v in dict.fromkeys(result.variables) if v != "network"]
    low, high, mean, sim_mean = result.behaviour_scale
    return behaviours[0], np.arange(low, high + 1), mean, sim_mean, high - low


def _coefficient(result: SaomResult, label: str) -> float:
    return result[label][0] if label in result.effects else 0.0


def selection_table(result: SaomResult) -> pd.DataFrame:
    """Network objective contribution of a tie, one row per (ego value, alter value)."""
    name, levels, mean, sim_mean, spread = _scale(result)
    ego, alter, similarity = (_coefficient(result, f"{name} {kind}") for kind in ("ego", "alter", "similarity"))
    same = _coefficient(result, f"same {name}")
    z_ego, z_alter = np.meshgrid(levels, levels, indexing="ij")
    objective = (
        ego * (z_ego - mean)
        + alter * (z_alter - mean)
        + similarity * (1 - np.abs(z_ego - z_alter) / spread - sim_mean)
        + same * (z_ego == z_alter)
    )
    return pd.DataFrame({"ego": z_ego.ravel(), "alter": z_alter.ravel(), "objective": objective.ravel()})


def influence_table(result: SaomResult) -> pd.DataFrame:
    """Behaviour objective of the ego's value, one row per (value of all alters, ego value)."""
    name, levels, mean, sim_mean, spread = _scale(result)
    linear, quadratic = _coefficient(result, f"{name} linear shape"), _coefficient(result, f"{name} quadratic shape")
    average_alter = _coefficient(result, f"{name} average alter")
    similarity = _coefficient(result, f"{name} average similarity") + _coefficient(result, f"{name} total similarity")
    z_alter, z_ego = np.meshgrid(levels, levels, indexing="ij")
    objective = (
        linear * (z_ego - mean)
        + quadratic * (z_ego - mean) ** 2
        + average_alter * (z_ego - mean) * (z_alter - mean)
        + similarity * (1 - np.abs(z_ego - z_alter) / spread - sim_mean)
    )
    return pd.DataFrame({"alter": z_alter.ravel(), "ego": z_ego.ravel(), "objective": objective.ravel()})
