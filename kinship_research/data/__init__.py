"""Registered public datasets: ``catalog()``, ``fetch(id)``, ``load(id)``.

>>> from kinship_research import data
>>> data.load("gapminder").head()          # doctest: +SKIP
"""
from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd

from .retrieve import (
    CACHE_ENV,
    MIRROR_ENV,
    DataHashError,
    DataUnavailableError,
    cache_dir,
    fetch_entry,
    locate,
    mirror_dir,
    sha256,
)
from .registry import Entry, entries, entry

__all__ = [
    "CACHE_ENV", "MIRROR_ENV", "DataHashError", "DataUnavailableError", "Entry", "cache_dir",
    "catalog", "entries", "entry", "fetch", "load", "mirror_dir", "sha256",
]


def fetch(dataset_id: str, progressbar: bool = True) -> Path:
    """Verified local path of a registered dataset's file (downloads it if needed)."""
    return fetch_entry(entry(dataset_id), progressbar=progressbar)


def loader(e: Entry):
    """The loader function named in the entry (``module:function`` in kinship_research.data.loaders)."""
    module, _, function = e.loader.partition(":")
    return getattr(importlib.import_module(f"kinship_research.data.loaders.{module}"), function)


def load(dataset_id: str) -> pd.DataFrame:
    """The dataset as a tidy DataFrame whose columns are described in ``entry(id).variables``."""
    e = entry(dataset_id)
    return loader(e)(fetch_entry(e), e)


def catalog() -> pd.DataFrame:
    """One row per registered dataset: id, title, kind, source, terms, citation, url, local path, available."""
    rows = []
    for e in entries().values():
        path = locate(e)
        rows.append({
            "id": e.id, "title": e.title, "kind": e.kind, "source": e.source, "terms": e.terms,
            "citation": e.citation, "url": e.url or e.official, "local": str(path) if path else None,
            "cached": path is not None and (e.kind != "url" or path.parent == cache_dir()),
            "available": path is not None,
        })
    return pd.DataFrame(rows)
