"""The report pipeline and CLI on small notebooks made here: ok, failing, data-unavailable."""

import json

import nbformat
import pytest

from kinship_research.pipeline import cli, runner
from kinship_research.pipeline import parameters as notebooks

OK = 'save_results("good", report_dir, results={"double": 2 * n}, datasets=["gapminder"])'
CELLS = {
    "good": [OK.replace("good", "good")],
    "broken": ["raise RuntimeError('boom')"],
    "offline": ["from kinship_research.data import DataUnavailableError\nraise DataUnavailableError('no copy of x')"],
}


def write_notebook(folder, name, body):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        "n: int = 3  # a number\nlabel: str = 'x'  # a label\nflag: bool = False  # a switch\n"
        "report_dir: str = ''  # set by the runner"
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("from kinship_research.pipeline.results import save_results"),
        *[nbformat.v4.new_code_cell(b) for b in body],
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / f"{name}.ipynb")


@pytest.fixture
def project(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name, body in CELLS.items():
        write_notebook(folder, name, body)
    monkeypatch.setenv("KINSHIP_NOTEBOOKS_DIR", str(folder))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_parameters_are_listed_with_types_defaults_and_help(project):
    assert [(p.name, p.type, p.default, p.help) for p in notebooks.parameters("good")] == [
        ("n", "int", 3, "a number"),
        ("label", "str", "x", "a label"),
        ("flag", "bool", False, "a switch"),
    ]


@pytest.mark.parametrize(
    "source, message",
    [
        ("n = 3  # untyped", "not of the form"),
        ("n: list = []  # a list", "allowed: int, float, str, bool"),
        ("n: int = 'three'  # wrong default", "not a int"),
        ("n: int = 3", "needs a '# help' comment"),
    ],
)
def test_malformed_parameter_cells_are_rejected(source, message):
    with pytest.raises(ValueError, match=message):
        notebooks.parse_parameters(source)


def test_validation_converts_and_rejects(project):
    assert notebooks.validate("good", {"n": "5", "flag": "yes"}) == {"n": 5, "flag": True}
    with pytest.raises(
        notebooks.ParameterError, match="valid parameters: n \\(int\\), label \\(str\\), flag \\(bool\\)"
    ):
        notebooks.validate("good", {"m": "1"})
    with pytest.raises(notebooks.ParameterError, match="expects a value of type int"):
        notebooks.validate("good", {"n": "1.5"})
    with pytest.raises(notebooks.ParameterError, match="true/false"):
        notebooks.validate("good", {"flag": "maybe"})


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "goood"], "Did you mean good"),
        (["run", "good", "-p", "m", "1"], "valid parameters"),
        (["run", "good", "-p", "n", "abc"], "expects a value of type int"),
        (["data", "info", "nope"], "unknown dataset id"),
        (["report", "--jobs", "0"], "--jobs must be at least 1"),
    ],
)
def test_cli_errors_are_one_line_before_any_kernel(project, monkeypatch, capsys, argv, message):
    monkeypatch.setattr(runner, "run_notebook", lambda *a, **k: pytest.fail("a kernel was started"))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err and "Traceback" not in err


def test_cli_lists_notebooks_and_datasets(project, capsys):
    assert cli.main(["notebooks", "list"]) == 0
    assert "n: int = 3  # a number" in capsys.readouterr().out
    assert cli.main(["data", "info", "gapminder"]) == 0
    out = capsys.readouterr().out
    assert "sha256" in out and "life_expectancy: life expectancy at birth, years" in out


@pytest.mark.slow
def test_report_marks_failed_and_skipped_and_keeps_going(project, capsys):
    assert cli.main(["report", "--jobs", "2"]) == 1
    index = (project / "reports" / "index.html").read_text()
    assert all(f'data-status="{status}"' in index for status in ("ok", "failed", "skipped"))
    assert "RuntimeError: boom" in index and "no copy of x" in index
    good = json.loads((project / "reports" / "good" / "results.json").read_text())
    assert good["results"] == {"double": 6} and good["run"]["status"] == "ok"
    assert good["datasets"][0]["id"] == "gapminder" and len(good["datasets"][0]["sha256"]) == 64
    assert (project / "reports" / "good" / "good.html").exists()
    assert not [
        p for p in (project / "reports").iterdir() if p.name.startswith(".") and p.name not in (".locks", ".attempts")
    ], "no staging leftovers"


@pytest.mark.slow
def test_run_with_parameters_is_reproducible(project):
    first = runner.run_notebook("good", {"n": "4"})
    a = json.loads((project / "reports" / "good" / "results.json").read_text())
    runner.run_notebook("good", {"n": "4"})
    b = json.loads((project / "reports" / "good" / "results.json").read_text())
    assert first.status == "ok" and a["results"] == b["results"] == {"double": 8}
    assert a["parameters"] == b["parameters"] == {"n": 4, "label": "x", "flag": False}


def test_index_headlines_flatten_scalars_and_size_tables():
    from kinship_research.pipeline.index import headline_numbers

    results = {"r": 0.5, "fit": {"slope": 1.0, "n": 23}, "table": [{"a": 1}, {"a": 2}]}
    assert headline_numbers(results) == [
        ("r", 0.5),
        ("fit.slope", 1.0),
        ("fit.n", 23),
        ("table", "table of 2 rows (in results.json)"),
    ]
