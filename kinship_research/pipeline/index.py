"""``reports/index.html``: the landing page, one card per notebook grouped by theme.

Built from what is on disk, so it shows every report in the folder whichever command ran it: each
``reports/<name>/results.json`` (headline, parameters, data sources, run), the last attempt of each
notebook (``reports/.attempts/<name>.json``, :func:`kinship_research.pipeline.runner.all_attempts`)
and the notebook's own metadata (``kinship.question`` — its title as a question — and
``kinship.theme``, one of :data:`THEMES`, read from the executed copy in the report or else from the
packaged notebook). A card shows the question, the headline sentence the notebook generated from its
numbers, the key figure (``figures/figure-NN.png``, NN = ``kinship.key_figure``, default 1) as a
thumbnail linking to the report, the status and run time, and the parameters and data sources folded
in ``<details>``. A skipped or failed notebook says why in one line; when the last attempt failed but
an older good report is on disk, the card shows that report and says so. Everything that comes from
data is escaped with :func:`kinship_research.reporting.escape.html_text`.

Page structure (kept stable for the browser tests): ``section.theme#theme-<key>`` >
``article.notebook.status-<status>#notebook-<name>`` holding ``a.thumbnail > img``,
``h3.question > a``, ``p.headline``, ``p.status`` (``span.badge``), ``p.reason`` (not ok only),
``details.parameters``, ``details.datasets`` and ``p.files``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kinship_research.pipeline.atomic import write_text_atomic
from kinship_research.reporting.escape import html_text

THEMES = {
    "inequality_health": "Inequality and health",
    "social_capital": "Social capital",
    "meta_analysis": "Meta-analysis",
    "networks": "Networks and contagion",
}
"""Theme key (a notebook's ``kinship.theme`` metadata) → section title, in page order."""
OTHER_THEME = "Other notebooks"
REASON_CHARS = 240

# Styles of the sweep pages (pipeline.sweep), which still show flat tables of numbers.
STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4em;vertical-align:top;font-size:90%}
th{background:#f3f3f3}.ok{color:#176f2c}.failed{color:#b00020}.skipped{color:#8a6d00}code{font-size:85%}"""

INDEX_STYLE = """
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#fff;--bg:#f6f8fa;--ok:#1a7f37;--failed:#cf222e;
  --skipped:#9a6700;--link:#0550ae}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg);margin:0;
  line-height:1.45}
#index-header{background:#24292f;color:#fff;padding:1.6em 2em 1.2em}
#index-header h1{margin:0 0 .2em;font-size:1.7em;font-weight:600}
#index-summary{margin:0;color:#d1d9e0}
#theme-nav{padding:.7em 2em;background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:1}
#theme-nav a{margin-right:1.4em;color:var(--link);text-decoration:none;font-weight:500}
main{max-width:72em;margin:0 auto;padding:1em 2em 3em}
section.theme h2{font-size:1.3em;margin:1.6em 0 .6em;padding-bottom:.3em;border-bottom:2px solid var(--line)}
article.notebook{display:grid;grid-template-columns:260px 1fr;gap:1.2em;background:var(--card);
  border:1px solid var(--line);border-radius:8px;padding:1em 1.2em;margin:0 0 1em}
article.notebook.status-failed{border-left:4px solid var(--failed)}
article.notebook.status-skipped{border-left:4px solid var(--skipped)}
a.thumbnail{display:block;align-self:start}
a.thumbnail img{width:260px;height:190px;object-fit:contain;border:1px solid var(--line);border-radius:4px;
  background:#fff}
div.thumbnail.none{width:260px;height:190px;display:flex;align-items:center;justify-content:center;
  color:var(--muted);border:1px dashed var(--line);border-radius:4px;font-size:90%;text-align:center;padding:1em}
h3.question{margin:0 0 .15em;font-size:1.15em}
h3.question a{color:var(--ink);text-decoration:none}h3.question a:hover{color:var(--link);text-decoration:underline}
p.title{margin:0 0 .5em;color:var(--muted);font-size:88%}
p.headline{margin:.3em 0 .6em}
p.headline.missing{color:var(--muted);font-style:italic}
p.status,p.reason,p.files{margin:.3em 0;font-size:88%;color:var(--muted)}
p.reason{color:var(--ink)}
span.badge{display:inline-block;padding:0 .55em;border-radius:1em;color:#fff;font-weight:600;margin-right:.4em}
span.badge.status-ok{background:var(--ok)}span.badge.status-failed{background:var(--failed)}
span.badge.status-skipped,span.badge.status-interrupted{background:var(--skipped)}
details{margin:.35em 0;font-size:90%}
summary{cursor:pointer;color:var(--link)}
details table{border-collapse:collapse;margin:.4em 0}
details td,details th{border-bottom:1px solid var(--line);padding:.15em .8em .15em 0;text-align:left;vertical-align:top}
details ul{margin:.4em 0;padding-left:1.2em}
code{font-size:90%;background:#eff2f5;padding:0 .25em;border-radius:3px}
p.files a{color:var(--link);margin-right:.8em}
@media (max-width:760px){article.notebook{grid-template-columns:1fr}}
"""


def headline_numbers(results: dict, prefix: str = "", depth: int = 0) -> list[tuple[str, object]]:
    """Scalar entries of a results dict (nested dicts flattened with '.'); tables as their size."""
    out = []
    for key, value in results.items():
        label = f"{prefix}{key}"
        if isinstance(value, dict) and depth < 2:
            out += headline_numbers(value, f"{label}.", depth + 1)
        elif isinstance(value, (int, float, str, bool)) or value is None:
            out.append((label, value))
        elif isinstance(value, list):
            out.append((label, f"table of {len(value)} rows (in results.json)"))
    return out


@dataclass
class Card:
    """What the landing page shows for one notebook."""

    name: str
    status: str
    seconds: float | None = None
    error: str | None = None
    finished: str | None = None
    stale: bool = False  # the last attempt did not replace an older good report
    results: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    title: str = ""
    thumbnail: str | None = None
    report: str | None = None


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _notebook(reports_dir: Path, name: str) -> dict:
    executed = _read_json(reports_dir / name / f"{name}.ipynb")
    if executed:
        return executed
    from kinship_research.pipeline import parameters as notebooks

    try:
        return notebooks.read(name)
    except (KeyError, ValueError, OSError, FileNotFoundError):
        return {}


def _title(nb: dict) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
            return ""
    return ""


def _card(reports_dir: Path, name: str, attempt: dict | None) -> Card:
    folder = reports_dir / name
    results = _read_json(folder / "results.json")
    run = results.get("run", {}) if isinstance(results.get("run"), dict) else {}
    source = attempt or run
    nb = _notebook(reports_dir, name)
    meta = nb.get("metadata", {}).get("kinship", {})
    card = Card(
        name=name,
        status=str(source.get("status", "unknown")),
        seconds=source.get("seconds"),
        error=source.get("error"),
        finished=(attempt or {}).get("finished"),
        stale=bool(attempt) and not attempt.get("report_replaced", True) and run.get("status") == "ok",
        results=results,
        metadata=meta if isinstance(meta, dict) else {},
        title=_title(nb),
    )
    if (folder / f"{name}.html").exists():
        card.report = f"{name}/{name}.html"
    key = card.metadata.get("key_figure", 1)
    key = key if isinstance(key, int) and not isinstance(key, bool) and key >= 1 else 1
    shown_ok = run.get("status") == "ok"
    for number in (key, 1):
        if shown_ok and (folder / "figures" / f"figure-{number:02d}.png").exists():
            card.thumbnail = f"{name}/figures/figure-{number:02d}.png"
            break
    return card


def collect(reports_dir: Path, records: list[dict] | None = None) -> list[Card]:
    """One :class:`Card` per notebook found in ``reports_dir`` (report folders, attempt records) or in
    ``records`` (``RunRecord`` dicts of a batch, for runs that failed before writing an attempt)."""
    from kinship_research.pipeline.runner import all_attempts

    reports_dir = Path(reports_dir)
    attempts = all_attempts(reports_dir)
    names = set(attempts)
    if reports_dir.is_dir():
        names |= {
            p.name for p in reports_dir.iterdir() if not p.name.startswith(".") and (p / "results.json").is_file()
        }
    by_name = {r["name"]: r for r in records or []}
    names |= set(by_name)
    return [_card(reports_dir, n, attempts.get(n) or by_name.get(n)) for n in sorted(names)]


def _one_line(text: str | None) -> str:
    """The first non-blank line of ``text``, whitespace collapsed, cut at :data:`REASON_CHARS`."""
    first = next((line for line in str(text or "").splitlines() if line.strip()), "")
    line = " ".join(first.split())
    return line if len(line) <= REASON_CHARS else line[: REASON_CHARS - 1] + "…"


def _format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if value == "":
        return "(blank)"
    return str(value)


def _parameters(card: Card) -> str:
    params = card.results.get("parameters") or {}
    if not isinstance(params, dict) or not params:
        return ""
    rows = "".join(
        f"<tr><th><code>{html_text(k)}</code></th><td>{html_text(_format_value(v))}</td></tr>"
        for k, v in params.items()
    )
    return f'<details class="parameters"><summary>Parameters ({len(params)})</summary><table>{rows}</table></details>'


def _datasets(card: Card) -> str:
    datasets = card.results.get("datasets") or []
    if not isinstance(datasets, list) or not datasets:
        return ""
    items = []
    for d in datasets:
        if not isinstance(d, dict):
            continue
        sha = html_text(str(d.get("sha256", ""))[:12])
        items.append(
            f"<li><b>{html_text(d.get('id', ''))}</b>: {html_text(d.get('title', ''))}. "
            f"Source: {html_text(d.get('source', ''))} (sha256 <code>{sha}…</code>). "
            f"Cite: {html_text(d.get('citation', ''))}</li>"
        )
    return (
        f'<details class="datasets"><summary>Data sources ({len(items)})</summary><ul>{"".join(items)}</ul></details>'
    )


def _status(card: Card) -> str:
    status = html_text(card.status)
    badge = f'<span class="badge status-{status}">{status}</span>'
    parts = []
    if card.seconds is not None:
        parts.append(f"{html_text(card.seconds)} s")
    if card.finished:
        parts.append(html_text(card.finished.replace("T", " ").replace("+00:00", " UTC")))
    return f'<p class="status">{badge}{" · ".join(parts)}</p>'


def _reason(card: Card) -> str:
    if card.status == "ok":
        return ""
    why = _one_line(card.error) or "no reason recorded"
    verb = {"skipped": "Skipped", "failed": "Failed", "interrupted": "Interrupted"}.get(card.status, card.status)
    shown = " The report shown is the last good run." if card.stale else ""
    return f'<p class="reason">{html_text(verb)}: {html_text(why)}{shown}</p>'


def _article(card: Card) -> str:
    name = html_text(card.name)
    question = card.metadata.get("question") or card.title or card.name
    href = html_text(card.report) if card.report else None
    heading = f'<a href="{href}">{html_text(question)}</a>' if href else html_text(question)
    if card.thumbnail and href:
        thumb = (
            f'<a class="thumbnail" href="{href}"><img src="{html_text(card.thumbnail)}" alt="Key figure of {name}"></a>'
        )
    else:
        thumb = f'<div class="thumbnail none">{"no figure" if card.status == "ok" else html_text(card.status)}</div>'
    headline = card.results.get("headline") if card.results.get("run", {}).get("status") == "ok" else None
    if headline:
        headline_html = f'<p class="headline">{html_text(headline)}</p>'
    elif card.status == "ok":
        headline_html = '<p class="headline missing">This notebook declares no headline yet.</p>'
    else:
        headline_html = ""
    title = f"{html_text(card.title)} · " if card.title and card.title != question else ""
    files = [f'<a href="{href}">report</a>'] if href else []
    for label, file in (("results.json", "results.json"), ("notebook", f"{card.name}.ipynb")):
        if card.results and file:
            files.append(f'<a href="{name}/{html_text(file)}">{label}</a>')
    files_html = f'<p class="files">{"".join(files)}</p>' if files else ""
    return (
        f'<article class="notebook status-{html_text(card.status)}" id="notebook-{name}" '
        f'data-status="{html_text(card.status)}">{thumb}<div class="body">'
        f'<h3 class="question">{heading}</h3><p class="title">{title}<code>{name}</code></p>'
        f"{headline_html}{_status(card)}{_reason(card)}{_parameters(card)}{_datasets(card)}{files_html}"
        "</div></article>"
    )


def render(cards: list[Card]) -> str:
    """The landing page for ``cards`` as an HTML document."""
    groups: dict[str, list[Card]] = {key: [] for key in THEMES}
    other: list[Card] = []
    for card in cards:
        groups.get(card.metadata.get("theme"), other).append(card)
    sections, nav = [], []
    named = [(key, THEMES[key], groups[key]) for key in THEMES] + [("other", OTHER_THEME, other)]
    for key, title, members in named:
        if not members:
            continue
        nav.append(f'<a href="#theme-{key}">{html_text(title)} ({len(members)})</a>')
        body = "".join(_article(c) for c in sorted(members, key=lambda c: c.name))
        sections.append(f'<section class="theme" id="theme-{key}"><h2>{html_text(title)}</h2>{body}</section>')
    counts = {s: sum(c.status == s for c in cards) for s in ("ok", "skipped", "failed")}
    summary = f"{len(cards)} notebooks: {counts['ok']} ok, {counts['skipped']} skipped, {counts['failed']} failed."
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>kinship_research: findings</title><style>{INDEX_STYLE}</style></head><body>"
        '<header id="index-header"><h1>kinship_research: what the evidence says</h1>'
        f'<p id="index-summary">{html_text(summary)}</p></header>'
        f'<nav id="theme-nav">{"".join(nav)}</nav><main id="notebooks">{"".join(sections)}</main></body></html>\n'
    )


def write_index(reports_dir: Path, records: list[dict] | None = None) -> Path:
    """Rebuild ``reports_dir/index.html`` from the reports on disk (see the module docstring), atomically;
    ``records`` add notebooks of this batch that failed before any attempt was recorded."""
    reports_dir = Path(reports_dir)
    return write_text_atomic(reports_dir / "index.html", render(collect(reports_dir, records)))
