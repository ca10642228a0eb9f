"""The typed parameters cell: choices, ranges, finiteness, the reserved report_dir, user notebooks."""

import json

import nbformat
import pytest

from kinship_research.pipeline import cli
from kinship_research.pipeline import parameters as notebooks

CELL = """from typing import Literal
correlation: Literal["pearson", "spearman"] = "pearson"  # correlation coefficient
n_boot: int = 200  # bootstrap resamples [10, 100000]
level: float = 0.95  # interval coverage [0.5, 0.999]
label: str = "x"  # a label
report_dir: str = ""  # set by the runner
"""


def test_choices_ranges_and_reserved_report_dir_are_parsed():
    declared = {p.name: p for p in notebooks.parse_parameters(CELL)}
    assert list(declared) == ["correlation", "n_boot", "level", "label"]
    assert declared["correlation"].choices == ("pearson", "spearman")
    assert (declared["n_boot"].minimum, declared["n_boot"].maximum) == (10, 100000)


@pytest.mark.parametrize(
    ("name", "value", "typed"),
    [
        ("correlation", "spearman", "spearman"),
        ("n_boot", "10", 10),
        ("n_boot", 500, 500),
        ("level", "0.9", 0.9),
        ("label", "anything", "anything"),
    ],
)
def test_allowed_values_are_typed(name, value, typed):
    declared = {p.name: p for p in notebooks.parse_parameters(CELL)}
    assert declared[name].parse(value) == typed


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("correlation", "kendall", "one of pearson, spearman"),
        ("n_boot", "9", r"in \[10, 100000\]"),
        ("n_boot", "1_000", "type int"),
        ("n_boot", "+2000", r"in \[10"),
        ("n_boot", "١٠٠", "type int"),
        ("n_boot", 2.5, "type int"),
        ("n_boot", True, "type int"),
        ("level", "nan", "finite"),
        ("level", "inf", "finite"),
        ("level", "1e309", "finite"),
        ("level", "1.5", r"in \[0.5, 0.999\]"),
        ("label", 3, "type str"),
    ],
)
def test_values_outside_the_declaration_are_rejected(name, value, message):
    declared = {p.name: p for p in notebooks.parse_parameters(CELL)}
    with pytest.raises(notebooks.ParameterError, match=message):
        declared[name].parse(value)


def test_long_values_are_not_echoed_whole():
    declared = {p.name: p for p in notebooks.parse_parameters(CELL)}
    with pytest.raises(notebooks.ParameterError) as info:
        declared["n_boot"].parse("9" * 100_000)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('c: Literal["a", "b"] = "z"  # choice', "not one of"),
        ("n: int = 5  # count [10, 20]", "outside its range"),
        ("c: Literal[1, 2] = 1  # numbers", "must be strings"),
    ],
)
def test_bad_declarations_are_rejected(source, message):
    with pytest.raises(ValueError, match=message):
        notebooks.parse_parameters(source)


def test_report_dir_cannot_be_set_by_the_user(tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "parameters", lambda name: notebooks.parse_parameters(CELL))
    with pytest.raises(notebooks.ParameterError, match="set by the runner"):
        notebooks.validate("x", {"report_dir": "/tmp"})


def _own_notebook(path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("n: int = 2  # a number [1, 5]\nreport_dir: str = ''  # set by the runner")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "from kinship_research.pipeline.results import save_results\n"
            "save_results('mine', report_dir, results={'square': n * n}, datasets=[])"
        ),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_a_notebook_that_is_not_json_gets_a_clear_error(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_bytes(b"\xff\xfe not json")
    with pytest.raises(ValueError, match="is not a Jupyter notebook"):
        notebooks.read(bad)


@pytest.mark.slow
def test_run_accepts_the_path_of_a_users_own_notebook(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _own_notebook(tmp_path / "mine.ipynb")
    assert cli.main(["run", "mine.ipynb", "-p", "n", "9"]) == 2
    assert "in [1, 5]" in capsys.readouterr().err
    assert cli.main(["run", str(tmp_path / "mine.ipynb"), "-p", "n", "3", "--reports-dir", "out"]) == 0
    payload = json.loads((tmp_path / "out" / "mine" / "results.json").read_text())
    assert payload["results"] == {"square": 9} and payload["parameters"] == {"n": 3}
    assert 'id="notebook-mine"' in (tmp_path / "out" / "index.html").read_text()  # kinship run updates the index


def test_notebooks_copy_gives_an_editable_copy_and_never_overwrites(tmp_path, capsys):
    assert cli.main(["notebooks", "copy", "preston_curve", str(tmp_path)]) == 0
    copied = tmp_path / "preston_curve.ipynb"
    assert notebooks.parameters(copied) == notebooks.parameters("preston_curve")
    assert cli.main(["notebooks", "copy", "preston_curve", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_a_declaration_wrapped_by_the_formatter_keeps_its_help_and_range():
    wrapped = 'label: Literal["a", "b"] = (\n    "a"  # a long help text [ignored for strings]\n)\nn: int = (\n    5  # count [1, 9]\n)\n'
    declared = {p.name: p for p in notebooks.parse_parameters("from typing import Literal\n\n" + wrapped)}
    assert declared["label"].choices == ("a", "b") and declared["label"].help.startswith("a long help")
    assert (declared["n"].minimum, declared["n"].maximum) == (1, 9)
