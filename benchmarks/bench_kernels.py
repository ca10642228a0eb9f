"""Kernel start-up: a fresh kernel against one forked from the warm server, per notebook.

For each packaged notebook, a notebook of its parameters cell and its import cell (the first two
code cells) is executed by the runner's papermill call, alternately with a fresh kernel
(jupyter_client's usual launch) and a forked one (:mod:`kinship_research.pipeline.forked_kernels`),
``--repeats`` times; median seconds of the whole call. The server's own start (its imports, once per process) is timed
separately, after an untimed fresh run. Writes the ``kernels`` section of results.md.

    .venv/bin/python benchmarks/bench_kernels.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from _common import machine_note, write_section

from kinship_research.pipeline import forked_kernels, parameters, runner


def start_cells(name: str, folder: Path) -> Path:
    """A copy of notebook ``name`` with its first two code cells only (parameters, imports)."""
    nb = nbformat.read(parameters.notebook_path(name), as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type == "code"][:2]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def run(path: Path, forked: bool) -> float:
    """Seconds of the runner's papermill call (no parameters injected) on ``path``."""
    start = time.perf_counter()
    runner._execute(path, path.with_suffix(".out.ipynb"), {}, forked)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    names = list(parameters.available())
    with tempfile.TemporaryDirectory() as folder:
        paths = {n: start_cells(n, Path(folder)) for n in names}
        run(paths[names[0]], forked=False)  # untimed: warms the disk cache
        server = run(paths[names[0]], forked=True)  # starts the server
        times = {n: {"fresh": [], "forked": []} for n in names}
        for _ in range(args.repeats):
            for n in names:
                for kind in ("fresh", "forked"):
                    times[n][kind].append(run(paths[n], kind == "forked"))
            print(f"round done: {sum(statistics.median(t['fresh']) for t in times.values()):.1f} s fresh", flush=True)
        forked_kernels.SERVER.close()
    med = {n: {k: statistics.median(v) for k, v in t.items()} for n, t in times.items()}
    rows = "\n".join(
        f"| {n} | {m['fresh']:.2f} | {m['forked']:.2f} | {m['fresh'] - m['forked']:.2f} |" for n, m in med.items()
    )
    fresh, forked = (sum(m[k] for m in med.values()) for k in ("fresh", "forked"))
    write_section(
        "kernels",
        f"""## kernels (benchmarks/bench_kernels.py)

Kernel start plus each notebook's parameters and import cells under papermill: a fresh kernel
against one forked from the warm server (`kinship report` and `kinship sweep`), alternating,
median of {args.repeats}. The server's own start (importing its preload list once per process, with
the first forked kernel): {server:.1f} s.

| notebook | fresh (s) | forked (s) | saved (s) |
|---|---:|---:|---:|
{rows}
| **all {len(names)}** | **{fresh:.1f}** | **{forked:.1f}** | **{fresh - forked:.1f}** |

Machine: {machine_note()}.""",
    )


if __name__ == "__main__":
    main()
