"""Wall-clock time of SAOM estimation: s50 and Glasgow, network only and network-behaviour co-evolution.

Cases (4 phase-2 subphases, 1000 phase-3 simulations, one process on the shared 2-core machine):
s50 waves 1-2 with the RSiena manual's network model (conditional estimation); s50 waves 1-3 with
the co-evolution model of RSiena's Rscript04SienaBehaviour.R (drinking; unconditional); Glasgow
waves 1-2 network model, all 160 pupils with composition change; Glasgow waves 1-3 co-evolution
with drinking, composition change. With ``--cusna`` (cusna importable, e.g. ``PYTHONPATH`` set to
an unpacked wheel) the two s50 models are also estimated by cusna's CPU backend. Writes the
``saom`` section of results.md.

    KINSHIP_DATA_MIRROR=/work/shared/data/mirror .venv/bin/python benchmarks/bench_saom.py [--seeds 3] [--cusna]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import machine_note, write_section  # noqa: E402

from kinship_research.data import load  # noqa: E402
from kinship_research.networks.longitudinal import LongitudinalNetwork  # noqa: E402
from kinship_research.networks.saom import (  # noqa: E402
    estimate_saom,
    from_longitudinal,
    saom_data,
    simulate_coevolution,
)
from kinship_research.networks.saom.reference import (  # noqa: E402
    RSIENA_MANUAL_S50,
    RSIENA_MANUAL_S50_EFFECTS,
    RSIENA_S50_COEVOLUTION,
    RSIENA_S50_COEVOLUTION_BEHAVIOUR_EFFECTS,
    RSIENA_S50_COEVOLUTION_EFFECTS,
)

GLASGOW_NETWORK = ["outdegree", "reciprocity", "transitive_triplets", "three_cycles", "similarity:smoke1"]
GLASGOW_COEVOLUTION = [
    "outdegree",
    "reciprocity",
    "transitive_triplets",
    "similarity:girl",
    "ego:alcohol",
    "alter:alcohol",
    "similarity:alcohol",
]


def cases():
    s50 = LongitudinalNetwork.from_s50(load("s50"))
    glasgow = LongitudinalNetwork.from_glasgow(
        load("glasgow_friendship"), load("glasgow_substances"), load("glasgow_demographic")
    )
    smoke1 = s50.attribute("tobacco")[0]
    coevolution = saom_data(
        s50.ties, behaviour=("drinkingbeh", s50.attribute("alcohol")), covariates={"smoke1": smoke1}
    )
    glasgow_network = saom_data(
        glasgow.ties[:2], present=glasgow.present[:2], covariates={"smoke1": glasgow.attribute("tobacco")[0]}
    )
    glasgow_coevolution, _ = from_longitudinal(glasgow, "alcohol", covariates=("girl",))
    return [
        (
            "s50 waves 1-2, network (RSiena manual)",
            saom_data(s50.ties[:2], covariates={"smoke1": smoke1}),
            RSIENA_MANUAL_S50_EFFECTS,
            None,
            RSIENA_MANUAL_S50,
        ),
        (
            "s50 waves 1-3, co-evolution with drinking (RSiena script 4)",
            coevolution,
            RSIENA_S50_COEVOLUTION_EFFECTS,
            RSIENA_S50_COEVOLUTION_BEHAVIOUR_EFFECTS,
            RSIENA_S50_COEVOLUTION,
        ),
        ("Glasgow waves 1-2, network, composition change", glasgow_network, GLASGOW_NETWORK, None, None),
        (
            "Glasgow waves 1-3, co-evolution with drinking, composition change",
            glasgow_coevolution,
            GLASGOW_COEVOLUTION,
            ["linear", "quadratic", "average_alter"],
            None,
        ),
    ]


def cusna_times(s50_network, s50_coevolution) -> list[str]:
    """cusna 0.1.0's CPU backend on the two s50 models (network: its defaults, n3 = 4000; co-evolution: n3 = 1000)."""
    from cusna.saom.data import SaomData
    from cusna.saom.mom import MomEstimator
    from cusna.saom.stats import BehEffectSpec, EffectSpec

    rows = []
    smoke1 = s50_network.covariates["smoke1"]
    network = [
        EffectSpec("density"),
        EffectSpec("recip"),
        EffectSpec("transTrip"),
        EffectSpec("cycle3"),
        EffectSpec("simX", cov=smoke1),
    ]
    waves = [w.astype(np.uint8) for w in s50_coevolution.ties]
    drink = s50_coevolution.behaviour.values.T
    for label, estimator in (
        (
            "s50 waves 1-2, network",
            lambda: MomEstimator(SaomData(waves[:2]), effects=network, conditional=True, backend="cpu", seed=1),
        ),
        (
            "s50 waves 1-3, co-evolution",
            lambda: MomEstimator(
                SaomData(waves, behavior=drink),
                effects=network
                + [
                    EffectSpec("altX", cov=drink, dyn=True),
                    EffectSpec("egoX", cov=drink, dyn=True),
                    EffectSpec("simX", cov=drink, dyn=True),
                ],
                beh_effects=[BehEffectSpec("linear"), BehEffectSpec("quad"), BehEffectSpec("avAlt")],
                conditional=False,
                backend="cpu",
                seed=1,
                n1=200,  # cusna's defaults (n1 = 1000, n3 = 4000) did not finish in 15 minutes here
                n3=1000,
                batch2=64,
            ),
        ),
    ):
        start = time.perf_counter()
        result = estimator().estimate(verbose=False)
        seconds = time.perf_counter() - start
        estimates = np.round(np.asarray(result.theta), 3).tolist()
        rows.append(f"| cusna 0.1.0 (CPU) | {label} | {seconds:.1f} | max t-conv {result.tconv_max:.3f}; {estimates} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--n-phase3", type=int, default=1000)
    parser.add_argument("--cusna", action="store_true")
    args = parser.parse_args()
    # compile (or load the numba cache) before timing
    simulate_coevolution(
        np.zeros((5, 5)),
        [1, 2, 1, 2, 1],
        ["outdegree"],
        [0.0],
        ["linear"],
        [0.0],
        rates=[1.0],
        behaviour_rates=[1.0],
        behaviour_range=(1, 2),
        seed=0,
    )
    lines = [
        "| case | n | seed | seconds | max conv. ratio | largest difference from RSiena (its SEs) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    data_by_label = {}
    for label, data, effects, behaviour_effects, reference in cases():
        data_by_label[label] = data
        seeds = range(1, args.seeds + 1) if data.n_actors <= 50 else range(1, 2)
        for seed in seeds:
            start = time.perf_counter()
            result = estimate_saom(
                data, effects, behaviour_effects=behaviour_effects, n_phase3=args.n_phase3, seed=seed
            )
            seconds = time.perf_counter() - start
            gap = ""
            if reference:
                gap = f"{max(abs(result[e][0] - v) / se for e, (v, se) in reference.items()):.2f}"
            lines.append(
                f"| {label} | {data.n_actors} | {seed} | {seconds:.1f} | {result.max_convergence_ratio:.3f} | {gap} |"
            )
            print(lines[-1], flush=True)
    text = [
        "## saom (benchmarks/bench_saom.py)",
        "",
        f"SAOM estimation by the method of moments: 4 phase-2 subphases, {args.n_phase3} phase-3 simulations, one "
        "process. The machine is shared with other jobs (two cores, busy during the run), so times are upper bounds. "
        "RSiena 1.3.0.1 reported 32.3 s for the s50 co-evolution model on its author's machine "
        "(docs/s50CoEv_3.txt of github.com/JochemTolsma/RSiena-scripts; another machine, not a paired comparison).",
        "",
        *lines,
    ]
    if args.cusna:
        names = list(data_by_label)
        text += [
            "",
            "| package | model | seconds | estimates |",
            "|---|---|---:|---|",
            *cusna_times(data_by_label[names[0]], data_by_label[names[1]]),
        ]
    text += ["", f"Machine: {machine_note()}."]
    write_section("saom", "\n".join(text))


if __name__ == "__main__":
    main()
