"""A real Dask cluster as separate processes on 127.0.0.1 (`dask scheduler --port 0`, two
`dask worker ADDRESS`): a sweep with --scheduler survives one worker being killed mid-cell, every
cell completes exactly once with the serial results, and every process started here is ended."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

from kinship_research.pipeline import runner, sweep

GRID = "year = [2000, 2010]\nn_richest = [20, 30]\nn_boot = [10]\n"


def _start(args, log):
    return subprocess.Popen(
        [sys.executable, "-m", *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )  # own process group: its kernels die with it


def _end(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture
def dask_cluster(tmp_path, mirror):
    started = []
    log = open(tmp_path / "cluster.log", "w")
    try:
        file = tmp_path / "scheduler.json"
        started.append(
            _start(
                [
                    "distributed.cli.dask_scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(file),
                ],
                log,
            )
        )
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        workers = [
            _start(
                [
                    "distributed.cli.dask_worker",
                    address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                log,
            )
            for _ in range(2)
        ]
        started += workers
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for proc in reversed(started):
            _end(proc)
        log.close()
    assert all(p.poll() is not None for p in started)


def test_sweep_on_a_real_scheduler_survives_a_killed_worker(dask_cluster, tmp_path):
    address, workers = dask_cluster
    grid = tmp_path / "grid.toml"
    grid.write_text(GRID)
    reports = tmp_path / "reports"
    outcome = {}

    def run():
        try:
            outcome["table"] = sweep.run_sweep(
                "preston_curve", grid, scheduler=address, retries=2, reports_dir=reports, progress=False
            )
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    folder = sweep.sweep_dir("preston_curve", grid, reports)
    deadline = time.monotonic() + 120
    running = []
    while time.monotonic() < deadline and len(running) < 2:
        time.sleep(0.1)  # a staging folder: a cell is running; two of them: both workers are busy
        running = [p.parent for p in folder.glob("*/.preston_curve-*") if not (p.parent / "cell.json").exists()]
    assert len(running) == 2, "the two workers did not both start a cell"
    os.killpg(workers[0].pid, signal.SIGKILL)  # the worker and the kernel of its cell, mid-cell
    workers[0].wait(10)
    thread.join(300)
    assert not thread.is_alive() and "error" not in outcome, outcome.get("error")
    table = pd.read_csv(folder / "sweep.csv")
    assert len(table) == 4 and table["cell"].is_unique and (table.status == "ok").all()
    assert all((cell / "cell.json").exists() for cell in running)  # the killed cell was re-run
    for row in table.to_dict("records"):
        cell_dir = folder / row["cell"]
        assert not [p for p in cell_dir.iterdir() if p.name.startswith(".preston_curve-")]  # no half cell
        serial = tmp_path / "serial" / row["cell"]
        params = {"year": row["year"], "n_richest": row["n_richest"], "n_boot": 10}
        assert runner.run_notebook("preston_curve", params, reports_dir=serial).status == "ok"
        expected = sweep.scalar_results(json.loads((serial / "preston_curve" / "results.json").read_text())["results"])
        for column, value in expected.items():
            assert row[column] == pytest.approx(value, rel=1e-12) if isinstance(value, float) else row[column] == value


def test_killing_the_sweep_leaves_no_worker_or_kernel_behind(tmp_path, mirror):
    psutil = pytest.importorskip("psutil")
    grid = tmp_path / "grid.toml"
    grid.write_text(GRID)
    reports = tmp_path / "reports"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kinship_research.pipeline.cli",
            "sweep",
            "preston_curve",
            "--grid",
            str(grid),
            "--workers",
            "2",
            "--reports-dir",
            str(reports),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    folder = sweep.sweep_dir("preston_curve", grid, reports)
    children = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(folder.glob("*/.preston_curve-*")):
            time.sleep(0.1)
        time.sleep(0.5)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "the sweep started no worker"
        proc.kill()
        proc.wait(10)
        _, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, f"left behind: {[p.cmdline()[:3] for p in alive]}"
        finished = sorted(p.parent.name for p in folder.glob("*/cell.json"))
        time.sleep(1.0)
        assert sorted(p.parent.name for p in folder.glob("*/cell.json")) == finished  # nothing wrote on
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for child in children:  # only what this sweep started
            if child.is_running():
                child.kill()


def test_a_task_that_kills_its_worker_becomes_a_failed_record_not_a_traceback():
    from kinship_research.pipeline import batch, cluster

    with cluster.connect(1, retries=0) as client:
        (dead,) = batch.gather_records(client, [client.submit(os._exit, 1, pure=False)], ["dies"])
        (after,) = batch.gather_records(client, [client.submit(len, "abc", pure=False)], ["lives"])
    assert dead.status == "failed" and dead.error.startswith("worker died: KilledWorker")
    assert after == 3  # the nanny restarted the worker: the run goes on
