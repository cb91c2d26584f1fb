"""The staff stations in the browser, under /staff: a passcode gateway in front of textual-serve."""
