"""Equilibrium prevalence of SIS/SISa contagion: mean-field and pair approximation.

Rates as in :func:`kinship_research.networks.simulate.simulate`: S -> I at rate
adoption + beta k (k infected neighbours), I -> S at rate gamma; adoption = 0 gives SIS.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, optimize

from kinship_research.methods.checks import check_finite

__all__ = ["sisa_mean_field_prevalence", "sisa_mean_field_trajectory", "sisa_pair_approximation_prevalence"]


MAX_RATE = 1e150
"""Rates above this overflow the closed forms (products of rates and degrees are squared)."""


def _check(beta: float, gamma: float, adoption: float, degree: float, minimum_degree: float):
    for name, value in (("beta", beta), ("gamma", gamma), ("adoption", adoption), ("degree", degree)):
        value = check_finite(name, value)
        if not 0 <= value <= MAX_RATE:
            raise ValueError(f"{name} must be a number in [0, {MAX_RATE:g}], got {value!r}")
    if gamma == 0 and adoption == 0 and beta == 0:
        raise ValueError("at least one of beta, gamma, adoption must be positive")
    if degree < minimum_degree:
        raise ValueError(f"degree must be a finite number >= {minimum_degree}, got {degree!r}")


def sisa_mean_field_prevalence(beta: float, gamma: float, adoption: float = 0.0, mean_degree: float = 1.0) -> float:
    """Stable fixed point i* of the well-mixed SISa equation.

    di/dt = (adoption + beta k i)(1 - i) - gamma i  (Hill et al. 2010, eq. 1 with contact
    number k), whose root in [0, 1] is

        i* = [(beta k - adoption - gamma) + sqrt((beta k - adoption - gamma)^2 + 4 beta k adoption)]
             / (2 beta k);

    for adoption = 0 this is max(0, 1 - gamma / (beta k)) (SIS), for beta = 0 it is
    adoption / (adoption + gamma). Exact for the complete graph as n -> infinity (k = n - 1).

    References
    ----------
    Hill AL, Rand DG, Nowak MA, Christakis NA (2010) PLoS Comput Biol 6(11):e1000968.
    """
    _check(beta, gamma, adoption, mean_degree, 0.0)
    b = beta * mean_degree
    if b == 0:
        return adoption / (adoption + gamma)
    linear = b - adoption - gamma
    return float((linear + np.sqrt(linear * linear + 4 * b * adoption)) / (2 * b))


def sisa_pair_approximation_prevalence(beta: float, gamma: float, adoption: float = 0.0, degree: int = 3) -> float:
    """Equilibrium prevalence of SISa on a random k-regular graph by pair approximation.

    With i the prevalence and q = [SI] / (k [S]) the chance that a neighbour of a
    susceptible is infected, closing triples as [SSI] = (k - 1)[SS][SI] / (k [S]), the
    steady state of d[I]/dt and d[II]/dt satisfies

        (1 - i)(adoption + beta k q) = gamma i,
        (1 - i) q (adoption + beta + beta (k - 1) q) = gamma (i - (1 - i) q),

    solved for q in (0, 1] by Brent's method after eliminating i = (adoption + beta k q) /
    (adoption + beta k q + gamma). For adoption = 0 this gives the SIS result q = 1 - gamma /
    (beta (k - 1)) above the threshold beta (k - 1) > gamma, and 0 below it.

    References
    ----------
    Keeling MJ (1999) Proc R Soc B 266:859-867; Kiss IZ, Miller JC, Simon PL (2017)
    Mathematics of Epidemics on Networks, ch. 4.
    """
    _check(beta, gamma, adoption, degree, 2)
    k = float(degree)

    def prevalence(q):
        force = adoption + beta * k * q
        return force / (force + gamma) if force + gamma > 0 else 0.0

    if adoption == 0:
        if gamma == 0:
            return 1.0
        q = 1 - gamma / (beta * (k - 1)) if beta > 0 else 0.0
        return float(prevalence(q)) if q > 0 else 0.0
    if gamma == 0:
        return 1.0

    def balance(q):
        i = prevalence(q)
        return (1 - i) * q * (adoption + beta + beta * (k - 1) * q) - gamma * (i - (1 - i) * q)

    q = optimize.brentq(balance, 0.0, 1.0, xtol=1e-14)
    return float(prevalence(q))


def sisa_mean_field_trajectory(
    beta: float, gamma: float, adoption: float, mean_degree: float, initial: float, times
) -> np.ndarray:
    """Solution i(t) of the well-mixed SISa equation di/dt = (adoption + beta k i)(1 - i) - gamma i.

    Integrated numerically (scipy solve_ivp, LSODA, rtol 1e-8) from i(0) = ``initial`` and
    evaluated at ``times`` (increasing, starting at 0 or later).
    """
    _check(beta, gamma, adoption, mean_degree, 0.0)
    if not 0 <= initial <= 1:
        raise ValueError(f"initial prevalence must be in [0, 1], got {initial!r}")
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or len(times) == 0 or np.any(np.diff(times) < 0) or times[0] < 0:
        raise ValueError("times must be a non-empty increasing sequence of values >= 0")
    b = beta * mean_degree
    solution = integrate.solve_ivp(
        lambda _, i: (adoption + b * i) * (1 - i) - gamma * i,
        (0.0, float(times[-1])),
        [float(initial)],
        t_eval=times,
        method="LSODA",
        rtol=1e-8,
        atol=1e-10,
    )
    return solution.y[0]
