"""``reports/index.html``: one row per notebook with status, headline numbers, parameters and data."""

from __future__ import annotations

import html
import json
from pathlib import Path

from .atomic import write_text_atomic

MAX_HEADLINES = 12
STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4em;vertical-align:top;font-size:90%}
th{background:#f3f3f3}.ok{color:#176f2c}.failed{color:#b00020}.skipped{color:#8a6d00}code{font-size:85%}"""


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


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def _row(reports_dir: Path, record: dict) -> str:
    name = record["name"]
    path = reports_dir / name / "results.json"
    info = json.loads(path.read_text()) if path.exists() else {}
    numbers = headline_numbers(info.get("results", {}))
    shown = "<br>".join(f"{html.escape(k)} = {_fmt(v)}" for k, v in numbers[:MAX_HEADLINES])
    if len(numbers) > MAX_HEADLINES:
        shown += f"<br>… {len(numbers) - MAX_HEADLINES} more in results.json"
    params = "<br>".join(f"{html.escape(k)} = {_fmt(v)}" for k, v in info.get("parameters", {}).items())
    data = "<br>".join(
        f"<b>{html.escape(d['id'])}</b> <code>{d['sha256'][:12]}</code>: {html.escape(d['citation'])}"
        for d in info.get("datasets", [])
    )
    link = (
        f'<a href="{name}/{name}.html">{html.escape(name)}</a>'
        if (reports_dir / name / f"{name}.html").exists()
        else html.escape(name)
    )
    status = f'<span class="{record["status"]}">{record["status"]}</span>'
    if record.get("error"):
        status += f"<br><small>{html.escape(record['error'][:400])}</small>"
    return (
        f"<tr><td>{link}<br><small>{record['seconds']} s</small></td><td>{status}</td>"
        f"<td>{shown}</td><td>{params}</td><td>{data}</td></tr>"
    )


def write_index(reports_dir: Path, records: list[dict]) -> Path:
    """Write ``reports_dir/index.html`` atomically and return its path."""
    rows = "\n".join(_row(reports_dir, r) for r in sorted(records, key=lambda r: r["name"]))
    counts = {s: sum(r["status"] == s for r in records) for s in ("ok", "skipped", "failed")}
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>kinship_research reports</title>"
        f"<style>{STYLE}</style></head><body><h1>kinship_research reports</h1>"
        f"<p>{counts['ok']} ok, {counts['skipped']} skipped, {counts['failed']} failed.</p>"
        "<table><tr><th>notebook</th><th>status</th><th>headline results</th><th>parameters</th>"
        f"<th>data (sha256, citation)</th></tr>{rows}</table></body></html>\n"
    )
    return write_text_atomic(reports_dir / "index.html", page)
