"""The HTML report of an executed notebook: code hidden, data sources and citations appended.

What reaches the page from data is sanitised: markdown cells and HTML/markdown outputs pass through
nbconvert's ``SanitizeHTML`` (bleach) with a list of allowed tags that keeps tables, images and
formatting, and no ``<script>``, ``<iframe>``, ``on*=`` handlers or ``javascript:`` URLs. Outputs of
other types that could run code (``application/javascript``, widgets, SVG) are dropped; PNG/JPEG
images and LaTeX text (rendered by the template's MathJax) are kept. The template itself is trusted.
"""

from __future__ import annotations

import re
from pathlib import Path

from kinship_research.reporting.escape import markdown_text

ALLOWED_TAGS = (
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
)
ALLOWED_ATTRIBUTES = {
    "*": ["class", "title", "align"],
    "a": ["href", "title"],
    "img": ["src", "alt", "width", "height"],
    "td": ["colspan", "rowspan", "style"],
    "th": ["colspan", "rowspan", "style"],
    "table": ["border"],
    "style": ["scoped", "type"],
}
SAFE_OUTPUTS = ("text/plain", "text/latex", "application/json", "image/png", "image/jpeg")


def _provenance_cell(results: dict) -> dict:
    import nbformat

    lines = ["## Data sources and citations", ""]
    for d in results.get("datasets", []):
        m = {k: markdown_text(d.get(k, "")) for k in ("id", "title", "source", "terms", "citation")}
        sha = markdown_text(str(d.get("sha256", ""))[:12])
        lines.append(
            f"- **{m['id']}** — {m['title']}. Source: {m['source']} (sha256 `{sha}…`). "
            f"Terms: {m['terms']}. Cite: {m['citation']}"
        )
    return nbformat.v4.new_markdown_cell("\n".join(lines))


_MATH = re.compile(r"\$\$.+?\$\$|(?<![$\\])\$.+?(?<![$\\])\$|\\begin\{([a-z]*\*?)\}.*?\\end\{\1\}", re.S)


def _protect_math(text: str) -> str:
    """``<``/``>`` inside ``$..$``, ``$$..$$`` and ``\\begin..\\end`` as ``\\lt``/``\\gt`` (MathJax reads
    them the same) so that the HTML sanitiser does not take ``$x<y$`` for a tag."""
    return _MATH.sub(lambda m: m.group(0).replace("<", r"\lt ").replace(">", r"\gt "), text)


def _restore_ampersands(text: str) -> str:
    # the sanitiser writes & as &amp;; inside math the markdown renderer escapes it again itself
    return _MATH.sub(lambda m: m.group(0).replace("&amp;", "&"), text)


def sanitize_notebook(nb) -> None:
    """Sanitise ``nb`` in place (see the module docstring): markdown cells, HTML and markdown outputs."""
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    sanitizer = SanitizeHTML(tags=list(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES, strip=True)
    clean = sanitizer.sanitize_html_tags

    def markdown(text: str) -> str:
        return _restore_ampersands(clean(_protect_math(text)))

    for cell in nb.cells:
        if cell.cell_type in ("markdown", "raw"):
            cell.source = markdown(cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue  # stream and error text is escaped by the template
            data = output["data"]
            for key in list(data):
                if key == "text/html":
                    data[key] = clean(data[key])
                elif key == "text/markdown":
                    data[key] = markdown(data[key])
                elif key not in SAFE_OUTPUTS:
                    del data[key]
        if cell.get("outputs"):
            cell.outputs = [o for o in cell.outputs if "data" not in o or o["data"]]


def export_html(executed: Path, html: Path, results: dict | None) -> None:
    """Sanitised HTML of an executed notebook with the code hidden, plus a data-sources section."""
    import nbformat
    from nbconvert import HTMLExporter

    from kinship_research.pipeline.atomic import write_text_atomic

    nb = nbformat.read(executed, as_version=4)
    if results:
        nb.cells.append(_provenance_cell(results))
    sanitize_notebook(nb)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    write_text_atomic(html, body)
