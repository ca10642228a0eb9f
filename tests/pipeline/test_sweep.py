"""kinship sweep: a 2-process LocalCluster sweep through the CLI equals the serial kinship runs;
resume; bad grids, addresses and engines give one clear error and run nothing."""

import json

import numpy as np
import pandas as pd
import pytest

from kinship_research.pipeline import cli, cluster, runner, sweep

GRID = "year = [2000, 2010]\nn_richest = [20, 30]\nn_boot = [10]\n"


@pytest.fixture(scope="module")
def serial(mirror, tmp_path_factory):
    """The four cells run one by one with runner.run_notebook (what `kinship run` does)."""
    out = {}
    for year in (2000, 2010):
        for n_richest in (20, 30):
            folder = tmp_path_factory.mktemp(f"serial{year}{n_richest}")
            params = {"year": year, "n_richest": n_richest, "n_boot": 10}
            assert runner.run_notebook("preston_curve", params, reports_dir=folder).status == "ok"
            results = json.loads((folder / "preston_curve" / "results.json").read_text())["results"]
            out[(year, n_richest)] = sweep.scalar_results(results)
    return out


def assert_matches_serial(table: pd.DataFrame, serial: dict) -> None:
    assert len(table) == 4 and table["cell"].is_unique
    assert (table.status == "ok").all()
    seen = set()
    for row in table.to_dict("records"):
        key = (row["year"], row["n_richest"])
        seen.add(key)
        expected = serial[key]
        assert expected, "the notebook saved no scalar results"
        for column, value in expected.items():
            if isinstance(value, float):
                np.testing.assert_allclose(row[column], value, rtol=1e-12, err_msg=column)
            else:
                assert row[column] == value, column
    assert seen == set(serial)


@pytest.fixture(scope="module")
def swept(mirror, tmp_path_factory):
    base = tmp_path_factory.mktemp("sweep")
    grid = base / "grid.toml"
    grid.write_text(GRID)
    code = cli.main(
        ["sweep", "preston_curve", "--grid", str(grid), "--workers", "2", "--reports-dir", str(base / "reports")]
    )
    return code, base, grid


def test_local_cluster_sweep_equals_serial_runs(swept, serial):
    code, base, _ = swept
    assert code == 0
    folder = base / "reports" / "sweeps" / "preston_curve-grid"
    table = pd.read_csv(folder / "sweep.csv")
    assert_matches_serial(table, serial)
    assert table.worker.str.startswith("tcp://127.0.0.1:").all()
    for cell in table["cell"]:
        report = folder / cell / "preston_curve"
        assert {"preston_curve.ipynb", "preston_curve.html", "results.json"} <= {p.name for p in report.iterdir()}
        assert not [p for p in (folder / cell).iterdir() if p.name.startswith(".preston_curve-")]
    page = (folder / "index.html").read_text()
    assert page.count('preston_curve.html"') == 4
    assert {"figure_year.png", "figure_n_richest.png"} <= {p.name for p in folder.iterdir()}
    assert "figure_n_boot.png" not in page  # a parameter held at one value gets no figure


def test_resume_skips_finished_cells_and_reruns_changed_ones(swept):
    code, base, grid = swept
    folder = base / "reports" / "sweeps" / "preston_curve-grid"
    before = pd.read_csv(folder / "sweep.csv")
    stamps = {c: (folder / c / "cell.json").stat().st_mtime_ns for c in before["cell"]}
    table = sweep.run_sweep("preston_curve", grid, workers=1, resume=True, reports_dir=base / "reports", progress=False)
    assert (table.status == "ok").all() and len(table) == 4
    assert {c: (folder / c / "cell.json").stat().st_mtime_ns for c in before["cell"]} == stamps
    pd.testing.assert_frame_equal(pd.read_csv(folder / "sweep.csv"), before)
    cell = sweep.cells("preston_curve", sweep.read_grid(grid))[0]
    assert sweep.finished_row(folder / cell.key, "preston_curve", cell.parameters) is not None
    assert sweep.finished_row(folder / cell.key, "preston_curve", {**cell.parameters, "n_boot": 11}) is None
    results = folder / cell.key / "preston_curve" / "results.json"
    report = json.loads(results.read_text())
    results.write_text(json.dumps({**report, "run": {**report["run"], "status": "failed"}}))
    assert sweep.finished_row(folder / cell.key, "preston_curve", cell.parameters) is None
    results.write_text(json.dumps(report))


def test_cells_are_the_validated_cartesian_product(tmp_path):
    grid = tmp_path / "g.toml"
    grid.write_text('year = [1970, "1990", 2010]\nn_richest = [20, 30]\n')
    cells = sweep.cells("preston_curve", sweep.read_grid(grid))
    assert [c.parameters for c in cells] == [{"year": y, "n_richest": n} for y in (1970, 1990, 2010) for n in (20, 30)]
    assert len({c.key for c in cells}) == 6


@pytest.mark.parametrize(
    "text, message",
    [
        ("year = [2000]\nn_rich = [20]\n", "has no parameter 'n_rich'"),
        ("year = []\n", "'year' is an empty list"),
        ("year = [2000, 2005.5]\n", "parameter 'year' expects a value of type int"),
        ("year = [1800]\n", "in [1960, 2011]"),
        ("year = 2000\n", "'year' must be a list"),
        ("", "names no parameter"),
        ("year = [2000\n", "not valid TOML"),
        ("report_dir = ['x']\n", "cannot be swept"),
    ],
)
def test_bad_grid_is_one_error_and_runs_nothing(tmp_path, capsys, text, message):
    grid = tmp_path / "bad.toml"
    grid.write_text(text)
    code = cli.main(
        ["sweep", "preston_curve", "--grid", str(grid), "--workers", "1", "--reports-dir", str(tmp_path / "reports")]
    )
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.startswith("error:") and err.count("\n") == 1
    assert not (tmp_path / "reports" / "sweeps").exists()


def test_unknown_scheduler_address_is_named_within_the_timeout():
    with pytest.raises(ValueError, match=r"no Dask scheduler answered at tcp://127\.0\.0\.1:9 within 2 s"):
        with cluster.connect(scheduler="tcp://127.0.0.1:9", timeout=2):
            pass
    with pytest.raises(ValueError, match="expects an address such as tcp://HOST:PORT"):
        with cluster.connect(scheduler="localhost"):
            pass
    with pytest.raises(ValueError, match="either --workers or --scheduler"):
        with cluster.connect(2, "tcp://127.0.0.1:9"):
            pass
    with pytest.raises(ValueError, match="retries must be at least 0"):
        with cluster.connect(1, retries=-1):
            pass


def test_workers_and_scheduler_are_exclusive_and_jobs_is_an_alias(capsys):
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["report", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"])
    assert "not allowed with argument" in capsys.readouterr().err
    assert cli.parser().parse_args(["report", "--jobs", "3"]).jobs == 3
    assert cli.main(["sweep", "preston_curve", "--grid", "x.toml", "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
