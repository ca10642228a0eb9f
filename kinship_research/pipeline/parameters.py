"""Notebook discovery and the typed ``parameters`` cell: parse, list and validate parameters.

A parameters cell holds annotated assignments with a trailing help comment::

    from typing import Literal
    year: int = 2007  # year of the cross-section [1960, 2016]
    correlation: Literal["pearson", "spearman"] = "pearson"  # correlation coefficient
    report_dir: str = ""  # folder for results.json; kinship run sets it

Types are int, float, str, bool and ``Literal[...]`` of strings (a choice). A trailing ``[min, max]``
in the help comment declares an inclusive range. ``report_dir`` is reserved: the runner sets it.
Values given on the command line are checked against the cell before any kernel starts.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import math
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

from kinship_research.pipeline.paths import notebooks_dir

TYPES = {"int": int, "float": float, "str": str, "bool": bool}
TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
REPORT_DIR = "report_dir"
_RANGE = re.compile(r"\[\s*(-?[\d.eE+]+)\s*,\s*(-?[\d.eE+]+)\s*\]\s*$")
_INTEGER = re.compile(r"-?\d+")


class ParameterError(ValueError):
    """A notebook parameter that is unknown or whose value is not allowed by its declaration."""


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: name, type (int/float/str/bool/choice), default, help, limits."""

    name: str
    type: str
    default: object
    help: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    def describe(self) -> str:
        """'a value of type int in [1, 10]', 'one of pearson, spearman', 'true/false'."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.type == "bool":
            return "true/false"
        limits = f" in [{self.minimum:g}, {self.maximum:g}]" if self.minimum is not None else ""
        finite = " (finite)" if self.type == "float" else ""
        return f"a value of type {self.type}{finite}{limits}"

    def _reject(self, value) -> ParameterError:
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        return ParameterError(f"parameter {self.name!r} expects {self.describe()} ({self.help}); got {shown}")

    def parse(self, value):
        """The typed value of a command-line string or Python value, or ParameterError."""
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            low = str(value).strip().lower()
            if low not in TRUE | FALSE:
                raise self._reject(value)
            return low in TRUE
        if self.type == "str":
            if not isinstance(value, str):
                raise self._reject(value)
            typed = value
        elif isinstance(value, str):
            text = value.strip()
            if self.type == "int" and not (text.isascii() and _INTEGER.fullmatch(text)):
                raise self._reject(value)
            try:
                typed = TYPES[self.type](text)
            except ValueError:
                raise self._reject(value) from None
        elif (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (self.type == "int" and not isinstance(value, int))
        ):
            raise self._reject(value)
        else:
            typed = TYPES[self.type](value)
        if self.type == "float" and not math.isfinite(typed):
            raise self._reject(value)
        if self.choices and typed not in self.choices:
            raise self._reject(value)
        if self.minimum is not None and not self.minimum <= typed <= self.maximum:
            raise self._reject(value)
        return typed


def _annotation(node: ast.AnnAssign) -> tuple[str, tuple[str, ...] | None]:
    """('int', None) for a plain type, ('str', ('a', 'b')) for ``Literal['a', 'b']``."""
    ann = node.annotation
    if isinstance(ann, ast.Name):
        if ann.id not in TYPES:
            raise ValueError(
                f"parameter {node.target.id!r} has type {ann.id!r}; allowed: {', '.join(TYPES)}, Literal[...]"
            )
        return ann.id, None
    if isinstance(ann, ast.Subscript) and isinstance(ann.value, ast.Name) and ann.value.id == "Literal":
        items = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
        choices = tuple(ast.literal_eval(i) for i in items)
        if not choices or not all(isinstance(c, str) for c in choices):
            raise ValueError(f"parameter {node.target.id!r}: Literal choices must be strings")
        return "str", choices
    raise ValueError(
        f"parameter {node.target.id!r} has an unsupported annotation; allowed: {', '.join(TYPES)}, Literal[...]"
    )


def _is_literal_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "typing" and [a.name for a in node.names] == ["Literal"]


def parse_parameters(source: str) -> list[Parameter]:
    """Parameters declared in a parameters-cell source, in order (``report_dir`` excluded)."""
    comments = {
        tok.start[0]: tok.string.lstrip("#").strip()
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }
    params = []
    for node in ast.parse(source).body:
        if _is_literal_import(node):
            continue
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None):
            raise ValueError(
                f"line {node.lineno} of the parameters cell is not of the form 'name: type = default  # help'"
            )
        name = node.target.id
        kind, choices = _annotation(node)
        default = ast.literal_eval(node.value)
        if not isinstance(default, TYPES[kind]) or (kind != "bool" and isinstance(default, bool)):
            if not (kind == "float" and isinstance(default, int) and not isinstance(default, bool)):
                raise ValueError(f"default of {name!r} is {default!r}, not a {kind}")
        if choices and default not in choices:
            raise ValueError(f"default of {name!r} is {default!r}, not one of {choices}")
        help_text = next((comments[line] for line in range(node.lineno, node.end_lineno + 1) if line in comments), "")
        if not help_text:
            raise ValueError(f"parameter {name!r} needs a '# help' comment on its line(s)")
        if name == REPORT_DIR:
            continue
        minimum = maximum = None
        bounds = _RANGE.search(help_text)
        if bounds and kind in ("int", "float"):
            minimum, maximum = float(bounds.group(1)), float(bounds.group(2))
            if not minimum <= default <= maximum:
                raise ValueError(f"default of {name!r} ({default}) is outside its range [{minimum:g}, {maximum:g}]")
        params.append(Parameter(name, kind, default, help_text, choices, minimum, maximum))
    return params


def available() -> dict[str, Path]:
    """Notebook names (file stems) to paths, sorted."""
    return {p.stem: p for p in sorted(notebooks_dir().glob("*.ipynb"))}


def notebook_path(name: str | Path) -> Path:
    """Path of a packaged notebook ``name``, or of the user's own notebook when ``name`` is a path
    to an ``.ipynb`` file; unknown names raise KeyError listing close matches and all names."""
    if str(name).endswith(".ipynb"):
        path = Path(name).expanduser().resolve()
        if not path.is_file():
            raise KeyError(f"no notebook file at {path}")
        return path
    known = available()
    if name not in known:
        close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown notebook {name!r}.{hint} Available: {', '.join(known)}")
    return known[name]


def parameters_source(nb: dict) -> str:
    """Source of the cell tagged ``parameters`` (exactly one is required)."""
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"a notebook needs exactly one cell tagged 'parameters', found {len(cells)}")
    source = cells[0]["source"]
    return "".join(source) if isinstance(source, list) else source


def read(name: str | Path) -> dict:
    """The notebook ``name`` (or path) as a JSON dict; ValueError if the file is not a notebook."""
    path = notebook_path(name)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not a Jupyter notebook (JSON): {err}") from None


def parameters(name: str | Path) -> list[Parameter]:
    """Declared parameters of notebook ``name``."""
    return parse_parameters(parameters_source(read(name)))


def validate(name: str | Path, values: dict[str, object]) -> dict[str, object]:
    """Typed values for the given parameter overrides, or ParameterError saying what is allowed."""
    declared = {p.name: p for p in parameters(name)}
    out = {}
    for key, value in values.items():
        if key not in declared:
            listing = ", ".join(f"{p.name} ({p.type})" for p in declared.values())
            reserved = " (report_dir is set by the runner)" if key == REPORT_DIR else ""
            raise ParameterError(
                f"notebook {Path(str(name)).stem!r} has no parameter {key!r}{reserved}; valid parameters: {listing}"
            )
        out[key] = declared[key].parse(value)
    return out
