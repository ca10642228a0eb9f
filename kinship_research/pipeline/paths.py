"""Where things live: the package's data registry and notebooks, and the reports folder.

In a source checkout ``data_sources/`` and ``notebooks/`` sit beside the package; in an installed
wheel they are inside it. Reports always go to ``./reports`` of the current folder unless
``--reports-dir`` or ``$KINSHIP_REPORTS_DIR`` says otherwise, the same in a checkout and an install.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
NOTEBOOKS_ENV = "KINSHIP_NOTEBOOKS_DIR"
REPORTS_ENV = "KINSHIP_REPORTS_DIR"


def _bundled(folder: str) -> Path:
    for candidate in (PACKAGE / folder, PACKAGE.parent / folder):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no {folder}/ folder found in or beside {PACKAGE}")


def registry_dir() -> Path:
    """``data_sources/``: one TOML file per registered dataset."""
    return _bundled("data_sources")


def notebooks_dir() -> Path:
    """The package's notebooks: ``$KINSHIP_NOTEBOOKS_DIR`` if set, else the bundled ``notebooks/``."""
    if os.environ.get(NOTEBOOKS_ENV):
        return Path(os.environ[NOTEBOOKS_ENV])
    return _bundled("notebooks")


def reports_dir(override: str | Path | None = None) -> Path:
    """The reports folder: ``override``, else ``$KINSHIP_REPORTS_DIR``, else ``./reports``."""
    chosen = override or os.environ.get(REPORTS_ENV) or Path.cwd() / "reports"
    return Path(chosen).expanduser().resolve()
