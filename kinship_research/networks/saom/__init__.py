"""Stochastic actor-oriented models (SAOM) of network dynamics, estimated as RSiena does.

Between consecutive waves each actor gets opportunities to change one outgoing tie at rate
``rho_m`` (period ``m``); an opportunity is used by a multinomial-logit choice among toggling one
tie or doing nothing, with objective function ``f_i(x) = sum_k beta_k s_ik(x)`` (Snijders 2001,
Sociological Methodology 31:361-395; Snijders, van de Bunt & Steglich 2010, Social Networks
32:44-60). Parameters are estimated by the method of moments with Robbins-Monro stochastic
approximation, conditional on the observed number of changes per period (RSiena's default).

With a behaviour variable, actors also get opportunities to move their behaviour one step up or
down (network-behaviour co-evolution; Snijders, Steglich & Schweinberger 2007; Steglich, Snijders
& Pearson 2010): selection effects (similarity, ego, alter on the behaviour) in the network
objective function, influence effects (average alter, average or total similarity) in the
behaviour objective function, estimated jointly (unconditional method of moments, RSiena's default
for co-evolution).

Modules: :mod:`.effects` (statistics and change contributions), :mod:`.simulation` (the numba
micro-step simulator), :mod:`.estimation` (phases 1-3, delta-method standard errors),
:mod:`.results` (the results object), :mod:`.panel` (data from a LongitudinalNetwork, composition
change), :mod:`.interpretation` (ego-alter selection and influence tables) and :mod:`.reference`
(published RSiena results).
"""

from __future__ import annotations

from kinship_research.networks.saom.effects import BEHAVIOUR_EFFECTS, EFFECTS, Behaviour, Effect, SaomData, saom_data
from kinship_research.networks.saom.estimation import estimate_saom
from kinship_research.networks.saom.interpretation import influence_table, selection_table
from kinship_research.networks.saom.panel import SAMPLES, from_longitudinal
from kinship_research.networks.saom.results import SaomResult
from kinship_research.networks.saom.simulation import simulate_coevolution, simulate_network_period

__all__ = [
    "BEHAVIOUR_EFFECTS",
    "EFFECTS",
    "Behaviour",
    "Effect",
    "SAMPLES",
    "SaomData",
    "SaomResult",
    "estimate_saom",
    "from_longitudinal",
    "influence_table",
    "saom_data",
    "selection_table",
    "simulate_coevolution",
    "simulate_network_period",
]
