"""A notebook's headline for the landing page: its main finding and whether the critics' checks moved it.

Each notebook builds its headline from computed values (a sentence from :mod:`.findings`) and passes
it to ``save_results(..., headline=...)``; the index shows it under the notebook's title.
"""

from __future__ import annotations

import math
from collections.abc import Mapping


def survives(estimate: float, ci_low: float, ci_high: float) -> bool:
    """True when the interval excludes zero on the same side as ``estimate``."""
    return (estimate > 0 and ci_low > 0) or (estimate < 0 and ci_high < 0)


def _pair(name: str, ci) -> tuple[float, float]:
    if len(ci) != 2 or not all(math.isfinite(float(v)) for v in ci):
        raise ValueError(f"checks need a finite (ci_low, ci_high) pair each; not so for {name!r}: {ci!r}")
    return float(ci[0]), float(ci[1])


def checks_clause(estimate: float, checks: Mapping[str, tuple[float, float]], *, null: bool = False) -> str:
    """How the critics' checks (name → (ci_low, ci_high) of the same estimate under each check) bear
    on the headline.

    For a finding whose interval excludes zero (``null=False``) a check *moves* it when its interval
    includes zero or lies on the other side: 'It survives 3 of 4 checks (moved by: dropping the USA).'
    For a null finding (``null=True``: the headline interval includes zero) a check moves it when its
    interval excludes zero: 'Of 4 checks, 3 also find no effect distinguishable from zero (not:
    Driscoll–Kraay errors).'"""
    if not checks:
        raise ValueError("checks must name at least one check: {name: (ci_low, ci_high)}")
    pairs = {name: _pair(name, ci) for name, ci in checks.items()}
    if null:
        moved = [name for name, (lo, hi) in pairs.items() if lo > 0 or hi < 0]
    else:
        moved = [name for name, (lo, hi) in pairs.items() if not survives(estimate, lo, hi)]
    held, m = len(pairs) - len(moved), len(pairs)
    if null:
        verb = "finds" if held == 1 else "find"
        text = f"Of {m} check{'s' if m != 1 else ''}, {held} also {verb} no effect distinguishable from zero"
        return f"{text} (not: {', '.join(moved)})." if moved else f"{text}."
    text = f"It survives {held} of {m} check{'s' if m != 1 else ''}"
    return f"{text} (moved by: {', '.join(moved)})." if moved else f"{text}."


def headline(
    finding: str, *, estimate: float | None = None, ci: tuple[float, float] | None = None, checks: Mapping | None = None
) -> str:
    """``finding`` (a generated sentence), followed by :func:`checks_clause` when ``checks`` are given.

    ``estimate`` is the headline's point estimate; ``ci`` its interval, which decides whether the
    checks are read against an effect (interval excludes zero) or against a null finding."""
    if not isinstance(finding, str) or not finding.strip():
        raise ValueError("finding must be a non-empty sentence generated from the results")
    if checks is None:
        return finding.strip()
    if estimate is None or not math.isfinite(float(estimate)):
        raise ValueError("estimate (the headline's finite point estimate) is needed to judge the checks")
    null = ci is not None and not survives(float(estimate), *_pair("the headline", ci))
    return f"{finding.strip()} {checks_clause(float(estimate), checks, null=null)}"
