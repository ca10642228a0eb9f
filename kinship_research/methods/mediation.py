"""Linear mediation by the product of coefficients with a case-resampling bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinship_research.methods.checks import (
    check_choice,
    check_level,
    check_positive_int,
    random_generator,
    require_columns,
)

CI_METHODS = ("BCa", "percentile")


def _ols_batch(design: np.ndarray, response: np.ndarray) -> np.ndarray:
    """OLS coefficients for a batch of designs (..., n, p) and responses (..., n)."""
    xtx = np.einsum("...ni,...nj->...ij", design, design)
    xty = np.einsum("...ni,...n->...i", design, response)
    return np.linalg.solve(xtx, xty[..., None])[..., 0]


def _mediation_paths(x, m, y, covariates, idx) -> np.ndarray:
    """a, b, indirect a·b, direct c', total c for row indices ``idx`` (..., n)."""
    ones = np.ones(idx.shape + (1,))
    xs, ms, ys, cs = x[idx][..., None], m[idx], y[idx], covariates[idx]
    design_a = np.concatenate([ones, xs, cs], axis=-1)
    design_b = np.concatenate([ones, xs, ms[..., None], cs], axis=-1)
    a = _ols_batch(design_a, ms)[..., 1]
    coef_b = _ols_batch(design_b, ys)
    direct, b = coef_b[..., 1], coef_b[..., 2]
    total = _ols_batch(design_a, ys)[..., 1]
    return np.stack([a, b, a * b, direct, total])


@dataclass(frozen=True)
class MediationResult:
    """Product-of-coefficients mediation with bootstrap CIs; ``to_frame()`` is tidy."""

    exposure: str
    mediator: str
    outcome: str
    covariates: tuple[str, ...]
    estimates: dict
    ci_low: dict
    ci_high: dict
    std_error: dict
    n: int
    n_boot: int
    ci_method: str
    level: float
    seed: int | None

    @property
    def indirect(self) -> float:
        return self.estimates["indirect (a*b)"]

    def to_frame(self) -> pd.DataFrame:
        """One row per path: a, b, indirect (a*b), direct (c'), total (c)."""
        return pd.DataFrame(
            [
                {
                    "path": k,
                    "estimate": v,
                    "std_error": self.std_error[k],
                    "ci_low": self.ci_low[k],
                    "ci_high": self.ci_high[k],
                    "n": self.n,
                    "n_boot": self.n_boot,
                    "ci_method": self.ci_method,
                    "level": self.level,
                }
                for k, v in self.estimates.items()
            ]
        )


PATHS = ("a (exposure -> mediator)", "b (mediator -> outcome | exposure)", "indirect (a*b)", "direct (c')", "total (c)")


def mediation(
    data: pd.DataFrame,
    exposure: str,
    mediator: str,
    outcome: str,
    *,
    covariates=(),
    n_boot: int = 2000,
    ci_method: str = "BCa",
    level: float = 0.95,
    seed: int | None = 0,
) -> MediationResult:
    """Linear mediation X → M → Y by the product of coefficients with a case-resampling bootstrap.

    Two OLS regressions on the complete cases (Baron & Kenny 1986):

    .. math:: M = i_1 + a X + \\gamma_1^\\top C + e_1,\\qquad
              Y = i_2 + c' X + b M + \\gamma_2^\\top C + e_2,

    indirect effect :math:`a b`, direct effect :math:`c'`, total effect :math:`c = c' + a b`
    (an identity for OLS with the same cases). CIs resample cases ``n_boot`` times
    (``scipy.stats.bootstrap``, percentile or BCa; Preacher & Hayes 2008), seeded.

    This is a decomposition of cross-sectional associations, not a causal estimate: reading
    :math:`ab` as the effect of X that runs through M needs no unmeasured X–M, M–Y and X–Y
    confounding and no M–Y confounder affected by X (VanderWeele 2015), none of which a
    country cross-section can secure; the direction M → Y is itself assumed.

    Parameters
    ----------
    data
        One row per unit (e.g. country).
    exposure, mediator, outcome, covariates
        Numeric column names.
    n_boot
        Bootstrap resamples (≥ 100).
    ci_method
        "BCa" or "percentile".
    seed
        Seed of ``numpy.random.default_rng``.

    References
    ----------
    Baron RM, Kenny DA (1986) J Pers Soc Psychol 51:1173-1182. Preacher KJ, Hayes AF (2008) Behav
    Res Methods 40:879-891. VanderWeele TJ (2015) Explanation in Causal Inference. OUP.
    Kawachi I, Kennedy BP, Lochner K, Prothrow-Stith D (1997) Social capital, income inequality,
    and mortality. Am J Public Health 87:1491-1498.
    """
    import scipy.stats as stats

    covariates = tuple(covariates)
    names = [exposure, mediator, outcome, *covariates]
    require_columns(data, names, "data")
    if len(set(names)) != len(names):
        raise ValueError(f"exposure, mediator, outcome and covariates must differ: {names}")
    check_choice("ci_method", ci_method, CI_METHODS)
    check_positive_int("n_boot", n_boot, minimum=100)
    level = check_level(level)
    complete = data[names].apply(pd.to_numeric, errors="raise").dropna()
    n = len(complete)
    if n < len(covariates) + 6:
        raise ValueError(f"too few complete cases ({n}) for mediation with {len(covariates)} covariates")
    x = complete[exposure].to_numpy(float)
    m = complete[mediator].to_numpy(float)
    y = complete[outcome].to_numpy(float)
    c = complete[list(covariates)].to_numpy(float).reshape(n, len(covariates))

    def statistic(idx, axis=-1):
        return _mediation_paths(x, m, y, c, np.asarray(idx))

    point = statistic(np.arange(n))
    boot = stats.bootstrap(
        (np.arange(n),),
        statistic,
        vectorized=True,
        n_resamples=n_boot,
        method=ci_method,
        confidence_level=level,
        rng=random_generator(seed),
    )
    ci = boot.confidence_interval
    return MediationResult(
        exposure,
        mediator,
        outcome,
        covariates,
        estimates=dict(zip(PATHS, map(float, point))),
        ci_low=dict(zip(PATHS, map(float, ci.low))),
        ci_high=dict(zip(PATHS, map(float, ci.high))),
        std_error=dict(zip(PATHS, map(float, boot.standard_error))),
        n=n,
        n_boot=n_boot,
        ci_method=ci_method,
        level=level,
        seed=seed,
    )
