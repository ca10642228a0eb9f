"""Registered public datasets: ``catalog()``, ``fetch(id)``, ``load(id)``.

>>> from kinship_research import data
>>> data.load("gapminder").head()          # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pandas as pd

from .registry import Entry, check_loader, entries, entry
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
    verified_copy,
)

__all__ = [
    "CACHE_ENV",
    "MIRROR_ENV",
    "DataHashError",
    "DataUnavailableError",
    "Entry",
    "cache_dir",
    "catalog",
    "entries",
    "entry",
    "fetch",
    "load",
    "mirror_dir",
    "sha256",
]


def fetch(dataset_id: str, progressbar: bool = True) -> Path:
    """Verified local path of a registered dataset's file (downloads it if needed)."""
    return fetch_entry(entry(dataset_id), progressbar=progressbar)


def loader(e: Entry):
    """The loader function named in the entry: ``module:function`` where ``function`` is a public
    function *defined in* ``kinship_research.data.loaders.<module>`` (not one it imports, such as a
    pickle reader), so a registry entry cannot make ``load`` run arbitrary code."""
    module_name, _, function = check_loader(e.loader, e.id).partition(":")
    module = importlib.import_module(f"kinship_research.data.loaders.{module_name}")
    fn = getattr(module, function, None)
    if not (inspect.isfunction(fn) and fn.__module__ == module.__name__):
        raise ValueError(
            f"{e.id}: loader {e.loader!r} is not a function defined in {module.__name__}; "
            f"registered loaders there: {', '.join(loader_functions(module_name))}"
        )
    return fn


def loader_functions(module_name: str) -> list[str]:
    """Public functions defined in ``kinship_research.data.loaders.<module_name>``."""
    module = importlib.import_module(f"kinship_research.data.loaders.{module_name}")
    return sorted(
        n
        for n, f in vars(module).items()
        if inspect.isfunction(f) and f.__module__ == module.__name__ and not n.startswith("_")
    )


def load(dataset_id: str) -> pd.DataFrame:
    """The dataset as a tidy DataFrame whose columns are described in ``entry(id).variables``."""
    e = entry(dataset_id)
    return loader(e)(fetch_entry(e), e)


def catalog() -> pd.DataFrame:
    """One row per registered dataset: id, title, kind, source, terms, citation, url, local path, cached,
    available (a local copy exists *and* every file's sha256 matches the registry)."""
    rows = []
    for e in entries().values():
        path = locate(e)
        good = verified_copy(e)
        rows.append(
            {
                "id": e.id,
                "title": e.title,
                "kind": e.kind,
                "source": e.source,
                "terms": e.terms,
                "citation": e.citation,
                "url": e.url or e.official,
                "local": str(path) if path else None,
                "cached": path is not None and (e.kind != "url" or path.parent == cache_dir()),
                "available": good is not None,  # a copy whose sha256 (of every file) matches the registry
            }
        )
    return pd.DataFrame(rows)
