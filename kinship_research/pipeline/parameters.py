"""Notebook discovery and the typed ``parameters`` cell: parse, list and validate parameters.

A parameters cell holds only annotated assignments with a trailing comment, e.g.
``year: int = 2007  # year of the cross-section``; allowed types are int, float, str and bool.
Values given on the command line are checked against it before any kernel starts.
"""
from __future__ import annotations

import ast
import difflib
import io
import json
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path

from kinship_research.pipeline.paths import notebooks_dir

TYPES = {"int": int, "float": float, "str": str, "bool": bool}
TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


class ParameterError(ValueError):
    """A notebook parameter that is unknown or whose value does not parse as its declared type."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: object
    help: str

    def parse(self, text: str):
        """Convert a command-line string to this parameter's type, or raise ParameterError."""
        if not isinstance(text, str):
            text = str(text)
        try:
            if self.type == "bool":
                low = text.strip().lower()
                if low not in TRUE | FALSE:
                    raise ValueError
                return low in TRUE
            return TYPES[self.type](text)
        except ValueError:
            allowed = "true/false" if self.type == "bool" else f"a value of type {self.type}"
            raise ParameterError(
                f"parameter {self.name!r} expects {allowed} ({self.help}); got {text!r}"
            ) from None


def available() -> dict[str, Path]:
    """Notebook names (file stems) to paths, sorted."""
    return {p.stem: p for p in sorted(notebooks_dir().glob("*.ipynb"))}


def notebook_path(name: str) -> Path:
    """Path of notebook ``name``; unknown names raise KeyError listing close matches and all names."""
    known = available()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
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


def parse_parameters(source: str) -> list[Parameter]:
    """Parameters declared in a parameters-cell source, in order."""
    comments = {tok.start[0]: tok.string.lstrip("#").strip()
                for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    params = []
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(node.annotation, ast.Name) and node.value is not None):
            raise ValueError(
                f"line {node.lineno} of the parameters cell is not of the form "
                "'name: type = default  # help'"
            )
        kind = node.annotation.id
        if kind not in TYPES:
            raise ValueError(f"parameter {node.target.id!r} has type {kind!r}; allowed: {', '.join(TYPES)}")
        default = ast.literal_eval(node.value)
        if not isinstance(default, TYPES[kind]) and not (kind == "float" and isinstance(default, int)):
            raise ValueError(f"default of {node.target.id!r} is {default!r}, not a {kind}")
        help_text = comments.get(node.lineno, "")
        if not help_text:
            raise ValueError(f"parameter {node.target.id!r} needs a '# help' comment on its line")
        params.append(Parameter(node.target.id, kind, default, help_text))
    return params


def read(name: str) -> dict:
    """The notebook ``name`` as a JSON dict."""
    return json.loads(notebook_path(name).read_text())


def parameters(name: str) -> list[Parameter]:
    """Declared parameters of notebook ``name``."""
    return parse_parameters(parameters_source(read(name)))


def validate(name: str, values: dict[str, object]) -> dict[str, object]:
    """Typed values for the given parameter overrides, or ParameterError saying what is allowed."""
    declared = {p.name: p for p in parameters(name)}
    out = {}
    for key, value in values.items():
        if key not in declared:
            listing = ", ".join(f"{p.name} ({p.type})" for p in declared.values())
            raise ParameterError(f"notebook {name!r} has no parameter {key!r}; valid parameters: {listing}")
        p = declared[key]
        if isinstance(value, str) or p.type == "bool":
            out[key] = p.parse(value)
        elif isinstance(value, TYPES[p.type]) or (p.type == "float" and isinstance(value, int)):
            out[key] = TYPES[p.type](value)
        else:
            raise ParameterError(f"parameter {key!r} expects {p.type}; got {value!r}")
    return out
