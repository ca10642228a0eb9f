import re

import nbformat
from nbconvert import HTMLExporter

from kinship_research.reporting.escape import markdown_link, markdown_text

URL = "https://raw.githubusercontent.com/a_b/c_d/main/file_x.csv?x=1&y=(2)"


def _rendered(markdown: str) -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"LINK: {markdown}")])
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    return re.search(r"<p>LINK:(.*?)</p>", body, re.S).group(1)


def test_a_url_becomes_a_link_whose_href_is_the_url_itself():
    html = _rendered(markdown_link(URL))
    (href,) = re.findall(r'href="([^"]*)"', html)
    assert href.replace("&amp;", "&") == URL
    assert "\\" not in html


def test_anything_but_a_plain_http_url_is_escaped_text():
    for value in ["javascript:alert(1)", "https://x.org/<script>", "see https://x.org and more", "R package MASS"]:
        assert markdown_link(value) == markdown_text(value)
    assert "href" not in _rendered(markdown_link("javascript:alert(1)"))
