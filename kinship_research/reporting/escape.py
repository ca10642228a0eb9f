"""Escape text that comes from data (column names, error messages, registry fields) before it is put
into HTML or into a markdown cell, so that it shows as text and never runs.

>>> html_text('<img src=x onerror=alert(1)>')
'&lt;img src=x onerror=alert(1)&gt;'
"""

from __future__ import annotations

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|$~])")


def html_text(value) -> str:
    """``str(value)`` escaped for HTML text and for attribute values in double or single quotes."""
    return html.escape(str(value), quote=True)


def markdown_text(value) -> str:
    """``str(value)`` for a markdown cell: HTML escaped, markdown and math characters backslash-escaped,
    line breaks turned into spaces (so a value cannot start a heading, list, table or code block)."""
    flat = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html_text(flat))
