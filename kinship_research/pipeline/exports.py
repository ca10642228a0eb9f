"""Figures and tables taken out of an executed notebook into ``figures/`` and ``tables/`` of its report.

Design (the least invasive that behaves the same in JupyterLab and under papermill): the notebooks do
nothing special. ``kinship run`` starts the kernel with ``InlineBackend.figure_formats = {png, svg}``
(:data:`KERNEL_FIGURE_FORMATS`, passed by the runner), so every figure a cell shows (``plt.show()``,
``display(fig)`` or a figure as the cell's value) is recorded in the executed notebook as PNG *and*
SVG. Tables shown with :func:`kinship_research.reporting.tables.show_table` carry their full-precision
CSV as a ``text/csv`` part and their file name in the output metadata. After execution,
:func:`export_outputs` writes

* ``figures/figure-01.png`` and ``figures/figure-01.svg``, ... (numbered in the order shown),
* ``tables/<name>.csv`` (a repeated name gets ``-2``, ``-3``, ...),

and puts a line of links (``<p class="kinship-downloads">``) under each figure and table so that the
HTML report links its files. In JupyterLab the same cells show the same figures and tables (PNG,
HTML); only the files are not written there.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from kinship_research.pipeline.atomic import write_text_atomic
from kinship_research.reporting.escape import html_text
from kinship_research.reporting.tables import CSV_MIMETYPE, METADATA_KEY, check_table_name

KERNEL_FIGURE_FORMATS = "--InlineBackend.figure_formats={'png','svg'}"
FIGURES = "figures"
TABLES = "tables"
DOWNLOADS_CLASS = "kinship-downloads"


@dataclass(frozen=True)
class Exported:
    """One exported output: ``kind`` ('figure' or 'table'), its number in the report and its files
    (paths relative to the report folder)."""

    kind: str
    number: int
    files: tuple[str, ...]


def _links(label: str, files: tuple[str, ...]) -> dict:
    import nbformat

    links = " · ".join(f'<a href="{html_text(f)}">{html_text(Path(f).suffix[1:].upper())}</a>' for f in files)
    return nbformat.v4.new_output(
        "display_data", data={"text/html": f'<p class="{DOWNLOADS_CLASS}">{html_text(label)}: {links}</p>'}
    )


def _write_bytes(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)  # into the run's staging folder, which is swapped in whole


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _table_name(output: dict) -> str | None:
    meta = output.get("metadata", {}).get(METADATA_KEY, {})
    name = meta.get("table") if isinstance(meta, dict) else None
    if name is None or CSV_MIMETYPE not in output.get("data", {}):
        return None
    return check_table_name(name)


def export_outputs(nb, folder: Path) -> list[Exported]:
    """Write the figures and tables of executed notebook ``nb`` under ``folder`` (see the module
    docstring) and insert a links line after each one, in place. Returns what was written."""
    folder = Path(folder)
    exported: list[Exported] = []
    taken: set[str] = set()
    n_figures = n_tables = 0
    for cell in nb.cells:
        outputs = []
        for output in cell.get("outputs", []):
            outputs.append(output)
            data = output.get("data", {})
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            if "image/png" in data:
                n_figures += 1
                stem = f"{FIGURES}/figure-{n_figures:02d}"
                files = [f"{stem}.png"]
                _write_bytes(folder / files[0], base64.b64decode(_text(data["image/png"])))
                if "image/svg+xml" in data:
                    files.append(f"{stem}.svg")
                    write_text_atomic(folder / files[1], _text(data["image/svg+xml"]))
                exported.append(Exported("figure", n_figures, tuple(files)))
                outputs.append(_links(f"Figure {n_figures}", tuple(files)))
            elif (name := _table_name(output)) is not None:
                n_tables += 1
                unique, k = name, 1
                while unique in taken:
                    k += 1
                    unique = f"{name}-{k}"
                taken.add(unique)
                path = f"{TABLES}/{unique}.csv"
                write_text_atomic(folder / path, _text(data[CSV_MIMETYPE]))
                exported.append(Exported("table", n_tables, (path,)))
                outputs.append(_links(f"Table {n_tables}", (path,)))
        if "outputs" in cell:
            cell.outputs = outputs
    return exported
