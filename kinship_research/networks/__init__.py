"""Social-network statistics and simulations.

Distance clustering of traits (Christakis & Fowler style, with exact permutation nulls) and
fast contagion simulators (SIS, SIR, SISa, threshold) with their mean-field theory;
longitudinal friendship networks, Christakis-Fowler induction models and the critics' checks.

Names are imported from their modules on first use, so ``import kinship_research.networks``
stays cheap and a notebook pays only for what it calls.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "critics": (
        "confounder_bias_table",
        "contagion_detection_study",
        "e_value",
        "ego_fixed_effects",
        "lagged_alter_test",
        "placebo_permutations",
        "saom_rejection_rates",
        "shuffle_test",
        "simulate_homophily_contagion",
    ),
    "distance_clustering": ("distance_clustering", "distance_shells"),
    "induction": ("InductionResult", "fit_induction", "induction_panel"),
    "longitudinal": ("LongitudinalNetwork", "tie_view"),
    "mean_field": ("sisa_mean_field_prevalence", "sisa_mean_field_trajectory", "sisa_pair_approximation_prevalence"),
    "simulate": ("equilibrium_prevalence", "equilibrium_sweep", "replicate", "simulate"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
