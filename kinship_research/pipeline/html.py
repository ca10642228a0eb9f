"""The HTML report of an executed notebook: code hidden, data sources and citations appended.

What reaches the page from data is sanitised: markdown cells and HTML/markdown outputs pass through
nbconvert's ``SanitizeHTML`` (bleach) with a list of allowed tags that keeps tables, images and
formatting, and no ``<script>``, ``<iframe>``, ``on*=`` handlers or ``javascript:`` URLs. Outputs of
other types that could run code (``application/javascript``, widgets, SVG) are dropped; PNG/JPEG
images and LaTeX text are kept. The template itself is trusted.

The page works offline: math is typeset by a MathJax 2.7 copy taken from the ``jupyter_server_mathjax``
package into ``reports/assets/mathjax/`` (once per reports folder, sweeps included; the report links
``../assets/mathjax/MathJax.js``), progress-bar widgets and their saved state are left out (they need
scripts from the network and mean nothing once the run is over), so is a last cell's value that is
only a file path (``save_results`` returns the staging path), and a table of contents
(``<nav id="kinship-toc">``) lists the section headings, figures and tables. Figures and tables are
exported with :mod:`kinship_research.pipeline.exports` before the page is written.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
from pathlib import Path

from kinship_research.pipeline.exports import DOWNLOADS_CLASS, export_outputs
from kinship_research.reporting.escape import html_text, markdown_link, markdown_text

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
WIDGET_OUTPUT = "application/vnd.jupyter.widget-view+json"
ASSETS = "assets"
MATHJAX_CONFIG = "?config=TeX-AMS-MML_HTMLorMML-full,Safe"
# Parts of the jupyter_server_mathjax copy a report never loads (other languages, accessibility
# explorer): 6 of its 12 MB.
_MATHJAX_UNUSED = ("localization/[!e]*", "localization/e[!n]*", "extensions/a11y")
# nbconvert's lab template without the two scripts it loads from a CDN (require.js for widgets,
# mermaid for diagrams): the reports have neither. jupyter_server_mathjax ships only the STIX-Web
# fonts, so MathJax is told to use them (the settings the classic Jupyter notebook used with it).
OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
{{ super() }}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], imageFont: null, preferredFont: null, webFont: "STIX-Web"},
                    SVG: {font: "STIX-Web"}});
</script>
{%- endblock html_head_js_mathjax -%}"""
TOC_ID = "kinship-toc"
REPORT_STYLE = """<style>
#kinship-toc{border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa;padding:.6em 1.2em;
  margin:1em 0 1.5em;max-width:46em;font-size:95%}
#kinship-toc h2{font-size:105%;margin:.2em 0 .4em}
#kinship-toc ul{margin:0;padding-left:1.4em}
#kinship-toc li.toc-h3,#kinship-toc li.toc-export{margin-left:1.2em;list-style:circle}
#kinship-toc li.toc-top{margin-left:0;list-style:disc}
#kinship-toc a{text-decoration:none}
table.kinship-table{border-collapse:collapse;margin:.5em 0;font-variant-numeric:tabular-nums}
table.kinship-table caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
table.kinship-table th{border-bottom:2px solid #555;padding:.3em .7em;text-align:left}
table.kinship-table td{border-bottom:1px solid #ddd;padding:.25em .7em;text-align:left}
table.kinship-table td.num,table.kinship-table th.num{text-align:right;white-space:nowrap}
p.kinship-downloads{font-size:85%;color:#555;margin:.2em 0 1.2em}
</style>"""


def _provenance_cell(results: dict) -> dict:
    import nbformat

    lines = ["## Data sources and citations", ""]
    for d in results.get("datasets", []):
        m = {k: markdown_text(d.get(k, "")) for k in ("id", "title", "terms", "citation")}
        m["source"] = markdown_link(d.get("source", ""))
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

    drop_widgets(nb)
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
            cell.outputs = [o for o in cell.outputs if ("data" not in o or o["data"]) and not _is_path_value(o)]


def _is_path_value(output) -> bool:
    """A cell's value that is only a file path (``save_results`` returns one as the last cell's value):
    it names the staging folder, not the report, so the page leaves it out."""
    data = output.get("data", {})
    text = data.get("text/plain", "")
    return (
        output.get("output_type") == "execute_result"
        and set(data) == {"text/plain"}
        and bool(_PATH_REPR.match("".join(text) if isinstance(text, list) else text))
    )


