"""Run many notebooks (``kinship report``) and rebuild ``reports/index.html``."""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

from kinship_research.pipeline import parameters as notebooks
from kinship_research.pipeline.index import write_index
from kinship_research.pipeline.paths import reports_dir as default_reports_dir
from kinship_research.pipeline.runner import RunRecord, run_notebook


def _run_quietly(name: str, reports_dir: Path) -> RunRecord:
    try:
        return run_notebook(name, reports_dir=reports_dir)
    except Exception as err:  # a broken parameters cell: record it, keep the others going
        return RunRecord(name, "failed", 0.0, f"{type(err).__name__}: {err}")


def run_all(names: list[str] | None = None, jobs: int = 1, reports_dir: Path | None = None) -> list[RunRecord]:
    """Run notebooks (all by default) in ``jobs`` processes, then write ``reports/index.html``."""
    names = names or list(notebooks.available())
    reports_dir = Path(reports_dir or default_reports_dir())
    if jobs > 1 and len(names) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            records = list(pool.map(_run_quietly, names, [reports_dir] * len(names)))
    else:
        records = [_run_quietly(n, reports_dir) for n in names]
    write_index(reports_dir, [asdict(r) for r in records])
    return records
