"""Social-network statistics and simulations.

Distance clustering of traits (Christakis & Fowler style, with exact permutation nulls) and
fast contagion simulators (SIS, SIR, SISa, threshold) with their mean-field theory;
longitudinal friendship networks, Christakis-Fowler induction models and the critics' checks.
"""

from kinship_research.networks.critics import (
    confounder_bias_table,
    contagion_detection_study,
    e_value,
    ego_fixed_effects,
    lagged_alter_test,
    placebo_permutations,
    shuffle_test,
    simulate_homophily_contagion,
)
from kinship_research.networks.distance_clustering import distance_clustering, distance_shells
from kinship_research.networks.induction import InductionResult, fit_induction, induction_panel
from kinship_research.networks.longitudinal import LongitudinalNetwork, tie_view
from kinship_research.networks.mean_field import (
    sisa_mean_field_prevalence,
    sisa_mean_field_trajectory,
    sisa_pair_approximation_prevalence,
)
from kinship_research.networks.simulate import (
    equilibrium_prevalence,
    equilibrium_sweep,
    replicate,
    simulate,
)

__all__ = [
    "InductionResult",
    "LongitudinalNetwork",
    "confounder_bias_table",
    "contagion_detection_study",
    "distance_clustering",
    "distance_shells",
    "e_value",
    "ego_fixed_effects",
    "equilibrium_prevalence",
    "equilibrium_sweep",
    "fit_induction",
    "induction_panel",
    "lagged_alter_test",
    "placebo_permutations",
    "replicate",
    "shuffle_test",
    "simulate",
    "simulate_homophily_contagion",
    "sisa_mean_field_prevalence",
    "sisa_mean_field_trajectory",
    "sisa_pair_approximation_prevalence",
    "tie_view",
]
