"""Run many notebooks (``kinship report``) on Dask and rebuild ``reports/index.html``.

One notebook is one task. ``workers=1`` without a scheduler runs in this process; otherwise the
notebooks run on the client of :func:`kinship_research.pipeline.cluster.connect` (a LocalCluster
closed with the command, or an existing cluster). A notebook whose worker died more often than the
cluster allows is recorded as failed ("worker died"), the others go on.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from kinship_research.pipeline import cluster
from kinship_research.pipeline import parameters as notebooks
from kinship_research.pipeline.index import write_index
from kinship_research.pipeline.paths import reports_dir as default_reports_dir
from kinship_research.pipeline.runner import RunRecord, run_notebook


def _run_quietly(name: str, reports_dir: Path) -> RunRecord:
    try:
        return run_notebook(name, reports_dir=reports_dir)
    except Exception as err:  # a broken parameters cell: record it, keep the others going
        return RunRecord(name, "failed", 0.0, f"{type(err).__name__}: {err}")


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
            futures = [client.submit(_run_quietly, n, reports_dir, pure=False) for n in names]
            records = gather_records(client, futures, names)
    write_index(reports_dir, [asdict(r) for r in records])
    return records
