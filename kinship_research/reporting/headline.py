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


def checks_clause(estimate: float, checks: Mapping[str, tuple[float, float]]) -> str:
    """'It survives 3 of 4 checks (moved by: dropping the USA).' for ``checks`` = name → (ci_low,
    ci_high) of the same estimate under each check; a check 'moves' the finding when its interval
    includes zero or lies on the other side of zero from the headline ``estimate``."""
    if not checks:
        raise ValueError("checks must name at least one check: {name: (ci_low, ci_high)}")
    bad = [name for name, ci in checks.items() if len(ci) != 2 or not all(math.isfinite(float(v)) for v in ci)]
    if bad:
        raise ValueError(f"checks need a finite (ci_low, ci_high) pair each; not so for {bad}")
    moved = [name for name, (lo, hi) in checks.items() if not survives(estimate, float(lo), float(hi))]
    held = len(checks) - len(moved)
    text = f"It survives {held} of {len(checks)} check{'s' if len(checks) != 1 else ''}"
    return f"{text} (moved by: {', '.join(moved)})." if moved else f"{text}."


def headline(finding: str, *, estimate: float | None = None, checks: Mapping | None = None) -> str:
    """``finding`` (a generated sentence), followed by :func:`checks_clause` when ``checks`` are given."""
    if not isinstance(finding, str) or not finding.strip():
        raise ValueError("finding must be a non-empty sentence generated from the results")
    if checks is None:
        return finding.strip()
    if estimate is None or not math.isfinite(float(estimate)):
        raise ValueError("estimate (the headline's finite point estimate) is needed to judge the checks")
    return f"{finding.strip()} {checks_clause(float(estimate), checks)}"
