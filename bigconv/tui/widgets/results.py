"""The desk's list of matches, fitted to the width: what tells people apart gets room first."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.text import Text

from bigconv.data.search import Match, Person
from bigconv.services.identify import SHORT_TELLS, TELLS, Tell, name_twins, tell_apart
from bigconv.tui.widgets.columns import PADDING, clip_text, fit_widths, tell_header, widest
from bigconv.tui.widgets.table import CachedTable

RESULT_COLUMNS = ("Name", "Checked in", "School", "Role")


SameName = Callable[[Person], Sequence[Person]]
"""Everyone registered with this person's name (AttendeeIndex.same_name)."""


class ResultsTable(CachedTable, can_focus=False):
    """Name, check-in, school and role of each match; for people of one name and school, what
    tells them apart (their role kept whole, else their email or badge in a column of its own);
    beside the name of anyone who has a name twin (registered, listed or not), what to check.

    It never takes the focus: keys stay in the search box, whose arrows move this cursor.
    """

    def __init__(self, *, local: Callable, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.local = local  # a stored UTC time in the event's time zone
        self.widths: list[int] = []  # the column widths as drawn
        self.header = ""  # the look-alikes' column, if shown
        self.rows_shown: list[list[Text]] | None = None

    def fill(
        self,
        matches: Sequence[Match],
        available: int,
        *,
        unchanged_ok: bool,
        same_name: SameName | None = None,
    ) -> bool:
        """Draw these matches in `available` cells; False if `unchanged_ok` and nothing changed.
        Given `same_name`, a name twin's row says so."""
        rows, tells = self.rows_for(matches, TELLS, same_name)
        layout = self.fit(rows, tells, available)
        if layout is None:  # an email too wide for this terminal: the badge tells them apart
            rows, tells = self.rows_for(matches, SHORT_TELLS, same_name)
            layout = self.fit(rows, tells, available, force=True)
        assert layout is not None
        widths, header = layout
        if (
            unchanged_ok
            and rows == self.rows_shown
            and (widths, header)
            == (
                self.widths,
                self.header,
            )
        ):
            return False  # a refresh that changed none of these rows paints nothing
        if (widths, header) != (self.widths, self.header):
            self.clear(columns=True)
            labels = [*RESULT_COLUMNS, header] if header else RESULT_COLUMNS
            for label, width in zip(labels, widths, strict=True):
                if width:  # a role with no room is left out, not cut to "…"
                    self.add_column(label, key=label, width=width)
            self.widths, self.header = widths, header
        self.rows_shown = rows
        self.clear()
        self.add_rows([self.fitted(cells) for cells in rows])
        return True

    def rows_for(
        self, matches: Sequence[Match], fields: Sequence[str], same_name: SameName | None
    ) -> tuple[list[list[Text]], dict[int, Tell]]:
        """The rows' cells, and what tells look-alikes apart, using `fields`."""
        people = [m.person for m in matches]
        tells = tell_apart(people, fields)
        twins = name_twins(people, same_name, fields) if same_name else {}
        rows = [self.cells(m, tells.get(m.person.id), twins.get(m.person.id)) for m in matches]
        return rows, tells

    def cells(self, match: Match, tell: Tell | None, twin: Tell | None = None) -> list[Text]:
        """Name, check-in, school, role, what tells look-alikes apart, and what tells a name
        twin apart ("" if none): the name's note is added as the width allows (`fitted`)."""
        p = match.person
        if match.checked_in_at:
            when = self.local(match.checked_in_at)
            state = Text(f"✔ {when:%H:%M} {match.checked_in_by}", style="green")
        else:
            state = Text("· not yet", style="dim")
        cells = [Text(p.name, style="bold"), state, Text(p.school), Text(p.role)]
        told = Text(tell.text if tell and tell.field != "role" else "")
        return [*cells, told, Text(twin.field if twin else "")]

    def fitted(self, cells: list[Text]) -> list[Text]:
        """Cells cut to the column widths; a check-in too long for its column keeps its time,
        a name twin's note is said in short (" · twin") if it does not fit whole."""
        name, state, *rest, twin = cells
        if twin.plain:
            note = twin_note(twin.plain)
            if cell_len(name.plain + note) > self.widths[0]:
                note = TWIN_SHORT
            name = name.copy()
            name.append(note, style="yellow")
        if cell_len(state.plain) > self.widths[1]:
            state = Text(state.plain[:7], style=state.style)  # "✔ 10:15", not half a desk
        cells = [name, state, *rest]
        return [clip_text(c, w) for c, w in zip(cells, self.widths, strict=False) if w]

    def fit(
        self, rows: list[list[Text]], tells: dict[int, Tell], available: int, force: bool = False
    ) -> tuple[list[int], str] | None:
        """Widths: the whole name (" · twin" after a name twin's), the time checked in, what
        tells look-alikes apart (a role they differ by, kept whole; or their email or badge),
        the school (at least a start), then the desk, the role and what to check about a name
        twin as far as the width allows. None if what tells look-alikes apart does not fit
        (unless `force`)."""
        available -= 2  # a scrollbar
        name, state, school, role = (
            widest((row[i].plain for row in rows), len(label))
            for i, label in enumerate(RESULT_COLUMNS)
        )
        twins = [row for row in rows if row[-1].plain]
        name = widest((row[0].plain + TWIN_SHORT for row in twins), name)
        noted = widest((row[0].plain + twin_note(row[-1].plain) for row in twins), name)
        roles = [t.text for t in tells.values() if t.field == "role"]
        others = {i: t for i, t in tells.items() if t.field != "role"}
        header = tell_header(others)
        told = widest((t.text for t in others.values()), len(header)) if others else 0
        short = min(9, state)  # "✔ 10:15" or "· not yet"; the desk's name if there is room
        school_least = min(school, 33 if not tells else 8)
        role_least = widest(roles) if roles else 0
        wants = {
            "name": (name, name),
            "when": (short, short),
            "school": (school_least, school),
            "desk": (0, state - short),
            "role": (role_least, role),
        }
        if noted > name:  # twins listed: the role may tell them apart, before the desk's name
            heading = min(len(RESULT_COLUMNS[1]), state)  # "Checked in" whole, not "Checked i"
            wants["when"], wants["desk"] = (heading, heading), (0, state - heading)
            wants = {k: wants[k] for k in ("name", "when", "school", "role", "desk")}
        if others:
            wants["told"] = (told, told)
        spare = available - sum(least for least, _ in wants.values()) - PADDING * len(wants)
        if spare < 0 and others and not force:
            return None
        got = dict(zip(wants, fit_widths(available, list(wants.values())), strict=True))
        left = available - sum(got.values()) - PADDING * len(wants)
        if noted - name <= left:  # what to check about a twin, whole, if all else fits
            got["name"] = noted
        if got["role"] < 4 and not role_least:
            got["role"] = 0  # left out: "R…" tells nobody anything
        desk = got["desk"] + PADDING if got["desk"] else 0  # the desk's name, after the time
        widths = [got["name"], got["when"] + desk, got["school"]]
        return [*widths, got["role"], *([got["told"]] if others else [])], header


TWIN_SHORT = " · twin"


def twin_note(field: str) -> str:
    """What a name twin's row says after the name, given what tells the twins apart."""
    return f" · name twin: check {field}"
