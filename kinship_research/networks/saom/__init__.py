"""Stochastic actor-oriented models (SAOM) of network dynamics, estimated as RSiena does.

Between consecutive waves each actor gets opportunities to change one outgoing tie at rate
``rho_m`` (period ``m``); an opportunity is used by a multinomial-logit choice among toggling one
tie or doing nothing, with objective function ``f_i(x) = sum_k beta_k s_ik(x)`` (Snijders 2001,
Sociological Methodology 31:361-395; Snijders, van de Bunt & Steglich 2010, Social Networks
32:44-60). Parameters are estimated by the method of moments with Robbins-Monro stochastic
approximation, conditional on the observed number of changes per period (RSiena's default).

Modules: :mod:`.effects` (statistics and change contributions), :mod:`.simulation` (the numba
micro-step simulator), :mod:`.estimation` (phases 1-3, delta-method standard errors) and
:mod:`.results` (the results object).
"""

from __future__ import annotations

from kinship_research.networks.saom.effects import BEHAVIOUR_EFFECTS, EFFECTS, Behaviour, Effect, SaomData, saom_data
from kinship_research.networks.saom.estimation import estimate_saom
from kinship_research.networks.saom.results import SaomResult
from kinship_research.networks.saom.simulation import simulate_coevolution, simulate_network_period

__all__ = [
    "BEHAVIOUR_EFFECTS",
    "EFFECTS",
    "Behaviour",
    "Effect",
    "SaomData",
    "SaomResult",
    "estimate_saom",
    "saom_data",
    "simulate_coevolution",
    "simulate_network_period",
]
