"""Loaders of the Shimonovich et al. (2024) study-level files (need the data mirror)."""

from __future__ import annotations

import pytest

from kinship_research import data

IDS = [
    "shimonovich2024_complete_main",
    "shimonovich2024_prep_acm",
    "shimonovich2024_prep_srh",
    "shimonovich2024_studyinfo_acm",
    "shimonovich2024_studyinfo_srh",
]


@pytest.mark.parametrize("dataset_id", IDS)
def test_every_documented_column_is_loaded(mirror, dataset_id):
    frame = data.load(dataset_id)
    assert list(frame.columns) == list(data.entry(dataset_id).variables)
    assert len(frame) > 0


def test_complete_main_counts_match_the_manifest(mirror):
    frame = data.load("shimonovich2024_complete_main")
    counts = frame.groupby("outcome").agg(k=("log_effect", "size"), studies=("study_id", "nunique"))
    assert counts.loc["srh"].tolist() == [45, 33]
    assert counts.loc["acm"].tolist() == [40, 14]
    assert (frame["variance"] == frame["std_error"] ** 2).all()
    assert frame["estimate_id"].is_unique
    assert frame.loc[frame.outcome == "srh", "fu_n"].isna().all()
