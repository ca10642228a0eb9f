"""Every notebook: stored clean with a typed parameters cell, and executes through papermill."""

import json
import os

import pytest

from kinship_research.pipeline import parameters as notebooks
from kinship_research.pipeline import runner
from tests.pipeline.test_schema import validate_results

NAMES = list(notebooks.available())


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_clean_with_typed_parameters(name):
    nb = notebooks.read(name)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "strip outputs"
    assert "parameters" in code[0]["metadata"].get("tags", []), "the first code cell must be the parameters cell"
    declared = notebooks.parameters(name)
    assert declared, "declare at least one parameter"
    source = "".join("".join(c["source"]) for c in code)
    assert f'save_results(\n    "{name}"' in source or f'save_results("{name}"' in source, (
        "the notebook must write its results.json with save_results(<its own name>, ...)"
    )
    for forbidden in ("read_csv(", "read_stata(", "read_spss(", "read_excel("):
        assert forbidden not in source, f"notebooks load data through kinship_research.data, not {forbidden}"
    smoke = nb["metadata"].get("kinship", {}).get("smoke_parameters", {})
    notebooks.validate(name, smoke)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name, tmp_path):
    smoke = notebooks.read(name)["metadata"].get("kinship", {}).get("smoke_parameters", {})
    record = runner.run_notebook(name, smoke, reports_dir=tmp_path)
    if record.status == "skipped" and not os.environ.get("KINSHIP_DATA_MIRROR"):
        pytest.skip(record.error)
    assert record.status == "ok", record.error
    out = tmp_path / name
    results = json.loads((out / "results.json").read_text())
    assert results["results"] and results["run"]["status"] == "ok"
    assert results["parameters"], "results.json must record the parameters"
    for d in results["datasets"]:
        assert len(d["sha256"]) == 64 and d["citation"]
    validate_results(results)  # docs/results.schema.json
    html = (out / f"{name}.html").read_text()
    assert "Data sources and citations" in html and ("<img" in html or "<table" in html)
    executed = json.loads((out / f"{name}.ipynb").read_text())
    stderr = [o for c in executed["cells"] for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert not stderr, f"a successful report shows no stderr: {''.join(stderr[0]['text'])[:300] if stderr else ''}"
    pngs = sorted((out / "figures").glob("figure-*.png"))
    assert len(pngs) == html.count('<p class="kinship-downloads" id="figure-'), "every figure exported and linked"
    assert all(p.with_suffix(".svg").is_file() for p in pngs), "every figure as PNG and SVG"


@pytest.mark.slow
def test_same_parameters_give_identical_results(tmp_path):
    runs = []
    for folder in ("a", "b"):
        runner.run_notebook("preston_curve", {"n_boot": "20", "seed": "3"}, reports_dir=tmp_path / folder)
        runs.append(json.loads((tmp_path / folder / "preston_curve" / "results.json").read_text()))
    assert runs[0]["results"] == runs[1]["results"]
    assert runs[0]["parameters"] == runs[1]["parameters"] and runs[0]["parameters"]["seed"] == 3