def drop_widgets(nb) -> None:
    """Remove widget outputs (tqdm progress bars under ipywidgets) and the saved widget state, in place."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.get("outputs"):
            cell.outputs = [o for o in cell.outputs if WIDGET_OUTPUT not in o.get("data", {})]


def assets_home(reports_dir: Path) -> Path:
    """The reports folder whose ``assets/`` serve a report written into ``reports_dir``: ``reports_dir``
    itself, or for a sweep cell (``<reports>/sweeps/<sweep>/<cell>``) the ``<reports>`` folder above, so
    that a sweep of many cells shares one MathJax copy."""
    from kinship_research.pipeline.sweep import SWEEPS

    reports_dir = Path(reports_dir)
    return reports_dir.parents[2] if reports_dir.parent.parent.name == SWEEPS else reports_dir


def mathjax_url(html_path: Path) -> str:
    """Relative URL of the MathJax copy for the report ``html_path`` (``reports/<name>/<name>.html``)."""
    folder = Path(html_path).parent
    home = assets_home(folder.parent) / ASSETS / "mathjax" / "MathJax.js"
    return Path(os.path.relpath(home, folder)).as_posix() + MATHJAX_CONFIG


def install_mathjax(reports_dir: Path) -> Path:
    """Copy MathJax from the ``jupyter_server_mathjax`` package to ``reports_dir/assets/mathjax`` unless
    a copy of the same package version is there; return that folder."""
    from importlib import metadata

    import jupyter_server_mathjax

    version = metadata.version("jupyter_server_mathjax")
    target = Path(reports_dir) / ASSETS / "mathjax"
    stamp = target / ".version"
    if stamp.exists() and stamp.read_text().strip() == version:
        return target
    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".mathjax-"))
    try:
        copy = staging / "mathjax"
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        for pattern in _MATHJAX_UNUSED:
            for unused in copy.glob(pattern):
                shutil.rmtree(unused) if unused.is_dir() else unused.unlink()
        (copy / ".version").write_text(version + "\n")
        if not (stamp.exists() and stamp.read_text().strip() == version):  # another run may have won
            shutil.rmtree(target, ignore_errors=True)
            try:
                copy.replace(target)
            except OSError:  # a concurrent run installed its copy in between
                if not stamp.exists():
                    raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.S)
_DOWNLOADS = re.compile(rf'<p class="{DOWNLOADS_CLASS}">(Figure|Table) (\d+):')
_EXPORT_ANCHOR = re.compile(rf'<p class="{DOWNLOADS_CLASS}" id="((?:figure|table)-\d+)">((?:Figure|Table) \d+):')
_TAG = re.compile(r"<[^>]+>")
_PATH_REPR = re.compile(r"^(Posix|Windows)Path\('[^']*'\)$")


def _anchor_exports(body: str) -> str:
    """An id (``figure-1``, ``table-2``) on each exported figure's and table's links line."""
    return _DOWNLOADS.sub(
        lambda m: f'<p class="{DOWNLOADS_CLASS}" id="{m.group(1).lower()}-{m.group(2)}">{m.group(1)} {m.group(2)}:',
        body,
    )


def table_of_contents(body: str) -> str:
    """``body`` with a ``<nav id="kinship-toc">`` listing its h2/h3 headings, figures and tables (in page
    order) put after the first h1 (before the first entry when there is no h1), and the report's CSS
    added to its head."""
    body = _anchor_exports(body).replace("</head>", f"{REPORT_STYLE}\n</head>", 1)
    entries = [(m.start(), f"h{m.group(1)}", m.group(2), m.group(3)) for m in _HEADING.finditer(body)]
    entries += [(m.start(), "export", m.group(1), m.group(2)) for m in _EXPORT_ANCHOR.finditer(body)]
    items, under_heading = [], False
    for _, level, anchor, inner in sorted(entries):
        text = html.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        under_heading = under_heading or level != "export"
        kind = f"toc-{level}" if under_heading else "toc-export toc-top"  # a figure before any heading
        items.append(f'<li class="{kind}"><a href="#{anchor}">{html_text(text)}</a></li>')
    if not items:
        return body
    nav = f'<nav id="{TOC_ID}" class="{TOC_ID}"><h2 class="toc-title">Contents</h2><ul>{"".join(items)}</ul></nav>'
    end_h1 = body.find("</h1>")
    at = end_h1 + len("</h1>") if end_h1 >= 0 else min(e[0] for e in entries)
    return body[:at] + nav + body[at:]


def export_html(executed: Path, html_path: Path, results: dict | None) -> None:
    """Sanitised HTML of an executed notebook with the code hidden, plus a data-sources section;
    figures and tables exported beside it (see the module docstring)."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    from kinship_research.pipeline.atomic import write_text_atomic

    nb = nbformat.read(executed, as_version=4)
    export_outputs(nb, Path(html_path).parent)
    if results:
        nb.cells.append(_provenance_cell(results))
    sanitize_notebook(nb)
    install_mathjax(assets_home(Path(html_path).parent.parent))
    exporter = HTMLExporter(
        extra_loaders=[jinja2.DictLoader({"kinship_report.html.j2": OFFLINE_TEMPLATE})],
        template_file="kinship_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        mathjax_url=mathjax_url(html_path),
    )
    body, _ = exporter.from_notebook_node(nb)
    write_text_atomic(html_path, table_of_contents(body))
