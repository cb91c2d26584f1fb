"""The pure core: the event model and its file, codes, the text rule, the clock, errors and the
allocation solver. Imports no database, screen or web library (tests/test_layering.py)."""
