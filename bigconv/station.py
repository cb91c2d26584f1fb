"""A browser station's process (textual-serve starts one per tab): `bigconv run`, lighter.

    python -m bigconv.station run EVENT.toml --db FILE --mode setup --no-server ...

sqlite-utils imports numpy and pandas whenever they are installed (scipy brings numpy), only to
convert their values on insert. A station never inserts them: without them each tab's process
starts faster and is about 11 MB smaller, which counts when a laptop runs forty of them.
"""

from __future__ import annotations

import sys


def main() -> None:
    for name in ("numpy", "pandas"):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # "not installed"
    from bigconv.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
