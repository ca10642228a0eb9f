"""Wall time of a full report: ``kinship report`` over the notebooks both trees have, now and before.

Usage (from the repository root, with KINSHIP_DATA_MIRROR set)::

    git worktree add /tmp/before COMMIT
    .venv/bin/python benchmarks/bench_report.py --previous /tmp/before [--rounds 2] [--workers 2]

Each tree reports into one folder for the whole benchmark (as a user's repeated ``make reports``
does: the warm-up run leaves the attempt records by which ``kinship report`` starts the slowest
notebooks first). Each round runs the earlier tree's CLI (``python -m kinship_research.cli`` or
``kinship_research.pipeline.cli``, with that tree first on PYTHONPATH, so its kernels import it too)
and then this tree's, alternating, into fresh report folders. Per-notebook run times come from each
CLI's own summary lines. Each notebook's ``results.json`` (its results and headline; not the run's
time, parameters or environment) is compared between the trees: the table says which are identical.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine_note, source_commit, write_section

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^\s*(ok|failed|skipped)\s+(\S+)\s+\(([\d.]+) s\)")


def notebooks(tree: Path) -> set[str]:
    return {p.stem for p in (tree / "notebooks").glob("*.ipynb")}


def cli_module(tree: Path) -> str:
    new = tree / "kinship_research" / "pipeline" / "cli.py"
    return "kinship_research.pipeline.cli" if new.exists() else "kinship_research.cli"


def findings(report: Path) -> str:
    """A notebook's results and headline from its ``results.json``, as canonical JSON."""
    saved = json.loads((report / "results.json").read_text())
    return json.dumps({"results": saved["results"], "headline": saved.get("headline")}, sort_keys=True)


def run_report(tree: Path, names: list[str], workers: int, out: Path) -> tuple[float, dict[str, float], dict[str, str]]:
    """Seconds of one ``kinship report`` of ``names`` from ``tree`` into ``out``, its per-notebook
    times and findings."""
    env = dict(os.environ, PYTHONPATH=str(tree), KINSHIP_REPORTS_DIR=str(out))
    flag = (
        ["--workers", str(workers)]
        if cli_module(tree).startswith("kinship_research.pipeline")
        else ["--jobs", str(workers)]
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", cli_module(tree), "report", *flag, "--only", *names],
        cwd=tree, env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    found = {name: findings(out / name) for name in names if (out / name / "results.json").exists()}
    times = {m.group(2): float(m.group(3)) for m in map(LINE.match, done.stdout.splitlines()) if m}
    failed = [line for line in done.stdout.splitlines() if line.strip().startswith(("failed", "skipped"))]
    if done.returncode != 0 or failed or len(times) != len(names):
        raise RuntimeError(f"report from {tree} did not run cleanly: {failed or done.stderr[-2000:]}")
    return seconds, times, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--previous", required=True, help="source tree of an earlier commit (git worktree)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--warmup", action="store_true", help="run each tree once untimed first (fills its numba cache)"
    )
    args = parser.parse_args()
    before_tree = Path(args.previous).resolve()
    names = sorted(notebooks(ROOT) & notebooks(before_tree))
    totals: dict[str, list[float]] = {"before": [], "now": []}
    per: dict[str, dict[str, list[float]]] = {"before": {}, "now": {}}
    found: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        out = {tree: Path(scratch) / label for label, tree in (("before", before_tree), ("now", ROOT))}
        if args.warmup:
            for tree in (before_tree, ROOT):
                run_report(tree, names, args.workers, out[tree])
        for _ in range(args.rounds):
            for label, tree in (("before", before_tree), ("now", ROOT)):
                seconds, times, found[label] = run_report(tree, names, args.workers, out[tree])
                totals[label].append(seconds)
                for name, t in times.items():
                    per[label].setdefault(name, []).append(t)
                print(f"{label}: {seconds:.1f} s", flush=True)
    rows = "\n".join(
        f"| {name} | {statistics.median(per['before'][name]):.1f} | {statistics.median(per['now'][name]):.1f} | "
        f"{'yes' if found['before'].get(name) == found['now'].get(name) else 'no'} |"
        for name in names
    )
    med = {k: statistics.median(v) for k, v in totals.items()}
    warmup = " after an untimed warm-up run of each tree" if args.warmup else ""
    write_section(
        "report",
        f"""## report (benchmarks/bench_report.py)

`kinship report` with {args.workers} workers over the {len(names)} notebooks both trees have, with default
parameters; before = commit {source_commit(str(before_tree))}, now = {source_commit(str(ROOT))}; rounds
alternate, median of {args.rounds}{warmup}; each tree reports into its own folder throughout.
Wall time of the whole command: before {med["before"]:.1f} s
({", ".join(f"{t:.1f}" for t in totals["before"])}), now {med["now"]:.1f} s
({", ".join(f"{t:.1f}" for t in totals["now"])}); ratio now/before {med["now"] / med["before"]:.2f}.
Same results: whether the notebook's results and headline in ``results.json`` are identical
between the trees (last round).

| notebook | before (s) | now (s) | same results |
|---|---:|---:|---|
{rows}

Machine: {machine_note()}.""",
    )


if __name__ == "__main__":
    main()
