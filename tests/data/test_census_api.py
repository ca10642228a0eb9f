"""Tests of the Census ACS state-Gini loader. No network: requests.get is monkeypatched.

The fixture tests/fixtures/acs_b19083_state_synthetic.json has the exact shape of the Census
data API's answer (list of string lists, header first) but SYNTHETIC values (round numbers chosen
by hand, plus the Census missing-value annotation -666666666 for Wyoming): it is not real ACS data.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import requests

from kinship_research.data import DataUnavailableError
from kinship_research.data import census_api as acs

FIXTURE = Path(__file__).parents[1] / "fixtures" / "acs_b19083_state_synthetic.json"


@pytest.fixture
def payload():
    return json.loads(FIXTURE.read_text())


def test_parse_state_gini(payload):
    table = acs.parse_state_gini(payload, 2022)
    assert list(table.columns) == ["state", "state_abbr", "state_fips", "gini", "year"]
    assert len(table) == len(payload) - 1
    assert list(table["state_fips"]) == sorted(r[2] for r in payload[1:])
    row = table.set_index("state_abbr").loc["DC"]
    assert row["state"] == "District of Columbia" and row["gini"] == 0.51 and row["state_fips"] == "11"
    assert table.set_index("state_abbr").loc["PR", "gini"] == 0.53
    assert np.isnan(table.set_index("state_abbr").loc["WY", "gini"])  # annotation code -> missing
    assert (table["year"] == 2022).all()


def test_url():
    assert acs.acs_gini_url(2022) == "https://api.census.gov/data/2022/acs/acs1?get=NAME,B19083_001E&for=state:*"
    assert (
        acs.acs_gini_url(2019, "acs5") == "https://api.census.gov/data/2019/acs/acs5?get=NAME,B19083_001E&for=state:*"
    )


@pytest.mark.parametrize(
    "year, survey, match",
    [
        (2022, "acs3", "unknown ACS survey"),
        (2004, "acs1", "year must be"),
        (2008, "acs5", "year must be"),
        (2020, "acs1", "2020"),
        ("2022", "acs1", "year must be"),
        (True, "acs1", "year must be"),
    ],
)
def test_url_bad_input(year, survey, match):
    with pytest.raises(ValueError, match=match):
        acs.acs_gini_url(year, survey)


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda p: {"error": "unknown variable"}, "list of rows"),
        (lambda p: p[:1], "at least one data row"),
        (lambda p: [["NAME", "state"], *[[r[0], r[2]] for r in p[1:]]], "lacks"),
        (lambda p: [p[0], p[1][:2], *p[2:]], "fields like the header"),
        (lambda p: [p[0], ["Alabama", "n/a", "01"], *p[2:]], "non-numeric"),
        (lambda p: [p[0], ["Alabama", "47.0", "01"], *p[2:]], "above 1"),
        (lambda p: [p[0], ["Atlantis", "0.4", "99"], *p[2:]], "unknown state FIPS"),
    ],
)
def test_malformed_payload(payload, mutate, match):
    with pytest.raises(ValueError, match=match):
        acs.parse_state_gini(mutate(payload), 2022)


class FakeResponse:
    def __init__(self, status_code, body):
        self.status_code, self.text = status_code, body

    def json(self):
        return json.loads(self.text)


def test_fetch_parses_response(monkeypatch, payload):
    calls = []

    def fake_get(url, timeout):
        calls.append((url, timeout))
        return FakeResponse(200, FIXTURE.read_text())

    monkeypatch.setattr(acs.requests, "get", fake_get)
    table = acs.fetch_state_gini(2021, timeout=3)
    assert calls == [(acs.acs_gini_url(2021), 3)]
    assert len(table) == len(payload) - 1 and (table["year"] == 2021).all()


def test_fetch_offline_raises_data_unavailable(monkeypatch):
    def offline(url, timeout):
        raise requests.ConnectionError("Name or service not known")

    monkeypatch.setattr(acs.requests, "get", offline)
    with pytest.raises(DataUnavailableError, match="not reachable"):
        acs.fetch_state_gini()


def test_fetch_http_error_and_bad_json(monkeypatch):
    monkeypatch.setattr(acs.requests, "get", lambda url, timeout: FakeResponse(400, "error: unknown variable"))
    with pytest.raises(DataUnavailableError, match="HTTP 400"):
        acs.fetch_state_gini()
    monkeypatch.setattr(acs.requests, "get", lambda url, timeout: FakeResponse(200, "<html>maintenance</html>"))
    with pytest.raises(ValueError, match="not JSON"):
        acs.fetch_state_gini()
    with pytest.raises(ValueError, match="timeout"):
        acs.fetch_state_gini(timeout=0)
