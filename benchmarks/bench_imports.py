"""Start-up cost: import time of the package and of each domain, in fresh interpreters.

Each module is imported in a new ``python -X importtime`` process (median of ``--repeats`` runs);
the cumulative time of its own line is reported. With ``--previous DIR`` (a source tree of an
earlier commit, ``git worktree add DIR COMMIT``) each run alternates with the same import from
that tree, for a paired before/after. Writes the ``imports`` section of results.md.

    .venv/bin/python benchmarks/bench_imports.py [--repeats 5] [--previous DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys

from _common import machine_note, source_commit, write_section

MODULES = (
    "kinship_research",
    "kinship_research.data",
    "kinship_research.methods.correlation",
    "kinship_research.methods.inequality",
    "kinship_research.methods.meta",
    "kinship_research.methods.regression",
    "kinship_research.studies.spirit_level",
    "kinship_research.studies.social_capital",
    "kinship_research.networks",
    "kinship_research.networks.distance_clustering",
    "kinship_research.networks.critics",
    "kinship_research.pipeline.cli",
)


def import_seconds(module: str, tree: str | None = None) -> float:
    """Cumulative import time of ``module`` (seconds) in a fresh interpreter (from ``tree`` if given)."""
    env = dict(os.environ, PYTHONPATH=tree) if tree else None  # and cwd: -c puts the cwd first on sys.path
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tree,
    ).stderr
    pattern = re.compile(r"import time:\s+\d+ \|\s+(\d+) \|\s*" + re.escape(module) + r"$", re.M)
    return int(pattern.findall(out)[-1]) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--previous", help="source tree of an earlier commit, measured in alternation")
    args = parser.parse_args()
    rows = []
    for module in MODULES:
        times, before = [], []
        for _ in range(args.repeats):
            times.append(import_seconds(module))
            if args.previous:
                before.append(import_seconds(module, args.previous))
        rows.append((module, times, before))
        print(f"{module:45s} {statistics.median(times):.3f} s", flush=True)

    def cell(values):
        return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})" if values else ""

    table = "\n".join(f"| `{m}` | {cell(now)} | {cell(before)} |" for m, now, before in rows)
    previous = (
        f" Before: the same imports from the tree of commit {source_commit(args.previous)}, alternating run by run."
        if args.previous
        else ""
    )
    write_section(
        "imports",
        f"""## imports

`python -X importtime -c "import MODULE"` in a fresh interpreter, cumulative seconds of the module's
own line, median (range) of {args.repeats} runs. Target: the package and any one domain under 0.5 s.{previous}

| module | now (s) | before (s) |
|---|---:|---:|
{table}

Machine: {machine_note()}.""",
    )


if __name__ == "__main__":
    main()
