"""Seeded replications, serially or as Dask tasks, with the same numbers either way.

:func:`map_seeded` gives task ``i`` the ``i``-th child of ``SeedSequence(seed).spawn(len(tasks))``
and gathers the results in task order, so a Monte Carlo study gives identical numbers serially,
on one Dask worker or on many (the child seeds do not depend on who runs a task or when).
Large read-only inputs (graphs, panels) are passed as ``shared`` and put into the task graph once
instead of being shipped with every task.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def seed_children(seed, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child seeds of ``seed`` (None, an int or a SeedSequence)."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return root.spawn(n)


def map_seeded(func: Callable, tasks: Sequence, *, seed=None, client=None, shared: dict | None = None) -> list:
    """``[func(task, child_seed, **shared) for task, child_seed in zip(tasks, children)]``.

    ``func`` must be a pure function of its arguments (build its generator with
    ``np.random.default_rng(child_seed)``). With ``client`` (a ``dask.distributed.Client``) each
    task runs as one Dask task; ``shared`` values enter the task graph once and reach ``func``
    as the same keyword arguments.
    """
    tasks = list(tasks)
    children = seed_children(seed, len(tasks))
    shared = dict(shared or {})
    if client is None:
        return [func(task, child, **shared) for task, child in zip(tasks, children)]
    # shared inputs are put in the graph once (one key each) and every task depends on that key;
    # scattering them instead lost the data when a worker released its replica (FutureCancelledError)
    keys = {k: client.submit(lambda value: value, v, pure=False) for k, v in shared.items()}
    futures = [client.submit(func, task, child, pure=False, **keys) for task, child in zip(tasks, children)]
    return client.gather(futures)
