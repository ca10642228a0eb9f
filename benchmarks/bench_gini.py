"""Benchmark methods.inequality.gini against PySAL's inequality.gini.Gini (paired runs).

Incomes: lognormal(10, 0.8) draws, seed 0. Each pair times ours then PySAL on the same array;
the table gives the median (range) over the pairs and the largest |difference| of the values.

    .venv/bin/python benchmarks/bench_gini.py --sizes 1e4 1e6 --pairs 5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import machine_note, write_section  # noqa: E402


def main() -> None:
    from inequality.gini import Gini

    from kinship_research.methods.inequality import gini

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=float, default=[1e4, 1e6])
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    lines = [
        "## gini",
        "",
        "Unweighted Gini of lognormal(10, 0.8) incomes, paired runs "
        f"(ours, then PySAL `inequality.gini.Gini`), median (range) of {args.pairs} pairs.",
        "",
        "| n | ours (s) | PySAL (s) | PySAL / ours | max abs difference |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in map(int, args.sizes):
        x = np.random.default_rng(0).lognormal(10, 0.8, size=n)
        ours, theirs, gap = [], [], 0.0
        for _ in range(args.pairs):
            start = time.perf_counter()
            g = gini(x)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            reference = Gini(x).g
            theirs.append(time.perf_counter() - start)
            gap = max(gap, abs(g - reference))
        ratio = np.array(theirs) / np.array(ours)
        print(f"gini n={n:,}: ours {np.median(ours):.4f} s, PySAL {np.median(theirs):.4f} s", flush=True)
        lines.append(
            f"| {n:,} | {np.median(ours):.4f} ({min(ours):.4f}-{max(ours):.4f}) | "
            f"{np.median(theirs):.4f} ({min(theirs):.4f}-{max(theirs):.4f}) | "
            f"{np.median(ratio):.2f}x ({ratio.min():.2f}-{ratio.max():.2f}) | {gap:.1e} |"
        )
    lines += [
        "",
        "Why ours was slower (0.31 s vs 0.12 s at 10^6): a stable argsort plus gathers of "
        "incomes and a vector of unit weights and a cumulative sum; now the unweighted case sorts "
        "the values (numpy's default sort) and takes one dot product with 2i - n - 1; validation "
        "reads the sorted ends.",
        f"\nMachine: {machine_note()}.",
    ]
    write_section("gini", "\n".join(lines))


if __name__ == "__main__":
    main()
