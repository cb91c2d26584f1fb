"""A browser station's process (textual-serve starts one per tab): `bigconv run`, lighter.

    python -m bigconv.station run EVENT.toml --db FILE --mode setup --no-server ...

sqlite-utils imports numpy and pandas whenever they are installed (scipy brings numpy), only to
convert their values on insert. A station never inserts them: without them each tab's process
starts faster and is about 11 MB smaller, which counts when a laptop runs forty of them.
It also runs with `QuietWebDriver` (bigconv/tui/web_driver.py): an idle tab's process sleeps.
"""

from __future__ import annotations

import os
import sys

from bigconv.tui._compat import TEXTUAL_WEB_DRIVER  # what textual-serve asks for (no Textual)

# What a station runs instead (bigconv/tui/web_driver.py).
QUIET_WEB_DRIVER = "bigconv.tui.web_driver:QuietWebDriver"


def use_quiet_driver() -> None:
    """Under textual-serve (the web driver, on a POSIX system), run the quiet one instead."""
    if os.name == "posix" and os.environ.get("TEXTUAL_DRIVER") == TEXTUAL_WEB_DRIVER:
        os.environ["TEXTUAL_DRIVER"] = QUIET_WEB_DRIVER


def main() -> None:
    for name in ("numpy", "pandas"):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # "not installed"
    use_quiet_driver()  # before Textual is imported: it reads TEXTUAL_DRIVER once, on import
    from bigconv.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
