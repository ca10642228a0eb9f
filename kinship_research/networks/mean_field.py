"""Equilibrium prevalence of SIS/SISa contagion: mean-field and pair approximation.

Rates as in :func:`kinship_research.networks.simulate.simulate`: S -> I at rate
alpha + beta k (k infected neighbours), I -> S at rate gamma; alpha = 0 gives SIS.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

__all__ = ["sisa_mean_field_prevalence", "sisa_pair_approximation_prevalence"]


def _check(beta: float, gamma: float, alpha: float, degree: float, minimum_degree: float):
    for name, value in (("beta", beta), ("gamma", gamma), ("alpha", alpha)):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if gamma == 0 and alpha == 0 and beta == 0:
        raise ValueError("at least one of beta, gamma, alpha must be positive")
    if not np.isfinite(degree) or degree < minimum_degree:
        raise ValueError(f"degree must be a finite number >= {minimum_degree}, got {degree!r}")


def sisa_mean_field_prevalence(beta: float, gamma: float, alpha: float = 0.0,
                               mean_degree: float = 1.0) -> float:
    """Stable fixed point i* of the well-mixed SISa equation.

    di/dt = (alpha + beta k i)(1 - i) - gamma i  (Hill et al. 2010, eq. 1 with contact
    number k), whose root in [0, 1] is

        i* = [(beta k - alpha - gamma) + sqrt((beta k - alpha - gamma)^2 + 4 beta k alpha)]
             / (2 beta k);

    for alpha = 0 this is max(0, 1 - gamma / (beta k)) (SIS), for beta = 0 it is
    alpha / (alpha + gamma). Exact for the complete graph as n -> infinity (k = n - 1).

    References
    ----------
    Hill AL, Rand DG, Nowak MA, Christakis NA (2010) PLoS Comput Biol 6(11):e1000968.
    """
    _check(beta, gamma, alpha, mean_degree, 0.0)
    b = beta * mean_degree
    if b == 0:
        return alpha / (alpha + gamma)
    linear = b - alpha - gamma
    return float((linear + np.sqrt(linear * linear + 4 * b * alpha)) / (2 * b))


def sisa_pair_approximation_prevalence(beta: float, gamma: float, alpha: float = 0.0,
                                       degree: int = 3) -> float:
    """Equilibrium prevalence of SISa on a random k-regular graph by pair approximation.

    With i the prevalence and q = [SI] / (k [S]) the chance that a neighbour of a
    susceptible is infected, closing triples as [SSI] = (k - 1)[SS][SI] / (k [S]), the
    steady state of d[I]/dt and d[II]/dt satisfies

        (1 - i)(alpha + beta k q) = gamma i,
        (1 - i) q (alpha + beta + beta (k - 1) q) = gamma (i - (1 - i) q),

    solved for q in (0, 1] by Brent's method after eliminating i = (alpha + beta k q) /
    (alpha + beta k q + gamma). For alpha = 0 this gives the SIS result q = 1 - gamma /
    (beta (k - 1)) above the threshold beta (k - 1) > gamma, and 0 below it.

    References
    ----------
    Keeling MJ (1999) Proc R Soc B 266:859-867; Kiss IZ, Miller JC, Simon PL (2017)
    Mathematics of Epidemics on Networks, ch. 4.
    """
    _check(beta, gamma, alpha, degree, 2)
    k = float(degree)

    def prevalence(q):
        force = alpha + beta * k * q
        return force / (force + gamma) if force + gamma > 0 else 0.0

    if alpha == 0:
        if gamma == 0:
            return 1.0
        q = 1 - gamma / (beta * (k - 1)) if beta > 0 else 0.0
        return float(prevalence(q)) if q > 0 else 0.0
    if gamma == 0:
        return 1.0

    def balance(q):
        i = prevalence(q)
        return (1 - i) * q * (alpha + beta + beta * (k - 1) * q) - gamma * (i - (1 - i) * q)

    q = optimize.brentq(balance, 0.0, 1.0, xtol=1e-14)
    return float(prevalence(q))
