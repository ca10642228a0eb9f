"""Issue 15: a property-based battery of bad inputs over the public library functions.

Each case is a valid call of a public function of methods/, studies/ or networks/ with one argument
replaced by garbage drawn by hypothesis (strings, complex numbers, NaN, inf, None, empty and ragged
sequences, wrong shapes, nested lists as ids, bytes, dicts). The call must either

* raise ValueError, TypeError or KeyError from kinship_research's own code, with a message that is
  not one of numpy's, pandas' or Python's internal messages (:data:`FOREIGN_MESSAGES`), or
* return a result with no NaN or infinite number in it (no silent NaN/inf).

Examples are derandomised (the same every run) and few, so the battery is fast and stable; a fixed
list of garbage values (:data:`FIXED`) is tried on every argument as well. Run with ``-s`` to see
the counts.
"""

from __future__ import annotations

import dataclasses
import math
import traceback
from collections import Counter

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinship_research.methods import correlation, effect_sizes, inequality, meta, panel, table_pooling
from kinship_research.networks import assortativity, mean_field
from kinship_research.networks.distance_clustering import distance_clustering
from kinship_research.studies import spirit_level

SETTINGS = settings(
    max_examples=12, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
FOREIGN_MESSAGES = (
    "could not convert",
    "setting an array element with a sequence",
    "invalid literal",
    "can't convert",
    "unhashable type",
    "ufunc",
    "operands could not be broadcast",
    "out of bounds",
    "Cannot cast",
    "truth value of",
    "object of type",
    "unsupported operand",
    "not supported between",
    "must be real number, not",
    "float() argument",
    "int() argument",
    "object is not iterable",
    "Unable to coerce",
    "no numeric data",
    "only length-1 arrays",
    "inhomogeneous",
    "Length of values",
    "Expected 2D array",
    "object cannot be interpreted",
    "zero-size array",
)
TALLY: Counter = Counter()

GARBAGE = st.one_of(
    st.text(max_size=4),
    st.complex_numbers(max_magnitude=1e3, allow_nan=False, allow_infinity=False).filter(lambda z: z.imag != 0),
    st.sampled_from(
        [
            float("nan"),
            float("inf"),
            -float("inf"),
            1e308,
            -1e308,
            0.0,
            -1.0,
            2.0,
            None,
            True,
            b"\x00\xff",
            {},
            {"a": 1},
            [],
            (),
            np.array([]),
            np.ones((2, 2, 2)),
            [[1.0, 2.0], [3.0]],
            [["a"], ["b"]],
            [1.0 + 2.0j, 3.0],
            ["1", "2", "x"],
            [1.0, float("nan"), 3.0, 4.0, 5.0],
            [1.0, float("inf"), 3.0, 4.0, 5.0],
            [5.0, 5.0, 5.0, 5.0, 5.0, 5.0],
        ]
    ),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=6),
    st.lists(st.text(max_size=2), min_size=1, max_size=6),
)

X = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0, 89.0]
Y = [2.0, 1.0, 4.0, 3.0, 7.0, 9.0, 8.0, 12.0, 15.0, 14.0]
EFFECT = [0.1, 0.3, -0.2, 0.5, 0.25, 0.0, 0.4]
VARIANCE = [0.01, 0.04, 0.02, 0.09, 0.03, 0.05, 0.02]
FRAME = pd.DataFrame(
    {"iso3": list("ABCDEFGHIJ"), "gini": X, "y": Y, "gdp": [10.0, 12.0, 9.0, 15.0, 11.0, 14.0, 13.0, 10.5, 16.0, 12.5]}
)
GRAPH = nx.karate_club_graph()
TRAIT = np.array([i % 2 for i in range(GRAPH.number_of_nodes())], dtype=float)
EGO, ALTER = zip(*GRAPH.edges(), strict=True)
TABLES = ([4, 6, 3, 10, 2], [119, 300, 228, 500, 60], [11, 29, 11, 40, 9], [128, 274, 209, 480, 57])
PANEL = pd.DataFrame(
    {
        "iso3": np.repeat(list("ABCDE"), 4),
        "year": np.tile([2000, 2001, 2002, 2003], 5),
        "gini": np.linspace(25, 40, 20) + np.tile([0.0, 0.5, -0.3, 0.2], 5),
        "y": np.linspace(70, 80, 20) + np.tile([0.1, -0.2, 0.3, 0.0], 5),
    }
)

