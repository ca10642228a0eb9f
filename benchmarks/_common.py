"""Shared helpers of the benchmark scripts: run a case in a fresh process, write results.md."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).with_name("results.md")


def peak_rss_gb() -> float:
    """Peak resident set size of this process so far, in GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def current_rss_gb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e9


def run_case(script: str, case: dict) -> dict:
    """Run ``script --case JSON`` in a new interpreter (own peak RSS) and parse its JSON line."""
    out = subprocess.run(
        [sys.executable, script, "--case", json.dumps(case)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine_note() -> str:
    load = os.getloadavg()
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} at the end of the run, Python "
        f"{platform.python_version()}"
    )


def source_commit(tree: str) -> str:
    """Short commit id of the source tree ``tree`` (e.g. a ``git worktree`` of an earlier commit)."""
    out = subprocess.run(["git", "-C", tree, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return out.stdout.strip() or tree


def write_section(name: str, markdown: str) -> None:
    """Replace the section ``name`` of results.md (atomically), keeping the others."""
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    block = f"{begin}\n{markdown.rstrip()}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    with tempfile.NamedTemporaryFile("w", dir=RESULTS.parent, delete=False) as handle:
        handle.write(text)
    os.replace(handle.name, RESULTS)
