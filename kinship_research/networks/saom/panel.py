"""SAOM data from a :class:`~kinship_research.networks.longitudinal.LongitudinalNetwork`."""

from __future__ import annotations

import numpy as np

from kinship_research.networks.longitudinal import LongitudinalNetwork
from kinship_research.networks.saom.effects import SaomData, saom_data

SAMPLES = ("composition_change", "present_at_all_waves")
"""``composition_change``: every actor, absent ones as structural zeros (RSiena's treatment of
Glasgow code 10); ``present_at_all_waves``: only actors present at every wave used."""


def first_observed(values: np.ndarray) -> np.ndarray:
    """Per actor, the first non-missing value over the waves (NaN if never observed)."""
    values = np.asarray(values, dtype=float)
    known = ~np.isnan(values)
    first = np.argmax(known, axis=0)
    out = values[first, np.arange(values.shape[1])]
    return np.where(known.any(axis=0), out, np.nan)


def from_longitudinal(
    network: LongitudinalNetwork,
    behaviour: str | None = None,
    *,
    covariates: tuple[str, ...] = (),
    n_waves: int | None = None,
    sample: str = "composition_change",
) -> tuple[SaomData, tuple[str, ...]]:
    """The first ``n_waves`` waves of ``network`` (default all) as :class:`SaomData`.

    ``behaviour`` names an integer-coded attribute that co-evolves with the ties; ``covariates``
    are attributes used as constant actor covariates (each actor's first observed value).
    Returns the data and the ids of the actors kept (``sample``, see :data:`SAMPLES`).
    """
    if sample not in SAMPLES:
        raise ValueError(f"sample must be one of {SAMPLES}, got {sample!r}")
    n_waves = network.n_waves if n_waves is None else int(n_waves)
    if not 2 <= n_waves <= network.n_waves:
        raise ValueError(f"n_waves must be between 2 and {network.n_waves}, got {n_waves}")
    present = network.present[:n_waves]
    keep = present.all(axis=0) if sample == "present_at_all_waves" else present.any(axis=0)
    ties = network.ties[:n_waves][:, keep][:, :, keep]
    constant = {name: first_observed(network.attribute(name)[:n_waves])[keep] for name in covariates}
    dynamic = None if behaviour is None else (behaviour, network.attribute(behaviour)[:n_waves][:, keep])
    data = saom_data(ties, present=present[:, keep], covariates=constant, behaviour=dynamic)
    return data, tuple(np.asarray(network.nodes)[keep])
