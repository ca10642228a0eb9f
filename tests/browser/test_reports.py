"""The reports as a reader sees them: headless Chromium opens index.html and every report offline.

A few notebooks run with their smoke parameters through the ``kinship`` command into a temporary
reports folder; each page is then loaded once from a ``file://`` URL (the browser resolves no host
names) and checked: images load, no stderr or error output, no TeX left raw, every link leads
somewhere, nothing is fetched from the network, and the index shows one thumbnail per ok notebook.
Screenshots are written to ``<reports>/screenshots/``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import pytest

from kinship_research.pipeline import index
from kinship_research.pipeline import parameters as notebooks

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser_reports")]

# Cheap notebooks (about 10 s each with smoke parameters): an inequality-and-health report with a figure,
# a network report on registered data (data-source links, inline math) and one with display math.
NOTEBOOKS = ("preston_curve", "degrees_of_separation", "homophily_vs_contagion")
PAGES = ("index.html", *(f"{name}/{name}.html" for name in NOTEBOOKS))
RAW_TEX = r"\$\$[\s\S]+?\$\$|\$(?!\s)[^$\n]+?(?<!\s)\$(?!\d)"  # pandoc's rule for inline $...$
RENDERED_MATH = "mjx-container, .MathJax, .MathJax_CHTML, .MathJax_SVG, .MathJax_Display, .katex, math"
MATH_ERRORS = ".MathJax_Error, mjx-merror, [data-mjx-error], .katex-error"
OUTPUT_ERRORS = (
    '[data-mime-type="application/vnd.jupyter.stderr"], [data-mime-type="application/vnd.jupyter.error"], '
    ".output_stderr, .output_error"
)
HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# Everything one check needs, gathered in one pass over the loaded page.
COLLECT = """
const rawTex = new RegExp(arguments[0], 'g');
const body = document.body.cloneNode(true);
body.querySelectorAll('script, style, pre, code, textarea, ' + arguments[1]).forEach(e => e.remove());
const here = location.href.split('#')[0];
return {
  title: document.title,
  images: [...document.images].map(i => ({
    src: (i.currentSrc || i.src).slice(0, 160), width: i.naturalWidth, complete: i.complete,
    link: i.closest('a[href]') ? i.closest('a[href]').href : null})),
  raw_tex: (body.textContent.match(rawTex) || []).slice(0, 10),
  rendered_math: document.querySelectorAll(arguments[1]).length,
  math_errors: [...document.querySelectorAll(arguments[2])].map(e => e.textContent.slice(0, 200)),
  output_errors: [...document.querySelectorAll(arguments[3])].map(e => e.textContent.trim().slice(0, 300)),
  links: [...document.querySelectorAll('a[href]')].map(a => {
    let url;
    try { url = new URL(a.href); } catch (e) { return {raw: a.getAttribute('href'), href: a.href, scheme: 'invalid'}; }
    const fragment = decodeURIComponent(url.hash.slice(1));
    const inPage = url.href.split('#')[0] === here;
    return {raw: a.getAttribute('href'), href: a.href, scheme: url.protocol, in_page: inPage, fragment: fragment,
            anchor_found: !!(document.getElementById(fragment) || document.getElementsByName(fragment).length)};
  }),
  resources: performance.getEntriesByType('resource').map(e => e.name),
};
"""
# Resolves once the page's typesetter (MathJax 2 or 3, if any) has finished.
TYPESET_DONE = """
const done = arguments[arguments.length - 1];
setTimeout(() => done('timed out'), 30000);
const mj = window.MathJax;
if (mj && mj.Hub && mj.Hub.Queue) { mj.Hub.Queue(() => done('mathjax2')); }
else if (mj && mj.startup && mj.startup.promise) { mj.startup.promise.then(() => done('mathjax3'), () => done('failed')); }
else { done('none'); }
"""


def _smoke_parameters(name: str) -> dict:
    return notebooks.read(name)["metadata"].get("kinship", {}).get("smoke_parameters", {})


def _kinship() -> list[str]:
    script = Path(sys.executable).with_name("kinship")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kinship_research.pipeline.cli"]


@pytest.fixture(scope="session")
def reports(mirror, tmp_path_factory) -> Path:
    """A reports folder with NOTEBOOKS run by ``kinship run`` (smoke parameters) and an index.html."""
    folder = tmp_path_factory.mktemp("browser_reports")
    env = {k: v for k, v in os.environ.items() if k != "KINSHIP_REPORTS_DIR"}
    for name in NOTEBOOKS:
        options = [a for k, v in _smoke_parameters(name).items() for a in ("-p", k, str(v))]
        run = subprocess.run(
            [*_kinship(), "run", name, *options, "--reports-dir", str(folder)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, f"kinship run {name} exited {run.returncode}:\n{run.stdout}\n{run.stderr}"
    if not (folder / "index.html").exists():  # `kinship run` leaves the index to `kinship report`
        index.write_index(folder)
    return folder


def _wait(driver, condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if driver.execute_script(condition):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="session")
def pages(chromium, reports) -> dict[str, dict]:
    """Each page of PAGES loaded once: what COLLECT found, the browser's errors and the screenshot."""
    chromium.set_script_timeout(60)
    found = {}
    for page in PAGES:
        chromium.get_log("browser")  # drop the previous page's messages
        chromium.get((reports / page).as_uri())
        _wait(chromium, "return document.readyState === 'complete'", 60)
        _wait(chromium, "return [...document.images].every(i => i.complete)", 30)
        typesetter = chromium.execute_async_script(TYPESET_DONE)
        args = (RAW_TEX, RENDERED_MATH, MATH_ERRORS, OUTPUT_ERRORS)
        _wait(chromium, f"return !document.body.textContent.match(new RegExp({json.dumps(RAW_TEX)}))", 5)
        data = chromium.execute_script(COLLECT, *args)
        data["typesetter"] = typesetter
        data["console"] = [e["message"] for e in chromium.get_log("browser") if e["level"] == "SEVERE"]
        data["screenshot"] = screenshot(chromium, reports / "screenshots" / f"{Path(page).stem}.png")
        found[page] = data
    return found


