"""The data layer: registry, hash checks, mirror, cache, downloads (from a loopback server only)."""

import csv
import hashlib
import http.server
import threading
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from kinship_research import data
from kinship_research.data.registry import registry_dir
from kinship_research.data.retrieve import fetch_entry

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT.parent / "shared" / "data" / "MANIFEST.tsv"
PAYLOAD = b"country,value\nSweden,1\n" * 50


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("KINSHIP_DATA_DIR", str(folder))
    monkeypatch.delenv("KINSHIP_DATA_MIRROR", raising=False)
    return folder


class Server:
    """A loopback HTTP server that serves ``body`` (optionally cut short) and counts requests."""

    def __init__(self, body: bytes, truncate: bool = False):
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 3] if truncate else body)
                self.wfile.flush()
                if truncate:
                    self.connection.close()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/file.csv"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def entry_for(url: str, payload: bytes = PAYLOAD) -> data.Entry:
    return data.Entry(
        id="toy",
        title="toy",
        kind="url",
        filename="toy.csv",
        sha256=hashlib.sha256(payload).hexdigest(),
        source="test",
        terms="test",
        citation="test",
        loader="packages:un",
        url=url,
    )


def test_every_manifest_file_is_registered_with_its_url_and_hash():
    if not MANIFEST.exists():
        pytest.skip("no ../shared/data/MANIFEST.tsv beside the project")
    by_file = {e.filename: e for e in data.entries().values() if e.kind == "url"}
    for row in csv.DictReader(open(MANIFEST), delimiter="\t"):
        e = by_file[row["file"]]
        assert (e.url, e.sha256) == (row["url"], row["sha256"])


def test_every_entry_documents_its_columns():
    for e in data.entries().values():
        assert e.variables, f"{e.id}: [variables] is empty in data_sources/{e.id}.toml"


def test_unknown_id_names_close_matches():
    with pytest.raises(KeyError, match="Did you mean gapminder"):
        data.entry("gapminderr")


def test_registry_rejects_malformed_entries(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('id = "broken"\ntitle = "x"\n')
    with pytest.raises(ValueError, match="missing required fields"):
        data.Entry.from_toml(bad)
    good = (registry_dir() / "gapminder.toml").read_text()
    wrong_name = tmp_path / "other.toml"
    wrong_name.write_text(good)
    with pytest.raises(ValueError, match="must equal the file name"):
        data.Entry.from_toml(wrong_name)


def test_package_datasets_load_offline_with_codes():
    gap = data.load("gapminder")
    assert gap["iso3"].notna().all() and {"life_expectancy", "gdp_per_capita"} <= set(gap.columns)
    states = data.load("state_x77")
    assert len(states) == 50 and states.loc[states.state == "Texas", "state_fips"].item() == "48"
    income = data.load("us_income")
    assert len(income) == 48 and income.crs is not None and income["income_2009"].notna().all()


def test_every_registered_dataset_loads_from_the_mirror(mirror, cache, monkeypatch):
    monkeypatch.setenv("KINSHIP_DATA_MIRROR", str(mirror))
    for dataset_id in data.entries():
        table = data.load(dataset_id)
        assert isinstance(table, pd.DataFrame) and len(table) > 0, dataset_id
    assert not cache.exists() or not any(cache.iterdir()), "mirror files must be used in place, not copied"


def test_mirror_copy_is_used_after_hash_check(tmp_path, cache, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "toy.csv").write_bytes(PAYLOAD)
    monkeypatch.setenv("KINSHIP_DATA_MIRROR", str(mirror))
    assert fetch_entry(entry_for("http://127.0.0.1:9/never")) == mirror / "toy.csv"


def test_corrupt_mirror_copy_gives_expected_and_actual_hash(tmp_path, cache, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "toy.csv").write_bytes(b"tampered")
    monkeypatch.setenv("KINSHIP_DATA_MIRROR", str(mirror))
    e = entry_for("http://127.0.0.1:9/never")
    with pytest.raises(data.DataHashError) as err:
        fetch_entry(e)
    assert e.sha256 in str(err.value) and hashlib.sha256(b"tampered").hexdigest() in str(err.value)
    assert (mirror / "toy.csv").read_bytes() == b"tampered"


def test_download_verifies_and_caches(cache):
    server = Server(PAYLOAD)
    try:
        path = fetch_entry(entry_for(server.url), progressbar=False)
        assert path == cache / "toy.csv" and path.read_bytes() == PAYLOAD
        fetch_entry(entry_for(server.url), progressbar=False)
        assert server.requests == 1, "a verified cached copy must be used without the network"
    finally:
        server.close()


def test_download_with_wrong_hash_keeps_the_good_cached_copy(cache):
    server = Server(b"a different file")
    try:
        cache.mkdir()
        (cache / "toy.csv").write_bytes(PAYLOAD)
        assert fetch_entry(entry_for(server.url), progressbar=False).read_bytes() == PAYLOAD
        assert server.requests == 0
        stale = replace(entry_for(server.url), filename="other.csv")
        with pytest.raises(data.DataHashError, match="expected"):
            fetch_entry(stale, progressbar=False)
        assert sorted(p.name for p in cache.iterdir()) == ["toy.csv"]
        assert (cache / "toy.csv").read_bytes() == PAYLOAD
    finally:
        server.close()


def test_interrupted_download_leaves_no_partial_file(cache, monkeypatch):
    monkeypatch.setattr("kinship_research.data.retrieve.RETRIES", 0)
    server = Server(PAYLOAD, truncate=True)
    try:
        with pytest.raises(data.DataUnavailableError):
            fetch_entry(entry_for(server.url), progressbar=False)
    finally:
        server.close()
    assert not cache.exists() or list(cache.iterdir()) == []


def test_no_network_no_copy_names_url_and_both_variables(cache, monkeypatch):
    monkeypatch.setattr("kinship_research.data.retrieve.RETRIES", 0)
    url = "http://127.0.0.1:9/missing.csv"
    with pytest.raises(data.DataUnavailableError) as err:
        fetch_entry(entry_for(url), progressbar=False)
    message = str(err.value)
    assert url in message and "KINSHIP_DATA_DIR" in message and "KINSHIP_DATA_MIRROR" in message


def test_catalog_reports_availability(mirror, cache, monkeypatch):
    monkeypatch.setenv("KINSHIP_DATA_MIRROR", str(mirror))
    table = data.catalog()
    assert set(table.id) == set(data.entries())
    assert table.set_index("id").loc["pickett2009", "available"]
    monkeypatch.delenv("KINSHIP_DATA_MIRROR")
    table = data.catalog().set_index("id")
    assert not table.loc["pickett2009", "available"] and table.loc["gapminder", "available"]
