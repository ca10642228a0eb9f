"""Start-up cost: import time of the package and of each domain, in fresh interpreters.

Each module is imported in a new ``python -X importtime`` process (median of ``--repeats`` runs);
the cumulative time of its own line is reported. Writes the ``imports`` section of results.md.

    .venv/bin/python benchmarks/bench_imports.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys

from _common import machine_note, write_section

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


def import_seconds(module: str) -> float:
    """Cumulative import time of ``module`` (seconds) in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, check=True
    ).stderr
    pattern = re.compile(r"import time:\s+\d+ \|\s+(\d+) \|\s*" + re.escape(module) + r"$", re.M)
    return int(pattern.findall(out)[-1]) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for module in MODULES:
        times = [import_seconds(module) for _ in range(args.repeats)]
        rows.append((module, statistics.median(times), min(times), max(times)))
        print(f"{module:45s} {rows[-1][1]:.3f} s", flush=True)
    table = "\n".join(f"| `{m}` | {med:.3f} | {lo:.3f}-{hi:.3f} |" for m, med, lo, hi in rows)
    write_section(
        "imports",
        f"""## imports

`python -X importtime -c "import MODULE"` in a fresh interpreter, cumulative seconds of the module's
own line, median of {args.repeats} runs (range). Target: the package and any one domain under 0.5 s.

| module | median (s) | range (s) |
|---|---:|---:|
{table}

Machine: {machine_note()}.""",
    )


if __name__ == "__main__":
    main()
