"""The HTML report of an executed notebook: code hidden, data sources and citations appended."""
from __future__ import annotations

from pathlib import Path


def _provenance_cell(results: dict) -> dict:
    import nbformat

    lines = ["## Data sources and citations", ""]
    for d in results.get("datasets", []):
        lines.append(f"- **{d['id']}** — {d['title']}. Source: {d['source']} (sha256 `{d['sha256'][:12]}…`). "
                     f"Terms: {d['terms']}. Cite: {d['citation']}")
    return nbformat.v4.new_markdown_cell("\n".join(lines))


def export_html(executed: Path, html: Path, results: dict | None) -> None:
    """HTML of an executed notebook with the code hidden, plus a data-sources section."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    if results:
        nb.cells.append(_provenance_cell(results))
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    html.write_text(body, encoding="utf-8")
