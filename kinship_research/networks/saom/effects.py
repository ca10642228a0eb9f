"""Network effects of a SAOM: actor statistics ``s_ik(x)``, their sums and change contributions.

For actor ``i`` and directed 0/1 ties ``x`` (RSiena's definitions, Ripley et al. 2024, RSiena
manual section 12.1; ``v`` a constant actor covariate centred at its mean ``v_bar``):

============================  =======================================  ==========================
effect (RSiena shortName)     ``s_ik(x)``                              contribution ``c_ij`` of
                                                                       the tie ``i -> j``
============================  =======================================  ==========================
``outdegree`` (density)       ``sum_j x_ij``                           ``1``
``reciprocity`` (recip)       ``sum_j x_ij x_ji``                      ``x_ji``
``transitive_triplets``       ``sum_{j,h} x_ij x_jh x_ih``             ``sum_h x_ih (x_hj + x_jh)``
``three_cycles`` (cycle3)     ``sum_{j,h} x_ij x_jh x_hi``             ``sum_h x_jh x_hi``
``similarity`` (simX)         ``sum_j x_ij (sim_ij - sim_bar)``        ``sim_ij - sim_bar``
``ego`` (egoX)                ``sum_j x_ij (v_i - v_bar)``             ``v_i - v_bar``
``alter`` (altX)              ``sum_j x_ij (v_j - v_bar)``             ``v_j - v_bar``
============================  =======================================  ==========================

with ``sim_ij = 1 - |v_i - v_j| / range(v)`` and ``sim_bar`` its mean over ordered pairs ``i != j``.
Toggling ``x_ij`` changes ``s_ik`` by ``(1 - 2 x_ij) c_ij`` (``c_ij`` does not involve ``x_ij``).
The target statistic of effect ``k`` in a period is ``sum_i s_ik(x(t_end))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kinship_research.methods.checks import check_choice

EFFECTS = {
    "outdegree": (0, "outdegree (density)", False),
    "reciprocity": (1, "reciprocity", False),
    "transitive_triplets": (2, "transitive triplets", False),
    "three_cycles": (3, "3-cycles", False),
    "similarity": (4, "{} similarity", True),
    "ego": (5, "{} ego", True),
    "alter": (6, "{} alter", True),
}
"""name -> (kernel code, RSiena-style label, needs a covariate)."""


@dataclass(frozen=True)
class Effect:
    """One network effect, e.g. ``Effect("similarity", "smoke1")``."""

    name: str
    covariate: str | None = None

    def __post_init__(self):
        check_choice("effect", self.name, EFFECTS)
        needs = EFFECTS[self.name][2]
        if needs and self.covariate is None:
            raise ValueError(f"effect {self.name!r} needs a covariate name, e.g. Effect({self.name!r}, 'smoke1')")
        if not needs and self.covariate is not None:
            raise ValueError(f"effect {self.name!r} takes no covariate (got {self.covariate!r})")

    @property
    def code(self) -> int:
        return EFFECTS[self.name][0]

    @property
    def label(self) -> str:
        return EFFECTS[self.name][1].format(self.covariate)

    @classmethod
    def parse(cls, spec: str | Effect) -> Effect:
        """``"reciprocity"`` or ``"similarity:smoke1"`` -> Effect."""
        if isinstance(spec, Effect):
            return spec
        if not isinstance(spec, str):
            raise TypeError(f"an effect is a name like 'reciprocity' or 'similarity:smoke1', got {spec!r}")
        name, _, covariate = spec.partition(":")
        return cls(name, covariate or None)


@dataclass(frozen=True, eq=False)
class SaomData:
    """Panel of directed networks prepared for estimation (built by :func:`saom_data`).

    ``ties[w]`` are 0/1/NaN (NaN = missing or absent); ``start[m]`` the period-``m`` starting
    network (missing cells carried forward from the last observation, else 0; ties of actors not
    present at both ends of the period set to 0); ``end[m]`` the observed end network with missing
    cells replaced by ``start[m]``; ``changeable[m]`` pairs whose tie may change in period ``m``
    (both actors present at both waves: other pairs are structural zeros); ``counted[m]`` pairs
    observed at both waves (they define the observed distance). ``covariates`` are constant actor
    covariates (NaN replaced by the mean, as RSiena does).
    """

    ties: np.ndarray
    start: np.ndarray
    end: np.ndarray
    changeable: np.ndarray
    counted: np.ndarray
    covariates: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_actors(self) -> int:
        return self.ties.shape[1]

    @property
    def n_periods(self) -> int:
        return self.ties.shape[0] - 1

    def distance(self, period: int) -> int:
        """Observed number of tie changes in a period (pairs observed at both waves)."""
        first, second = self.ties[period], self.ties[period + 1]
        return int(np.sum((first != second) & self.counted[period]))


def saom_data(ties, *, present=None, covariates=None) -> SaomData:
    """Prepare waves of directed ties (W x n x n, 0/1/NaN) and constant covariates for estimation.

    ``present`` (W x n bool, default all True) marks composition change: pairs involving an actor
    absent at either end of a period are structural zeros in that period.
    """
    ties = np.asarray(ties, dtype=float)
    if ties.ndim != 3 or ties.shape[1] != ties.shape[2] or ties.shape[0] < 2:
        raise ValueError(f"ties must have shape (n_waves >= 2, n, n); got {ties.shape}")
    known = ties[~np.isnan(ties)]
    if not np.isin(known, (0.0, 1.0)).all():
        raise ValueError("ties must be 0, 1 or NaN")
    n_waves, n = ties.shape[:2]
    present = np.ones((n_waves, n), bool) if present is None else np.asarray(present, dtype=bool)
    if present.shape != (n_waves, n):
        raise ValueError(f"present must have shape {(n_waves, n)}, got {present.shape}")
    ties = ties.copy()
    off = ~np.eye(n, dtype=bool)
    ties[:, ~off] = 0.0
    ties[(~present)[:, :, None] | (~present)[:, None, :]] = np.nan
    starts, ends, changeable, counted = [], [], [], []
    carried = np.zeros((n, n))
    for m in range(n_waves - 1):
        observed = ties[m]
        carried = np.where(np.isnan(observed), carried, observed)
        both = present[m] & present[m + 1]
        pairs = both[:, None] & both[None, :] & off
        start = np.where(pairs, carried, 0.0)
        end = np.where(np.isnan(ties[m + 1]) | ~pairs, start, ties[m + 1])
        starts.append(start)
        ends.append(end)
        changeable.append(pairs)
        counted.append(pairs & ~np.isnan(ties[m]) & ~np.isnan(ties[m + 1]))
    prepared = {}
    for name, values in (covariates or {}).items():
        values = np.asarray(values, dtype=float)
        if values.shape != (n,):
            raise ValueError(f"covariate {name!r} must have one value per actor ({n}), got shape {values.shape}")
        if np.isnan(values).all():
            raise ValueError(f"covariate {name!r} is missing for every actor")
        prepared[name] = np.where(np.isnan(values), np.nanmean(values), values)
    return SaomData(ties, np.array(starts), np.array(ends), np.array(changeable), np.array(counted), prepared)


def covariate_arrays(effects: list[Effect], data: SaomData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-effect centred covariate values (p x n), ranges and similarity means for the kernel."""
    n = data.n_actors
    values = np.zeros((len(effects), n))
    ranges = np.ones(len(effects))
    sim_means = np.zeros(len(effects))
    for k, effect in enumerate(effects):
        if effect.covariate is None:
            continue
        if effect.covariate not in data.covariates:
            raise KeyError(
                f"effect {effect.label!r} names covariate {effect.covariate!r}; available: {sorted(data.covariates)}"
            )
        v = data.covariates[effect.covariate]
        values[k] = v - v.mean()
        spread = v.max() - v.min()
        if spread == 0:
            raise ValueError(f"covariate {effect.covariate!r} is constant; its effects are not identified")
        ranges[k] = spread
        sim = 1.0 - np.abs(v[:, None] - v[None, :]) / spread
        sim_means[k] = sim[~np.eye(n, dtype=bool)].mean()
    return values, ranges, sim_means


def network_statistics(
    x: np.ndarray, effects: list[Effect], values: np.ndarray, ranges: np.ndarray, sim_means: np.ndarray
) -> np.ndarray:
    """Target statistics ``sum_i s_ik(x)`` of a 0/1 network for each effect."""
    out = np.empty(len(effects))
    two_paths = x @ x
    for k, effect in enumerate(effects):
        code = effect.code
        if code == 0:
            out[k] = x.sum()
        elif code == 1:
            out[k] = (x * x.T).sum()
        elif code == 2:
            out[k] = (two_paths * x).sum()
        elif code == 3:
            out[k] = (two_paths * x.T).sum()
        elif code == 4:
            v = values[k]
            sim = 1.0 - np.abs(v[:, None] - v[None, :]) / ranges[k] - sim_means[k]
            out[k] = (x * sim).sum()
        elif code == 5:
            out[k] = x.sum(axis=1) @ values[k]
        else:
            out[k] = x.sum(axis=0) @ values[k]
    return out
