"""Tables for reading and for reuse: one helper formats, displays and exports every table a notebook shows.

:func:`format_table` turns a results DataFrame into text for reading: the index is dropped when it is a
row counter, an unnamed integer index (a meaningful index, e.g. country codes, becomes the first column);
numbers get ``digits`` significant digits through :func:`~kinship_research.reporting.findings.fmt_number`;
p-values (``p_value``, ``p_holm``, ``<x>_p_value``, ...) read '< 0.001' / '0.036'
(:func:`~kinship_research.reporting.findings.fmt_p`); counts are whole numbers; and each
``ci_low``/``ci_high`` pair (also ``ci_low_<x>``/``ci_high_<x>`` and ``<x>_ci_low``/``<x>_ci_high``)
becomes one '95% CI' column reading '0.49 to 0.89'.

:func:`show_table` displays that text as HTML and attaches the unformatted table (full precision, the
column names of the library's vocabulary) as a ``text/csv`` part of the same output, with the table's
file name in the output metadata (``{"kinship": {"table": name}}``). The notebook code is the same in
JupyterLab and under papermill: JupyterLab shows the HTML; ``kinship run`` writes each such output to
``reports/<notebook>/tables/<name>.csv`` and links it under the table
(:mod:`kinship_research.pipeline.exports`).
"""

from __future__ import annotations

import math
import re

import pandas as pd

from kinship_research.methods.checks import check_level, check_positive_int
from kinship_research.reporting.escape import html_text
from kinship_research.reporting.findings import fmt_interval, fmt_number, fmt_p

CSV_MIMETYPE = "text/csv"
METADATA_KEY = "kinship"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
COUNT_COLUMNS = ("n", "n_countries", "n_states", "n_units", "n_studies", "k", "df", "rank", "year")
HEADERS = {"std_error": "std. error", "p_value": "p", "r_squared": "R²", "estimate": "estimate"}


def _is_p_column(name: str) -> bool:
    return name in ("p", "p_value") or name.startswith("p_") or name.endswith("_p_value")


def _is_count_column(name: str, values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return False
    if pd.api.types.is_integer_dtype(values):
        return True
    whole = values.dropna()
    return name in COUNT_COLUMNS and bool(((whole % 1) == 0).all())


def format_p(p_value) -> str:
    """A p-value for a table cell: '< 0.001', '0.036', '0.42' ('n/a' when missing)."""
    text = fmt_p(p_value)
    return text.removeprefix("p = ").removeprefix("p ")


def _cell(value, kind: str, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "n/a"
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "p":
        return format_p(float(value))
    if kind == "number":
        return fmt_number(float(value), digits)
    return str(value)


def _kind(name: str, values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values):
        return "bool"
    if _is_p_column(name) and pd.api.types.is_numeric_dtype(values):
        return "p"
    if _is_count_column(name, values):
        return "count"
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    return "text"


def readable_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a plain ``RangeIndex``: an unnamed integer index (a row counter, also after filtering)
    is dropped; any other index (named, text, several levels) becomes the leading column(s)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"a table must be a pandas DataFrame, got {type(df).__name__}")
    frame = df.copy()
    frame.columns = [str(c) if not isinstance(c, tuple) else " ".join(map(str, c)) for c in frame.columns]
    unnamed_counter = frame.index.nlevels == 1 and frame.index.name is None
    if unnamed_counter and pd.api.types.is_integer_dtype(frame.index.dtype):
        return frame.reset_index(drop=True)
        return frame
    names = [
        n if n is not None else ("" if frame.index.nlevels == 1 else f"level_{i}")
        for i, n in enumerate(frame.index.names)
    ]
    frame.index = frame.index.set_names(names)
    return frame.reset_index()


def format_table(df: pd.DataFrame, *, digits: int = 3, level: float = 0.95) -> pd.DataFrame:
    """``df`` as text for reading (see the module docstring): a DataFrame of strings with readable
    column headers. ``level`` only labels the interval columns ('95% CI'); it is the coverage the
    intervals were computed with."""
    check_positive_int("digits", digits)
    check_level(level)
    frame = readable_frame(df)
    columns = list(frame.columns)
    out: dict[str, list[str]] = {}
    used: set[str] = set()
    for name in columns:
        if name in used:
            continue
        partner = name.replace("ci_low", "ci_high", 1) if "ci_low" in name else None
        if partner in columns:
            prefix, suffix = (part.strip("_").replace("_", " ") for part in name.split("ci_low", 1))
            header = " ".join(part for part in (prefix, f"{level:.0%} CI", suffix) if part)
            out[header] = [
                "n/a" if pd.isna(lo) or pd.isna(hi) else fmt_interval(lo, hi, digits)
                for lo, hi in zip(frame[name], frame[partner])
            ]
            used.update({name, partner})
            continue
        kind = _kind(name, frame[name])
        header = HEADERS.get(name, name.replace("_", " "))
        out[header] = [_cell(v, kind, digits) for v in frame[name]]
        used.add(name)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def table_html(df: pd.DataFrame, *, caption: str | None = None, digits: int = 3, level: float = 0.95) -> str:
    """The formatted table as an HTML ``<table class="kinship-table">`` (all text escaped)."""
    text = format_table(df, digits=digits, level=level)
    numeric = [bool(text[c].str.match(r"^[−\-<]?\s?[\d.,]+(\s|$)|^n/a$").all()) for c in text.columns]
    head = "".join(
        f'<th class="num">{html_text(c)}</th>' if num else f"<th>{html_text(c)}</th>"
        for c, num in zip(text.columns, numeric)
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{html_text(v)}</td>' if num else f"<td>{html_text(v)}</td>"
            for v, num in zip(row, numeric)
        )
        + "</tr>"
        for row in text.itertuples(index=False)
    )
    cap = f"<caption>{html_text(caption)}</caption>" if caption else ""
    return f'<table class="kinship-table">{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def table_csv(df: pd.DataFrame) -> str:
    """The unformatted table as CSV (full precision; a meaningful index kept as leading columns)."""
    return readable_frame(df).to_csv(index=False)


def check_table_name(name: str) -> str:
    """``name`` if it is a valid table file name (lower-case letters, digits, '_' or '-')."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValueError(
            f"table name must be 1-80 lower-case letters, digits, '_' or '-' (starting with a letter or digit), "
            f"got {name!r}"
        )
    return name


def show_table(
    df: pd.DataFrame, name: str, *, caption: str | None = None, digits: int = 3, level: float = 0.95
) -> None:
    """Display ``df`` formatted for reading, carrying its CSV for export as ``tables/<name>.csv``."""
    from IPython.display import display

    check_table_name(name)
    text = format_table(df, digits=digits, level=level)
    bundle = {
        "text/html": table_html(df, caption=caption, digits=digits, level=level),
        "text/plain": text.to_string(index=False),
        CSV_MIMETYPE: table_csv(df),
    }
    display(bundle, raw=True, metadata={METADATA_KEY: {"table": name}})
