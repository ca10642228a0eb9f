"""Execute one notebook with papermill into its report folder (notebook, HTML, results.json).

Each run executes into a staging folder and only then replaces ``reports/<name>/``, so an
interrupted run never leaves half-written reports. A notebook that raises
``DataUnavailableError`` is recorded as *skipped* with the reason; any other error as *failed*.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kinship_research.pipeline import parameters as notebooks
from kinship_research.pipeline.html import export_html
from kinship_research.pipeline.paths import reports_dir as default_reports_dir
from kinship_research.pipeline.results import write_json

log = logging.getLogger(__name__)
KERNEL = "python3"


@dataclass(frozen=True)
class RunRecord:
    """Outcome of one notebook run."""

    name: str
    status: str  # "ok", "skipped" or "failed"
    seconds: float
    error: str | None = None


def _classify(err: Exception) -> tuple[str, str]:
    ename = getattr(err, "ename", type(err).__name__)
    evalue = getattr(err, "evalue", str(err))
    status = "skipped" if ename == "DataUnavailableError" else "failed"
    return status, f"{ename}: {evalue}"


def run_notebook(name: str | Path, parameters: dict | None = None, reports_dir: Path | None = None) -> RunRecord:
    """Validate ``parameters``, execute notebook ``name`` (a packaged name or a path to the user's
    own ``.ipynb``) and write ``reports_dir/<stem>/``.

    Writes ``<stem>.ipynb`` (executed), ``<stem>.html`` (code hidden) and ``results.json`` with the
    parameters used (defaults plus overrides) and a ``run`` section (status, seconds, error). The
    report folder reaches the notebook as its ``report_dir`` parameter. Parameter errors raise
    before any kernel starts.
    """
    import papermill

    source = notebooks.notebook_path(name)
    stem = source.stem
    typed = notebooks.validate(name, parameters or {})
    used = {p.name: p.default for p in notebooks.parameters(name)} | typed
    reports_dir = Path(reports_dir or default_reports_dir())
    reports_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=reports_dir, prefix=f".{stem}-"))
    executed = staging / f"{stem}.ipynb"
    start = time.perf_counter()
    status, error = "ok", None
    try:
        papermill.execute_notebook(
            str(source), str(executed), parameters={**typed, notebooks.REPORT_DIR: str(staging)},
            kernel_name=KERNEL, cwd=str(source.parent), progress_bar=False, log_output=False,
        )
        if not (staging / "results.json").exists():
            status, error = "failed", "the notebook did not call kinship_research.pipeline.results.save_results"
    except Exception as err:  # papermill reports the cell's exception; anything else is a failure too
        status, error = _classify(err)
    seconds = round(time.perf_counter() - start, 2)
    try:
        results_path = staging / "results.json"
        results = json.loads(results_path.read_text()) if results_path.exists() else {"notebook": stem}
        results["parameters"] = used
        results["run"] = {"status": status, "seconds": seconds, "error": error, "kernel": KERNEL}
        write_json(results, results_path)
        if executed.exists():
            export_html(executed, staging / f"{stem}.html", results if status == "ok" else None)
        target = reports_dir / stem
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("%s: %s in %.1f s", stem, status, seconds)
    return RunRecord(stem, status, seconds, error)
