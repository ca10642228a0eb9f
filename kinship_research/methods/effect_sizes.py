"""Study-level effect sizes and their sampling variances (R metafor ``escalc`` equivalents).

Each function returns an :class:`EffectSizes` with ``yi`` (effect) and ``vi`` (sampling variance) per
study, ready for :func:`kinship_research.methods.meta.random_effects`:

- :func:`binary_effects`: 2x2 tables (``ai``, ``bi`` = events / non-events in group 1, ``ci``, ``di``
  in group 2): log risk ratio (``"RR"``), log odds ratio (``"OR"``), risk difference (``"RD"``) and
  Peto's log odds ratio (``"PETO"``).
- :func:`hedges_g`: standardised mean difference with the exact small-sample correction (``"SMD"``).
- :func:`fisher_z`: Fisher's r-to-z transformed correlation (``"ZCOR"``).

Zero cells (metafor's defaults ``add=1/2, to="only0", drop00=FALSE``): ``add`` is added to all four
cells of every table with a zero cell; the other tables are left alone. A *double-zero* table (no events
in either group, or only events in both) carries almost no information on a ratio; by default it is kept
with the correction (a log ratio near 0 with a large variance, as ``escalc``); with
``drop_double_zero=True`` its ``yi`` and ``vi`` are NaN and it is flagged ``dropped`` (``drop00=TRUE``,
what ``rma.mh`` and ``rma.peto`` do for their heterogeneity test).

Validated against R metafor 3.8 on its bundled data sets (dat.bcg, dat.yusuf1985, dat.collins1985a,
dat.normand1999, dat.molloy2014): ``tests/fixtures/metafor/make_effect_sizes.R``.

References
----------
Viechtbauer W (2010) Conducting meta-analyses in R with the metafor package. J Stat Softw 36(3).
Hedges LV (1981) Distribution theory for Glass's estimator of effect size and related estimators.
J Educ Stat 6:107-128.
Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009) Introduction to Meta-Analysis. Wiley, ch. 4-6.
Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985) Beta blockade during and after myocardial
infarction. Prog Cardiovasc Dis 27:335-371.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinship_research.methods.checks import as_float_array, check_choice, check_finite, check_level
from kinship_research.methods.meta import _labels

TABLE_MEASURES = ("RR", "OR", "RD", "PETO")
"""Effect measures for 2x2 tables (metafor's names): log risk ratio, log odds ratio, risk difference,
Peto's log odds ratio."""

ADD_TO = ("only0", "all", "if0all", "none")
"""Which tables receive the zero-cell correction ``add`` (metafor's ``to=``): tables with a zero cell,
all tables, all tables if any has a zero cell, none."""


@dataclass(frozen=True, eq=False)
class EffectSizes:
    """Effects ``yi`` and sampling variances ``vi`` of ``k`` studies on one ``measure``.

    ``corrected``: the study's cells received the zero-cell correction; ``dropped``: a double-zero
    table set to NaN (``drop_double_zero=True``). Ratio measures are on the log scale.
    """

    measure: str
    yi: np.ndarray
    vi: np.ndarray
    labels: tuple[str, ...]
    corrected: np.ndarray
    dropped: np.ndarray
    level: float

    @property
    def k(self) -> int:
        return int(self.yi.size)

    def to_frame(self) -> pd.DataFrame:
        """One row per study: study, measure, yi, vi, std_error, ci_low, ci_high, corrected, dropped
        (normal-theory interval ``yi +/- z sqrt(vi)`` at ``level``)."""
        from scipy import stats  # imported here: scipy.stats costs ~0.5 s at package import

        se = np.sqrt(self.vi)
        half = stats.norm.ppf((1 + self.level) / 2) * se
        return pd.DataFrame(
            {
                "study": list(self.labels),
                "measure": self.measure,
                "yi": self.yi,
                "vi": self.vi,
                "std_error": se,
                "ci_low": self.yi - half,
                "ci_high": self.yi + half,
                "corrected": self.corrected,
                "dropped": self.dropped,
            }
        )

    def summary(self) -> str:
        return (
            f"{self.measure} effect sizes for {self.k} studies: {int(self.corrected.sum())} zero-cell "
            f"corrected, {int(self.dropped.sum())} double-zero dropped"
        )


def _same_length(arrays: dict[str, np.ndarray]) -> int:
    sizes = {name: a.size for name, a in arrays.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"{', '.join(sizes)} must have one value per study; got lengths {sizes}")
    k = next(iter(sizes.values()))
    if k == 0:
        raise ValueError(f"need at least one study, got empty {', '.join(sizes)}")
    return k


def _finite(arrays: dict[str, np.ndarray]) -> None:
    for name, a in arrays.items():
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            raise ValueError(f"{name} has missing or infinite values at positions {bad.tolist()}; drop them")


def _whole(name: str, a: np.ndarray, minimum: int) -> None:
    bad = np.flatnonzero(a != np.round(a))
    if bad.size:
        raise ValueError(
            f"{name} must be whole numbers (counts); got {a[bad][:5].tolist()} at positions {bad.tolist()}"
        )
    bad = np.flatnonzero(a < minimum)
    if bad.size:
        raise ValueError(f"{name} must be at least {minimum}; got {a[bad][:5].tolist()} at {bad.tolist()}")


def check_tables(ai, bi, ci, di) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four cells of ``k`` 2x2 tables as float arrays, or ValueError/TypeError saying what is wrong:
    unequal lengths, missing values, negative or non-whole counts, tables with no participants at all or
    an empty group (``ai + bi = 0`` or ``ci + di = 0``)."""
    cells = {name: as_float_array(name, x) for name, x in (("ai", ai), ("bi", bi), ("ci", ci), ("di", di))}
    _same_length(cells)
    _finite(cells)
    for name, a in cells.items():
        _whole(name, a, 0)
    a, b, c, d = cells.values()
    empty = np.flatnonzero(a + b + c + d == 0)
    if empty.size:
        raise ValueError(f"tables at positions {empty.tolist()} have no participants (all four cells zero)")
    empty = np.flatnonzero((a + b == 0) | (c + d == 0))
    if empty.size:
        raise ValueError(
            f"tables at positions {empty.tolist()} have an empty group (ai + bi = 0 or ci + di = 0); "
            "each group needs at least one participant"
        )
    return a, b, c, d


def double_zero(ai, bi, ci, di) -> np.ndarray:
    """True for tables with no events in both groups or only events in both groups
    (``ai = ci = 0`` or ``bi = di = 0``; metafor's ``drop00`` criterion)."""
    return ((np.asarray(ai) == 0) & (np.asarray(ci) == 0)) | ((np.asarray(bi) == 0) & (np.asarray(di) == 0))


def binary_effects(
    ai,
    bi,
    ci,
    di,
    *,
    measure: str = "OR",
    add: float = 0.5,
    add_to: str = "only0",
    drop_double_zero: bool = False,
    labels=None,
    level: float = 0.95,
) -> EffectSizes:
    """Effect sizes from 2x2 tables (metafor ``escalc(measure, ai, bi, ci, di, add, to, drop00)``).

    With ``p1 = ai / n1``, ``p2 = ci / n2``, ``n1 = ai + bi``, ``n2 = ci + di`` after the correction:

    - ``"RR"``: ``yi = log(p1 / p2)``, ``vi = 1/ai - 1/n1 + 1/ci - 1/n2``;
    - ``"OR"``: ``yi = log(ai di / (bi ci))``, ``vi = 1/ai + 1/bi + 1/ci + 1/di``;
    - ``"RD"``: ``yi = p1 - p2``, ``vi = p1 (1 - p1) / n1 + p2 (1 - p2) / n2`` (``vtype="LS"``);
    - ``"PETO"``: ``yi = (ai - E) / V``, ``vi = 1 / V`` with ``E = (ai + ci) n1 / N`` and the
      hypergeometric variance ``V = (ai + ci)(bi + di) n1 n2 / (N^2 (N - 1))``.

    ``add`` is added to all four cells of the tables chosen by ``add_to`` (one of :data:`ADD_TO`;
    default: tables with a zero cell). Double-zero tables (:func:`double_zero`) are kept unless
    ``drop_double_zero``, in which case their ``yi``, ``vi`` are NaN. With ``add_to="none"`` a zero cell
    gives an infinite or NaN ``yi`` or ``vi``, as in metafor.
    """
    measure = check_choice("measure", measure, TABLE_MEASURES)
    add_to = check_choice("add_to", add_to, ADD_TO)
    add = check_finite("add", add)
    if add < 0:
        raise ValueError(f"add is the zero-cell correction and must be >= 0 (metafor: 0.5), got {add}")
    if not isinstance(drop_double_zero, (bool, np.bool_)):
        raise TypeError(f"drop_double_zero must be True or False, got {drop_double_zero!r}")
    level = check_level(level)
    a, b, c, d = check_tables(ai, bi, ci, di)
    names = tuple(_labels(labels, a.size))
    dropped = double_zero(a, b, c, d) & bool(drop_double_zero)
    has_zero = ((a == 0) | (b == 0) | (c == 0) | (d == 0)) & ~dropped
    corrected = {
        "only0": has_zero,
        "all": ~dropped,
        "if0all": ~dropped & has_zero.any(),
        "none": np.zeros(a.size, bool),
    }[add_to]
    a, b, c, d = (x + add * corrected for x in (a, b, c, d))
    n1, n2 = a + b, c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = a / n1, c / n2
        if measure == "RR":
            yi = np.log(p1) - np.log(p2)
            vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif measure == "OR":
            yi = np.log(a) + np.log(d) - np.log(b) - np.log(c)
            vi = 1 / a + 1 / b + 1 / c + 1 / d
        elif measure == "RD":
            yi = p1 - p2
            vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        else:
            n = n1 + n2
            hyper_var = (a + c) * (b + d) * (n1 / n) * (n2 / n) / (n - 1)
            yi = (a - (a + c) * n1 / n) / hyper_var
            vi = 1 / hyper_var
    yi = np.where(dropped, np.nan, yi)
    vi = np.where(dropped, np.nan, vi)
    return EffectSizes(measure, yi, vi, names, corrected, dropped, level)


def hedges_g(m1, sd1, n1, m2, sd2, n2, *, labels=None, level: float = 0.95) -> EffectSizes:
    """Standardised mean difference (Hedges' g), group 1 minus group 2 (metafor ``escalc("SMD")``).

    ``d = (m1 - m2) / s_p`` with the pooled SD ``s_p^2 = ((n1 - 1) sd1^2 + (n2 - 1) sd2^2) / m``,
    ``m = n1 + n2 - 2``; ``g = J d`` with the exact correction
    ``J = Gamma(m/2) / (sqrt(m/2) Gamma((m - 1)/2))`` (Hedges 1981; ``J ~ 1 - 3/(4m - 1)``), and the
    large-sample variance ``vi = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))`` (metafor's ``vtype="LS"``).
    """
    level = check_level(level)
    values = {
        name: as_float_array(name, x)
        for name, x in (("m1", m1), ("sd1", sd1), ("n1", n1), ("m2", m2), ("sd2", sd2), ("n2", n2))
    }
    k = _same_length(values)
    _finite(values)
    m1, sd1, n1, m2, sd2, n2 = values.values()
    _whole("n1", n1, 1)
    _whole("n2", n2, 1)
    small = np.flatnonzero(n1 + n2 < 4)
    if small.size:
        raise ValueError(f"need n1 + n2 >= 4 for the small-sample correction; violated at {small.tolist()}")
    for name, sd in (("sd1", sd1), ("sd2", sd2)):
        bad = np.flatnonzero(sd < 0)
        if bad.size:
            raise ValueError(f"{name} must be non-negative standard deviations; negative at {bad.tolist()}")
    df = n1 + n2 - 2
    pooled_sd = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / df)
    bad = np.flatnonzero(pooled_sd == 0)
    if bad.size:
        raise ValueError(f"the pooled standard deviation is zero at positions {bad.tolist()}; g is undefined")
    from scipy.special import gammaln

    correction = np.exp(gammaln(df / 2) - 0.5 * np.log(df / 2) - gammaln((df - 1) / 2))
    yi = correction * (m1 - m2) / pooled_sd
    vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
    none = np.zeros(k, bool)
    return EffectSizes("SMD", yi, vi, tuple(_labels(labels, k)), none, none, level)


def fisher_z(r, n, *, labels=None, level: float = 0.95) -> EffectSizes:
    """Fisher's z-transformed correlation (metafor ``escalc("ZCOR")``): ``yi = atanh(r) =
    log((1 + r) / (1 - r)) / 2``, ``vi = 1 / (n - 3)``. Needs ``-1 < r < 1`` and ``n >= 4``;
    back-transform pooled values with ``tanh``."""
    level = check_level(level)
    values = {"r": as_float_array("r", r), "n": as_float_array("n", n)}
    k = _same_length(values)
    _finite(values)
    r, n = values.values()
    bad = np.flatnonzero(np.abs(r) >= 1)
    if bad.size:
        raise ValueError(
            f"r must be a correlation strictly between -1 and 1; got {r[bad][:5].tolist()} at {bad.tolist()}"
        )
    _whole("n", n, 4)
    none = np.zeros(k, bool)
    return EffectSizes("ZCOR", np.arctanh(r), 1 / (n - 3), tuple(_labels(labels, k)), none, none, level)
