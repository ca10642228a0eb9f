"""Effects of a SAOM: actor statistics ``s_ik``, their sums (target statistics) and the kernel's codes.

Network effects, for actor ``i`` and directed 0/1 ties ``x`` (RSiena's definitions, Ripley et al.,
RSiena manual section 12.1; ``v`` an actor covariate centred at its mean; ``x_+j`` indegree,
``x_j+`` outdegree):

==============================  =============================================  ===========================
effect (RSiena shortName)       ``s_ik(x)``                                    contribution ``c_ij`` of
                                                                               the tie ``i -> j``
==============================  =============================================  ===========================
``outdegree`` (density)         ``sum_j x_ij``                                 ``1``
``reciprocity`` (recip)         ``sum_j x_ij x_ji``                            ``x_ji``
``transitive_triplets``         ``sum_{j,h} x_ij x_jh x_ih``                   ``sum_h x_ih (x_hj + x_jh)``
``three_cycles`` (cycle3)       ``sum_{j,h} x_ij x_jh x_hi``                   ``sum_h x_jh x_hi``
``indegree_popularity``         ``sum_j x_ij x_+j`` (inPop)                    ``x_+j - x_ij + 1``
``outdegree_popularity``        ``sum_j x_ij x_j+`` (outPop)                   ``x_j+``
``outdegree_activity``          ``x_i+^2`` (outAct)                            ``2 (x_i+ - x_ij) + 1``
``reciprocal_degree_activity``  ``x_i+ x_i(r)`` (reciAct)                      ``x_i(r) - x_ij x_ji +
                                                                               x_ji (x_i+ - x_ij + 1)``
``gwesp`` (gwespFF, 69)         ``sum_j x_ij w(sum_h x_ih x_hj)``              by difference (kernel)
``similarity`` (simX)           ``sum_j x_ij (sim_ij - sim_bar)``              ``sim_ij - sim_bar``
``ego`` (egoX)                  ``sum_j x_ij v_i``                             ``v_i``
``alter`` (altX)                ``sum_j x_ij v_j``                             ``v_j``
``same`` (sameX)                ``sum_j x_ij I{v_i = v_j}``                    ``I{v_i = v_j}``
==============================  =============================================  ===========================

with ``w(t) = e^a (1 - (1 - e^-a)^t)``, ``a = log 2`` (RSiena's parameter 69),
``sim_ij = 1 - |v_i - v_j| / range(v)`` and ``sim_bar`` its mean over ordered pairs ``i != j``;
``x_i(r) = sum_j x_ij x_ji`` is the reciprocated degree. ``reciprocal_degree_activity`` is RSiena's
``reciAct`` with its default internal parameter 1 ("rec.degree^(1/1) - activity": "the degree of
``i`` multiplied by ``i``'s reciprocal degree", manual section "Network evaluation function";
``RecipdegreeActivityEffect.cpp``). ``same`` is RSiena's ``sameX`` ("number of ties of ``i`` to all
other actors ``j`` who have exactly the same value on the covariate"; values equal within
``SAME_TOLERANCE``, RSiena's ``EPSILON``, ``SameCovariateEffect.cpp``); a missing covariate value is
the mean here (as for every covariate effect), whereas RSiena also leaves such actors out of the
``sameX`` target statistic, which differs only when the mean equals an observed value.
Toggling ``x_ij`` changes ``s_ik`` by ``(1 - 2 x_ij) c_ij``. When the covariate of
``similarity``/``ego``/``alter``/``same`` is the behaviour variable, its current (simulated) value is
used: these are the *selection* effects.

Behaviour effects (``z`` the behaviour centred at its observed mean; RSiena's linear, quad, avAlt,
avSim, totSim, effFrom):

======================  ==================================================================
``linear``              ``z_i``
``quadratic``           ``z_i^2``
``average_alter``       ``z_i sum_j x_ij z_j / x_i+`` (0 if ``x_i+ = 0``): *influence*
``average_similarity``  ``sum_j x_ij (sim_ij - sim_bar) / x_i+`` (0 if ``x_i+ = 0``): *influence*
``total_similarity``    ``sum_j x_ij (sim_ij - sim_bar)``: *influence*
``effect_from``         ``z_i v_i``
======================  ==================================================================

The target statistic of an effect in period ``m`` is ``sum_i s_ik`` at the period's end; as in
RSiena, network statistics take the behaviour at the start of the period and behaviour statistics
the network at the start (Snijders, Steglich & Schweinberger 2007, in *Longitudinal Models in the
Behavioral and Related Sciences*, 41-71; Steglich, Snijders & Pearson 2010, Sociological
Methodology 40:329-393).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numba import njit

from kinship_research.methods.checks import check_choice

GWESP_ALPHA = float(np.log(2.0))
"""GWESP weight parameter ``a`` (RSiena's default parameter 69, i.e. ``a = 0.69``)."""

SAME_TOLERANCE = 1e-6
"""Covariate values closer than this are "the same" (``same`` effect; RSiena's ``EPSILON``)."""

EFFECTS = {
    "outdegree": (0, "outdegree (density)", False),
    "reciprocity": (1, "reciprocity", False),
    "transitive_triplets": (2, "transitive triplets", False),
    "three_cycles": (3, "3-cycles", False),
    "similarity": (4, "{} similarity", True),
    "ego": (5, "{} ego", True),
    "alter": (6, "{} alter", True),
    "indegree_popularity": (10, "indegree - popularity", False),
    "outdegree_popularity": (11, "outdegree - popularity", False),
    "outdegree_activity": (12, "outdegree - activity", False),
    "gwesp": (13, "GWESP I -> K -> J (69)", False),
    "reciprocal_degree_activity": (14, "rec.degree^(1/1) - activity", False),
    "same": (15, "same {}", True),
}
"""Network effects: name -> (kernel code, RSiena-style label, needs a covariate)."""

BEHAVIOUR_OFFSET = 3
"""similarity/ego/alter/same whose covariate is the behaviour get codes 7/8/9/18 (current behaviour values)."""

BEHAVIOUR_CODES = (7, 8, 9, 18)
"""Kernel codes of the network effects of the current behaviour (covariate code + ``BEHAVIOUR_OFFSET``)."""

TRIAD_CODES = frozenset({2, 3, 13})
"""Codes of the effects whose statistics need the triad sums (transitive triplets, 3-cycles, GWESP)."""

BEHAVIOUR_EFFECTS = {
    "linear": (0, "{b} linear shape", False),
    "quadratic": (1, "{b} quadratic shape", False),
    "average_alter": (2, "{b} average alter", False),
    "average_similarity": (3, "{b} average similarity", False),
    "total_similarity": (4, "{b} total similarity", False),
    "effect_from": (5, "{b}: effect from {c}", True),
}
"""Behaviour effects: name -> (kernel code, RSiena-style label, needs a covariate)."""


@dataclass(frozen=True)
class Effect:
    """One effect: network ``Effect("similarity", "smoke1")`` or behaviour
    ``Effect("average_alter", behaviour="alcohol")`` (``behaviour`` names the behaviour variable)."""

    name: str
    covariate: str | None = None
    behaviour: str | None = None

    def __post_init__(self):
        table = EFFECTS if self.behaviour is None else BEHAVIOUR_EFFECTS
        if self.behaviour is None and self.name in BEHAVIOUR_EFFECTS:
            raise ValueError(f"{self.name!r} is a behaviour effect: give it in behaviour_effects=")
        if self.behaviour is not None and self.name in EFFECTS and self.name not in BEHAVIOUR_EFFECTS:
            raise ValueError(f"{self.name!r} is a network effect: give it in effects=, not behaviour_effects=")
        check_choice("network effect" if self.behaviour is None else "behaviour effect", self.name, table)
        needs = table[self.name][2]
        if needs and self.covariate is None:
            raise ValueError(f"effect {self.name!r} needs a covariate name, e.g. '{self.name}:smoke1'")
        if not needs and self.covariate is not None:
            raise ValueError(f"effect {self.name!r} takes no covariate (got {self.covariate!r})")

    @property
    def code(self) -> int:
        return (EFFECTS if self.behaviour is None else BEHAVIOUR_EFFECTS)[self.name][0]

    @property
    def label(self) -> str:
        if self.behaviour is None:
            return EFFECTS[self.name][1].format(self.covariate)
        return BEHAVIOUR_EFFECTS[self.name][1].format(b=self.behaviour, c=self.covariate)

    @classmethod
    def parse(cls, spec: str | Effect, behaviour: str | None = None) -> Effect:
        """``"reciprocity"``, ``"similarity:smoke1"``; with ``behaviour``: ``"linear"``, ``"effect_from:age"``."""
        if isinstance(spec, Effect):
            if spec.behaviour != behaviour:
                raise ValueError(f"{spec} is not an effect of {'the network' if behaviour is None else behaviour}")
            return spec
        if not isinstance(spec, str):
            raise TypeError(f"an effect is a name like 'reciprocity' or 'similarity:smoke1', got {spec!r}")
        name, _, covariate = spec.partition(":")
        return cls(name, covariate or None, behaviour)


@dataclass(frozen=True, eq=False)
class Behaviour:
    """An ordinal behaviour variable prepared for estimation (built by :func:`saom_data`).

    ``values`` (W x n, NaN missing or absent); ``start[m]`` carries missing values forward (first
    wave: the observed mean, rounded); ``end[m]`` replaces missing end values by the start;
    ``changeable[m]`` actors present at both waves of period ``m`` (others keep their value);
    ``counted[m]`` actors observed at both waves. ``mean`` (centring) uses all observations;
    ``sim_mean`` is the mean similarity over pairs of distinct actors observed at the same wave,
    over all waves but the last (as RSiena computes it).
    """

    name: str
    values: np.ndarray
    start: np.ndarray
    end: np.ndarray
    changeable: np.ndarray
    counted: np.ndarray
    minimum: float
    maximum: float
    mean: float
    sim_mean: float

    @property
    def range(self) -> float:
        return self.maximum - self.minimum

    def distance(self, period: int) -> float:
        """Observed amount of change ``sum_i |z_i(t_m+1) - z_i(t_m)|`` over actors observed at both waves."""
        change = np.abs(self.values[period + 1] - self.values[period])
        return float(np.sum(np.where(self.counted[period], change, 0.0)))


@dataclass(frozen=True, eq=False)
class SaomData:
    """Panel of directed networks (and optionally one behaviour) prepared for estimation.

    Built by :func:`saom_data`. ``ties[w]`` are 0/1/NaN (NaN = missing or absent); ``start[m]`` the
    period-``m`` starting network (missing cells carried forward from the last observation, else 0;
    ties of actors not present at both ends of the period set to 0); ``end[m]`` the observed end
    network with missing cells replaced by ``start[m]``; ``changeable[m]`` pairs whose tie may
    change in period ``m`` (both actors present at both waves: other pairs are structural zeros,
    which is how composition change, Glasgow code 10, is treated); ``counted[m]`` pairs observed at
    both waves (they define the observed distance). ``covariates`` are constant actor covariates
    (NaN replaced by the mean, as RSiena does).
    """

    ties: np.ndarray
    start: np.ndarray
    end: np.ndarray
    changeable: np.ndarray
    counted: np.ndarray
    covariates: dict[str, np.ndarray] = field(default_factory=dict)
    behaviour: Behaviour | None = None

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


def _prepare_behaviour(name: str, values, present: np.ndarray) -> Behaviour:
    values = np.asarray(values, dtype=float)
    if values.shape != present.shape:
        raise ValueError(f"behaviour {name!r} must have shape {present.shape} (waves x actors), got {values.shape}")
    values = np.where(present, values, np.nan)
    observed = values[~np.isnan(values)]
    if observed.size == 0 or observed.min() == observed.max():
        raise ValueError(f"behaviour {name!r} must take at least two observed values")
    if not np.allclose(observed, np.round(observed)):
        raise ValueError(f"behaviour {name!r} must be integer-coded (ordinal), got e.g. {observed[:3]}")
    low, high = float(observed.min()), float(observed.max())
    pair_sims = []
    for wave in values[:-1]:
        v = wave[~np.isnan(wave)]
        sim = 1.0 - np.abs(v[:, None] - v[None, :]) / (high - low)
        pair_sims.append(sim[~np.eye(len(v), dtype=bool)])
    sim_mean = float(np.concatenate(pair_sims).mean())
    carried = np.full(values.shape[1], float(np.round(observed.mean())))
    starts, ends, changeable, counted = [], [], [], []
    for m in range(values.shape[0] - 1):
        carried = np.where(np.isnan(values[m]), carried, values[m])
        both = present[m] & present[m + 1]
        starts.append(carried.copy())
        ends.append(np.where(np.isnan(values[m + 1]) | ~both, carried, values[m + 1]))
        changeable.append(both)
        counted.append(both & ~np.isnan(values[m]) & ~np.isnan(values[m + 1]))
    return Behaviour(
        name,
        values,
        np.array(starts),
        np.array(ends),
        np.array(changeable),
        np.array(counted),
        low,
        high,
        float(observed.mean()),
        sim_mean,
    )


def saom_data(ties, *, present=None, covariates=None, behaviour=None) -> SaomData:
    """Prepare waves of directed ties (W x n x n, 0/1/NaN), covariates and a behaviour for estimation.

    ``present`` (W x n bool, default all True) marks composition change: pairs involving an actor
    absent at either end of a period are structural zeros in that period, and the actor's behaviour
    stays fixed. ``covariates``: ``{name: n values}`` (constant). ``behaviour``: ``(name, W x n
    integer codes, NaN missing)``.
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
    prepared_behaviour = None
    if behaviour is not None:
        name, values = behaviour
        if name in prepared:
            raise ValueError(f"behaviour name {name!r} is also a covariate name")
        prepared_behaviour = _prepare_behaviour(name, values, present)
    return SaomData(
        ties, np.array(starts), np.array(ends), np.array(changeable), np.array(counted), prepared, prepared_behaviour
    )


class KernelArrays(NamedTuple):
    """Per-effect inputs of the compiled simulator: codes, centred covariates (p x n), ranges, similarity means."""

    codes: np.ndarray
    values: np.ndarray
    ranges: np.ndarray
    sim_means: np.ndarray


def _covariate(data: SaomData, effect: Effect) -> np.ndarray:
    if effect.covariate not in data.covariates:
        raise KeyError(
            f"effect {effect.label!r} names covariate {effect.covariate!r}; available: {sorted(data.covariates)}"
            + (f" and the behaviour {data.behaviour.name!r}" if data.behaviour is not None else "")
        )
    v = data.covariates[effect.covariate]
    if v.max() == v.min():
        raise ValueError(f"covariate {effect.covariate!r} is constant; its effects are not identified")
    return v


def kernel_arrays(effects: list[Effect], data: SaomData) -> KernelArrays:
    """Codes and covariate arrays of network effects (or of behaviour effects) for the simulator."""
    n = data.n_actors
    codes = np.array([e.code for e in effects], dtype=np.int64)
    values = np.zeros((len(effects), n))
    ranges = np.ones(len(effects))
    sim_means = np.zeros(len(effects))
    behaviour = data.behaviour
    for k, effect in enumerate(effects):
        if effect.covariate is None:
            continue
        if effect.behaviour is None and behaviour is not None and effect.covariate == behaviour.name:
            codes[k] += BEHAVIOUR_OFFSET
            ranges[k], sim_means[k] = behaviour.range, behaviour.sim_mean
            continue
        v = _covariate(data, effect)
        if effect.name == "same" and np.unique(v).size == v.size:
            raise ValueError(
                f"covariate {effect.covariate!r} has no two actors with the same value: its 'same' effect is 0 "
                "for every tie (use it with a categorical covariate)"
            )
        values[k] = v - v.mean()
        ranges[k] = v.max() - v.min()
        sim = 1.0 - np.abs(v[:, None] - v[None, :]) / ranges[k]
        sim_means[k] = sim[~np.eye(n, dtype=bool)].mean()
    return KernelArrays(codes, values, ranges, sim_means)


def gwesp_weight(t: np.ndarray | float, alpha: float = GWESP_ALPHA) -> np.ndarray:
    """GWESP weight of ``t`` shared partners: ``e^a (1 - (1 - e^-a)^t)``."""
    return np.exp(alpha) * (1.0 - (1.0 - np.exp(-alpha)) ** np.asarray(t, dtype=float))


@njit(cache=True)
def _triad_sums(x, weights):
    """Sums over ties i -> j of: two-paths i -> h -> j, cycles j -> h -> i, and w(two-paths).

    The counts run over out-neighbour lists (integers: exact in any order); the GWESP weights are
    added tie by tie in row-major order.
    """
    n = x.shape[0]
    degree = np.zeros(n, np.int64)
    out = np.zeros((n, n), np.int64)
    for i in range(n):
        for j in range(n):
            if x[i, j] != 0:
                out[i, degree[i]] = j
                degree[i] += 1
    transitive = cycles = gwesp = 0.0
    for i in range(n):
        for a in range(degree[i]):
            j = out[i, a]
            shared = 0
            for b in range(degree[i]):
                if x[out[i, b], j] != 0:
                    shared += 1
            for b in range(degree[j]):
                if x[out[j, b], i] != 0:
                    cycles += 1.0
            transitive += shared
            gwesp += weights[shared]
    return transitive, cycles, gwesp


def pair_matrices(arrays: KernelArrays, z_centred: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """The n x n matrices of the dyadic covariate effects, by effect index: centred similarity
    ``1 - |v_i - v_j| / range - mean`` (similarity) and ``|v_i - v_j| < SAME_TOLERANCE`` (same);
    ``v`` is the covariate or, for effects on the behaviour, ``z_centred``. Computed once per period
    by the estimation and passed to :func:`network_statistics`."""
    codes, values, ranges, sim_means = arrays
    out = {}
    for k, code in enumerate(codes):
        v = values[k]
        if code in BEHAVIOUR_CODES:
            v, code = z_centred, code - BEHAVIOUR_OFFSET
        if code == 4:
            out[k] = 1.0 - np.abs(v[:, None] - v[None, :]) / ranges[k] - sim_means[k]
        elif code == 15:
            out[k] = np.abs(v[:, None] - v[None, :]) < SAME_TOLERANCE
    return out


def network_statistics(
    x: np.ndarray, arrays: KernelArrays, z_centred: np.ndarray | None = None, pairs: dict | None = None
) -> np.ndarray:
    """Target statistics ``sum_i s_ik(x)`` of a 0/1 network for each network effect.

    ``z_centred``: behaviour values (centred) for similarity/ego/alter on the behaviour; ``pairs``:
    :func:`pair_matrices` of ``arrays`` and ``z_centred`` (computed here when not given).
    """
    codes, values = arrays.codes, arrays.values
    pairs = pair_matrices(arrays, z_centred) if pairs is None else pairs
    out = np.empty(len(codes))
    x = np.ascontiguousarray(x, dtype=float)
    triads = TRIAD_CODES.intersection(codes.tolist())
    transitive, cycles, gwesp = _triad_sums(x, gwesp_weight(np.arange(x.shape[0] + 1))) if triads else (0.0,) * 3
    indegree, outdegree = x.sum(axis=0), x.sum(axis=1)
    for k, code in enumerate(codes):
        v = values[k]
        if code in BEHAVIOUR_CODES:
            v, code = z_centred, code - BEHAVIOUR_OFFSET
        if code == 0:
            out[k] = x.sum()
        elif code == 1:
            out[k] = (x * x.T).sum()
        elif code == 2:
            out[k] = transitive
        elif code == 3:
            out[k] = cycles
        elif code == 4 or code == 15:
            out[k] = (x * pairs[k]).sum()
        elif code == 5:
            out[k] = outdegree @ v
        elif code == 6:
            out[k] = indegree @ v
        elif code == 10:
            out[k] = indegree @ indegree
        elif code == 11:
            out[k] = indegree @ outdegree
        elif code == 12:
            out[k] = outdegree @ outdegree
        elif code == 14:
            out[k] = outdegree @ (x * x.T).sum(axis=1)
        else:
            out[k] = gwesp
    return out


def behaviour_statistics(x: np.ndarray, z: np.ndarray, arrays: KernelArrays, behaviour: Behaviour) -> np.ndarray:
    """Target statistics ``sum_i s_ik(x, z)`` of the behaviour effects (``z`` uncentred codes)."""
    codes, values = arrays.codes, arrays.values
    centred = z - behaviour.mean
    outdegree = x.sum(axis=1)
    safe = np.where(outdegree > 0, outdegree, 1.0)
    sim = 1.0 - np.abs(z[:, None] - z[None, :]) / behaviour.range - behaviour.sim_mean
    out = np.empty(len(codes))
    for k, code in enumerate(codes):
        if code == 0:
            out[k] = centred.sum()
        elif code == 1:
            out[k] = (centred**2).sum()
        elif code == 2:
            out[k] = (centred * (x * centred).sum(axis=1) / safe).sum()
        elif code == 3:
            out[k] = ((x * sim).sum(axis=1) / safe).sum()
        elif code == 4:
            out[k] = (x * sim).sum()
        else:
            out[k] = (centred * values[k]).sum()
    return out
