"""Wall-clock time of network SAOM estimation (s50 waves 1-2, RSiena manual model; Glasgow waves 1-2).

Run: KINSHIP_DATA_MIRROR=/work/shared/data/mirror .venv/bin/python benchmarks/bench_saom.py [s50|glasgow]
Prints one line per seed: seconds (first call includes numba compilation unless cached) and estimates.
"""

from __future__ import annotations

import sys
import time

from kinship_research.data import load
from kinship_research.networks.longitudinal import LongitudinalNetwork
from kinship_research.networks.saom import estimate_saom, saom_data

EFFECTS = ["outdegree", "reciprocity", "transitive_triplets", "three_cycles", "similarity:smoke1"]


def case(sample: str):
    if sample == "s50":
        network = LongitudinalNetwork.from_s50(load("s50"))
    else:
        network = LongitudinalNetwork.from_glasgow(
            load("glasgow_friendship"), load("glasgow_substances"), load("glasgow_demographic")
        )
    smoke = network.attribute("tobacco")[0]
    return saom_data(network.ties[:2], present=network.present[:2], covariates={"smoke1": smoke})


def main(sample: str = "s50", n_phase3: int = 1000):
    data = case(sample)
    for seed in (1, 2, 3):
        start = time.perf_counter()
        result = estimate_saom(data, EFFECTS, n_phase3=n_phase3, seed=seed)
        seconds = time.perf_counter() - start
        print(
            f"{sample} n={data.n_actors} seed={seed} n_phase3={n_phase3}: {seconds:.2f} s; "
            + ", ".join(f"{e}={v:.3f}" for e, v in zip(result.effects, result.estimate))
            + f"; max convergence ratio {result.max_convergence_ratio:.3f}"
        )


if __name__ == "__main__":
    main(*(sys.argv[1:2] or ["s50"]))
