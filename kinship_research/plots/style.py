"""One figure style: the source caption under every figure and the layout that makes room for it."""

from __future__ import annotations

import matplotlib.pyplot as plt


def caption(fig: plt.Figure, text: str | None) -> plt.Figure:
    """Lay out ``fig`` and write ``text`` (the data source, and what a reader needs) small and grey
    along its bottom edge; with no text only the layout is tightened."""
    if text:
        fig.text(0.01, 0.005, text, fontsize=7, color="0.35", ha="left", va="bottom", wrap=True)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
    else:
        fig.tight_layout()
    return fig
