"""The organisers' dashboard: arrivals, rooms now, reactions, feedback, comments and alerts."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Sparkline, Static

from bigconv.core.figures import percent_text
from bigconv.data import checkin, dashboard, timetable
from bigconv.data.reactions import (
    WINDOW,
    ReactionStats,
    reaction_kinds,
    reaction_stats,
    reactions_per_minute,
)
from bigconv.data.watch import PHONES
from bigconv.tui.stations.base import LiveScreen
from bigconv.tui.stations.session_detail import SessionDetailScreen
from bigconv.tui.widgets.columns import fit_widths, widest
from bigconv.tui.widgets.footer import StationFooter
from bigconv.tui.widgets.rows import update_rows
from bigconv.tui.widgets.table import CachedTable

STATE_LABELS = {
    "over": ("⛔ OVER", "bold white on red"),
    "full": ("● FULL", "bold black on yellow"),
    "empty": ("○ EMPTY", "bold yellow"),
    "low": ("▽ LOW", "yellow"),
    "ok": ("✓ ok", "green"),
    "not started": ("… soon", "dim"),
}


BAR_WIDTH = 16


def bar(present: int, allocated: int, capacity: int, width: int = BAR_WIDTH) -> Text:
    """Present as a filled bar against capacity, then present/allocated/capacity in words."""
    filled = min(width, round(width * present / capacity)) if capacity else 0
    text = Text("█" * filled, style="bold" if present < capacity else "bold red")
    text.append("░" * (width - filled), style="dim")
    text.append(f"{' ' if width else ''}{present}/{allocated}/{capacity}")
    return text


def reactions_cell(stats: ReactionStats | None, emoji: dict[str, str]) -> Text:
    if stats is None or not stats.count:
        return Text("–", style="dim")
    parts = [
        f"{emoji.get(kind, kind)}{n}"
        for kind, n in sorted(stats.total.items(), key=lambda kv: -kv[1])
    ]
    recent = stats.phones  # phones reacting in the last ten minutes, each counted once
    # The last ten minutes first, so a narrow column cuts the older totals, not the news.
    text = Text(f"+{recent:<3} " if recent else "     ", style="bold", no_wrap=True)
    text.overflow = "ellipsis"
    text.append(" ".join(parts[:4]), style="")
    return text


def rating_cell(stats: dashboard.FeedbackStats | None) -> Text:
    if stats is None:
        return Text("–", style="dim")
    if stats.average is None:
        return Text(f"{stats.responses} resp.")
    return Text(f"{stats.average:.1f} ±{stats.spread:.1f} ({stats.responses})")


def set_data(spark: Sparkline, data: list[int]) -> None:
    if list(spark.data or []) != data:
        spark.data = data


class DashboardScreen(LiveScreen):
    """Everything organisers need at a glance, refreshed whenever anything is recorded."""

    CSS_PATH = "dashboard.tcss"
    # Narrow: the reactions panel gives way to arrivals and alerts. Short: the panels above and
    # below the rooms shrink, then the schools and comments give way to the rooms.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-medium"), (44, "-tall")]
    BINDINGS = [Binding("enter", "open_session", "Session detail", show=True)]
    FIGURES_REFRESH = 2.0  # seen from across the room: a plenary's taps every two seconds

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            with Vertical(id="arrivals", classes="panel"):
                yield Static(id="arrivals-numbers", markup=False)
                yield Sparkline([], id="arrivals-spark")
                yield Static("Check-ins a minute, last hour", classes="caption")
            with Vertical(id="reactions", classes="panel"):
                yield Static(id="reaction-totals", markup=False)
                yield Sparkline([], id="reactions-spark")
                yield Static("Reactions a minute, last hour", classes="caption")
            with VerticalScroll(id="alerts", classes="panel"):
                yield Static(id="alerts-text", markup=False)
        yield Static(id="rooms-title", markup=False)
        yield CachedTable(id="rooms", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="bottom"):
            yield CachedTable(id="schools", cursor_type="none", classes="panel")
            with VerticalScroll(id="feed", classes="panel"):
                yield Static(id="feed-text", markup=False)
        yield StationFooter()

    def on_mount(self) -> None:
        self.widths: tuple = ()
        self.bar_width = BAR_WIDTH
        self.fit_columns()
        self.query_one("#alerts").border_title = "Alerts"
        self.query_one("#feed").border_title = "Latest comments and next steps"
        self.query_one("#arrivals").border_title = "Arrivals"
        self.query_one("#reactions").border_title = "Reactions"
        self.refresh_data()
        self.query_one("#rooms", DataTable).focus()

    def on_resize(self) -> None:
        if self.fit_columns():
            self.refresh_data()

    def fit_columns(self) -> bool:
        """Column widths for this terminal; True if they changed (the tables are then empty).

        On a narrow terminal every room keeps its state, name, present/allocated/seats and
        rating; the bar, the session's title and the reactions take what is left."""
        width = self.size.width or 160
        rooms = timetable.rooms(self.db)
        room = widest((r["name"] for r in rooms), 4)
        numbers = 3 * len(str(max((r["capacity"] for r in rooms), default=99))) + 2
        state, room, numbers, rating, title, reactions, bar_, more = fit_widths(
            width - 4,
            [(8, 8), (room, room), (numbers, numbers), (13, 13)]
            + [(12, 30), (0, 28), (0, BAR_WIDTH + 1), (0, 60)],
        )
        self.bar_width = bar_ - 1 if bar_ > 4 else 0
        numbers += bar_ + (2 if bar_ else 0)
        title += more + (0 if reactions else 2)  # no reactions column: its padding too
        school = max(12, self.query_one("#schools").size.width - 24 or width // 3 - 20)
        widths = (state, room, title, numbers, reactions, rating, school)
        if widths == self.widths:
            return False
        self.widths = widths
        table = self.query_one("#rooms", DataTable)
        table.clear(columns=True)
        labels = (
            "State",
            "Room",
            "Session",
            "Present/allocated/seats",
            "New · reactions",
            "Rating",
        )
        for label, w in zip(labels, widths, strict=False):
            if w:
                table.add_column(label if len(label) <= w else label.split("/")[0][:w], width=w)
        schools = self.query_one("#schools", DataTable)
        schools.clear(columns=True)
        schools.add_column("School", width=school)
        schools.add_column("Arrived", width=9)
        schools.add_column("%", width=4)
        return True

    def refresh_data(self) -> None:
        now = self.now()
        self.show_arrivals(now)
        # Read the rooms and reactions once; the alerts are worked out from the same figures.
        self.loads = dashboard.room_loads(self.db, now)
        self.feedback = dashboard.feedback_stats(self.db)
        self.show_figures(now)
        self.show_feed()

    def refresh_changes(self, changes) -> None:
        """What phones send alone (a plenary's taps, feedback forms) changes the reactions,
        ratings, alerts and comments, not arrivals or who is in which room: read only those."""
        if not changes.only(PHONES) or not hasattr(self, "loads"):
            self.refresh_data()
            return
        if "feedback" in changes.topics:
            self.feedback = dashboard.feedback_stats(self.db)
            self.show_feed()
        self.show_figures(self.now())

    def show_figures(self, now) -> None:
        """The rooms table, the reaction totals and the alerts, from the rooms last read."""
        slot, loads = self.loads
        reactions = reaction_stats(self.db, now)
        self.show_rooms(now, slot, loads, reactions)
        self.show_alerts(dashboard.alerts(self.db, now, loads=loads, stats=reactions))

    def show_arrivals(self, now) -> None:
        a = checkin.arrivals(self.db, now - WINDOW, series_to=now)
        share = f" ({percent_text(a.checked_in, a.expected)})" if a.expected else ""
        self.show(
            "#arrivals-numbers",
            f"{a.checked_in} of {a.expected} checked in{share}\n{a.recent} in the last 10 minutes",
        )
        set_data(self.query_one("#arrivals-spark", Sparkline), a.per_minute)
        rows = []
        for school, arrived, expected in a.schools:
            cells = (
                Text(school or "(no school)", no_wrap=True, overflow="ellipsis"),
                Text(f"{arrived}/{expected}"),
                Text(percent_text(arrived, expected) or "0%"),
            )
            rows.append((f"school:{school}", cells))
        update_rows(self.query_one("#schools", DataTable), rows)

    def show_rooms(self, now, slot, loads, reactions) -> None:
        feedback = self.feedback
        kinds = reaction_kinds(self.db)
        emoji = {k.key: k.emoji for k in kinds}
        title = "No sessions today"
        if slot:
            start, end = self.bigconv.local(slot["starts_at"]), self.bigconv.local(slot["ends_at"])
            title = f"Rooms now: {slot['label']} {start:%H:%M}-{end:%H:%M} (most urgent first; Enter for detail)"
        self.show("#rooms-title", title)
        rows = []
        for load in loads:
            s = load.session
            label, style = STATE_LABELS[load.state]
            cells: tuple[Text, ...] = (
                Text(label, style=style),
                Text(s.room),
                Text(s.title, no_wrap=True, overflow="ellipsis"),
                bar(s.present, s.allocated, s.capacity, self.bar_width),
                reactions_cell(reactions.get(s.id), emoji),
                rating_cell(feedback.get(s.id)),
            )
            # on a narrow terminal there is no reactions column (see fit_columns)
            cells = tuple(c for c, w in zip(cells, self.widths, strict=False) if w)
            rows.append((str(s.id), cells))
        update_rows(self.query_one("#rooms", DataTable), rows)
        totals: dict[str, int] = {}
        for stats in reactions.values():
            for kind, n in stats.total.items():
                totals[kind] = totals.get(kind, 0) + n
        # Emoji and count, three to a line, so nothing breaks in the narrow panel; the labels
        # are in each session's detail (Enter).
        items = [f"{k.emoji} {totals.get(k.key, 0)}" for k in kinds]
        words = "\n".join("   ".join(items[i : i + 3]) for i in range(0, len(items), 3))
        self.show("#reaction-totals", f"{sum(totals.values())} reactions today\n{words}")
        set_data(
            self.query_one("#reactions-spark", Sparkline),
            reactions_per_minute(self.db, now),
        )

    def show_alerts(self, found: list[dashboard.Alert]) -> None:
        text = "\n".join(f"{'⚠' if a.level == 'warning' else '⛔'} {a.text}" for a in found)
        self.show("#alerts-text", text or "✓ No alerts")
        self.query_one("#alerts").set_class(bool(found), "-active")

    def show_feed(self) -> None:
        lines = []
        for c in dashboard.latest_comments(self.db, limit=40):
            when = self.bigconv.local(c.at)
            lines.append(f"{when:%H:%M} {c.session_code} {c.kind}: {c.text}")
        self.show("#feed-text", "\n".join(lines) or "No comments yet.")

    @on(DataTable.RowSelected, "#rooms")
    def action_open_session(self) -> None:
        table = self.query_one("#rooms", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:  # every row's key is its session's id
            self.app.push_screen(SessionDetailScreen(int(key)))
