"""The command line, a module per phase of the day: parse, call bigconv (or start the app), print.

`bigconv --help` lists the commands in those phases, in the order the README gives them.
"""

from __future__ import annotations

import sqlite3
import sys

import click

from bigconv.cli import after, before, day, followup, safe
from bigconv.core.errors import StoreError
from bigconv.data import database

PHASES = (before, day, safe, after, followup)


class PhasedGroup(click.Group):
    """A group whose --help lists its commands under each phase's title, in the phase's order."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sections: list[tuple[str, list[str]]] = []

    def add_phase(self, title: str, commands) -> None:
        """Add `commands` under `title`, in this order."""
        for command in commands:
            self.add_command(command)
        self.sections.append((title, [command.name for command in commands]))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for _, names in self.sections for name in names]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        width = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        for title, names in self.sections:
            rows = []
            for name in names:
                command = self.get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit=width)))
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


@click.group(cls=PhasedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bigconv")
@click.pass_context
def cli(context: click.Context) -> None:
    """bigconv: run a live conference day from one SQLite file."""
    from bigconv.data import fileguard

    # How other processes name this one (bigconv restore, doctor); `run` adds its station.
    fileguard.set_label(f"bigconv {context.invoked_subcommand or ''}".strip())


for phase in PHASES:
    cli.add_phase(phase.TITLE, phase.COMMANDS)


def main() -> None:
    """The `bigconv` command: exit 0 done, 1 refused, 2 bad input, one line and no traceback."""
    try:
        cli(standalone_mode=True)
    except StoreError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except sqlite3.Error as exc:
        # Locked by another program for longer than the busy timeout, read-only, disk full,
        # damaged: nothing was changed (the transaction rolled back). One line, exit 1.
        hint = " (try again in a moment)" if "locked" in str(exc) or "busy" in str(exc) else ""
        click.echo(f"Not done: {database.describe(exc)}{hint}", err=True)
        sys.exit(1)
