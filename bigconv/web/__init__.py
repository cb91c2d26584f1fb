"""The public phone site: session pages, reactions and feedback, and a small JSON API."""
