"""Figure and table exports and the offline HTML report, on notebooks built in the test (no kernel)."""

import base64
import io
import re

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from kinship_research.pipeline import exports, html
from kinship_research.reporting import tables


def _figure_output(svg: bool = True) -> dict:
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    data = {"text/plain": "<Figure>"}
    for fmt, key in (("png", "image/png"), ("svg", "image/svg+xml")):
        if fmt == "svg" and not svg:
            continue
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt)
        raw = buffer.getvalue()
        data[key] = base64.b64encode(raw).decode() if fmt == "png" else raw.decode()
    plt.close(fig)
    return nbformat.v4.new_output("display_data", data=data)


def _table_output(df: pd.DataFrame, name: str) -> dict:
    data = {"text/html": tables.table_html(df), "text/plain": "t", "text/csv": tables.table_csv(df)}
    return nbformat.v4.new_output("display_data", data=data, metadata={"kinship": {"table": name}})


@pytest.fixture
def executed(tmp_path):
    """An 'executed' notebook: title, math, a heading, two figures (one PNG only), three tables (two
    with the same name), a progress-bar widget, the save_results path as the last value."""
    df = pd.DataFrame({"estimate": [0.123456], "ci_low": [0.1], "ci_high": [0.2]})
    widget = nbformat.v4.new_output(
        "display_data",
        data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "HBox(children=...)"},
    )
    path_value = nbformat.v4.new_output(
        "execute_result", data={"text/plain": "PosixPath('/tmp/.x-abcdefgh/results.json')"}, execution_count=5
    )
    code = nbformat.v4.new_code_cell("")
    code.outputs = [widget, _figure_output(), _table_output(df, "slopes")]
    code2 = nbformat.v4.new_code_cell("")
    code2.outputs = [_figure_output(svg=False), _table_output(df, "slopes"), _table_output(df, "other")]
    last = nbformat.v4.new_code_cell("")
    last.outputs = [path_value]
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Title\n\nThe distance $d$ and $$x^2 < y$$."),
            nbformat.v4.new_markdown_cell("## First section\n\ntext"),
            code,
            nbformat.v4.new_markdown_cell("### Detail"),
            code2,
            last,
        ],
        metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}},
    )
    folder = tmp_path / "reports" / "demo"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "demo.ipynb")
    return folder / "demo.ipynb"


def test_export_outputs_writes_files_and_links(executed):
    nb = nbformat.read(executed, as_version=4)
    folder = executed.parent
    done = exports.export_outputs(nb, folder)
    assert [(e.kind, e.number, e.files) for e in done] == [
        ("figure", 1, ("figures/figure-01.png", "figures/figure-01.svg")),
        ("table", 1, ("tables/slopes.csv",)),
        ("figure", 2, ("figures/figure-02.png",)),
        ("table", 2, ("tables/slopes-2.csv",)),
        ("table", 3, ("tables/other.csv",)),
    ]
    assert (folder / "figures/figure-01.png").read_bytes().startswith(b"\x89PNG")
    assert (folder / "figures/figure-01.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    back = pd.read_csv(folder / "tables/slopes.csv")
    assert back["estimate"].tolist() == [0.123456]  # full precision in the CSV
    links = [o for c in nb.cells for o in c.get("outputs", []) if exports.DOWNLOADS_CLASS in str(o.get("data"))]
    assert len(links) == 5
    first = links[0]["data"]["text/html"]
    assert 'href="figures/figure-01.png"' in first and 'href="figures/figure-01.svg"' in first


def test_a_bad_table_name_in_an_output_is_refused(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
    nb.cells[0].outputs = [_table_output(pd.DataFrame({"x": [1]}), "../../evil")]
    with pytest.raises(ValueError, match="table name"):
        exports.export_outputs(nb, tmp_path)


def test_report_is_offline_with_contents_and_exports(executed):
    target = executed.with_suffix(".html")
    html.export_html(executed, target, {"datasets": []})
    page = target.read_text()
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"", page)
    assert scripts == ["../assets/mathjax/MathJax.js" + html.MATHJAX_CONFIG], "the only script is the local MathJax"
    assert not re.search(r"<(?:link|img|script)[^>]+(?:src|href)=\"https?://", page)
    mathjax = (target.parent / scripts[0].split("?")[0]).resolve()
    assert mathjax.is_file() and mathjax.parent == executed.parent.parent / "assets" / "mathjax"
    assert (mathjax.parent / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert "$d$" in page  # left for MathJax to typeset
    nav = re.search(r'<nav id="kinship-toc".*?</nav>', page, re.S).group(0)
    labels = re.findall(r'<li class="toc-([\w-]+)"><a href="#([^"]+)">([^<]+)</a>', nav)
    assert [(k, t) for k, _, t in labels] == [
        ("h2", "First section"),
        ("export", "Figure 1"),
        ("export", "Table 1"),
        ("h3", "Detail"),
        ("export", "Figure 2"),
        ("export", "Table 2"),
        ("export", "Table 3"),
        ("h2", "Data sources and citations"),
    ]
    for _, anchor, _ in labels:
        assert f'id="{anchor}"' in page, f"the contents link #{anchor} has no target"
    assert page.index("</h1>") < page.index('<nav id="kinship-toc"')
    assert 'class="kinship-table"' in page and "0.123" in page
    assert "HBox(children" not in page and "PosixPath(" not in page
    assert (executed.parent / "tables" / "other.csv").is_file()


def test_mathjax_is_copied_once(tmp_path):
    first = html.install_mathjax(tmp_path)
    marker = first / "MathJax.js"
    stamp = marker.stat().st_mtime_ns
    assert html.install_mathjax(tmp_path) == first and marker.stat().st_mtime_ns == stamp
    assert not (first / "extensions" / "a11y").exists() and (first / "localization" / "en").is_dir()
    assert not list(tmp_path.joinpath("assets").glob(".mathjax-*")), "no staging folder left behind"


def test_contents_list_a_figure_before_any_heading_at_the_top_level():
    body = (
        '<html><head></head><body><h1 id="T">T</h1><p class="kinship-downloads">Figure 1: <a href="f">PNG</a></p>'
        '<h2 id="S">S</h2><p class="kinship-downloads">Table 1: <a href="t">CSV</a></p></body></html>'
    )
    page = html.table_of_contents(body)
    assert re.findall(r'<li class="([^"]+)"><a href="#([^"]+)">', page) == [
        ("toc-export toc-top", "figure-1"),
        ("toc-h2", "S"),
        ("toc-export", "table-1"),
    ]
    assert '<p class="kinship-downloads" id="figure-1">' in page and "</style>\n</head>" in page


def test_sweep_cells_share_the_reports_folders_mathjax(tmp_path):
    cell_report = tmp_path / "sweeps" / "demo-grid" / "cell-1" / "demo" / "demo.html"
    assert html.assets_home(cell_report.parent.parent) == tmp_path
    assert html.mathjax_url(cell_report) == "../../../../assets/mathjax/MathJax.js" + html.MATHJAX_CONFIG
    assert html.assets_home(tmp_path) == tmp_path
    assert html.mathjax_url(tmp_path / "demo" / "demo.html").startswith("../assets/mathjax/MathJax.js?")
