"""Execute one notebook with papermill into its report folder (notebook, HTML, results.json).

Safety rules (issue 15):

* Each run executes into a staging folder ``reports/.<name>-xxxxxxxx/`` under an exclusive lock
  ``reports/.locks/<name>.lock`` (a second run of the same report stops with a clear message).
* A run that ends *ok* replaces ``reports/<name>/`` by an atomic folder exchange
  (:func:`kinship_research.pipeline.atomic.exchange_folder`). A *failed* or *skipped* run never
  replaces a good report: the last good ``reports/<name>/`` stays as it was. (If there is no good
  report yet, the failed attempt's folder is installed so the failure can be read.)
* Every run, whatever its outcome, writes its attempt record to ``reports/.attempts/<name>.json``
  (status, error, seconds, parameters, UTC time, whether the report on disk is from this run);
  :func:`last_attempt` reads it back for the index page.
* Leftover staging folders of this report (from a killed run) are removed when the next run takes
  the lock, and at once on Ctrl-C or any error.
* Relative *path parameters* are resolved against the folder ``kinship`` was called from, not the
  notebook's folder. A path parameter is a ``str`` parameter whose name ends in ``_csv``, ``_path``,
  ``_file`` or ``_dir`` (``report_dir`` excepted: the runner sets it).
* Papermill formats the input and output *paths* with the parameters (``str.format``), so a project
  folder containing ``{...}`` broke every run (or redirected it). The paths are handed to papermill
  with their braces doubled, which ``str.format`` turns back into the literal path.

A notebook that raises ``DataUnavailableError`` is recorded as *skipped* with the reason; any other
error as *failed*.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from kinship_research.pipeline import parameters as notebooks
from kinship_research.pipeline.atomic import exchange_folder, hold_lock, make_staging, recover_folder
from kinship_research.pipeline.exports import KERNEL_FIGURE_FORMATS
from kinship_research.pipeline.html import export_html
from kinship_research.pipeline.paths import reports_dir as default_reports_dir
from kinship_research.pipeline.results import write_json

log = logging.getLogger(__name__)
KERNEL = "python3"
ATTEMPTS = ".attempts"
PATH_SUFFIXES = ("_csv", "_path", "_file", "_dir")
_PAPERMILL_NOISE = ("Passed unknown parameter", "Unable to parse line")
# The kernel application's own log (stderr of the kernel process) printed two misleading lines on
# every run: "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel" because jupyter_client's
# shutdown_kernel always sends SIGINT before the shutdown request, and "[IPKernelApp] WARNING |
# Kernel is running over TCP without encryption" (the kernel listens on 127.0.0.1 only). Cell output
# and cell errors travel as messages and are recorded in the executed notebook, not in this log.
# Every figure is also recorded as SVG, for the figures/ exports (see pipeline.exports).
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", KERNEL_FIGURE_FORMATS]


class _PapermillNoise(logging.Filter):
    """Drop two papermill warnings that are wrong for our parameters cells.

    Papermill re-parses the parameters cell with its own regex, which fails on help comments that
    contain ``=`` ("Unable to parse line") and then calls every such parameter unknown ("Passed
    unknown parameter"). :func:`parameters.validate` has already checked every name and value
    against the cell, so these two messages carry no information here; other warnings pass.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_PAPERMILL_NOISE)


for _name in ("papermill", "papermill.translators"):
    logging.getLogger(_name).addFilter(_PapermillNoise())


@dataclass(frozen=True)
class RunRecord:
    """Outcome of one notebook run."""

    name: str
    status: str  # "ok", "skipped" or "failed"
    seconds: float
    error: str | None = None


def _classify(err: BaseException) -> tuple[str, str]:
    ename = getattr(err, "ename", type(err).__name__)
    evalue = getattr(err, "evalue", str(err))
    status = "skipped" if ename == "DataUnavailableError" else "failed"
    return status, f"{ename}: {evalue}"


def is_path_parameter(p: notebooks.Parameter) -> bool:
    """Whether parameter ``p`` names a file or folder (see the module docstring for the rule)."""
    return p.type == "str" and p.name != notebooks.REPORT_DIR and p.name.endswith(PATH_SUFFIXES)


