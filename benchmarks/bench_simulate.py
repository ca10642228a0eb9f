"""Benchmark simulate(): discrete-time throughput, Gillespie vs EoN.fast_SIS, vs ndlib SIS.

Graphs: networkx.connected_watts_strogatz_graph(n, 6, 0.05, seed=0).

    .venv/bin/python benchmarks/bench_simulate.py --sizes 1e5 1e6 --gillespie-sizes 1e5 \
        --ndlib-sizes 1e4 1e5
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import machine_note, write_section  # noqa: E402

from kinship_research.networks.adjacency import graph_adjacency  # noqa: E402
from kinship_research.networks.simulate import simulate  # noqa: E402

BETA, GAMMA, ADOPTION = 0.3, 1.0, 0.05


def graph_of(n: int) -> nx.Graph:
    return nx.connected_watts_strogatz_graph(n, 6, 0.05, seed=0)


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def bench_discrete(graph, steps: int) -> dict:
    n = graph.number_of_nodes()
    seconds, run = timed(
        lambda: simulate(
            graph, "SISa", steps * 0.1, seed=0, dt=0.1, initial=0.1, beta=BETA, gamma=GAMMA, adoption=ADOPTION
        )
    )
    return {
        "n": n,
        "steps": steps,
        "seconds": seconds,
        "updates_per_s": n * steps / seconds,
        "final_prevalence": run["I"].iloc[-1] / n,
    }


def bench_gillespie(graph, t_max: float) -> dict:
    import EoN

    n = graph.number_of_nodes()
    ours_s, run = timed(
        lambda: simulate(
            graph, "SIS", t_max, seed=0, engine="gillespie", initial=0.1, dt=t_max / 10, beta=BETA, gamma=GAMMA
        )
    )
    random.seed(0)
    np.random.seed(0)
    eon_s, (times, _, infected) = timed(lambda: EoN.fast_SIS(graph, BETA, GAMMA, rho=0.1, tmax=t_max))
    convert_s, _ = timed(lambda: graph_adjacency(graph, symmetrise=False))
    return {
        "n": n,
        "t_max": t_max,
        "ours_s": ours_s,
        "eon_s": eon_s,
        "convert_s": convert_s,
        "events": run.attrs["n_events"],
        "ours_prevalence": run["I"].iloc[-1] / n,
        "eon_prevalence": infected[-1] / n,
        "eon_events": len(times) - 1,
    }


def bench_ndlib(graph, steps: int) -> dict:
    """ndlib SISModel (per step: P(infection) = 1 - (1 - beta)^k, P(recovery) = lambda).

    simulate(..., dt=1) with rates beta' = -ln(1 - beta), gamma' = -ln(1 - lambda) is the
    same discrete-time process.
    """
    import ndlib.models.epidemics as ep
    import ndlib.models.ModelConfig as mc

    n = graph.number_of_nodes()
    beta_step, recovery_step = 0.05, 0.2
    model = ep.SISModel(graph, seed=0)
    config = mc.Configuration()
    config.add_model_parameter("beta", beta_step)
    config.add_model_parameter("lambda", recovery_step)
    config.add_model_parameter("fraction_infected", 0.1)
    model.set_initial_status(config)
    ndlib_s, trends = timed(lambda: model.iteration_bunch(steps, node_status=False))
    ndlib_prevalence = trends[-1]["node_count"][1] / n
    ours_s, run = timed(
        lambda: simulate(
            graph,
            "SIS",
            steps - 1,
            seed=0,
            dt=1.0,
            initial=0.1,
            beta=-math.log1p(-beta_step),
            gamma=-math.log1p(-recovery_step),
        )
    )
    return {
        "n": n,
        "steps": steps,
        "ndlib_s": ndlib_s,
        "ours_s": ours_s,
        "ndlib_prevalence": ndlib_prevalence,
        "ours_prevalence": run["I"].iloc[-1] / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", nargs="*", type=float, default=[1e5, 1e6], help="sizes for the discrete-time throughput"
    )
    parser.add_argument("--steps", type=int, default=100, help="discrete-time steps")
    parser.add_argument(
        "--gillespie-sizes", nargs="*", type=float, default=[1e4, 1e5, 1e6], help="sizes for Gillespie vs EoN.fast_SIS"
    )
    parser.add_argument("--t-max", type=float, default=5.0, help="Gillespie simulated time")
    parser.add_argument("--ndlib-sizes", nargs="*", type=float, default=[1e4, 1e5])
    parser.add_argument("--ndlib-steps", type=int, default=20)
    args = parser.parse_args()
    graphs = {}
    simulate(graph_of(200), "SIS", 1.0, seed=0, engine="gillespie", beta=BETA, gamma=GAMMA)  # compile

    def graph(n):
        if n not in graphs:
            graphs.clear()
            graphs[n] = graph_of(n)
        return graphs[n]

    lines = [
        "## simulate",
        "",
        "Graphs: connected_watts_strogatz_graph(n, 6, 0.05, seed=0); 10% initially "
        f"infected; beta = {BETA}, gamma = {GAMMA} (adoption = {ADOPTION} for SISa).",
        "",
        "### Discrete time (SISa, dt = 0.1)",
        "",
        "| n | steps | time (s) | node-updates / s | final prevalence |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in map(int, args.sizes):
        r = bench_discrete(graph(n), args.steps)
        print(f"discrete n={n:,}: {r['seconds']:.2f} s, {r['updates_per_s']:.2e} updates/s", flush=True)
        lines.append(
            f"| {n:,} | {r['steps']} | {r['seconds']:.2f} | {r['updates_per_s']:.2e} | {r['final_prevalence']:.3f} |"
        )
    lines += [
        "",
        f"### Continuous time (SIS, t_max = {args.t_max}): Gillespie vs EoN.fast_SIS",
        "",
        "| n | ours (s) | EoN fast_SIS (s) | ratio | our events | ours events/s | EoN events | "
        "EoN events/s | graph conversion (s) | prevalence ours / EoN |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n in map(int, args.gillespie_sizes):
        r = bench_gillespie(graph(n), args.t_max)
        print(f"gillespie n={n:,}: ours {r['ours_s']:.1f} s, EoN {r['eon_s']:.1f} s", flush=True)
        lines.append(
            f"| {n:,} | {r['ours_s']:.3f} | {r['eon_s']:.2f} | "
            f"{r['eon_s'] / r['ours_s']:.1f}x | {r['events']:,} | "
            f"{r['events'] / r['ours_s']:.2e} | {r['eon_events']:,} | "
            f"{r['eon_events'] / r['eon_s']:.2e} | {r['convert_s']:.2f} | "
            f"{r['ours_prevalence']:.3f} / "
            f"{r['eon_prevalence']:.3f} |"
        )
    lines += [
        "",
        f"### Discrete time SIS vs ndlib SISModel ({args.ndlib_steps} steps, "
        "beta = 0.05 per contact per step, lambda = 0.2)",
        "",
        "| n | ndlib (s) | ours (s) | ratio | prevalence ndlib / ours |",
        "|---:|---:|---:|---:|---|",
    ]
    for n in map(int, args.ndlib_sizes):
        r = bench_ndlib(graph(n), args.ndlib_steps)
        print(f"ndlib n={n:,}: ndlib {r['ndlib_s']:.1f} s, ours {r['ours_s']:.2f} s", flush=True)
        lines.append(
            f"| {n:,} | {r['ndlib_s']:.1f} | {r['ours_s']:.2f} | "
            f"{r['ndlib_s'] / r['ours_s']:.0f}x | {r['ndlib_prevalence']:.3f} / "
            f"{r['ours_prevalence']:.3f} |"
        )
    lines += [
        "",
        "Times are whole calls (ours include building the sparse matrix from the "
        "networkx graph, shown separately as graph conversion; the numba compilation is cached on "
        "disk and a warm-up run precedes the timings); graph generation is excluded. Events (ours) "
        "count state "
        "changes; EoN's count is its returned time points (also state changes). ndlib "
        "infects with probability 1 - (1 - beta)^k per step; simulate(dt=1) with rate "
        "-ln(1 - beta) per contact is the same process.",
        f"\nMachine: {machine_note()}.",
    ]
    write_section("simulate", "\n".join(lines))


if __name__ == "__main__":
    main()
