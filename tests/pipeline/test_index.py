"""The landing page, built from report folders and attempt records written in the test."""

import json
import re

import nbformat
import pytest

from kinship_research.pipeline import index
from kinship_research.pipeline import parameters as notebooks
from kinship_research.pipeline.results import write_json
from kinship_research.pipeline.runner import attempt_path

PNG = bytes.fromhex("89504e470d0a1a0a")  # the page only links the file


def _report(reports, name, *, status="ok", theme="networks", question=None, headline=None, figure=True, **extra):
    folder = reports / name
    folder.mkdir(parents=True)
    meta = {"theme": theme, "smoke_parameters": {}}
    if question:
        meta["question"] = question
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# Title of {name}\n\ntext")])
    nb.metadata["kinship"] = meta
    nbformat.write(nb, folder / f"{name}.ipynb")
    (folder / f"{name}.html").write_text("<html></html>")
    if figure:
        (folder / "figures").mkdir()
        (folder / "figures" / "figure-01.png").write_bytes(PNG)
    results = {
        "notebook": name,
        "results": {"r": 0.5},
        "datasets": [{"id": "glasgow", "title": "Glasgow", "sha256": "ab" * 32, "source": "s", "citation": "C"}],
        "parameters": {"n_draws": 20, "label": "", "alpha": 0.05},
        "run": {"status": status, "seconds": 1.5, "error": None, "kernel": "python3"},
        **({"headline": headline} if headline else {}),
        **extra,
    }
    write_json(results, folder / "results.json")


def _attempt(reports, name, status, error=None, replaced=True):
    record = {"name": name, "status": status, "error": error, "seconds": 2.25, "parameters": {}}
    write_json(
        record | {"report_replaced": replaced, "finished": "2026-12-02T14:00:00+00:00"}, attempt_path(name, reports)
    )


def _article(page, name):
    return re.search(rf'<article [^>]*id="notebook-{name}".*?</article>', page, re.S).group(0)


@pytest.fixture
def reports(tmp_path):
    reports = tmp_path / "reports"
    _report(reports, "a_ok", question="Do friends <b>matter</b>?", headline="r = 0.5 <script>alert(1)</script>.")
    _attempt(reports, "a_ok", "ok")
    _report(reports, "b_meta", theme="meta_analysis", headline="Pooled r = 0.1.")
    _attempt(reports, "b_meta", "failed", "ValueError: broke\nTraceback line 2", replaced=False)
    _attempt(reports, "c_skipped", "skipped", "DataUnavailableError: gss1985 needs a download")
    _report(reports, "d_unthemed", theme="astrology", figure=False)
    (reports / ".attempts" / ".d.json.x.tmp").write_text("{")  # a killed write is not a notebook
    (reports / ".e-abcdefgh").mkdir()  # a staging folder is not a report
    (reports / "assets").mkdir()  # nor the MathJax copy
    return reports


def test_cards_are_grouped_by_theme_in_page_order(reports):
    page = index.write_index(reports).read_text()
    sections = re.findall(r'<section class="theme" id="theme-(\w+)">', page)
    assert sections == ["meta_analysis", "networks", "other"]  # THEMES order, empty themes left out
    assert re.findall(r'<article [^>]*id="notebook-(\w+)"', page) == ["b_meta", "a_ok", "c_skipped", "d_unthemed"]
    assert 'href="#theme-networks">Networks and contagion (1)</a>' in page
    assert "4 notebooks: 2 ok, 1 skipped, 1 failed." in page


def test_ok_card_shows_question_headline_thumbnail_and_folded_details(reports):
    card = _article(index.write_index(reports).read_text(), "a_ok")
    assert '<h3 class="question"><a href="a_ok/a_ok.html">Do friends &lt;b&gt;matter&lt;/b&gt;?</a></h3>' in card
    assert '<p class="headline">r = 0.5 &lt;script&gt;alert(1)&lt;/script&gt;.</p>' in card
    assert '<a class="thumbnail" href="a_ok/a_ok.html"><img src="a_ok/figures/figure-01.png"' in card
    assert '<span class="badge status-ok">ok</span>2.25 s · 2026-12-02 14:00:00 UTC' in card
    assert '<details class="parameters"><summary>Parameters (3)</summary>' in card
    assert "<code>n_draws</code></th><td>20</td>" in card and "<td>(blank)</td>" in card
    assert '<details class="datasets"><summary>Data sources (1)</summary>' in card and "abababababab" in card
    assert 'class="reason"' not in card and "<script>" not in card


def test_failed_and_skipped_say_why_in_one_line(reports):
    page = index.write_index(reports).read_text()
    stale = _article(page, "b_meta")
    assert '<p class="reason">Failed: ValueError: broke The report shown is the last good run.</p>' in stale
    assert '<p class="headline">Pooled r = 0.1.</p>' in stale and 'class="thumbnail"' in stale
    skipped = _article(page, "c_skipped")
    assert '<p class="reason">Skipped: DataUnavailableError: gss1985 needs a download</p>' in skipped
    assert '<div class="thumbnail none">skipped</div>' in skipped and "<img" not in skipped
    unthemed = _article(page, "d_unthemed")
    assert "Title of d_unthemed" in unthemed  # no question: the notebook's title
    assert '<div class="thumbnail none">no figure</div>' in unthemed
    assert "declares no headline" in unthemed


def test_long_reasons_are_cut(tmp_path):
    _attempt(tmp_path, "x", "failed", "E: " + "word " * 200)
    reason = re.search(r'<p class="reason">(.*?)</p>', index.write_index(tmp_path).read_text()).group(1)
    assert len(reason) <= index.REASON_CHARS + len("Failed: ") and reason.endswith("…")


def test_records_of_runs_without_an_attempt_are_listed(tmp_path):
    page = index.write_index(tmp_path, [{"name": "broken", "status": "failed", "seconds": 0.0, "error": "bad cell"}])
    page = page.read_text()
    assert '<p class="reason">Failed: bad cell</p>' in _article(page, "broken")


def test_key_figure_metadata_picks_the_thumbnail(tmp_path):
    _report(tmp_path, "k")
    nb = json.loads((tmp_path / "k" / "k.ipynb").read_text())
    nb["metadata"]["kinship"]["key_figure"] = 2
    (tmp_path / "k" / "k.ipynb").write_text(json.dumps(nb))
    (tmp_path / "k" / "figures" / "figure-02.png").write_bytes(PNG)
    assert 'src="k/figures/figure-02.png"' in index.write_index(tmp_path).read_text()


@pytest.mark.parametrize("name", list(notebooks.available()))
def test_every_notebook_declares_a_known_theme_and_a_question(name):
    meta = notebooks.read(name)["metadata"].get("kinship", {})
    assert meta.get("theme") in index.THEMES, f"metadata kinship.theme must be one of {list(index.THEMES)}"
    question = meta.get("question", "")
    assert question.endswith("?") and len(question) < 140, "metadata kinship.question: the title as a question"
