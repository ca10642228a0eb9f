"""Atomic writes, folder exchange and per-name locks for the reports folder.

* :func:`write_text_atomic` writes a temporary file beside the target and renames it into place.
* :func:`exchange_folder` puts a finished staging folder at ``target``: the old folder is renamed to
  ``.<name>.previous``, the new one renamed in, then the old one deleted. A kill between the two
  renames leaves ``.<name>.previous``; :func:`recover_folder` (run under the lock before every run)
  moves it back, so a report is never lost.
* :func:`hold_lock` takes ``fcntl.flock`` on ``<reports>/.locks/<name>.lock`` without waiting and
  raises :class:`LockHeldError` when another process holds it.
* Files and folders made here get the permissions of ordinary files (``0o666`` / ``0o777`` less the
  umask), not the ``0o600`` / ``0o700`` of ``mkstemp`` / ``mkdtemp``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

LOCKS = ".locks"


class LockHeldError(RuntimeError):
    """Another process is writing the same report."""


def umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def make_readable(path: Path, folder: bool = False) -> Path:
    """chmod ``path`` to what ``open``/``mkdir`` would have given it (0o666/0o777 less the umask)."""
    os.chmod(path, (0o777 if folder else 0o666) & ~umask())
    return path


def make_staging(parent: Path, name: str) -> Path:
    """A new, empty ``parent/.<name>-xxxxxxxx`` folder with ordinary permissions."""
    return make_readable(Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}-")), folder=True)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        make_readable(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _previous(target: Path) -> Path:
    return target.with_name(f".{target.name}.previous")


def recover_folder(target: Path) -> None:
    """Undo a half-done :func:`exchange_folder`: restore ``.<name>.previous`` if ``target`` is missing,
    delete it if ``target`` is there. Call it while holding the lock of ``target``."""
    previous = _previous(target)
    if not previous.exists():
        return
    if target.exists():
        shutil.rmtree(previous, ignore_errors=True)
    else:
        os.replace(previous, target)


def exchange_folder(new: Path, target: Path) -> None:
    """Move folder ``new`` to ``target``, replacing any old ``target`` with no moment without one."""
    recover_folder(target)
    previous = _previous(target)
    if target.exists():
        os.replace(target, previous)
    os.replace(new, target)
    shutil.rmtree(previous, ignore_errors=True)


@contextlib.contextmanager
def hold_lock(reports_dir: Path, name: str) -> Iterator[Path]:
    """Hold an exclusive ``flock`` on ``reports_dir/.locks/<name>.lock`` or raise LockHeldError."""
    folder = Path(reports_dir) / LOCKS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.lock"
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise LockHeldError(
                f"report {name!r} is being written by {holder} (lock {path}); "
                "wait for it to finish or run with another --reports-dir"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"process {os.getpid()}")
        fh.flush()
        try:
            yield path
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)
