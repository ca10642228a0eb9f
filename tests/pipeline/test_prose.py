"""No hand-typed findings in notebook markdown: directions, strengths, significance and r/p values
must be generated from the numbers (kinship_research.reporting.findings), not typed in a markdown
cell where they cannot follow the data or the parameters.

A sentence in a markdown cell is flagged when it states a correlation or p-value (``r = 0.4``,
``p < 0.05``) or uses the words significant / strong(ly) / weak(ly), unless it quotes a published
figure, recognised by a year of publication in the same sentence (e.g. "Kawachi et al. (1997)
report r = -0.79").
"""

import re

import pytest

from kinship_research.pipeline import parameters as notebooks

FINDING = re.compile(
    r"\b[rp]\s*(=|<|>|≤|≥)\s*[−-]?\s*\d|\b(in)?significant(ly)?\b|\bstrong(ly|er|est)?\b|\bweak(ly|er|est)?\b",
    re.IGNORECASE,
)
CITATION = re.compile(r"\b(19|20)\d{2}\b")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n\s*[-*] ")

HAND_TYPED_ELSEWHERE: dict[str, str] = {}


def hand_typed_findings(nb) -> list[str]:
    """Sentences of markdown cells that state a finding without quoting a dated source."""
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        text = re.sub(r"`[^`]*`", "", text)  # parameter names and code are not findings
        text = re.sub(r"(?m)^#+ .*$", "", text)  # headings ask questions, they do not answer them
        for sentence in SENTENCE.split(text):
            if FINDING.search(sentence) and not CITATION.search(sentence):
                found.append(sentence.strip())
    return found


@pytest.mark.parametrize("name", list(notebooks.available()))
def test_markdown_states_no_findings_by_hand(name):
    if name in HAND_TYPED_ELSEWHERE:
        pytest.xfail(HAND_TYPED_ELSEWHERE[name])
    found = hand_typed_findings(notebooks.read(name))
    assert not found, f"{name}: findings typed into markdown (generate them from the numbers): {found}"


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("Richer states are more unequal (r = 0.05).", True),
        ("This correlation is strong.", True),
        ("The association is not significant after adjustment.", True),
        ("Kawachi et al. (1997) report r = −0.79 for total mortality.", False),
        ("OLS with HC3 robust standard errors; the index averages z-scores.", False),
        ("## How strong would a confounder have to be?", False),
    ],
)
def test_the_scan_flags_findings_and_spares_methods_and_citations(text, flagged):
    nb = {"cells": [{"cell_type": "markdown", "source": [text]}]}
    assert bool(hand_typed_findings(nb)) is flagged
