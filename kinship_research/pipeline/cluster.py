"""One place that makes a ``dask.distributed.Client`` from ``--workers N`` / ``--scheduler ADDRESS``.

Without a scheduler address a :class:`~distributed.LocalCluster` of ``workers`` processes (one
thread each, dashboard on a free port) is started and closed again with the client; its worker
processes exit as soon as this process is gone, even when it is killed, so no worker outlives the
command. With an address the client connects to an existing cluster (``dask scheduler`` +
``dask worker``, Kubernetes, Slurm through dask-jobqueue); an address that does not answer within
``timeout`` seconds raises ValueError naming it.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

from kinship_research.methods.checks import check_positive_int

CONNECT_TIMEOUT = 10.0


def default_workers() -> int:
    """The number of CPUs this process may use (the LocalCluster's default size)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextlib.contextmanager
def connect(
    workers: int | None = None, scheduler: str | None = None, *, retries: int = 3, timeout: float = CONNECT_TIMEOUT
) -> Iterator:
    """A Client on a new LocalCluster of ``workers`` processes, or on the cluster at ``scheduler``.

    ``retries`` is how often a task may lose its worker before it fails (dask's
    ``distributed.scheduler.allowed-failures``; on an existing cluster its scheduler's own setting
    applies).
    """
    import dask
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)  # its INFO lines drown the progress bar
    if workers is not None and scheduler:
        raise ValueError("give either --workers or --scheduler, not both")
    check_positive_int("retries", retries, minimum=0)
    with dask.config.set(
        {"distributed.scheduler.allowed-failures": retries, "distributed.logging.distributed": "ERROR"}
    ):
        if scheduler:
            if "://" not in scheduler:
                raise ValueError(f"--scheduler expects an address such as tcp://HOST:PORT, got {scheduler!r}")
            try:
                client = Client(scheduler, timeout=timeout)
            except (OSError, TimeoutError) as err:
                raise ValueError(
                    f"no Dask scheduler answered at {scheduler} within {timeout:g} s "
                    f"({type(err).__name__}); start one with `dask scheduler` or check "
                    "the address"
                ) from None
            with client:
                yield client
            return
        n = check_positive_int("workers", workers if workers is not None else default_workers())
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client


def worker_name() -> str:
    """The address of the Dask worker running the current task, or ``local`` outside one."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"
