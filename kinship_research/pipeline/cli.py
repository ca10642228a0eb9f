"""The ``kinship`` command: data, notebooks, run and report.

    kinship data list | info ID | fetch ID | fetch --all
    kinship notebooks list
    kinship run NAME [-p KEY VALUE]...
    kinship report [--jobs N] [--only NAME ...]

User mistakes print one ``error:`` line and exit with status 2; failed notebooks exit 1.
"""
from __future__ import annotations

import argparse
import logging
import sys

import pandas as pd

from kinship_research import data
from kinship_research.pipeline import parameters as notebooks, runner


def _data_list(args) -> int:
    table = data.catalog()[["id", "kind", "available", "title"]]
    with pd.option_context("display.max_colwidth", 70, "display.width", 160):
        print(table.to_string(index=False))
    return 0


def _data_info(args) -> int:
    e = data.entry(args.id)
    for field in ("id", "title", "kind", "url", "official", "filename", "sha256", "source", "terms",
                  "citation", "contents", "loader"):
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
            print(f"    {p.name}: {p.type} = {p.default!r}  # {p.help}")
    return 0


def _run(args) -> int:
    params = dict(args.parameter or [])
    notebooks.notebook_path(args.name)
    notebooks.validate(args.name, params)
    record = runner.run_notebook(args.name, params)
    where = runner.default_reports_dir() / args.name
    print(f"{record.name}: {record.status} in {record.seconds} s -> {where}")
    if record.error:
        print(f"  {record.error}", file=sys.stderr)
    return 0 if record.status == "ok" else (3 if record.status == "skipped" else 1)


def _report(args) -> int:
    if args.jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {args.jobs}")
    for name in args.only or []:
        notebooks.notebook_path(name)
    records = runner.run_all(args.only, jobs=args.jobs)
    for r in records:
        print(f"{r.status:>8}  {r.name}  ({r.seconds} s){'  ' + r.error if r.error else ''}")
    print(f"index: {runner.default_reports_dir() / 'index.html'}")
    return 1 if any(r.status == "failed" for r in records) else 0


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
    run = sub.add_parser("run", help="execute one notebook into reports/NAME/")
    run.add_argument("name")
    run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("KEY", "VALUE"))
    run.set_defaults(func=_run)
    rep = sub.add_parser("report", help="run every notebook and build reports/index.html")
    rep.add_argument("--jobs", type=int, default=1, help="parallel processes (default 1)")
    rep.add_argument("--only", nargs="+", metavar="NAME", help="run only these notebooks")
    rep.set_defaults(func=_report)
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
    except (KeyError, ValueError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
