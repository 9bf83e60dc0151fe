"""hvctui: Hybrid Linked Mode from a terminal."""

__version__ = "0.1.0"
