"""The desk's walk-ins, F6 to places: the form, then someone registered already or a new record.

Nothing typed is lost on the way: a form put aside for a scan, sent back by the clerk or
refused (an email already used) comes back as it was. A walk-in the import's identity rule
says is, or may be, someone registered (the same email; the same name and school) is offered
as that person first; a second record is made only when the clerk chooses it, and is logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial

import sqlite_utils
from textual.message import Message
from textual.widget import Widget

from bigconv.data import desk
from bigconv.data.checkin import CheckInResult
from bigconv.data.search import Person, get_person
from bigconv.tui.dialogs.same_person import NEW, SamePerson
from bigconv.tui.dialogs.walkin import PlacesScreen, PutAside, WalkIn, WalkInScreen


@dataclass
class WalkInsConfig:
    """What the walk-ins need from the desk: its database, station name, clock and guard."""

    db: Callable[[], sqlite_utils.Database]
    station: Callable[[], str]
    clock: Callable[[], dt.datetime]
    guarded: Callable


class WalkIns(Widget):
    """Runs a walk-in from F6 to places; tells the desk what happened in messages."""

    DEFAULT_CSS = "WalkIns { display: none; }"

    class Registered(Message):
        """A new record, checked in: the desk shows it (the places are asked next)."""

        def __init__(self, attendee_id: int, result: CheckInResult) -> None:
            super().__init__()
            self.attendee_id = attendee_id
            self.result = result

    class ExistingChosen(Message):
        """The walk-in is someone registered: the clerk chose to check them in."""

        def __init__(self, person: Person) -> None:
            super().__init__()
            self.person = person

    class PlacesGiven(Message):
        """The walk-in's places were given (or none): the desk shows their day."""

        def __init__(self, attendee_id: int) -> None:
            super().__init__()
            self.attendee_id = attendee_id

    class Failed(Message):
        """Nothing was saved: what to say in the banner, under `word`."""

        def __init__(self, lines: list[str], word: str) -> None:
            super().__init__()
            self.lines = lines
            self.word = word

    def __init__(self, config: WalkInsConfig) -> None:
        super().__init__()
        self.config = config
        self.draft: WalkIn | None = None  # a form put aside (or not saved): F6 brings it back

    def start(self, problem: str = "") -> None:
        """Open the form: empty, or as it was left, with why it came back."""
        draft, self.draft = self.draft, None
        form = WalkInScreen(desk.schools(self.config.db()), draft, problem)
        self.app.push_screen(form, self.filled_in)

    def filled_in(self, form: WalkIn | PutAside | None) -> None:
        if isinstance(form, PutAside):
            self.draft = form.draft
        elif form is not None:
            self.register(form)

    def register(self, form: WalkIn, despite: Collection[int] = ()) -> None:
        """A new record, unless the import's identity rule says they are, or may be, someone
        registered: then the clerk chooses. Refused, the form comes back as typed, with why."""
        db, config = self.config.db(), self.config
        try:
            saved = config.guarded(
                desk.register_walk_in,
                db,
                **form.fields(),
                despite=despite,
                station=config.station(),
                at=config.clock(),
            )
        except desk.AlreadyRegistered as exc:
            people = [p for p in (get_person(db, i) for i in exc.attendee_ids) if p]
            chosen = partial(self.same_person_chosen, form, exc.attendee_ids)
            self.app.push_screen(SamePerson(form, people), chosen)
            return
        except desk.WalkInError as exc:
            self.draft = form
            self.start(problem=str(exc))
            return
        if saved is None:  # the database failed; the header says why
            self.draft = form
            lines = ["The database has a problem (see the top line). F6 brings the form back."]
            self.post_message(self.Failed(lines, "WALK-IN NOT SAVED"))
            return
        attendee_id, result = saved
        self.walk_in_id = attendee_id
        self.post_message(self.Registered(attendee_id, result))
        self.app.push_screen(PlacesScreen(desk.openings(db)), self.places_chosen)

    def same_person_chosen(
        self, form: WalkIn, same: list[int], choice: Person | str | PutAside | None
    ) -> None:
        if isinstance(choice, Person):
            self.post_message(self.ExistingChosen(choice))
        elif choice == NEW:
            self.register(form, despite=same)
        elif isinstance(choice, PutAside):
            self.draft = choice.draft
        else:  # back to the form, as typed
            self.draft = form
            self.start()

    def places_chosen(self, session_ids: list[int] | None) -> None:
        gone = get_person(self.config.db(), self.walk_in_id) is None  # a backup put back
        if session_ids and not gone:
            try:
                self.config.guarded(
                    desk.allocate_places,
                    self.config.db(),
                    self.walk_in_id,
                    session_ids,
                    station=self.config.station(),
                    at=self.config.clock(),
                )
            except desk.PlaceTaken as exc:
                self.notify(f"Place not given: {exc}", severity="warning", markup=False)
        self.post_message(self.PlacesGiven(self.walk_in_id))
