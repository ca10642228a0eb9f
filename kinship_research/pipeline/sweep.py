"""``kinship sweep NAME --grid GRID.toml``: one notebook over the Cartesian product of a grid.

GRID.toml holds one non-empty list per parameter (``year = [1970, 1990]``, ``n_richest = [20, 30]``).
Every cell is typed and checked with :func:`parameters.validate` before any task is submitted.
Output in ``reports/sweeps/NAME-GRIDSTEM/``:

* ``<cell>/NAME/`` per cell, written by :func:`runner.run_notebook` exactly as ``kinship run`` does
  (staging folder, lock, atomic exchange: a killed cell leaves no half-written folder), plus
  ``<cell>/cell.json`` (the cell's sweep row, written atomically after the run);
* ``sweep.csv``: one row per cell (the parameters, every scalar of ``results`` flattened with
  ``.``, status, seconds, worker), rewritten atomically after every finished cell, so an
  interrupted sweep loses no finished cell;
* ``index.html``: the table with links and one figure per swept parameter of each numeric result.

``resume=True`` skips cells whose ``results.json`` holds the same parameters and finished ok.
Cells run as Dask tasks; a cell whose worker dies is re-run by the scheduler on another worker (up
to ``retries`` times), and each cell's row is taken from its one finished run.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kinship_research.pipeline import cluster
from kinship_research.pipeline import parameters as notebooks
from kinship_research.pipeline.atomic import write_text_atomic
from kinship_research.pipeline.index import STYLE, headline_numbers
from kinship_research.pipeline.paths import reports_dir as default_reports_dir
from kinship_research.pipeline.runner import run_notebook

SWEEPS = "sweeps"
CELL_FILE = "cell.json"
STATUS_COLUMNS = ["status", "seconds", "worker"]


@dataclass(frozen=True)
class Cell:
    """One grid cell: its folder name and typed parameter values."""

    key: str
    parameters: dict


def read_grid(path: str | Path) -> dict[str, list]:
    """The grid of ``path``: {parameter: non-empty list of values} (ValueError if not so)."""
    path = Path(path)
    try:
        grid = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"grid file {path} does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"grid file {path} is not valid TOML: {err}") from None
    if not grid:
        raise ValueError(f"grid file {path} names no parameter; write one list per parameter, e.g. year = [1970, 1990]")
    for name, values in grid.items():
        if not isinstance(values, list):
            raise ValueError(
                f"grid file {path}: {name!r} must be a list of values, e.g. {name} = "
                f"[{values!r}], got {type(values).__name__}"
            )
        if not values:
            raise ValueError(f"grid file {path}: {name!r} is an empty list; give at least one value")
    return grid


def _slug(value) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", str(value))[:40]


def cells(name: str | Path, grid: dict[str, list]) -> list[Cell]:
    """The Cartesian product of ``grid``, every cell validated against notebook ``name``."""
    if notebooks.REPORT_DIR in grid:
        raise ValueError(f"{notebooks.REPORT_DIR!r} cannot be swept: the sweep sets each cell's folder")
    keys = list(grid)
    out = []
    for i, combo in enumerate(itertools.product(*(grid[k] for k in keys))):
        typed = notebooks.validate(name, dict(zip(keys, combo)))
        label = ",".join(f"{k}={_slug(v)}" for k, v in typed.items())
        out.append(Cell(f"{i:04d}_{label}"[:200], typed))
    return out


def scalar_results(results: dict) -> dict:
    """Scalar headline numbers of a results.json ``results`` section, flattened with ``.``."""
    flat = headline_numbers(results or {})
    return {k: v for k, v in flat if not (isinstance(v, str) and v.startswith("table of "))}


def _report(cell_dir: Path, stem: str) -> dict | None:
    try:
        return json.loads((cell_dir / stem / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def finished_row(cell_dir: Path, stem: str, parameters: dict) -> dict | None:
    """The saved row of a cell that already finished ok with these ``parameters`` (for resume)."""
    report = _report(cell_dir, stem)
    try:
        row = json.loads((cell_dir / CELL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if report is None or report.get("run", {}).get("status") != "ok":
        return None
    declared = report.get("parameters", {})
    if any(declared.get(k) != v for k, v in parameters.items()):
        return None
    return row


def run_cell(name: str, cell: Cell, cell_dir: Path) -> dict:
    """Run one cell into ``cell_dir`` and return its sweep row (runs on a Dask worker)."""
    stem = notebooks.notebook_path(name).stem
    try:
        record = run_notebook(name, cell.parameters, reports_dir=cell_dir, forked=True)
        status, seconds, error = record.status, record.seconds, record.error
    except Exception as err:  # a lock held by another sweep, an unwritable folder: this cell fails
        status, seconds, error = "failed", 0.0, f"{type(err).__name__}: {err}"
    report = _report(cell_dir, stem) if status == "ok" else None
    row = {
        "cell": cell.key,
        **cell.parameters,
        **scalar_results((report or {}).get("results")),
        "status": status,
        "seconds": seconds,
        "worker": cluster.worker_name(),
        "error": error or "",
    }
    write_text_atomic(cell_dir / CELL_FILE, json.dumps(row, sort_keys=True) + "\n")
    return row


def sweep_dir(name: str | Path, grid_path: str | Path, reports_dir: Path | None = None) -> Path:
    """``reports/sweeps/NAME-GRIDSTEM/``."""
    stem = notebooks.notebook_path(name).stem
    return Path(reports_dir or default_reports_dir()) / SWEEPS / f"{stem}-{Path(grid_path).stem}"


def _table(rows: list[dict], swept: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    results = [c for c in frame.columns if c not in {"cell", *swept, *STATUS_COLUMNS, "error"}]
    return frame[["cell", *swept, *results, *STATUS_COLUMNS, "error"]]


def write_outputs(folder: Path, stem: str, rows: list[dict], swept: list[str]) -> pd.DataFrame:
    """Write ``sweep.csv`` and ``index.html`` (with figures) for the finished ``rows``."""
    frame = _table(rows, swept)
    write_text_atomic(folder / "sweep.csv", frame.to_csv(index=False))
    figures = _figures(folder, frame, swept)
    links = [f'<a href="{html.escape(c)}/{stem}/{stem}.html">{html.escape(c)}</a>' for c in frame["cell"]]
    shown = frame.drop(columns="cell").assign(report=links)
    body = shown.to_html(index=False, escape=False, float_format=lambda v: f"{v:.4g}", na_rep="")
    images = "".join(
        f'<p><img src="{html.escape(f)}" alt="{html.escape(f)}" style="max-width:100%"></p>' for f in figures
    )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>sweep {html.escape(folder.name)}"
        f"</title><style>{STYLE}</style></head><body><h1>Sweep {html.escape(folder.name)}</h1>"
        f"<p>{len(frame)} cells: {(frame.status == 'ok').sum()} ok, {(frame.status != 'ok').sum()} "
        f"not ok.</p>{body}{images}</body></html>\n"
    )
    write_text_atomic(folder / "index.html", page)
    return frame


def _figures(folder: Path, frame: pd.DataFrame, swept: list[str]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kinship_research.plots.style import caption

    ok = frame[frame.status == "ok"]
    skip = {"cell", *swept, *STATUS_COLUMNS, "error"}
    numeric = [
        c
        for c in frame.columns
        if c not in skip
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
        and ok[c].notna().any()
    ]
    out = []
    for parameter in swept:
        if not numeric or not pd.api.types.is_numeric_dtype(ok[parameter]) or ok[parameter].nunique() < 2:
            continue
        ncol = min(3, len(numeric))
        nrow = -(-len(numeric) // ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 3 * nrow), squeeze=False)
        for ax, column in zip(axes.flat, numeric):
            others = [p for p in swept if p != parameter]
            groups = ok.groupby(others) if others else [((), ok)]
            for values, part in groups:
                part = part.sort_values(parameter)
                values = values if isinstance(values, tuple) else (values,)
                label = ", ".join(f"{p}={v}" for p, v in zip(others, values)) if others else None
                ax.plot(part[parameter], part[column], marker="o", label=label)
            ax.set_xlabel(parameter)
            ax.set_title(column, fontsize=8)
        if others:
            axes.flat[0].legend(fontsize=7)
        for ax in list(axes.flat)[len(numeric) :]:
            ax.set_visible(False)
        held = f"; one line per value of {', '.join(others)}" if others else ""
        caption(fig, f"Sweep {folder.name}: each scalar result against {parameter}, {len(ok)} ok cells{held}.")
        name = f"figure_{_slug(parameter)}.png"
        fig.savefig(folder / name, dpi=80)
        plt.close(fig)
        out.append(name)
    return out


def run_sweep(
    name: str,
    grid_path: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    retries: int = 3,
    reports_dir: Path | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run notebook ``name`` over every cell of the grid in ``grid_path``; return the sweep table."""
    from tqdm.auto import tqdm

    grid = read_grid(grid_path)
    todo = cells(name, grid)  # every cell validated before anything runs
    stem = notebooks.notebook_path(name).stem
    folder = sweep_dir(name, grid_path, reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    swept = list(grid)
    rows: dict[str, dict] = {}
    if resume:
        for cell in todo:
            if (row := finished_row(folder / cell.key, stem, cell.parameters)) is not None:
                rows[cell.key] = row
    pending = [c for c in todo if c.key not in rows]
    bar = tqdm(total=len(todo), initial=len(rows), desc=f"sweep {folder.name}", unit="cell", disable=not progress)

    def finish(cell: Cell, row: dict, running: int) -> None:
        rows[cell.key] = row
        bar.update(1)
        failed = sum(r["status"] != "ok" for r in rows.values())
        bar.set_postfix(done=len(rows) - failed, failed=failed, running=running)
        write_outputs(folder, stem, [rows[c.key] for c in todo if c.key in rows], swept)

    try:
        if pending and scheduler is None and workers == 1:
            for cell in pending:
                finish(cell, run_cell(name, cell, folder / cell.key), 0)
        elif pending:
            from distributed import as_completed

            with cluster.connect(None if scheduler else workers, scheduler, retries=retries) as client:
                futures = {client.submit(run_cell, name, c, folder / c.key, pure=False): c for c in pending}
                left = len(futures)
                for future in as_completed(futures):
                    cell = futures[future]
                    left -= 1
                    try:
                        row = future.result()
                    except Exception as err:  # lost its worker more than `retries` times
                        row = {
                            "cell": cell.key,
                            **cell.parameters,
                            "status": "failed",
                            "seconds": 0.0,
                            "worker": "",
                            "error": f"worker died: {type(err).__name__}: {err}",
                        }
                    finish(cell, row, left)
    finally:
        bar.close()
    return write_outputs(folder, stem, [rows[c.key] for c in todo], swept)
