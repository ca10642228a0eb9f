"""Results of a SAOM estimation: estimates, delta-method standard errors, convergence diagnostics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class SaomResult:
    """Estimated SAOM parameters (rates first, then objective-function effects).

    ``t_convergence`` are the phase-3 convergence t-ratios (RSiena: good when all ``|t| < 0.1``);
    ``max_convergence_ratio`` the overall maximum convergence ratio (good below 0.25).
    """

    effects: tuple[str, ...]
    kinds: tuple[str, ...]
    estimate: np.ndarray
    std_error: np.ndarray
    t_convergence: np.ndarray
    max_convergence_ratio: float
    covariance: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    level: float
    n_actors: int
    n_periods: int
    n_phase3: int

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: effect, kind, estimate, std_error, t_convergence, ci_low, ci_high, n."""
        return pd.DataFrame(
            {
                "effect": list(self.effects),
                "kind": list(self.kinds),
                "estimate": self.estimate,
                "std_error": self.std_error,
                "t_convergence": self.t_convergence,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "n": self.n_actors,
            }
        )

    def __getitem__(self, effect: str) -> tuple[float, float]:
        """``(estimate, std_error)`` of one effect by its label."""
        if effect not in self.effects:
            raise KeyError(f"unknown effect {effect!r}; effects are {list(self.effects)}")
        k = self.effects.index(effect)
        return float(self.estimate[k]), float(self.std_error[k])

    def summary(self) -> str:
        """The estimates table in RSiena's layout (``print(ans)``)."""
        lines = [
            "Estimates, standard errors and convergence t-ratios",
            "",
            f"{'':36}{'Estimate':>10}{'Standard':>12}{'Convergence':>14}",
            f"{'':36}{'':>10}{'Error':>12}{'t-ratio':>14}",
            "",
            "Rate parameters:",
        ]
        number = 0
        for k, (label, kind) in enumerate(zip(self.effects, self.kinds)):
            if kind == "rate":
                name = f"  0.{k + 1:<4} Rate parameter {label.removeprefix('rate ')}"
                lines.append(f"{name:36}{self.estimate[k]:10.4f}  ({self.std_error[k]:8.4f} )")
        lines.append("")
        lines.append("Other parameters:")
        for k, (label, kind) in enumerate(zip(self.effects, self.kinds)):
            if kind != "rate":
                number += 1
                name = f"  {number:>2}. {kind:<5}{label}"
                lines.append(
                    f"{name:36}{self.estimate[k]:10.4f}  ({self.std_error[k]:8.4f} ){self.t_convergence[k]:12.4f}"
                )
        lines += [
            "",
            f"Overall maximum convergence ratio: {self.max_convergence_ratio:9.4f}",
            f"n actors = {self.n_actors}, periods = {self.n_periods}, phase-3 simulations = {self.n_phase3}",
        ]
        return "\n".join(lines)
