"""Arrival counters for the desk: checked in / expected, the last ten minutes, per school."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from bigconv.core.figures import percent
from bigconv.data.checkin import Arrivals
from bigconv.tui.widgets.shape import show_in

NAME_WIDTH = 28  # fits the 42-column panel beside the counts


class Counters(Static):
    """Always-visible numbers; school names come from a CSV, so they are plain text."""

    numbers: Arrivals | None = None
    drawn: Text | None = None

    def show(self, numbers: Arrivals) -> None:
        """Draw these numbers: the full panel, or one line when the panel is one line high."""
        self.numbers = numbers
        self.draw()

    def on_resize(self) -> None:
        self.draw()

    def draw(self) -> None:
        numbers = self.numbers
        if numbers is None:
            return
        share = percent(numbers.checked_in, numbers.expected) or 0
        if self.size.height == 1:  # under the results on a narrow terminal (desk.tcss)
            self.redraw(
                Text(
                    f"Checked in {numbers.checked_in} / {numbers.expected} ({share}%)"
                    f" · last 10 minutes: {numbers.recent} · F5 dashboard for each school"
                )
            )
            return
        text = Text("Checked in\n", style="bold")
        text.append(f"{numbers.checked_in} / {numbers.expected}", style="bold")
        text.append(f"  ({share}%)\n")
        text.append("Last 10 minutes: ", style="bold")
        text.append(f"{numbers.recent}\n\n")
        text.append("By school\n", style="bold")
        for school, arrived, expected in numbers.schools:
            text.append(f"{arrived:>4}/{expected:<4} ", style="bold" if arrived == expected else "")
            name = school or "(no school)"
            text.append(name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…")
            text.append("\n")
        self.redraw(text)

    def redraw(self, text: Text) -> None:
        """Show `text`, laying the screen out again only if its size can change."""
        old, self.drawn = self.drawn, text
        show_in(self, old, text)
