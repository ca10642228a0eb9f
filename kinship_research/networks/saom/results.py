"""Results of a SAOM estimation: estimates, delta-method standard errors, convergence diagnostics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class SaomResult:
    """Estimated SAOM parameters (rates first, then objective-function effects).

    ``t_convergence`` are the phase-3 convergence t-ratios (RSiena: good when all ``|t| < 0.1``);
    ``max_convergence_ratio`` the overall maximum convergence ratio (good below 0.25);
    ``variables`` the dependent variable of each parameter (``"network"`` or the behaviour's name);
    ``behaviour_scale`` the behaviour's (minimum, maximum, centring mean, similarity mean).
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
    variables: tuple[str, ...] = ()
    conditional: bool = True
    behaviour_scale: tuple[float, float, float, float] | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: effect, kind, variable, estimate, std_error, t_convergence, ci_low, ci_high, n."""
        return pd.DataFrame(
            {
                "effect": list(self.effects),
                "kind": list(self.kinds),
                "variable": list(self.variables) or ["network"] * len(self.effects),
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
        """The estimates table in RSiena's layout (``print(ans)``): network dynamics, then behaviour."""
        lines = [
            "Estimates, standard errors and convergence t-ratios",
            "",
            f"{'':40}{'Estimate':>10}{'Standard':>12}{'Convergence':>14}",
            f"{'':40}{'':>10}{'Error':>12}{'t-ratio':>14}",
        ]
        variables = list(self.variables) or ["network"] * len(self.effects)
        number = 0
        for variable in dict.fromkeys(variables):
            lines += ["", "Network Dynamics" if variable == "network" else f"Behavior Dynamics ({variable})"]
            for k, (label, kind) in enumerate(zip(self.effects, self.kinds)):
                if variables[k] != variable:
                    continue
                number += 1
                name = f"  {number:>2}. {kind:<5}{label}"
                lines.append(
                    f"{name:40}{self.estimate[k]:10.4f}  ({self.std_error[k]:8.4f} ){self.t_convergence[k]:12.4f}"
                )
        lines += [
            "",
            f"Overall maximum convergence ratio: {self.max_convergence_ratio:9.4f}",
            f"n actors = {self.n_actors}, periods = {self.n_periods}, phase-3 simulations = {self.n_phase3}, "
            f"{'conditional' if self.conditional else 'unconditional'} estimation",
        ]
        return "\n".join(lines)
