"""Dask engine: serial vs a 2-worker LocalCluster.

1. contagion_detection_study (homophily vs contagion, 2 scenarios) at N replications: wall time
   serially and with client=; the tables must be identical.
2. An 8-cell preston_curve sweep (n_boot small) on 1 and 2 workers: wall time, speed-up and the
   overhead per cell (sweep wall time x workers / cells minus the mean cell run time).

Usage: KINSHIP_DATA_MIRROR=... .venv/bin/python benchmarks/bench_sweep.py [--replications 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from kinship_research.networks.critics import contagion_detection_study
from kinship_research.pipeline import cluster, sweep

HOMOPHILY = {"n_nodes": 150, "homophily": 2.0, "latent_effect": 2.0}
INFLUENCE = {"n_nodes": 150, "influence": 1.5}
GRID = "year = [1990, 2000, 2005, 2010]\nn_richest = [20, 30]\nn_boot = [10]\n"


def study(replications: int) -> None:
    scenarios = {"homophily": HOMOPHILY, "influence": INFLUENCE}
    start = time.perf_counter()
    serial = contagion_detection_study(scenarios, n_replications=replications, n_shuffles=19, seed=1)
    t_serial = time.perf_counter() - start
    with cluster.connect(2) as client:
        start = time.perf_counter()
        parallel = contagion_detection_study(
            scenarios, n_replications=replications, n_shuffles=19, seed=1, client=client
        )
        t_dask = time.perf_counter() - start
    pd.testing.assert_frame_equal(serial, parallel)
    tasks = 2 * replications
    print(
        f"contagion_detection_study, {tasks} replications: serial {t_serial:.1f} s, 2 workers "
        f"{t_dask:.1f} s (cluster start excluded), speed-up {t_serial / t_dask:.2f}x; tables identical"
    )


def sweeps() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        grid = Path(tmp) / "grid.toml"
        grid.write_text(GRID)
        for workers in (1, 2):
            start = time.perf_counter()
            table = sweep.run_sweep(
                "preston_curve", grid, workers=workers, reports_dir=Path(tmp) / f"w{workers}", progress=False
            )
            wall = time.perf_counter() - start
            assert (table.status == "ok").all()
            cell = table.seconds.mean()
            where = "1 worker (in process)" if workers == 1 else f"{workers} workers (cluster start included)"
            print(
                f"8-cell sweep on {where}: {wall:.1f} s wall, "
                f"mean cell run {cell:.2f} s, overhead per cell {wall * workers / len(table) - cell:.2f} s"
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--replications", type=int, default=1000, help="per scenario (default 1000)")
    args = p.parse_args()
    study(args.replications)
    sweeps()


if __name__ == "__main__":
    main()
