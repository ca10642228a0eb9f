"""kinship_research: reproduce and stress-test the evidence that inequality, social ties and
kindness matter for health (The Spirit Level; Christakis-Fowler network contagion)."""

__version__ = "0.1.0"