def resolve_paths(declared: list[notebooks.Parameter], values: dict, base: Path) -> dict:
    """``values`` with relative, non-empty path parameters made absolute against ``base``."""
    out = dict(values)
    for p in declared:
        value = out.get(p.name)
        relative = isinstance(value, str) and value and not Path(value).expanduser().is_absolute()
        if is_path_parameter(p) and relative:
            out[p.name] = str((base / value).resolve())
    return out


def check_text(values: dict) -> dict:
    """``values`` unless a text value is not valid UTF-8 (e.g. raw bytes from a shell, which Python
    keeps as surrogates): such a value cannot be written into the notebook, so say so before running."""
    for name, value in values.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise notebooks.ParameterError(f"parameter {name!r} is not valid UTF-8 text: {value[:80]!r}") from None
    return values


def attempt_path(name: str, reports_dir: Path | None = None) -> Path:
    """Where the record of the last attempt to run ``name`` is kept: ``reports/.attempts/<name>.json``."""
    return Path(reports_dir or default_reports_dir()) / ATTEMPTS / f"{name}.json"


def last_attempt(name: str, reports_dir: Path | None = None) -> dict | None:
    """The last attempt to run report ``name`` (None if never run): ``name``, ``status`` (ok, failed,
    skipped or interrupted), ``error``,
    ``seconds``, ``parameters``, ``finished`` (UTC ISO time) and ``report_replaced`` (False when the
    report on disk is an older good one that this failed or skipped attempt left in place)."""
    path = attempt_path(name, reports_dir)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def all_attempts(reports_dir: Path | None = None) -> dict[str, dict]:
    """:func:`last_attempt` of every report that was ever run into ``reports_dir``, by name."""
    folder = Path(reports_dir or default_reports_dir()) / ATTEMPTS
    names = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
    return {n: a for n in names if (a := last_attempt(n, reports_dir)) is not None}


def _report_is_good(folder: Path) -> bool:
    try:
        return json.loads((folder / "results.json").read_text())["run"]["status"] == "ok"
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _remove_leftovers(reports_dir: Path, stem: str) -> None:
    pattern = re.compile(rf"^\.{re.escape(stem)}-[A-Za-z0-9_]{{8}}$")
    for leftover in reports_dir.iterdir():
        if pattern.match(leftover.name) and leftover.is_dir():
            log.info("removing leftover staging folder %s", leftover)
            shutil.rmtree(leftover, ignore_errors=True)
    partial = re.compile(rf"^\.{re.escape(stem)}\.json\..+\.tmp$")  # a killed write of the attempt record
    attempts = reports_dir / ATTEMPTS
    for leftover in attempts.iterdir() if attempts.is_dir() else []:
        if partial.match(leftover.name):
            leftover.unlink(missing_ok=True)


def check_writable(reports_dir: Path) -> Path:
    """Create ``reports_dir`` if needed and prove it writable (raises OSError with the folder named)."""
    reports_dir = Path(reports_dir)
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
        probe = make_staging(reports_dir, "write-check")
        probe.rmdir()
    except OSError as err:
        raise OSError(err.errno, f"cannot write reports to {reports_dir}: {err.strerror}") from None
    return reports_dir


def _brace_safe(path: Path) -> str:
    """``path`` with ``{`` and ``}`` doubled: papermill applies ``str.format(**parameters)`` to it."""
    return str(path).replace("{", "{{").replace("}", "}}")


def _execute(source: Path, executed: Path, parameters: dict, forked: bool) -> None:
    """Papermill writes ``executed`` once, at the end (or with the failing cell's error): saving the
    whole notebook before and after every cell, its default, cost up to 4 s per report with large
    figure outputs, and the staging folder is not read before the run ends. ``forked``: the kernel
    comes from this process's fork server (:mod:`kinship_research.pipeline.forked_kernels`)."""
    import papermill

    if forked:
        from kinship_research.pipeline.forked_kernels import ForkedKernelManager

        options = {"kernel_manager_class": ForkedKernelManager}
    else:
        options = {}

    papermill.execute_notebook(
        _brace_safe(source),
        _brace_safe(executed),
        parameters=parameters,
        kernel_name=KERNEL,
        cwd=str(source.parent),
        progress_bar=False,
        log_output=False,
        request_save_on_cell_execute=False,
        extra_arguments=KERNEL_ARGUMENTS,
        **options,
    )


