"""Issue 15, pipeline: nothing lost (failed/skipped runs, kills, locks, leftovers, full disks) and
nothing injected (sanitised report HTML), plus paths with braces, relative path parameters,
ordinary permissions and papermill's noise. Small notebooks are written here; kernels run for real.
"""

import errno
import json
import logging
import os
from pathlib import Path

import nbformat
import pytest

from kinship_research.pipeline import atomic, cli, runner
from kinship_research.reporting.escape import html_text, markdown_text

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
PAYLOAD = "<img src=x onerror=alert(document.domain)>"
PARAMETERS = (
    "n: int = 3  # a number = its double is saved [-10, 10]\n"
    "offline: bool = False  # raise DataUnavailableError (help with = signs: a=b)\n"
    'table_csv: str = ""  # path of a CSV whose rows are counted\n'
    'report_dir: str = ""  # set by the runner'
)
BODY = """
import pandas as pd
from IPython.display import Markdown, display
from kinship_research.data import DataUnavailableError
from kinship_research.pipeline.results import save_results
from kinship_research.reporting.escape import markdown_text
if offline:
    raise DataUnavailableError("no copy of x")
if n < 0:
    raise ValueError("negative n")
rows = len(pd.read_csv(table_csv, comment="#")) if table_csv else 0
if table_csv:
    table = pd.read_csv(table_csv, comment="#")
    display(table)
    display(Markdown(f"Moderator column: {markdown_text(table.columns[-1])}"))
save_results("good", report_dir, results={"double": 2 * n, "rows": rows}, datasets=[])
"""


