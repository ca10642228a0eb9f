r"""Robustness of an association judged by how much each check changes the effect, not by p < 0.05.

A check (dropping a country, a group, changing the measure) can do two different things to a
correlation: move the estimate (it shrinks, vanishes or changes sign) or only widen its interval
because fewer units remain. Counting "still p < 0.05" confuses the two. Here:

* :func:`leave_one_out_range` -- r without each unit in turn, the range of r and the unit that
  moves it most;
* :func:`influence` -- OLS influence statistics of each unit (statsmodels ``OLSInfluence``):
  DFBETA of the slope, Cook's distance :math:`D_i = e_i^2 h_i / (k s^2 (1-h_i)^2)`, externally
  studentised residuals, with the usual flags (:math:`D_i > 4/n`, :math:`|t_i| > 2`,
  :math:`|\mathrm{DFBETAS}_i| > 2/\sqrt n`);
* :func:`jackknife_correlation` -- the jackknife interval of r on Fisher's z scale: pseudo-values
  :math:`\tilde z_i = n z - (n-1) z_{(i)}`, estimate :math:`\bar{\tilde z}`, standard error
  :math:`s_{\tilde z}/\sqrt n`, a t interval with n - 1 df, back-transformed by tanh;
* :func:`effect_verdict` / :func:`effect_verdicts` -- classify each check as ``holds``,
  ``interval widens`` (same sign, effect kept, interval now includes zero), ``shrinks`` (same sign,
  less than ``1 - max_shrink`` of the effect left) or ``changes sign``; checks outside the claim's
  scope are reported as ``context`` and not scored;
* :func:`adjust_p_values` -- Holm and Benjamini-Hochberg adjusted p-values across outcomes
  (statsmodels ``multipletests``).

References
----------
Cook RD (1977) Detection of influential observation in linear regression. Technometrics 19:15-18.
Belsley DA, Kuh E, Welsch RE (1980) Regression Diagnostics. Wiley.
Efron B, Tibshirani RJ (1993) An Introduction to the Bootstrap, ch. 11 (the jackknife). Chapman & Hall.
Holm S (1979) Scand J Stat 6:65-70. Benjamini Y, Hochberg Y (1995) J R Stat Soc B 57:289-300.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinship_research.methods.checks import check_alpha, check_choice, check_level, require_columns
from kinship_research.methods.correlation import CORRELATIONS, paired_correlation

VERDICTS = ("holds", "interval widens", "shrinks", "changes sign", "context")
"""Possible verdicts, from harmless to damaging; ``context`` marks an unscored check."""


def _pairs(df: pd.DataFrame, x: str, y: str, label: str) -> pd.DataFrame:
    require_columns(df, [x, y], numeric=True)
    require_columns(df, [label])
    pair = df[[label, x, y]].dropna().reset_index(drop=True)
    if len(pair) < 5:
        raise ValueError(f"{x} vs {y}: {len(pair)} complete units; leave-one-out needs at least 5")
    return pair


@dataclass(frozen=True)
class LeaveOneOut:
    """r of ``y`` on ``x`` without each unit: ``table`` has dropped, r, ci_low, ci_high, p_value, n,
    change (r minus the full-sample r); ``full`` is the full-sample row."""

    x: str
    y: str
    full: dict
    table: pd.DataFrame

    @property
    def r_min(self) -> float:
        return float(self.table["r"].min())

    @property
    def r_max(self) -> float:
        return float(self.table["r"].max())

    @property
    def most_influential(self) -> str:
        """The unit whose removal moves r furthest."""
        return str(self.table.loc[self.table["change"].abs().idxmax(), "dropped"])

    def to_frame(self) -> pd.DataFrame:
        return self.table.assign(x=self.x, outcome=self.y, full_r=self.full["r"])

    def summary(self) -> pd.DataFrame:
        """One row: outcome, full r and its interval, n, r_min, r_max, most_influential,
        sign_changes (number of drops that flip the sign)."""
        flips = int((np.sign(self.table["r"]) != np.sign(self.full["r"])).sum())
        return pd.DataFrame(
            [
                {
                    "x": self.x,
                    "outcome": self.y,
                    "r": self.full["r"],
                    "ci_low": self.full["ci_low"],
                    "ci_high": self.full["ci_high"],
                    "n": self.full["n"],
                    "r_min": self.r_min,
                    "r_max": self.r_max,
                    "most_influential": self.most_influential,
                    "sign_changes": flips,
                }
            ]
        )


def leave_one_out_range(
    df: pd.DataFrame, x: str, y: str, *, label: str = "iso3", correlation: str = "pearson", level: float = 0.95
) -> LeaveOneOut:
    """Correlation of ``x`` and ``y`` recomputed without each complete unit in turn."""
    check_choice("correlation", correlation, CORRELATIONS)
    level = check_level(level)
    pair = _pairs(df, x, y, label)
    full = paired_correlation(pair[x], pair[y], correlation=correlation, level=level)
    rows = []
    for i in pair.index:
        rest = pair.drop(index=i)
        rows.append(
            {"dropped": pair.at[i, label], **paired_correlation(rest[x], rest[y], correlation=correlation, level=level)}
        )
    table = pd.DataFrame(rows)
    table["change"] = table["r"] - full["r"]
    return LeaveOneOut(x, y, full, table)


def influence(df: pd.DataFrame, x: str, y: str, *, label: str = "iso3") -> pd.DataFrame:
    """Influence of each unit on the OLS slope of ``y`` on ``x`` (statsmodels ``OLSInfluence``).

    Returns one row per unit: label, dfbeta (change in the slope when the unit is dropped,
    original units), dfbetas (scaled), cooks_d, student_resid (externally studentised), leverage,
    and flags influential_cooks (D > 4/n), outlier (|t| > 2), influential_dfbetas (> 2/sqrt n).
    """
    import statsmodels.api as sm
    from statsmodels.stats.outliers_influence import OLSInfluence

    pair = _pairs(df, x, y, label)
    fit = sm.OLS(pair[y].astype(float), sm.add_constant(pair[x].astype(float))).fit()
    info = OLSInfluence(fit)
    n = len(pair)
    params_without = np.array([info.params_not_obsi[i, 1] for i in range(n)])
    out = pd.DataFrame(
        {
            "label": pair[label].to_numpy(),
            "dfbeta": fit.params.iloc[1] - params_without,
            "dfbetas": info.dfbetas[:, 1],
            "cooks_d": info.cooks_distance[0],
            "student_resid": info.resid_studentized_external,
            "leverage": info.hat_matrix_diag,
        }
    )
    out["influential_cooks"] = out["cooks_d"] > 4 / n
    out["outlier"] = out["student_resid"].abs() > 2
    out["influential_dfbetas"] = out["dfbetas"].abs() > 2 / np.sqrt(n)
    return out


def jackknife_correlation(df: pd.DataFrame, x: str, y: str, *, label: str = "iso3", level: float = 0.95) -> dict:
    """Jackknife estimate and t interval of Pearson's r on Fisher's z scale.

    Returns a dict: r (the full-sample r), estimate (bias-corrected, back-transformed), std_error
    (of z), ci_low, ci_high, n.
    """
    from scipy import stats

    level = check_level(level)
    pair = _pairs(df, x, y, label)
    n = len(pair)
    values = pair[[x, y]].to_numpy(float)
    z_full = np.arctanh(np.corrcoef(values.T)[0, 1])
    z_without = np.array([np.arctanh(np.corrcoef(np.delete(values, i, axis=0).T)[0, 1]) for i in range(n)])
    pseudo = n * z_full - (n - 1) * z_without
    centre, se = pseudo.mean(), pseudo.std(ddof=1) / np.sqrt(n)
    half = stats.t.ppf((1 + level) / 2, n - 1) * se
    return {
        "r": float(np.tanh(z_full)),
        "estimate": float(np.tanh(centre)),
        "std_error": float(se),
        "ci_low": float(np.tanh(centre - half)),
        "ci_high": float(np.tanh(centre + half)),
        "n": n,
    }


def _excludes_zero(low: float, high: float) -> bool:
    return low > 0 or high < 0


def effect_verdict(
    full_r: float,
    full_ci: tuple[float, float],
    check_r: float,
    check_ci: tuple[float, float],
    *,
    max_shrink: float = 0.5,
) -> str:
    """Verdict on one check of one correlation.

    ``changes sign`` when the check's r has the other sign; ``shrinks`` when less than
    ``1 - max_shrink`` of the full effect is left (ratio r_check / r_full below it); ``interval
    widens`` when the effect is kept but the check's interval includes zero while the full one did
    not; else ``holds``.
    """
    if not 0 < max_shrink < 1:
        raise ValueError(
            f"max_shrink is the tolerated relative loss of effect, strictly between 0 and 1, got {max_shrink!r}"
        )
    if full_r == 0:
        raise ValueError("the full-sample effect is exactly zero; there is no effect to shrink")
    ratio = check_r / full_r
    if ratio < 0:
        return "changes sign"
    if ratio < 1 - max_shrink:
        return "shrinks"
    if _excludes_zero(*full_ci) and not _excludes_zero(*check_ci):
        return "interval widens"
    return "holds"


def effect_verdicts(
    baseline: pd.DataFrame, checks: Mapping[str, pd.DataFrame], *, context: Iterable[str] = (), max_shrink: float = 0.5
) -> pd.DataFrame:
    """Verdict for every outcome of ``baseline`` and every named check.

    Each table has columns outcome, r, ci_low, ci_high (and n); a check may have several rows per
    outcome (e.g. one per dropped country) and is judged by its row with the smallest
    r / r_full (the worst case). Checks named in ``context`` are shown with verdict ``context``.

    Returns one row per outcome and check: outcome, check, verdict, baseline_r, r (worst row),
    ci_low, ci_high, n, ratio (r / baseline_r), rows, worst (the row's ``dropped`` / ``excluded``
    label when present).
    """
    context = set(context)
    unknown = context - set(checks)
    if unknown:
        raise KeyError(f"context checks {sorted(unknown)} are not among the checks {list(checks)}")
    for name, table in {"baseline": baseline, **checks}.items():
        require_columns(table, ["outcome", "r", "ci_low", "ci_high"], what=f"table {name!r}")
    rows = []
    for _, base in baseline.iterrows():
        for name, table in checks.items():
            part = table[table["outcome"] == base["outcome"]]
            if part.empty:
                continue
            ratio = part["r"] / base["r"]
            worst = part.loc[ratio.idxmin()]
            verdict = (
                "context"
                if name in context
                else effect_verdict(
                    base["r"],
                    (base["ci_low"], base["ci_high"]),
                    worst["r"],
                    (worst["ci_low"], worst["ci_high"]),
                    max_shrink=max_shrink,
                )
            )
            tag = next((str(worst[c]) for c in ("dropped", "excluded", "sample") if c in part.columns), "")
            rows.append(
                {
                    "outcome": base["outcome"],
                    "check": name,
                    "verdict": verdict,
                    "baseline_r": float(base["r"]),
                    "r": float(worst["r"]),
                    "ci_low": float(worst["ci_low"]),
                    "ci_high": float(worst["ci_high"]),
                    "n": int(worst["n"]) if "n" in part else None,
                    "ratio": float(ratio.min()),
                    "rows": len(part),
                    "worst": tag,
                }
            )
    return pd.DataFrame(rows)


def leave_one_out_table(
    df: pd.DataFrame, x: str, ys, *, label: str = "iso3", correlation: str = "pearson", level: float = 0.95
) -> pd.DataFrame:
    """Leave-one-out rows for several outcomes, stacked (x, outcome, dropped, r, ci_low, ci_high,
    p_value, n, change, full_r): a check table for :func:`effect_verdicts`."""
    ys = [ys] if isinstance(ys, str) else list(ys)
    return pd.concat(
        [leave_one_out_range(df, x, y, label=label, correlation=correlation, level=level).to_frame() for y in ys],
        ignore_index=True,
    )


def adjust_p_values(table: pd.DataFrame, *, alpha: float = 0.05, p_column: str = "p_value") -> pd.DataFrame:
    """Copy of ``table`` with Holm (``p_holm``) and Benjamini-Hochberg (``p_bh``) adjusted p-values
    across its rows and whether each rejects at ``alpha`` (``reject_holm``, ``reject_bh``)."""
    from statsmodels.stats.multitest import multipletests

    alpha = check_alpha(alpha)
    require_columns(table, [p_column], numeric=True)
    p = table[p_column].to_numpy(float)
    if np.isnan(p).any() or ((p < 0) | (p > 1)).any():
        raise ValueError(f"{p_column} must hold p-values in [0, 1] without missing values")
    out = table.copy()
    for name, method in (("holm", "holm"), ("bh", "fdr_bh")):
        reject, adjusted, _, _ = multipletests(p, alpha=alpha, method=method)
        out[f"p_{name}"] = adjusted
        out[f"reject_{name}"] = reject
    return out


__all__ = [
    "VERDICTS",
    "LeaveOneOut",
    "adjust_p_values",
    "effect_verdict",
    "effect_verdicts",
    "influence",
    "jackknife_correlation",
    "leave_one_out_range",
    "leave_one_out_table",
]
