"""environment.yml (conda-forge) lists the same packages and lower bounds as pyproject.toml."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def requirement(spec: str) -> tuple[str, str]:
    """(normalised name, bound) of 'name[extra]>=1.0'; extras are dropped (conda packages have none)."""
    name, bound = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)", spec.strip()).groups()
    return name.lower().replace("_", "-"), bound.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = dict(requirement(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"])
    conda = {}
    for line in (ROOT / "environment.yml").read_text().split("dependencies:")[1].splitlines():
        spec = re.match(r"\s*-\s+([A-Za-z][^#]*)$", line)
        if spec and not spec.group(1).strip().startswith(("python=", "pip")):
            name, bound = requirement(spec.group(1))
            conda[name] = bound
    assert conda == declared
