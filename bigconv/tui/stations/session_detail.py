"""One session in full: roster and attendance, reaction timeline, every feedback response."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Sparkline, Static

from bigconv.data import dashboard, reactions, timetable
from bigconv.data.reactions import reaction_kinds
from bigconv.tui.stations.base import LiveScreen
from bigconv.tui.widgets.footer import StationFooter
from bigconv.tui.widgets.table import CachedTable


class SessionDetailScreen(LiveScreen):
    """Drill-down from the dashboard; Escape goes back."""

    CSS_PATH = "dashboard.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]
    MIN_REFRESH = 1.0

    def wants(self, changes) -> bool:
        return changes.everything or self.session_id in changes.sessions

    def __init__(self, session_id: int):
        super().__init__()
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="detail-title", markup=False)
        with Horizontal(id="detail-body"):
            with Vertical(classes="panel", id="detail-roster-panel"):
                yield CachedTable(id="detail-roster", cursor_type="row", zebra_stripes=True)
            with Vertical(classes="panel", id="detail-right"):
                yield Static(id="detail-reactions", markup=False)
                yield Sparkline([], id="detail-spark")
                yield Static("Reactions per minute over the last two hours", classes="caption")
                yield CachedTable(id="detail-feedback", cursor_type="row", zebra_stripes=True)
        yield StationFooter()

    def on_mount(self) -> None:
        # The school last: on a narrow terminal it is the one cut, not who is here.
        self.query_one("#detail-roster", DataTable).add_columns("Here", "Name", "Booked", "School")
        self.text_width = 0
        self.fit_feedback()
        self.refresh_data()

    def on_resize(self) -> None:
        if self.fit_feedback():
            self.refresh_data()

    def fit_feedback(self) -> bool:
        """Fixed widths for the two text columns, so long answers wrap instead of being cut."""
        panel = self.query_one("#detail-right").size.width or self.size.width * 3 // 5
        width = max(12, (panel - 4 - 7 - 9 - 8) // 2)
        if width == self.text_width:
            return False
        self.text_width = width
        table = self.query_one("#detail-feedback", DataTable)
        table.clear(columns=True)
        table.add_column("Time", width=5)
        table.add_column("Rating", width=6)
        table.add_column("One thing I'll try", width=width)
        table.add_column("Comment", width=width)
        return True

    def refresh_data(self) -> None:
        found = timetable.sessions(self.db, "s.id = ?", [self.session_id])
        if not found:
            self.show("#detail-title", "This session no longer exists.")
            return
        s = found[0]
        app = self.bigconv
        self.show(
            "#detail-title",
            f"{s.title} · {s.room} · {s.slot} {app.local(s.starts_at):%H:%M}-{app.local(s.ends_at):%H:%M} · {s.code}\n"
            f"Led by {s.leads or 'to be confirmed'} · present {s.present} · allocated {s.allocated} · seats {s.capacity}",
        )
        roster = self.query_one("#detail-roster", DataTable)
        roster.clear()
        for line in dashboard.session_roster(self.db, s.id):
            if line.present_at:
                present = f"✓ {app.local(line.present_at):%H:%M}"
            else:  # not ticked yet is not absent until the session is over (the room agrees)
                present = "✗ absent" if self.now() >= s.end_time else "· not yet"
            roster.add_row(
                Text(present),
                Text(line.name),
                Text("yes" if line.allocated else "walk-in"),
                Text(line.school),
            )
        stats = reactions.reaction_stats(self.db, self.now()).get(s.id, reactions.ReactionStats())
        self.show(
            "#detail-reactions",
            "  ".join(
                f"{k.emoji} {k.label} {stats.total.get(k.key, 0)} (+{stats.recent.get(k.key, 0)})"
                for k in reaction_kinds(self.db)
            ),
        )
        self.query_one("#detail-spark", Sparkline).data = reactions.reactions_per_minute(
            self.db, self.now(), 120, s.id
        )
        table = self.query_one("#detail-feedback", DataTable)
        table.clear()
        for f in dashboard.session_feedback(self.db, s.id):
            table.add_row(
                Text(f"{app.local(f['at']):%H:%M}"),
                Text("★" * f["rating"] if f["rating"] else "–"),
                Text(f["next_step"]),
                Text(f["comment"]),
                height=None,  # as many lines as the longest answer needs
            )
