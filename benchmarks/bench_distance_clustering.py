"""Benchmark distance_clustering against a naive and a strong (igraph + numpy) baseline.

Graph: networkx.connected_watts_strogatz_graph(n, 6, 0.05, seed=0), trait prevalence 0.3,
2,000 sampled egos, distances 1..6, 1,000 permutations; plus barabasi_albert_graph(1e5, 5).
Each case runs in a fresh process so that its peak RSS is its own. Naive baseline: networkx BFS
per ego and a Python loop over permutations. Strong baseline: igraph neighbourhoods by exact
distance (order=d, mindist=d) for the shells, then sparse shells times dense blocks of
numpy-permuted traits.

    .venv/bin/python benchmarks/bench_distance_clustering.py --sizes 1e5 1e6 --ba
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    current_rss_gb,
    machine_note,
    peak_rss_gb,
    run_case,
    source_commit,
    write_section,
)

EGOS, DISTANCE, PERMUTATIONS, PREVALENCE = 2000, 6, 1000, 0.3


def make_case(graph_kind: str, n: int):
    start = time.perf_counter()
    if graph_kind == "ws":
        graph = nx.connected_watts_strogatz_graph(n, 6, 0.05, seed=0)
    else:
        graph = nx.barabasi_albert_graph(n, 5, seed=0)
    rng = np.random.default_rng(1)
    trait = (rng.random(n) < PREVALENCE).astype(float)
    return graph, trait, time.perf_counter() - start


def baseline(graph, trait, egos, max_distance, n_permutations, seed):
    """Plain implementation: networkx BFS per ego, then a Python loop over permutations."""
    shells = []
    for ego in egos:
        layers = [[] for _ in range(max_distance + 1)]
        for alter, d in nx.single_source_shortest_path_length(graph, ego, cutoff=max_distance).items():
            layers[d].append(alter)
        shells.append([np.array(layer, dtype=np.int64) for layer in layers])

    def statistic(x):
        num, den = np.zeros(max_distance + 1), np.zeros(max_distance + 1)
        for ego, layers in zip(egos, shells):
            if x[ego] == 1:
                for d in range(1, max_distance + 1):
                    num[d] += x[layers[d]].sum()
                    den[d] += len(layers[d])
        return num[1:] / den[1:]

    observed = statistic(trait)
    rng = np.random.default_rng(seed)
    null = np.array([statistic(rng.permutation(trait)) for _ in range(n_permutations)])
    return observed, null


def strong_baseline(graph, trait, egos, max_distance, n_permutations, seed, chunk=100):
    """igraph BFS shells + numpy permutation products (what a competent user would write)."""
    import igraph
    import scipy.sparse as sp

    n = len(trait)
    other = igraph.Graph(n=n, edges=np.asarray(graph.edges(), dtype=np.int64))
    shells = []
    for d in range(1, max_distance + 1):
        rows = other.neighborhood(vertices=[int(e) for e in egos], order=d, mindist=d)
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = np.fromiter((v for row in rows for v in row), dtype=np.int32, count=int(indptr[-1]))
        shells.append(sp.csr_array((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(egos), n)))
    ego_x = trait[egos]
    alters = [np.diff(s.indptr).astype(np.float64) for s in shells]
    observed = np.array([ego_x @ (s @ trait) / (ego_x @ a) for s, a in zip(shells, alters)])
    rng = np.random.default_rng(seed)
    null = np.empty((max_distance, n_permutations))
    for start in range(0, n_permutations, chunk):
        size = min(chunk, n_permutations - start)
        block = rng.permuted(np.tile(trait.astype(np.float32), (size, 1)), axis=1).T  # n x size
        ego_block = block[egos].astype(np.float64)
        for d, (s, a) in enumerate(zip(shells, alters)):
            null[d, start : start + size] = np.einsum("ij,ij->j", ego_block, s @ block) / (a @ ego_block)
    return observed, null, sum(s.nnz for s in shells)


def case_main(case: dict) -> None:
    if case.get("previous"):  # an earlier version's source tree (e.g. a git worktree) instead
        sys.path.insert(0, case["previous"])
    from kinship_research.networks.adjacency import graph_adjacency
    from kinship_research.networks.distance_clustering import distance_clustering

    small = nx.path_graph(20)  # warm-up: loads the cached numba kernel
    distance_clustering(small, {v: v % 2 for v in small}, n_permutations=5, seed=0)
    graph, trait, build = make_case(case["graph"], case["n"])
    start = time.perf_counter()
    graph_adjacency(graph)
    convert = time.perf_counter() - start
    rss_graph = current_rss_gb()
    egos = np.sort(np.random.default_rng(2).choice(case["n"], EGOS, replace=False))
    start = time.perf_counter()
    cpu_start = time.process_time()
    if case["engine"] == "baseline":
        observed, _ = baseline(graph, trait, egos, DISTANCE, case["permutations"], seed=0)
        methods = "baseline"
        pairs = None
    elif case["engine"] == "strong":
        observed, _, pairs = strong_baseline(graph, trait, egos, DISTANCE, case["permutations"], seed=0)
        methods = "strong"
    else:
        table = distance_clustering(
            graph,
            dict(enumerate(trait)),
            max_distance=DISTANCE,
            n_permutations=case["permutations"],
            egos=[int(e) for e in egos],
            seed=0,
            method=case.get("method", "auto"),
        )
        observed = table["observed"].to_numpy()
        methods = ",".join(f"{d}:{m[0]}" for d, m in zip(table["distance"], table["method"]))
        pairs = None
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "build_seconds": build,
                "rss_graph_gb": rss_graph,
                "peak_rss_gb": peak_rss_gb(),
                "observed": list(map(float, observed)),
                "convert_seconds": convert,
                "pairs": pairs,
                "methods": methods,
            }
        )
    )


def _spread(values) -> str:
    return f"{np.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        nargs="*",
        type=float,
        default=[1e5, 1e6],
        help="Watts-Strogatz sizes n (e.g. 1e4 1e5 1e6); fast engine once each",
    )
    parser.add_argument(
        "--baseline-sizes",
        nargs="*",
        type=float,
        default=[1e5],
        help="sizes with paired runs of fast, strong and naive engines",
    )
    parser.add_argument("--pairs", type=int, default=3, help="paired runs at the baseline sizes")
    parser.add_argument(
        "--baseline-permutations",
        type=int,
        default=100,
        help="permutations for the naive baseline (its time scales linearly)",
    )
    parser.add_argument("--ba", action="store_true", help="also run barabasi_albert(1e5, 5)")
    parser.add_argument("--ba-runs", type=int, default=1, help="runs of the BA case")
    parser.add_argument(
        "--previous",
        help="source tree of an earlier version (git worktree add DIR COMMIT): BA runs alternate with it",
    )
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        case_main(json.loads(args.case))
        return
    script = str(Path(__file__).resolve())
    runs: dict[tuple, list] = {}

    def run(kind, n, engine):
        permutations = args.baseline_permutations if engine == "naive" else PERMUTATIONS
        result = run_case(
            script,
            {
                "graph": kind,
                "n": n,
                "engine": "baseline" if engine == "naive" else "fast" if engine == "previous" else engine,
                "permutations": permutations,
                "previous": args.previous if engine == "previous" else None,
            },
        )
        result["scaled_seconds"] = result["seconds"] * PERMUTATIONS / permutations
        result["scaled_cpu_seconds"] = result["cpu_seconds"] * PERMUTATIONS / permutations
        runs.setdefault((kind, n, engine), []).append(result)
        print(
            f"{kind} n={n:>9,} {engine:>6}: {result['scaled_seconds']:8.1f} s "
            f"(CPU {result['scaled_cpu_seconds']:.1f} s) "
            f"(peak RSS {result['peak_rss_gb']:.2f} GB, graph {result['rss_graph_gb']:.2f} GB, "
            f"conversion {result['convert_seconds']:.2f} s) {result['methods']}",
            flush=True,
        )

    for n in map(int, args.baseline_sizes):
        for _ in range(args.pairs):
            for engine in ("fast", "strong", "naive"):
                run("ws", n, engine)
    for n in map(int, args.sizes):
        if n not in map(int, args.baseline_sizes):
            run("ws", n, "fast")
    if args.ba:
        for _ in range(args.ba_runs):
            run("ba", 100_000, "fast")
            if args.previous:
                run("ba", 100_000, "previous")
    lines = [
        "## distance_clustering",
        "",
        f"{EGOS:,} sampled egos, distances 1-{DISTANCE}, {PERMUTATIONS:,} permutations, "
        f"trait prevalence {PREVALENCE}. WS = connected_watts_strogatz_graph(n, 6, 0.05, "
        "seed=0); BA = barabasi_albert_graph(n, 5, seed=0). Time excludes building the "
        "networkx graph and includes converting it (conversion alone shown); peak RSS is the "
        "whole process (the networkx graph's own footprint is shown). Methods: per distance, "
        "p = compiled permutation kernel, m = exact permutation moments (method='auto'). "
        "Naive: networkx BFS per ego, then a Python loop over permutations (run with "
        f"{args.baseline_permutations} permutations, scaled to {PERMUTATIONS:,}). Strong: igraph "
        "neighbourhoods at exact distance d for the shells, then sparse shells times blocks "
        "of 100 numpy-permuted trait columns. Paired runs: fast, strong, naive in turn, "
        f"{args.pairs} times; median (range) of times and of per-pair ratios. Pairs: "
        "(ego, alter) pairs within the distance over all egos (as the strong baseline counts "
        "them); operations/s = pairs x permutations / time. CPU: process time of the call over "
        "all threads (less sensitive than wall time to other jobs on the shared machine)."
        + (
            f" Previous: the same call from the source tree of commit {source_commit(args.previous)} "
            f"(--previous), BA runs alternating with the current one ({args.ba_runs} each)."
            if args.previous
            else ""
        ),
        "",
        "| graph | n | engine | runs | time (s) | CPU (s) | vs naive | vs strong | vs previous | peak RSS (GB) | "
        "graph RSS (GB) | conversion (s) | pairs | ops/s | methods |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for (kind, n, engine), results in runs.items():
        seconds = [r["scaled_seconds"] for r in results]
        ratios = {}
        for other in ("naive", "strong", "previous"):
            if engine == "fast" and (kind, n, other) in runs:
                base = [r["scaled_seconds"] for r in runs[(kind, n, other)]]
                ratios[other] = _spread([b / f for b, f in zip(base, seconds)]) + "x"
        pairs = runs.get((kind, n, "strong"), [{}])[0].get("pairs")
        ops = f"{pairs * PERMUTATIONS / np.median(seconds):.2e}" if pairs and engine != "naive" else ""
        lines.append(
            f"| {kind.upper()} | {n:,} | {engine} | {len(results)} | {_spread(seconds)} | "
            f"{_spread([r['scaled_cpu_seconds'] for r in results])} | "
            f"{ratios.get('naive', '')} | {ratios.get('strong', '')} | {ratios.get('previous', '')} | "
            f"{max(r['peak_rss_gb'] for r in results):.2f} | {results[0]['rss_graph_gb']:.2f} | "
            f"{np.median([r['convert_seconds'] for r in results]):.2f} | "
            f"{pairs or ''} | {ops} | {results[0]['methods']} |"
        )
    for (kind, n, engine), results in runs.items():
        if engine != "fast":
            continue
        for other in ("naive", "strong", "previous"):
            if (kind, n, other) in runs:
                gap = np.max(np.abs(np.subtract(results[0]["observed"], runs[(kind, n, other)][0]["observed"])))
                lines.append(f"\nObserved probabilities, fast vs {other} at n = {n:,}: max |difference| = {gap:.1e}.")
    lines.append(f"\nMachine: {machine_note()}.")
    write_section("distance_clustering", "\n".join(lines))


if __name__ == "__main__":
    main()