# name: (function, positional arguments, keyword arguments, arguments garbage may replace)
CASES = {
    "gini": (inequality.gini, [X], {}, ["0", "weights"]),
    "lorenz_curve": (inequality.lorenz_curve, [X], {}, ["0", "weights"]),
    "quintile_ratio": (inequality.quintile_ratio, [X], {}, ["0"]),
    "palma": (inequality.palma, [X], {}, ["0"]),
    "theil": (inequality.theil, [X], {}, ["0"]),
    "mean_log_deviation": (inequality.mean_log_deviation, [X], {}, ["0"]),
    "atkinson": (inequality.atkinson, [X], {"epsilon": 1.5}, ["0", "epsilon"]),
    "gini_ci": (inequality.gini_ci, [X], {"n_boot": 100, "seed": 0}, ["0", "n_boot", "level", "seed"]),
    "paired_correlation": (correlation.paired_correlation, [X, Y], {}, ["0", "1", "level", "correlation"]),
    "correlate": (correlation.correlate, [FRAME, "gini", ["y"]], {}, ["0", "1", "2", "level"]),
    "association": (correlation.association, [FRAME, "gini", "y"], {}, ["1", "2", "level"]),
    "random_effects": (meta.random_effects, [EFFECT, VARIANCE], {}, ["0", "1", "tau2_method", "level"]),
    "egger_test": (meta.egger_test, [EFFECT, VARIANCE], {}, ["0", "1", "level"]),
    "meta_leave_one_out": (meta.leave_one_out, [EFFECT, VARIANCE], {}, ["0", "1"]),
    "cumulative": (meta.cumulative, [EFFECT, VARIANCE], {}, ["0", "1"]),
    "meta_regression": (
        meta.meta_regression,
        [EFFECT, VARIANCE, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]],
        {},
        ["2", "threshold"],
    ),
    "log_ratio_from_ci": (meta.log_ratio_from_ci, [[1.2, 0.9], [1.0, 0.7], [1.4, 1.2]], {}, ["0", "1", "level"]),
    "rescale": (meta.rescale, [EFFECT, VARIANCE, 2.0], {}, ["2"]),
    "control_for_income": (
        spirit_level.control_for_income,
        [FRAME, "gini", ["y"]],
        {"income": "gdp"},
        ["1", "2", "income", "level"],
    ),
    "tie_correlation": (assortativity.tie_correlation, [TRAIT, list(EGO), list(ALTER)], {}, ["0", "1", "level"]),
    "distance_clustering": (
        distance_clustering,
        [GRAPH, TRAIT],
        {"max_distance": 2, "n_permutations": 5, "seed": 0},
        ["1", "egos", "max_distance", "n_permutations"],
    ),
    "sisa_mean_field_prevalence": (mean_field.sisa_mean_field_prevalence, [0.5, 0.2], {}, ["0", "1", "adoption"]),
    "binary_effects": (effect_sizes.binary_effects, list(TABLES), {}, ["0", "2", "measure", "add", "level"]),
    "hedges_g": (
        effect_sizes.hedges_g,
        [[5.0, 6.0, 4.0], [1.0, 1.2, 0.9], [20, 30, 25], [4.0, 5.5, 4.2], [1.1, 1.0, 1.0], [22, 28, 24]],
        {},
        ["0", "1", "2"],
    ),
    "fisher_z": (effect_sizes.fisher_z, [[0.2, 0.5, -0.1], [30, 50, 40]], {}, ["0", "1", "level"]),
    "mantel_haenszel": (table_pooling.mantel_haenszel, list(TABLES), {}, ["0", "3", "measure", "level"]),
    "peto": (table_pooling.peto, list(TABLES), {}, ["1", "level"]),
    "influence": (meta.influence, [EFFECT, VARIANCE], {}, ["0", "1", "tau2_method"]),
    "permutation_test": (
        meta.permutation_test,
        [EFFECT, VARIANCE, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]],
        {"n_permutations": 50, "seed": 0},
        ["2", "n_permutations", "seed"],
    ),
    "q_profile_interval": (meta.q_profile_interval, [EFFECT, VARIANCE], {}, ["0", "1", "level"]),
    "two_way_fe": (panel.two_way_fe, [PANEL, "y", "gini"], {}, ["0", "1", "2", "cov_type", "level"]),
    "rubin_combine": (panel.rubin_combine, [[0.1, 0.2, 0.15], [0.01, 0.012, 0.011]], {}, ["0", "1", "df_complete"]),
}
FIXED = [
    "",
    "abc",
    1 + 2j,
    float("nan"),
    float("inf"),
    -float("inf"),
    1e308,
    -1e308,
    0.0,
    -1.0,
    2.0,
    None,
    True,
    b"\x00\xff",
    {},
    {"a": 1},
    [],
    (),
    np.array([]),
    np.ones((2, 2, 2)),
    [[1.0, 2.0], [3.0]],
    [["a"], ["b"]],
    [1 + 2j, 3.0],
    ["1", "2", "x"],
    [1.0, float("nan"), 3, 4, 5],
    [1.0, float("inf"), 3, 4, 5],
    [5.0] * 6,
    [float("nan")],
    ["a", "b"],
]


