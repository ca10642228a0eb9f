"""The ``kinship`` command: data, notebooks, run and report.

    kinship data list | info ID | fetch ID | fetch --all
    kinship notebooks list | copy NAME [DEST]
    kinship run NAME|PATH.ipynb [-p KEY VALUE]... [--reports-dir DIR]
    kinship report [--workers N | --scheduler tcp://HOST:PORT] [--only NAME ...] [--reports-dir DIR]
    kinship sweep NAME --grid GRID.toml [--workers N | --scheduler ADDRESS] [--resume] [--retries K]

Reports go to ./reports unless --reports-dir or $KINSHIP_REPORTS_DIR says otherwise.

User mistakes print one ``error:`` line and exit with status 2; failed notebooks exit 1. A folder
that cannot be written (read-only, disk full) prints one ``error:`` line and exits 1 (``report``
checks the reports folder before running any notebook); a report locked by another run exits 2;
Ctrl-C prints one line and exits 130, after the runner has removed its staging folder.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

import pandas as pd

from kinship_research import data
from kinship_research.pipeline import batch, index, paths, runner, sweep
from kinship_research.pipeline import parameters as notebooks
from kinship_research.pipeline.atomic import LockHeldError


def _data_list(args) -> int:
    table = data.catalog()[["id", "kind", "available", "title"]]
    with pd.option_context("display.max_colwidth", 70, "display.width", 160):
        print(table.to_string(index=False))
    return 0


def _data_info(args) -> int:
    e = data.entry(args.id)
    for field in (
        "id",
        "title",
        "kind",
        "url",
        "official",
        "filename",
        "sha256",
        "source",
        "terms",
        "citation",
        "contents",
        "loader",
    ):
        value = getattr(e, field)
        if value:
            print(f"{field:>9}: {value}")
    if e.variables:
        print("variables:")
        for column, description in e.variables.items():
            print(f"  {column}: {description}")
    return 0


def _data_fetch(args) -> int:
    if args.all == bool(args.id):
        raise ValueError("give either a dataset id or --all")
    failures = 0
    for dataset_id in list(data.entries()) if args.all else [args.id]:
        try:
            print(f"{dataset_id}: {data.fetch(dataset_id)}")
        except (data.DataUnavailableError, data.DataHashError) as err:
            failures += 1
            print(f"{dataset_id}: FAILED: {err}", file=sys.stderr)
    return 1 if failures else 0


def _notebooks_list(args) -> int:
    for name in notebooks.available():
        print(name)
        for p in notebooks.parameters(name):
            kind = "choice" if p.choices else p.type
            print(f"    {p.name}: {kind} = {p.default!r}  # {p.help}")
    return 0


def _notebooks_copy(args) -> int:
    source = notebooks.notebook_path(args.name)
    dest = Path(args.dest or ".").expanduser()
    target = dest / source.name if dest.is_dir() or not dest.suffix else dest
    if target.suffix != ".ipynb":
        raise ValueError(f"the copy must be an .ipynb file, got {target}")
    if target.exists():
        raise ValueError(f"{target} already exists; choose another DEST (nothing was overwritten)")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    print(f"{args.name} copied to {target}; run it with: kinship run {target}")
    return 0


def _run(args) -> int:
    params = dict(args.parameter or [])
    notebooks.validate(args.name, params)
    reports = runner.check_writable(paths.reports_dir(args.reports_dir))
    record = runner.run_notebook(args.name, params, reports_dir=reports)
    print(f"{record.name}: {record.status} in {record.seconds} s -> {reports / record.name}")
    if record.error:
        print(f"  {record.error}", file=sys.stderr)
    print(f"index: {index.write_index(reports)}")
    return 0 if record.status == "ok" else (3 if record.status == "skipped" else 1)


def _report(args) -> int:
    if args.jobs is not None:  # deprecated spelling of --workers
        if args.jobs < 1:
            raise ValueError(f"--jobs must be at least 1, got {args.jobs}")
        args.workers = args.jobs
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    for name in args.only or []:
        notebooks.notebook_path(name)
    reports = runner.check_writable(paths.reports_dir(args.reports_dir))
    workers = 1 if args.workers is None and not args.scheduler else args.workers
    records = batch.run_all(args.only, workers=workers, reports_dir=reports, scheduler=args.scheduler)
    for r in records:
        print(f"{r.status:>8}  {r.name}  ({r.seconds} s){'  ' + r.error if r.error else ''}")
    print(f"index: {reports / 'index.html'}")
    return 1 if any(r.status == "failed" for r in records) else 0


def _sweep(args) -> int:
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    reports = runner.check_writable(paths.reports_dir(args.reports_dir))
    table = sweep.run_sweep(
        args.name,
        args.grid,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        retries=args.retries,
        reports_dir=reports,
    )
    folder = sweep.sweep_dir(args.name, args.grid, reports)
    bad = int((table.status != "ok").sum())
    print(f"{len(table)} cells: {len(table) - bad} ok, {bad} not ok -> {folder / 'index.html'}")
    return 1 if bad else 0


def _engine_options(p: argparse.ArgumentParser, default: str) -> None:
    engine = p.add_mutually_exclusive_group()
    engine.add_argument("--workers", type=int, help=f"local Dask worker processes (default {default})")
    engine.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://HOST:8786 (see docs/cluster.md)",
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kinship", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("data", help="registered datasets").add_subparsers(dest="action", required=True)
    d.add_parser("list", help="list datasets").set_defaults(func=_data_list)
    info = d.add_parser("info", help="provenance, terms, citation and columns of one dataset")
    info.add_argument("id")
    info.set_defaults(func=_data_info)
    fetch = d.add_parser("fetch", help="download (or find in the mirror) and verify files")
    fetch.add_argument("id", nargs="?")
    fetch.add_argument("--all", action="store_true", help="every registered dataset")
    fetch.set_defaults(func=_data_fetch)
    nb = sub.add_parser("notebooks", help="analysis notebooks").add_subparsers(dest="action", required=True)
    nb.add_parser("list", help="names and parameters").set_defaults(func=_notebooks_list)
    copy = nb.add_parser("copy", help="an editable copy of a notebook, to adapt and run with kinship run PATH")
    copy.add_argument("name")
    copy.add_argument("dest", nargs="?", help="folder or .ipynb path (default: the current folder)")
    copy.set_defaults(func=_notebooks_copy)
    run = sub.add_parser("run", help="execute one notebook into reports/NAME/")
    run.add_argument("name", help="a notebook name, or the path of your own .ipynb")
    run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("KEY", "VALUE"))
    run.add_argument("--reports-dir", help="where reports go (default: $KINSHIP_REPORTS_DIR or ./reports)")
    run.set_defaults(func=_run)
    rep = sub.add_parser("report", help="run every notebook and build reports/index.html")
    _engine_options(rep, default="1: in this process")
    rep.add_argument("--jobs", type=int, help=argparse.SUPPRESS)  # deprecated alias of --workers
    rep.add_argument("--only", nargs="+", metavar="NAME", help="run only these notebooks")
    rep.add_argument("--reports-dir", help="where reports go (default: $KINSHIP_REPORTS_DIR or ./reports)")
    rep.set_defaults(func=_report)
    sw = sub.add_parser(
        "sweep",
        help="run one notebook over a grid of parameters (GRID.toml: one list "
        "per parameter) into reports/sweeps/NAME-GRIDSTEM/",
    )
    sw.add_argument("name", help="a notebook name, or the path of your own .ipynb")
    sw.add_argument("--grid", required=True, help="TOML file with one list of values per parameter")
    _engine_options(sw, default="the CPU count")
    sw.add_argument("--resume", action="store_true", help="skip cells that already finished ok")
    sw.add_argument("--retries", type=int, default=3, help="re-runs of a cell whose worker died (default 3)")
    sw.add_argument("--reports-dir", help="where reports go (default: $KINSHIP_REPORTS_DIR or ./reports)")
    sw.set_defaults(func=_sweep)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("traitlets").setLevel(logging.ERROR)  # nbconvert's alt-text notices on every figure
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into head or less that closed early
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted: reports on disk are as they were before this run", file=sys.stderr)
        return 130
    except (KeyError, ValueError, LockHeldError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"error: {message}", file=sys.stderr)
        return 2
    except OSError as err:  # read-only folder, disk full, permission denied: the OS says which
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