def write_notebook(folder: Path, name: str = "good") -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Good\n\n$a<b$ and $$x > y$$"), params, nbformat.v4.new_code_cell(BODY)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder)
    monkeypatch.setenv("KINSHIP_NOTEBOOKS_DIR", str(folder))
    monkeypatch.delenv("KINSHIP_REPORTS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def results(project: Path) -> dict:
    return json.loads((project / "reports" / "good" / "results.json").read_text())


def leftovers(reports: Path) -> list[str]:
    return sorted(p.name for p in reports.iterdir() if p.name.startswith(".") and p.name not in (".locks", ".attempts"))


@pytest.mark.slow
def test_failed_and_skipped_runs_keep_the_last_good_report(project, capsys):
    assert cli.main(["run", "good", "-p", "n", "4"]) == 0
    assert results(project)["results"]["double"] == 8
    assert runner.last_attempt("good")["status"] == "ok"
    assert cli.main(["run", "good", "-p", "n", "-1"]) == 1
    kept = results(project)
    assert kept["run"]["status"] == "ok" and kept["results"]["double"] == 8 and kept["parameters"]["n"] == 4
    attempt = runner.last_attempt("good")
    assert attempt["status"] == "failed" and "negative n" in attempt["error"] and not attempt["report_replaced"]
    assert attempt["parameters"]["n"] == -1
    assert cli.main(["run", "good", "-p", "offline", "true"]) == 3
    assert results(project)["results"]["double"] == 8
    assert runner.last_attempt("good")["status"] == "skipped"
    assert (project / "reports" / "good" / "good.html").exists()
    assert leftovers(project / "reports") == []


@pytest.mark.slow
def test_a_failed_first_run_is_installed_so_it_can_be_read(project):
    record = runner.run_notebook("good", {"n": "-2"})
    assert record.status == "failed"
    assert results(project)["run"]["status"] == "failed"
    assert runner.last_attempt("good")["report_replaced"]
    assert runner.last_attempt("never_run") is None
    assert list(runner.all_attempts()) == ["good"]


def test_exchange_recovers_from_a_kill_between_the_two_renames(tmp_path, monkeypatch):
    target, new = tmp_path / "good", tmp_path / ".good-new"
    target.mkdir()
    (target / "results.json").write_text("old")
    new.mkdir()
    (new / "results.json").write_text("new")
    real, calls = os.replace, []

    def killed_after_first(src, dst):
        calls.append(src)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies between moving the old out and the new in
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", killed_after_first)
    with pytest.raises(KeyboardInterrupt):
        atomic.exchange_folder(new, target)
    monkeypatch.setattr(atomic.os, "replace", real)
    assert not target.exists() and (tmp_path / ".good.previous").exists()
    atomic.recover_folder(target)  # what the next run does under the lock
    assert (target / "results.json").read_text() == "old"
    atomic.exchange_folder(new, target)
    assert (target / "results.json").read_text() == "new" and not (tmp_path / ".good.previous").exists()


def test_a_held_lock_stops_a_second_run_with_a_clear_message(project, capsys, monkeypatch):
    monkeypatch.setattr(runner, "_execute", lambda *a: pytest.fail("a kernel was started"))
    reports = project / "reports"
    with atomic.hold_lock(reports, "good"):
        with pytest.raises(atomic.LockHeldError, match=f"being written by process {os.getpid()}"):
            runner.run_notebook("good")
        assert cli.main(["run", "good"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: report 'good' is being written") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_leftover_staging_is_removed_and_ctrl_c_cleans_at_once(project, capsys, monkeypatch):
    reports = project / "reports"
    (reports / ".good-abcd1234").mkdir(parents=True)
    (reports / ".other-abcd1234").mkdir()  # another report's staging: not ours to remove
    (reports / ".attempts").mkdir()
    (reports / ".attempts" / ".good.json.x1y2.tmp").write_text("{")  # a killed write of the attempt record

    def interrupted(source, executed, parameters, forked):
        assert Path(parameters["report_dir"]).exists()
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_execute", interrupted)
    assert cli.main(["run", "good"]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "interrupted: reports on disk are as they were before this run"
    assert leftovers(reports) == [".other-abcd1234"]
    assert not (reports / "good").exists()
    assert runner.last_attempt("good")["status"] == "interrupted"
    assert sorted(p.name for p in (reports / ".attempts").iterdir()) == ["good.json"]


def test_disk_full_and_read_only_give_one_line_and_lose_nothing(project, capsys, monkeypatch):
    reports = project / "reports"
    (reports / "good").mkdir(parents=True)
    (reports / "good" / "results.json").write_text(json.dumps({"run": {"status": "ok"}, "results": {"x": 1}}))

    def ran(source, executed, parameters, forked):
        Path(parameters["report_dir"], "results.json").write_text("{}")
        executed.write_text("{}")

    def disk_full(*a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(reports / "good.html"))

    monkeypatch.setattr(runner, "_execute", ran)
    monkeypatch.setattr(runner, "export_html", disk_full)
    assert cli.main(["run", "good"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: [Errno 28] No space left on device") and len(err.strip().splitlines()) == 1
    assert json.loads((reports / "good" / "results.json").read_text())["results"] == {"x": 1}
    assert leftovers(reports) == []

    def read_only(*a, **k):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(atomic.tempfile, "mkdtemp", read_only)
    monkeypatch.setattr(runner, "_execute", lambda *a: pytest.fail("a kernel was started"))
    assert cli.main(["report", "--only", "good"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: [Errno 30] cannot write reports to {reports}: Read-only file system"


@pytest.mark.slow
def test_braces_in_the_project_path_relative_paths_permissions_and_no_noise(tmp_path, monkeypatch, caplog):
    project = tmp_path / "proj{n}"
    (project / "notebooks").mkdir(parents=True)
    write_notebook(project / "notebooks")
    caller = tmp_path / "elsewhere"
    caller.mkdir()
    (caller / "table.csv").write_text("a\n1\n2\n")
    monkeypatch.setenv("KINSHIP_NOTEBOOKS_DIR", str(project / "notebooks"))
    monkeypatch.chdir(caller)
    previous = os.umask(0o022)
    try:
        with caplog.at_level(logging.WARNING):
            record = runner.run_notebook("good", {"n": "5", "table_csv": "table.csv"}, reports_dir=project / "reports")
    finally:
        os.umask(previous)
    assert record.status == "ok", record.error
    folder = project / "reports" / "good"
    info = json.loads((folder / "results.json").read_text())
    assert info["results"] == {"double": 10, "rows": 2}
    assert info["parameters"]["table_csv"] == str(caller / "table.csv")
    assert not (tmp_path / "proj5").exists()
    assert folder.stat().st_mode & 0o777 == 0o755
    assert {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()} == {
        "good.ipynb": 0o644,
        "good.html": 0o644,
        "results.json": 0o644,
    }
    noise = [r.getMessage() for r in caplog.records if r.name.startswith("papermill")]
    assert not [m for m in noise if "unknown parameter" in m or "Unable to parse" in m], noise


@pytest.mark.slow
def test_report_html_carries_no_script_from_data(project):
    record = runner.run_notebook("good", {"table_csv": str(HOSTILE / "studies_onerror.csv")})
    assert record.status == "ok", record.error
    page = (project / "reports" / "good" / "good.html").read_text()
    from_data = page[page.index("<main") : page.index("</main>")]  # the template's own scripts are outside
    assert "onerror" not in from_data.replace("onerror=alert(document.domain)&gt;", "")
    assert "&lt;img src=x onerror=alert(document.domain)&gt;" in from_data  # shown as text in the table
    assert "<script" not in from_data
    assert r"$a\lt b$" in from_data and r"$$x \gt  y$$" in from_data  # math survives sanitising


def test_sanitiser_strips_handlers_scripts_and_javascript_urls():
    from kinship_research.pipeline.html import sanitize_notebook

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": f"<table><tr><td>{PAYLOAD}</td></tr></table>"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "<a href='javascript:alert(1)'>l</a>"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "fig"}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell(f"{PAYLOAD}<script>alert(2)</script> $x<y$"), cell]
    sanitize_notebook(nb)
    text = json.dumps(nb)
    assert "onerror" not in text and "<script" not in text and "javascript:" not in text
    assert [list(o["data"]) for o in nb.cells[1].outputs] == [
        ["text/html"],
        ["text/markdown"],
        ["image/png", "text/plain"],
    ]
    assert '<td><img src="x"></td>' in nb.cells[1].outputs[0]["data"]["text/html"]


def test_escape_helpers_make_data_inert():
    assert html_text('"><script>') == "&quot;&gt;&lt;script&gt;"
    md = markdown_text(PAYLOAD + "\n# heading [link](javascript:x) $x$")
    assert "<" not in md and "\n" not in md and r"\[link\]\(javascript:x\)" in md and r"\$x\$" in md


@pytest.mark.parametrize("value", ["1_000", "+2000", "١٢٣", "nan", "inf", "1e309"])
def test_odd_numbers_are_rejected_before_any_kernel(project, capsys, monkeypatch, value):
    monkeypatch.setattr(runner, "_execute", lambda *a: pytest.fail("a kernel was started"))
    assert cli.main(["run", "good", "-p", "n", value]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: parameter 'n' expects a value of type int") and "Traceback" not in err


def test_invalid_utf8_and_huge_values_give_one_short_line(project, capsys, monkeypatch):
    monkeypatch.setattr(runner, "_execute", lambda *a: pytest.fail("a kernel was started"))
    raw = b"tab\xffle.csv".decode("utf-8", "surrogateescape")  # what argv holds for invalid UTF-8
    assert cli.main(["run", "good", "-p", "table_csv", raw]) == 2
    assert "is not valid UTF-8 text" in capsys.readouterr().err
    assert cli.main(["run", "good", "-p", "n", "9" * 100_000]) == 2
    err = capsys.readouterr().err
    assert len(err) < 1000 and len(err.strip().splitlines()) == 1


def test_the_next_run_restores_a_report_a_kill_left_aside(project, monkeypatch):
    reports = project / "reports"
    aside = reports / ".good.previous"  # what a kill between the two renames leaves
    aside.mkdir(parents=True)
    (aside / "results.json").write_text(json.dumps({"run": {"status": "ok"}, "results": {"x": 1}}))

    def fails(source, executed, parameters, forked):
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "_execute", fails)
    assert runner.run_notebook("good").status == "failed"
    assert json.loads((reports / "good" / "results.json").read_text())["results"] == {"x": 1}
    assert not aside.exists() and leftovers(reports) == []


def test_a_lock_held_by_another_process_is_respected(project, monkeypatch):
    import subprocess
    import sys

    monkeypatch.setattr(runner, "_execute", lambda *a: pytest.fail("a kernel was started"))
    reports = project / "reports"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from kinship_research.pipeline.atomic import hold_lock\n"
            f"with hold_lock({str(reports)!r}, 'good'):\n    print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(atomic.LockHeldError, match=f"being written by process {holder.pid}"):
            runner.run_notebook("good")
    finally:
        holder.kill()
        holder.wait()
    assert not (reports / "good").exists()
