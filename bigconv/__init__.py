"""bigconv: run a live conference day from one SQLite file."""

__version__ = "0.1.0"
