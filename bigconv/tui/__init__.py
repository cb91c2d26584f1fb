"""The Textual app: one App, a mode per station."""
