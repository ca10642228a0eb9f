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
    includes zero or lies on the other side: 'It survives 1 of 2 checks (income control; moved by:
    dropping the USA).' For a null finding (``null=True``: the headline interval includes zero) a
    check moves it when its interval excludes zero: 'Of 2 checks, 1 also finds no effect
    distinguishable from zero (lag 5; not: Driscoll–Kraay errors).'"""
    if not checks:
        raise ValueError("checks must name at least one check: {name: (ci_low, ci_high)}")
    pairs = {name: _pair(name, ci) for name, ci in checks.items()}
    if null:
        moved = [name for name, (lo, hi) in pairs.items() if lo > 0 or hi < 0]
    else:
        moved = [name for name, (lo, hi) in pairs.items() if not survives(estimate, lo, hi)]
    held = [name for name in pairs if name not in moved]
    m = len(pairs)
    named = ", ".join(held)
    if null:
        verb = "finds" if len(held) == 1 else "find"
        text = f"Of {m} check{'s' if m != 1 else ''}, {len(held)} also {verb} no effect distinguishable from zero"
        parts = [named] if held else []
        parts += [f"not: {', '.join(moved)}"] if moved else []
    else:
        text = f"It survives {len(held)} of {m} check{'s' if m != 1 else ''}"
        parts = [named] if held else []
        parts += [f"moved by: {', '.join(moved)}"] if moved else []
    return f"{text} ({'; '.join(parts)})."


def headline(
    finding: str, *, estimate: float | None = None, ci: tuple[float, float] | None = None, checks: Mapping | None = None
) -> str:
    """``finding`` (a generated sentence), followed by :func:`checks_clause` when ``checks`` are given.

    ``estimate`` is the headline's point estimate and ``ci`` its interval (both needed with
    ``checks``); the interval decides whether the checks are read against an effect (it excludes
    zero) or against a null finding."""
    if not isinstance(finding, str) or not finding.strip():
        raise ValueError("finding must be a non-empty sentence generated from the results")
    if checks is None:
        return finding.strip()
    if estimate is None or not math.isfinite(float(estimate)) or ci is None:
        raise ValueError("estimate and ci (the headline's finite estimate and interval) are needed to judge the checks")
    null = not survives(float(estimate), *_pair("the headline", ci))
    return f"{finding.strip()} {checks_clause(float(estimate), checks, null=null)}"