def numbers(value):
    """Every number inside a result (floats, arrays, frames, dicts, dataclasses)."""
    if dataclasses.is_dataclass(value) and hasattr(value, "to_frame"):
        yield from numbers(value.to_frame())
    elif isinstance(value, pd.DataFrame):
        yield from numbers(value.select_dtypes("number").to_numpy().ravel())
    elif isinstance(value, pd.Series):
        yield from numbers(value.to_numpy() if pd.api.types.is_numeric_dtype(value) else [])
    elif isinstance(value, dict):
        for v in value.values():
            yield from numbers(v)
    elif isinstance(value, (list, tuple, np.ndarray)):
        for v in np.asarray(value, dtype=object).ravel():
            yield from numbers(v)
    elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        yield float(value)


def judge(call) -> None:
    TALLY["tried"] += 1
    try:
        result = call()
    except (ValueError, TypeError, KeyError) as err:
        origin = traceback.extract_tb(err.__traceback__)[-1].filename
        message = str(err.args[0]) if err.args else ""
        assert "kinship_research" in origin, f"{type(err).__name__} from inside {origin}: {message}"
        assert not any(m in message for m in FOREIGN_MESSAGES), f"library-internal message: {message}"
        TALLY["clear error"] += 1
        return
    bad = [v for v in numbers(result) if not math.isfinite(v)]
    assert not bad, f"silent non-finite result {bad[:3]}"
    TALLY["finite result"] += 1


def params():
    for name, (*_, slots) in CASES.items():
        for slot in slots:
            yield pytest.param(name, slot, id=f"{name}/{slot}")


def call_with(name: str, slot: str, garbage) -> None:
    fn, args, kwargs, _ = CASES[name]
    args, kwargs = list(args), dict(kwargs)
    if slot.isdigit():
        args[int(slot)] = garbage
    else:
        kwargs[slot] = garbage
    judge(lambda: fn(*args, **kwargs))


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    print(
        f"\nbad-input battery: {TALLY['tried']} tried, {TALLY['clear error']} clear errors, "
        f"{TALLY['finite result']} finite results"
    )


@pytest.mark.parametrize("name, slot", list(params()))
@SETTINGS
@given(garbage=GARBAGE)
def test_bad_input_gives_a_clear_error_or_a_finite_result(name, slot, garbage):
    call_with(name, slot, garbage)


@pytest.mark.parametrize("name, slot", list(params()))
def test_fixed_bad_inputs_give_a_clear_error_or_a_finite_result(name, slot):
    failures = []
    for garbage in FIXED:
        try:
            call_with(name, slot, garbage)
        except AssertionError as err:
            failures.append(f"{str(garbage)[:30]!r}: {str(err).splitlines()[0][:200]}")
    assert not failures, f"{len(failures)} of {len(FIXED)} bad inputs: " + "; ".join(failures[:4])


@SETTINGS
@given(blob=st.binary(min_size=1, max_size=200))
def test_read_study_table_on_binary_files(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("blob") / "studies.csv"
    path.write_bytes(blob)
    judge(lambda: meta.read_study_table(path))


# ---------------------------------------------------------------- numeric edge cases of the issue
def test_inequality_measures_are_scale_invariant_at_the_extremes():
    assert inequality.gini([1e308] * 3) == 0.0
    assert inequality.quintile_ratio([1e308] * 3) == pytest.approx(1.0)
    assert inequality.mean_log_deviation([1e308, 5e307]) == pytest.approx(math.log(1.5) - 0.5 * math.log(2))
    assert inequality.gini([1e-310, 2e-310]) == pytest.approx(inequality.gini([1.0, 2.0]))


@pytest.mark.parametrize("scale", [1e-10, 1.0, 1e10, 1e300])
def test_atkinson_with_large_aversion_matches_the_closed_form_at_any_scale(scale):
    # A_eps for incomes (s, 2s): 1 - (((1 + 2^(1-eps)) / 2)^(1/(1-eps))) / 1.5, the same for every s
    eps = 100.0
    closed = 1 - ((1 + 2.0 ** (1 - eps)) / 2) ** (1 / (1 - eps)) / 1.5
    assert inequality.atkinson([scale, 2 * scale], epsilon=eps) == pytest.approx(closed, rel=1e-12)
    assert closed == pytest.approx(0.3287, abs=1e-4)
    assert inequality.atkinson([scale, 2 * scale], epsilon=1e308) == pytest.approx(1 - 1 / 1.5)  # Rawlsian limit


def test_unidentifiable_fits_say_so():
    with pytest.raises(ValueError, match="equal variances.*not identifiable"):
        meta.egger_test(EFFECT, [0.02] * len(EFFECT))
    flat = FRAME.assign(gdp=10.0)
    with pytest.raises(ValueError, match="constant or collinear.*not identifiable"):
        spirit_level.control_for_income(flat, "gini", ["y"], income="gdp")
    with pytest.raises(ValueError, match="constant"):
        correlation.correlate(FRAME.assign(y=1.0), "gini", ["y"])
    with pytest.raises(ValueError, match="level is the interval coverage"):
        correlation.correlate(FRAME, "gini", ["y"], level=2)
