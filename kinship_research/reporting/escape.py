"""Escape text that comes from data (column names, error messages, registry fields) before it is put
into HTML or into a markdown cell, so that it shows as text and never runs.

>>> html_text('<img src=x onerror=alert(1)>')
'&lt;img src=x onerror=alert(1)&gt;'
"""

from __future__ import annotations

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|$~])")
_PLAIN_URL = re.compile(r"^https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$")


def html_text(value) -> str:
    """``str(value)`` escaped for HTML text and for attribute values in double or single quotes."""
    return html.escape(str(value), quote=True)


def markdown_text(value) -> str:
    """``str(value)`` for a markdown cell: HTML escaped, markdown and math characters backslash-escaped,
    line breaks turned into spaces (so a value cannot start a heading, list, table or code block)."""
    flat = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html_text(flat))


def markdown_link(value) -> str:
    """An http(s) URL as a markdown link showing the URL in a code span (so that no character of it is
    read as markdown or math); anything else as :func:`markdown_text`. Escaping a bare URL instead
    would put the backslashes into the href the renderer's autolinker makes of it."""
    text = str(value).strip()
    if not _PLAIN_URL.match(text):
        return markdown_text(value)
    return f"[`{text}`](<{text}>)"
