"""results.json: JSON conversion, atomic writing, provenance."""

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from kinship_research.pipeline import atomic, paths, results


def test_jsonable_converts_numbers_tables_and_missing_values():
    @dataclass(frozen=True)
    class Estimate:
        value: float
        n: int

    frame = pd.DataFrame({"x": [1.5, np.nan], "n": np.array([3, 4])})
    converted = results.jsonable(
        {
            "a": np.float64(2.0),
            "b": np.int64(3),
            "c": frame,
            "d": Estimate(1.0, 2),
            "e": float("inf"),
            "f": pd.Series({"k": np.bool_(True)}),
        }
    )
    assert converted == {
        "a": 2.0,
        "b": 3,
        "c": [{"x": 1.5, "n": 3}, {"x": None, "n": 4}],
        "d": {"value": 1.0, "n": 2},
        "e": None,
        "f": {"k": True},
    }
    json.dumps(converted, allow_nan=False)


def test_save_results_writes_provenance_and_versions_into_the_given_folder(tmp_path):
    path = results.save_results("demo", tmp_path, {"r": np.float32(0.5)}, ["gapminder"])
    assert path == tmp_path / "results.json"
    payload = json.loads(path.read_text())
    assert payload["notebook"] == "demo" and payload["results"] == {"r": 0.5}
    (dataset,) = payload["datasets"]
    assert dataset["id"] == "gapminder" and dataset["sha256"] == results.data.entry("gapminder").sha256
    assert payload["environment"]["pandas"] == pd.__version__


def test_save_results_blank_folder_means_reports_of_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("KINSHIP_REPORTS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    path = results.save_results("demo", "", {"r": 1}, [])
    assert path == tmp_path / "reports" / "demo" / "results.json"


def test_save_results_rejects_empty_results(tmp_path):
    with pytest.raises(ValueError, match="non-empty dict"):
        results.save_results("demo", tmp_path, {}, [])


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text("old")

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", explode)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_reports_go_to_the_current_folder_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.delenv("KINSHIP_REPORTS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert paths.reports_dir() == tmp_path / "reports"
    monkeypatch.setenv("KINSHIP_REPORTS_DIR", str(tmp_path / "elsewhere"))
    assert paths.reports_dir() == tmp_path / "elsewhere"
    assert paths.reports_dir(tmp_path / "given") == tmp_path / "given"


def test_save_results_records_the_headline_and_rejects_a_blank_one(tmp_path):
    path = results.save_results("demo", tmp_path, {"r": 1}, [], headline=" r is 1. ")
    assert json.loads(path.read_text())["headline"] == "r is 1."
    with pytest.raises(ValueError, match="headline must be a non-empty sentence"):
        results.save_results("demo", tmp_path / "other", {"r": 1}, [], headline="  ")
    assert not (tmp_path / "other").exists()
