"""Social-network statistics and simulations.

Distance clustering of traits (Christakis & Fowler style, with exact permutation nulls) and
fast contagion simulators (SIS, SIR, SISa, threshold) with their mean-field theory.
"""

from kinship_research.networks.distance_clustering import distance_clustering, distance_shells
from kinship_research.networks.mean_field import (
    sisa_mean_field_prevalence,
    sisa_pair_approximation_prevalence,
)
from kinship_research.networks.simulate import equilibrium_prevalence, simulate

__all__ = [
    "distance_clustering",
    "distance_shells",
    "equilibrium_prevalence",
    "simulate",
    "sisa_mean_field_prevalence",
    "sisa_pair_approximation_prevalence",
]