def run_notebook(
    name: str | Path, parameters: dict | None = None, reports_dir: Path | None = None, *, forked: bool = False
) -> RunRecord:
    """Validate ``parameters``, execute notebook ``name`` (a packaged name or a path to the user's
    own ``.ipynb``) and write ``reports_dir/<stem>/`` (see the module docstring for the rules).
    ``forked``: the kernel is forked from this process's warm fork server (for batches; see
    :mod:`kinship_research.pipeline.forked_kernels`), with the same results.

    Writes ``<stem>.ipynb`` (executed), ``<stem>.html`` (code hidden, sanitised) and ``results.json``
    with the parameters used (defaults plus overrides) and a ``run`` section (status, seconds,
    error). The report folder reaches the notebook as its ``report_dir`` parameter. Parameter
    errors raise before any kernel starts; so does a reports folder that cannot be written and a
    report whose lock another process holds (:class:`~kinship_research.pipeline.atomic.LockHeldError`).
    """
    source = notebooks.notebook_path(name)
    stem = source.stem
    declared = notebooks.parameters(name)
    typed = resolve_paths(declared, check_text(notebooks.validate(name, parameters or {})), Path.cwd())
    used = {p.name: p.default for p in declared} | typed
    reports_dir = check_writable(Path(reports_dir or default_reports_dir()))
    target = reports_dir / stem
    with hold_lock(reports_dir, stem):
        recover_folder(target)
        _remove_leftovers(reports_dir, stem)
        staging = make_staging(reports_dir, stem)
        try:
            record, replaced = _run_in(source, staging, target, typed, used, forked)
            _record_attempt(reports_dir, record, used, replaced)
        except KeyboardInterrupt:
            interrupted = RunRecord(stem, "interrupted", 0.0, "KeyboardInterrupt")
            _record_attempt(reports_dir, interrupted, used, False)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    log.info("%s: %s in %.1f s", stem, record.status, record.seconds)
    return record


def _record_attempt(reports_dir: Path, record: RunRecord, used: dict, replaced: bool) -> None:
    attempt = {
        "name": record.name,
        "status": record.status,
        "error": record.error,
        "seconds": record.seconds,
        "parameters": used,
        "report_replaced": replaced,
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    write_json(attempt, attempt_path(record.name, reports_dir))


def _run_in(source: Path, staging: Path, target: Path, typed: dict, used: dict, forked: bool) -> tuple[RunRecord, bool]:
    stem = source.stem
    executed = staging / f"{stem}.ipynb"
    start = time.perf_counter()
    status, error = "ok", None
    try:
        _execute(source, executed, {**typed, notebooks.REPORT_DIR: str(staging)}, forked)
        if not (staging / "results.json").exists():
            status = "failed"
            error = "the notebook did not call kinship_research.pipeline.results.save_results"
    except Exception as err:  # papermill reports the cell's exception; anything else is a failure too
        status, error = _classify(err)
    seconds = round(time.perf_counter() - start, 2)
    results_path = staging / "results.json"
    try:
        results = json.loads(results_path.read_text()) if results_path.exists() else {"notebook": stem}
    except ValueError:
        results = {"notebook": stem}
    results["parameters"] = used
    results["run"] = {"status": status, "seconds": seconds, "error": error, "kernel": KERNEL}
    write_json(results, results_path)
    if executed.exists():
        export_html(executed, staging / f"{stem}.html", results if status == "ok" else None)
    replace = status == "ok" or not _report_is_good(target)
    if replace:
        exchange_folder(staging, target)
    return RunRecord(stem, status, seconds, error), replace
