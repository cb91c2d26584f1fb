"""The phone site: session pages, reactions, feedback, commitments, and a small JSON API."""
