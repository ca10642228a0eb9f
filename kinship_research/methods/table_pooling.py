"""Fixed-effect pooling of 2x2 tables: Mantel-Haenszel (OR, RR, RD) and Peto's one-step odds ratio.

Tables are ``ai``, ``bi`` (events, non-events in group 1), ``ci``, ``di`` (group 2), ``n1 = ai + bi``,
``n2 = ci + di``, ``N = n1 + n2``. The pooled estimate uses the raw counts (no zero-cell correction:
Mantel-Haenszel and Peto weights handle zero cells); double-zero tables add nothing to the OR, RR and
Peto sums but do enter the RD weights. The heterogeneity test uses study effects from
:func:`kinship_research.methods.effect_sizes.binary_effects` with ``add=1/2`` on tables with a zero cell
and double-zero tables dropped, so its ``q_df`` is (tables with an effect) - 1. This is metafor's
``rma.mh`` / ``rma.peto`` with their defaults (``add=c(1/2, 0), to=c("only0", "none"),
drop00=c(TRUE, FALSE)``); validated against metafor 3.8 in ``tests/fixtures/metafor/make_effect_sizes.R``.

References
----------
Mantel N, Haenszel W (1959) Statistical aspects of the analysis of data from retrospective studies of
disease. J Natl Cancer Inst 22:719-748.
Robins J, Breslow N, Greenland S (1986) Estimators of the Mantel-Haenszel variance consistent in both
sparse data and large-strata limiting models. Biometrics 42:311-323.
Greenland S, Robins JM (1985) Estimation of a common effect parameter from sparse follow-up data.
Biometrics 41:55-68.
Sato T (1989) On the variance estimator for the Mantel-Haenszel risk difference. Biometrics 45:1323-1324.
Breslow NE, Day NE (1980) Statistical Methods in Cancer Research I. IARC; Tarone RE (1985) On
heterogeneity tests based on efficient scores. Biometrika 72:91-95.
Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985) Beta blockade during and after myocardial
infarction. Prog Cardiovasc Dis 27:335-371.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinship_research.methods.checks import check_choice, check_level
from kinship_research.methods.effect_sizes import EffectSizes, binary_effects, check_tables

MH_MEASURES = ("OR", "RR", "RD")
"""Mantel-Haenszel measures: odds ratio, risk ratio (both pooled on the log scale), risk difference."""

NAN = float("nan")


@dataclass(frozen=True, eq=False)
class TablePoolingResult:
    """A pooled fixed effect from 2x2 tables.

    ``estimate``, ``ci_low``, ``ci_high`` are log OR / log RR (exponentiate for ratios) or the risk
    difference; ``statistic`` is the Wald z. ``k`` tables, ``q`` Cochran's heterogeneity statistic on
    ``q_df = k_effects - 1`` df, ``i2 = max(0, (q - q_df) / q)`` as a fraction, ``h2 = q / q_df``. For the
    Mantel-Haenszel OR also the Cochran-Mantel-Haenszel test of no association (``cmh``) and the
    Breslow-Day (``breslow_day``) and Tarone-corrected (``tarone``) tests of a common OR, on
    ``breslow_day_df`` df; NaN elsewhere. ``studies`` holds the study effects behind ``q``.
    """

    method: str
    measure: str
    k: int
    k_effects: int
    estimate: float
    std_error: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    level: float
    q: float
    q_df: int
    q_p_value: float
    i2: float
    h2: float
    cmh: float
    cmh_p_value: float
    breslow_day: float
    tarone: float
    breslow_day_df: int
    breslow_day_p_value: float
    tarone_p_value: float
    studies: EffectSizes

    def to_frame(self) -> pd.DataFrame:
        """One row: method, measure, k, estimate, std_error, statistic, p_value, ci_low, ci_high, q,
        q_df, q_p_value, i2, h2."""
        columns = (
            "method",
            "measure",
            "k",
            "estimate",
            "std_error",
            "statistic",
            "p_value",
            "ci_low",
            "ci_high",
            "q",
            "q_df",
            "q_p_value",
            "i2",
            "h2",
        )
        return pd.DataFrame([{c: getattr(self, c) for c in columns}])

    def summary(self) -> str:
        ratio = self.measure in ("OR", "RR")
        f = np.exp if ratio else float
        scale = self.measure if ratio else "risk difference"
        return (
            f"{self.method} {scale} over {self.k} tables: {f(self.estimate):.4f} "
            f"({self.level:.0%} CI {f(self.ci_low):.4f} to {f(self.ci_high):.4f}), z = {self.statistic:.3f}, "
            f"p = {self.p_value:.4g}; Q = {self.q:.3f} on {self.q_df} df (p = {self.q_p_value:.4g}), "
            f"I2 = {self.i2:.1%}"
        )


def _heterogeneity(q: float, k_effects: int) -> tuple[float, int, float, float, float]:
    """q, df, p, I2 (fraction), H2 as metafor: with fewer than two effects Q = 0, p = 1, I2 = 0, H2 = 1."""
    from scipy import stats

    if k_effects < 2:
        return 0.0, max(k_effects - 1, 0), 1.0, 0.0, 1.0
    df = k_effects - 1
    q = max(0.0, q)
    i2 = 0.0 if q <= df else (q - df) / q
    return q, df, float(stats.chi2.sf(q, df)), i2, q / df


def _result(method, measure, k, studies, estimate, se, level, q, k_effects, tests=None) -> TablePoolingResult:
    from scipy import stats

    crit = stats.norm.ppf((1 + level) / 2)
    z = estimate / se
    q, q_df, q_p, i2, h2 = _heterogeneity(q, k_effects)
    tests = tests or dict(
        cmh=NAN,
        cmh_p_value=NAN,
        breslow_day=NAN,
        tarone=NAN,
        breslow_day_df=0,
        breslow_day_p_value=NAN,
        tarone_p_value=NAN,
    )
    return TablePoolingResult(
        method=method,
        measure=measure,
        k=k,
        k_effects=k_effects,
        estimate=float(estimate),
        std_error=float(se),
        statistic=float(z),
        p_value=float(2 * stats.norm.sf(abs(z))),
        ci_low=float(estimate - crit * se),
        ci_high=float(estimate + crit * se),
        level=level,
        q=float(q),
        q_df=q_df,
        q_p_value=q_p,
        i2=float(i2),
        h2=float(h2),
        studies=studies,
        **tests,
    )


def _q(studies: EffectSizes, estimate: float) -> tuple[float, int]:
    keep = ~np.isnan(studies.yi)
    y, v = studies.yi[keep], studies.vi[keep]
    return float(np.sum((y - estimate) ** 2 / v)), int(keep.sum())


def _odds_ratio_tests(a, b, c, d, odds_ratio: float, continuity_correction: bool) -> dict:
    """Cochran-Mantel-Haenszel test (hypergeometric variance, optional 1/2 continuity correction) and
    the Breslow-Day / Tarone tests of a common odds ratio ``odds_ratio`` (as metafor ``rma.mh``)."""
    from scipy import stats

    n1, n2 = a + b, c + d
    n = n1 + n2
    events, non_events = a + c, b + d
    informative = events * non_events > 0
    hyper_var = np.where(informative, n1 * n2 * events * non_events / (n**2 * np.where(n > 1, n - 1, 1)), 0.0)
    cmh = (abs(np.sum(a - n1 * events / n)) - (0.5 if continuity_correction else 0.0)) ** 2 / hyper_var.sum()
    # expected a under the common OR psi: the root in [0, min(n1, events)] of
    # N11 (n2 - events + N11) = psi (n1 - N11) (events - N11)
    if odds_ratio == 1:
        expected = n1 * events / n
    else:
        quad_b = odds_ratio * (n1 + events) + (n2 - events)
        root = np.sqrt(quad_b**2 - 4 * n1 * events * odds_ratio * (odds_ratio - 1))
        expected = (quad_b - root) / (2 * (odds_ratio - 1))
    pos = (expected > 0) & informative
    e11 = expected[pos]
    e12, e21, e22 = n1[pos] - e11, events[pos] - e11, e11 - n1[pos] - events[pos] + n[pos]
    info = 1 / (1 / e11 + 1 / e12 + 1 / e21 + 1 / e22)
    resid = a[pos] - e11
    breslow_day = max(0.0, float(np.sum(resid**2 / info)))
    tarone = max(0.0, breslow_day - float(np.sum(resid)) ** 2 / float(np.sum(info)))
    df = int(pos.sum()) - 1
    return dict(
        cmh=float(cmh),
        cmh_p_value=float(stats.chi2.sf(cmh, 1)),
        breslow_day=breslow_day,
        tarone=tarone,
        breslow_day_df=max(df, 0),
        breslow_day_p_value=float(stats.chi2.sf(breslow_day, df)) if df > 0 else NAN,
        tarone_p_value=float(stats.chi2.sf(tarone, df)) if df > 0 else NAN,
    )


def mantel_haenszel(
    ai,
    bi,
    ci,
    di,
    *,
    measure: str = "OR",
    labels=None,
    level: float = 0.95,
    continuity_correction: bool = True,
) -> TablePoolingResult:
    """Mantel-Haenszel pooled OR, RR or RD with its standard error (metafor ``rma.mh``).

    - OR: ``psi = sum(R) / sum(S)``, ``R = ai di / N``, ``S = bi ci / N``; Robins-Breslow-Greenland
      ``var(log psi) = [sum(P R) / R.^2 + sum(P S + Q R) / (R. S.) + sum(Q S) / S.^2] / 2`` with
      ``P = (ai + di) / N``, ``Q = (bi + ci) / N``.
    - RR: ``psi = sum(ai n2 / N) / sum(ci n1 / N)``; Greenland-Robins
      ``var(log psi) = sum(n1 n2 (ai + ci) / N^2 - ai ci / N) / (R. S.)``.
    - RD: ``sum(ai n2 / N - ci n1 / N) / sum(n1 n2 / N)`` with the Sato (1989) variance (consistent in
      sparse and large-strata limits), as metafor.

    Interval ``estimate +/- z se`` at ``level``; ``continuity_correction`` applies to the CMH test only.
    ValueError when the OR or RR is undefined (e.g. no events at all in one group across tables).
    """
    measure = check_choice("measure", measure, MH_MEASURES)
    level = check_level(level)
    a, b, c, d = check_tables(ai, bi, ci, di)
    studies = binary_effects(a, b, c, d, measure=measure, drop_double_zero=True, labels=labels, level=level)
    n1, n2 = a + b, c + d
    n = n1 + n2
    tests = None
    if measure == "OR":
        r, s = a * d / n, b * c / n
        if r.sum() == 0 or s.sum() == 0:
            raise ValueError(
                "the Mantel-Haenszel odds ratio is undefined: sum(ai di / N) or sum(bi ci / N) is zero "
                "(no table has events and non-events in both groups the right way round)"
            )
        p, q = (a + d) / n, (b + c) / n
        rs, ss = r.sum(), s.sum()
        estimate = np.log(rs / ss)
        var = 0.5 * (np.sum(p * r) / rs**2 + np.sum(p * s + q * r) / (rs * ss) + np.sum(q * s) / ss**2)
        tests = _odds_ratio_tests(a, b, c, d, rs / ss, bool(continuity_correction))
    elif measure == "RR":
        if a.sum() == 0 or c.sum() == 0:
            raise ValueError("the Mantel-Haenszel risk ratio is undefined: a group has no events at all")
        rs, ss = np.sum(a * n2 / n), np.sum(c * n1 / n)
        estimate = np.log(rs / ss)
        var = np.sum(n1 * n2 * (a + c) / n**2 - a * c / n) / (rs * ss)
    else:
        weight = np.sum(n1 * n2 / n)
        estimate = np.sum(a * n2 / n - c * n1 / n) / weight
        var = (
            estimate * np.sum(c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + (n1 / n) * (n2 / n) * (n2 - n1) / 2)
            + np.sum(a * (n2 - c) / n + c * (n1 - a) / n) / 2
        ) / weight**2
    q, k_effects = _q(studies, estimate)
    return _result("MH", measure, a.size, studies, estimate, np.sqrt(var), level, q, k_effects, tests)


def peto(ai, bi, ci, di, *, labels=None, level: float = 0.95) -> TablePoolingResult:
    """Peto's one-step pooled log odds ratio (Yusuf et al. 1985; metafor ``rma.peto``).

    ``log psi = sum(ai - E) / sum(V)``, ``se = 1 / sqrt(sum(V))`` with ``E = (ai + ci) n1 / N`` and the
    hypergeometric variance ``V = (ai + ci)(bi + di) n1 n2 / (N^2 (N - 1))``; heterogeneity
    ``Q = sum((ai - E)^2 / V) - sum(ai - E)^2 / sum(V)`` over tables with ``V > 0``. Reliable for rare
    events with balanced groups and odds ratios near 1; biased for large effects.
    """
    level = check_level(level)
    a, b, c, d = check_tables(ai, bi, ci, di)
    studies = binary_effects(a, b, c, d, measure="PETO", drop_double_zero=True, labels=labels, level=level)
    n1, n2 = a + b, c + d
    n = n1 + n2
    events, non_events = a + c, b + d
    informative = events * non_events > 0
    hyper_var = np.where(informative, events * non_events * n1 * n2 / (n**2 * np.where(n > 1, n - 1, 1)), 0.0)
    if hyper_var.sum() == 0:
        raise ValueError("one of the two outcomes never occurred in any table; Peto's method cannot be used")
    observed_minus_expected = a - events * n1 / n
    total_var = hyper_var.sum()
    estimate = observed_minus_expected.sum() / total_var
    q = float(
        np.sum(observed_minus_expected[informative] ** 2 / hyper_var[informative])
        - observed_minus_expected.sum() ** 2 / total_var
    )
    k_effects = int(np.sum(~np.isnan(studies.yi)))  # = tables with V > 0: the double-zero ones have V = 0
    return _result("Peto", "OR", a.size, studies, estimate, 1 / np.sqrt(total_var), level, q, k_effects)
