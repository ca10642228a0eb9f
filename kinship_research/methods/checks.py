"""Input checks shared by every estimator: one message for each kind of bad input.

``level`` is always interval coverage (0.95); ``alpha`` is always a decision threshold (0.05).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd


def check_level(level) -> float:
    """``level`` as a float, or ValueError unless it is a coverage strictly between 0 and 1."""
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(
            f"level is the interval coverage and must be strictly between 0 and 1 (e.g. 0.95), got {level!r}"
        )
    return float(level)


def check_alpha(alpha) -> float:
    """``alpha`` as a float, or ValueError unless it is a threshold strictly between 0 and 1."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(
            f"alpha is the decision threshold and must be strictly between 0 and 1 (e.g. 0.05), got {alpha!r}"
        )
    return float(alpha)


def check_choice(name: str, value, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed``, else ValueError listing them."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """``value`` if it is an integer >= ``minimum``, else TypeError/ValueError saying so."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def random_generator(seed) -> np.random.Generator:
    """``numpy.random.default_rng(seed)`` for ``seed`` None, a non-negative integer, a list of them
    (entropy for one SeedSequence, e.g. ``[seed, k]`` for the k-th of several streams), a
    SeedSequence or a Generator; TypeError/ValueError saying what is allowed otherwise (numpy's own
    message for a string or float seed does not)."""
    allowed = (np.random.SeedSequence, np.random.Generator, np.random.BitGenerator)
    if seed is None or isinstance(seed, allowed):
        return np.random.default_rng(seed)
    parts = list(seed) if isinstance(seed, (list, tuple)) and seed else [seed]
    if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in parts):
        raise TypeError(
            "seed must be None, a non-negative integer (or a non-empty list of them), a numpy "
            f"SeedSequence or Generator, got {type(seed).__name__} {str(seed)[:80]!r}"
        )
    if any(v < 0 for v in parts):
        raise ValueError(f"seed must be non-negative, got {seed}")
    return np.random.default_rng([int(v) for v in parts] if isinstance(seed, (list, tuple)) else int(seed))


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str = "data", numeric: bool = False) -> None:
    """KeyError naming the missing columns (and the available ones); ValueError for non-numeric
    columns when ``numeric``."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    columns = [columns] if isinstance(columns, str) else list(columns)
    unnamed = [c for c in columns if not isinstance(c, (str, int))]
    if unnamed:
        raise TypeError(f"column names must be strings, got {[type(c).__name__ for c in unnamed]}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} has no column(s) {missing}; available: {list(df.columns)}")
    if numeric:
        bad = [c for c in columns if not pd.api.types.is_numeric_dtype(df[c])]
        if bad:
            raise ValueError(f"{what}: column(s) {bad} are not numeric")


def check_finite(name: str, value) -> float:
    """``value`` as a float, or TypeError if it is not a real number, ValueError if NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {str(value)[:80]!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def as_float_array(name: str, values, ndim: int | None = 1) -> np.ndarray:
    """``values`` as a float array of ``ndim`` dimensions (None: any), or TypeError/ValueError saying
    what was given (strings, complex numbers, ragged or nested sequences, mappings) instead of numpy's
    message."""
    if isinstance(values, (str, bytes, dict)) or values is None:
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__} {str(values)[:80]!r}")
    try:
        array = np.asarray(values)
        if array.dtype.kind not in "biufc":
            array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a sequence of real numbers; got {type(values).__name__} "
            f"{str(values)[:80]!r} (non-numeric or ragged entries)"
        ) from None
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real numbers, got complex values")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {array.shape}")
    return array.astype(float)
