"""docs/results.schema.json: a valid JSON Schema that accepts what save_results and the runner write and
rejects what they must not. tests/pipeline/test_notebooks.py validates every notebook's smoke-run
results.json with :func:`validate_results`."""

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from kinship_research.pipeline.results import save_results

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "results.schema.json"


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_results(payload: dict) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``payload`` is a valid results.json."""
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(payload)


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.fixture
def written(tmp_path):
    """What save_results writes (no datasets: provenance needs data files), completed as the runner does."""
    import pandas as pd

    table = pd.DataFrame({"estimate": [0.5, float("nan")], "n": [23, 20]})
    path = save_results(
        "demo",
        tmp_path,
        results={"table": table, "r": 0.5, "nested": {"k": [1, 2]}},
        datasets=[],
        headline="r = 0.5 (95% CI 0.1 to 0.8).",
    )
    payload = json.loads(path.read_text())
    payload["parameters"] = {"n_draws": 20, "level": 0.95, "label": "", "flag": True}
    payload["run"] = {"status": "ok", "seconds": 1.25, "error": None, "kernel": "python3"}
    payload["datasets"] = [
        {
            "id": "glasgow",
            "title": "Teenage Friends and Lifestyle Study",
            "sha256": "0" * 64,
            "source": "https://example.org/glasgow.zip",
            "official": None,
            "terms": "research use",
            "citation": "West & Sweeting (1996)",
        }
    ]
    return payload


def test_what_save_results_and_the_runner_write_is_valid(written):
    validate_results(written)
    failed = {
        "notebook": "demo",
        "parameters": {},
        "run": {"status": "failed", "seconds": 0.5, "error": "E: x", "kernel": "python3"},
    }
    validate_results(failed)


def _set(payload, path, value):
    target = payload
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value


@pytest.mark.parametrize(
    "path, value",
    [
        (("notebook",), KeyError),
        (("headline",), " "),
        (("results",), {}),
        (("datasets", 0, "sha256"), "abc"),
        (("datasets", 0, "citation"), KeyError),
        (("parameters", "n_draws"), [1, 2]),
        (("run", "status"), "done"),
        (("run", "seconds"), -1),
        (("run", "error"), "an ok run has no error"),
        (("environment",), KeyError),
        (("unexpected",), 1),
    ],
)
def test_schema_rejects_broken_results(written, path, value):
    broken = copy.deepcopy(written)
    _set(broken, path, value)
    with pytest.raises(jsonschema.ValidationError):
        validate_results(broken)


def test_a_failed_run_must_say_why(written):
    failed = copy.deepcopy(written)
    failed["run"] |= {"status": "failed", "error": None}
    with pytest.raises(jsonschema.ValidationError):
        validate_results(failed)
