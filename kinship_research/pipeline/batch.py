"""Run many notebooks (``kinship report``) on Dask and rebuild ``reports/index.html``.

One notebook is one task. ``workers=1`` without a scheduler runs in this process; otherwise the
notebooks run on the client of :func:`kinship_research.pipeline.cluster.connect` (a LocalCluster
closed with the command, or an existing cluster), longest first: notebooks never run into this
reports folder start first, then the others by the seconds of their last attempt, descending (the
longest-processing-time rule, so the slowest notebook does not start last). A notebook whose worker
died more often than the cluster allows is recorded as failed ("worker died"), the others go on.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from kinship_research.pipeline import cluster
from kinship_research.pipeline import parameters as notebooks
from kinship_research.pipeline.index import write_index
from kinship_research.pipeline.paths import reports_dir as default_reports_dir
from kinship_research.pipeline.runner import RunRecord, all_attempts, run_notebook


def _run_quietly(name: str, reports_dir: Path) -> RunRecord:
    try:
        return run_notebook(name, reports_dir=reports_dir, forked=True)
    except Exception as err:  # a broken parameters cell: record it, keep the others going
        return RunRecord(name, "failed", 0.0, f"{type(err).__name__}: {err}")


def longest_first(names: list[str], reports_dir: Path) -> list[str]:
    """``names`` in the order to start them: never run first (in the given order), then by the seconds
    of the last attempt, longest first."""
    seconds = {n: a.get("seconds") for n, a in all_attempts(reports_dir).items()}
    known = [n for n in names if isinstance(seconds.get(n), int | float)]
    unknown = [n for n in names if n not in known]
    return unknown + sorted(known, key=lambda n: -seconds[n])


def submit_longest_first(client, names: list[str], reports_dir: Path, task=_run_quietly) -> list:
    """Futures of ``task(name, reports_dir)``, in the order of ``names``, prioritised by
    :func:`longest_first`."""
    order = longest_first(names, reports_dir)
    futures = {
        n: client.submit(task, n, reports_dir, pure=False, priority=len(order) - rank) for rank, n in enumerate(order)
    }
    return [futures[n] for n in names]


def gather_records(client, futures: list, names: list[str]) -> list[RunRecord]:
    """Results of ``futures`` in order; a task lost with its worker becomes a failed record."""
    records = []
    for name, future in zip(names, futures):
        try:
            records.append(future.result())
        except Exception as err:  # KilledWorker, a lost connection: one line, not a traceback
            records.append(RunRecord(name, "failed", 0.0, f"worker died: {type(err).__name__}: {err}"))
    return records


def run_all(
    names: list[str] | None = None,
    workers: int | None = 1,
    reports_dir: Path | None = None,
    *,
    scheduler: str | None = None,
    retries: int = 3,
) -> list[RunRecord]:
    """Run notebooks (all by default) on ``workers`` local processes or on the cluster at
    ``scheduler``, then write ``reports/index.html``."""
    names = names or list(notebooks.available())
    reports_dir = Path(reports_dir or default_reports_dir())
    if scheduler is None and (workers == 1 or len(names) == 1):
        records = [_run_quietly(n, reports_dir) for n in names]
    else:
        with cluster.connect(None if scheduler else workers, scheduler, retries=retries) as client:
            records = gather_records(client, submit_longest_first(client, names, reports_dir), names)
    write_index(reports_dir, [asdict(r) for r in records])
    return records