def _math_in_source(page: str, reports: Path) -> list[str]:
    """TeX in the markdown a report shows: its markdown cells and text/markdown outputs."""
    if page == "index.html":
        return []
    nb = json.loads((reports / Path(page).with_suffix(".ipynb")).read_text())
    texts = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            texts.append("".join(cell["source"]))
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("data", {}).get("text/markdown", "")))
    return re.findall(RAW_TEX, "\n".join(texts))


@pytest.mark.parametrize("page", PAGES)
def test_every_image_loads(pages, page):
    images = pages[page]["images"]
    broken = [i["src"] for i in images if not i["complete"] or i["width"] == 0]
    assert not broken, f"{page}: {len(broken)} of {len(images)} images did not load: {broken}"


@pytest.mark.parametrize("page", PAGES[1:])
def test_report_shows_a_figure(pages, page):
    assert pages[page]["images"], f"{page} has no <img>: the figures are missing"


@pytest.mark.parametrize("page", PAGES)
def test_no_stderr_or_error_output(pages, page):
    errors = pages[page]["output_errors"]
    assert not errors, f"{page} shows {len(errors)} stderr/error outputs, first: {errors[0]!r}"


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset_offline(pages, reports, page):
    data = pages[page]
    assert not data["raw_tex"], f"{page}: TeX left raw (typesetter: {data['typesetter']}): {data['raw_tex']}"
    assert not data["math_errors"], f"{page}: math that failed to typeset: {data['math_errors']}"
    expected = _math_in_source(page, reports)
    if expected:
        assert data["rendered_math"] > 0, (
            f"{page}: the notebook has math ({expected[:3]}) but the page shows no typeset math "
            f"(typesetter: {data['typesetter']})"
        )


def _link_problem(link: dict) -> str | None:
    scheme = link["scheme"]
    if scheme == "file:":
        if link["in_page"]:
            return None if not link["fragment"] or link["anchor_found"] else "no such anchor on the page"
        target = Path(url2pathname(unquote(urlparse(link["href"]).path)))
        if not target.exists():
            return f"no such file {target}"
        fragment = link["fragment"]
        if fragment and target.suffix == ".html":
            text = target.read_text(errors="replace")
            if f'id="{fragment}"' not in text and f'name="{fragment}"' not in text:
                return f"no anchor #{fragment} in {target.name}"
        return None
    if scheme in ("http:", "https:"):
        host = urlparse(link["href"]).hostname or ""
        if not HOST.fullmatch(host):
            return f"not a valid host name {host!r}"
        if "\\" in link["raw"] or "%5c" in link["href"].lower():
            return "a markdown escape (backslash) inside the URL"
        return None
    if scheme in ("mailto:", "data:"):
        return None
    return "not a valid URL" if scheme == "invalid" else f"unexpected scheme {scheme}"


@pytest.mark.parametrize("page", PAGES)
def test_every_link_resolves(pages, page):
    """Local links reach an existing file (and anchor); web links are well formed (offline: not fetched)."""
    problems = [(link["raw"][:120], why) for link in pages[page]["links"] if (why := _link_problem(link))]
    assert not problems, f"{page}: {len(problems)} broken links, e.g. {problems[:5]}"


@pytest.mark.parametrize("page", PAGES)
def test_every_resource_loads_offline(pages, page):
    """Nothing is requested from the network and every local file the page asks for exists."""
    data = pages[page]
    remote = [r for r in data["resources"] if not r.startswith(("file:", "data:", "blob:"))]
    # MathJax 2 declares a probe font at url(about:blank), which Chromium logs as a failed load.
    failed = [
        m
        for m in data["console"]
        if ("Failed to load resource" in m or "net::ERR" in m) and not m.startswith("about:blank")
    ]
    assert not remote, f"{page} requests from the network: {remote}"
    assert not failed, f"{page}: resources that did not load: {failed}"


def test_index_shows_one_thumbnail_per_ok_notebook(pages, reports):
    """Each ok notebook's key figure appears once on the index, as an image linking to its report."""
    index = pages["index.html"]
    counts = {}
    for name in NOTEBOOKS:
        assert json.loads((reports / name / "results.json").read_text())["run"]["status"] == "ok"
        report = (reports / name / f"{name}.html").resolve()
        counts[name] = sum(
            1
            for image in index["images"]
            if image["link"] and Path(url2pathname(unquote(urlparse(image["link"]).path))).resolve() == report
        )
    assert all(n == 1 for n in counts.values()), f"thumbnails linking to each report (want 1 each): {counts}"


def test_screenshots_are_written(pages, reports):
    for page, data in pages.items():
        shot = Path(data["screenshot"])
        assert shot.parent == reports / "screenshots" and shot.stat().st_size > 10_000, f"{page}: {shot}"
