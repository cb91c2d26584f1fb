"""The event file (TOML) turned into typed dataclasses, with every mistake reported at once.

Over 400 lines because every section of the event file is checked here, so that every mistake is
reported at once.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from bigconv.core.codes import is_valid_code
from bigconv.core.errors import ConfigError
from bigconv.core.text import clean_field, clean_value

MULTI_LINE = frozenset({"description", "notes"})  # event-file fields that may hold newlines
NAME_SHOWN = 40  # characters of an item's name shown in a message
# Stand-ins while the event's own date or time zone is wrong, so that the slots' times are
# still checked against each other: every mistake comes out in one run.
STAND_IN_DATE, STAND_IN_TZ = dt.date(2000, 1, 3), dt.UTC

DEFAULT_REACTIONS: tuple[tuple[str, str, str, bool], ...] = (
    ("useful", "👍", "Useful", False),
    ("insight", "💡", "New idea", False),
    ("love", "❤️", "Love this", False),
    ("question", "❓", "I have a question", False),
    ("lost", "😕", "Lost me", True),
    ("slower", "🐢", "Slow down", True),
)


@dataclass(frozen=True)
class Room:
    name: str
    capacity: int
    notes: str = ""


@dataclass(frozen=True)
class Slot:
    label: str
    start: dt.datetime  # aware, in the event's time zone
    end: dt.datetime
    kind: str = "workshop"  # "workshop" or "plenary"


@dataclass(frozen=True)
class Session:
    title: str
    room: str
    slot: str
    leads: tuple[str, ...] = ()
    description: str = ""
    audience: str = "everyone"
    capacity: int | None = None
    code: str | None = None  # pin a code; otherwise derived and kept in the database
    min_size: int | None = None


@dataclass(frozen=True)
class Reaction:
    key: str
    emoji: str
    label: str
    negative: bool = False


@dataclass(frozen=True)
class Event:
    path: Path
    name: str
    date: dt.date
    timezone: str
    venue: str
    base_url: str | None
    database: Path
    rooms: tuple[Room, ...]
    slots: tuple[Slot, ...]
    sessions: tuple[Session, ...]
    reactions: tuple[Reaction, ...]
    attendees_csv: Path | None = None
    audiences: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Optional, for the report's "was it worth it?": [[costs]] label/amount, staff_hour_cost.
    costs: tuple[tuple[str, float], ...] = ()
    staff_hour_cost: float | None = None

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class _Checker:
    """Collects problems while reading a TOML document, naming file, place and field.

    An item of an array of tables is named as a person counts, with its name when it has one:
    `session 8 ("Phonics")` for the eighth [[sessions]] table (not sessions[7])."""

    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[str] = []
        self.items: set[str] = set()

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{self.filename}: {where}: {message}")

    def item(self, kind: str, index: int, table: dict[str, Any], name_key: str) -> str:
        """How a person finds the table at `index` (from 0) of [[kind]]s: `session 8 ("Title")`."""
        where = f"{kind} {index + 1}"
        name = table.get(name_key)
        if isinstance(name, str) and (name := clean_field(name, one_line=True)):
            where += f" ({q(name if len(name) <= NAME_SHOWN else name[: NAME_SHOWN - 1] + '…')})"
        self.items.add(where)
        return where

    def place(self, where: str, key: str) -> str:
        """A field of an item (`session 8 ("Title"), room`) or of a table (`event.name`)."""
        if not where:
            return key
        return f"{where}, {key}" if where in self.items else f"{where}.{key}"

    def get(
        self,
        table: dict[str, Any],
        where: str,
        key: str,
        kind: type | tuple[type, ...],
        *,
        required: bool = True,
        default: Any = None,
    ) -> Any:
        if key not in table:
            if required:
                self.add(self.place(where, key), "missing (required)")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = False if isinstance(value, bool) and bool not in kinds else isinstance(value, kinds)
        if not ok:
            names = " or ".join(_type_name(k) for k in kinds)
            self.add(
                self.place(where, key),
                f"expected {names}, got {_type_name(type(value))} {q(value)}",
            )
            return default
        if isinstance(value, str):
            # A name, title or label is one line (a newline in it would break a header, a
            # badge, a CSV row); only the free-text fields keep theirs.
            value = clean_field(value, one_line=key not in MULTI_LINE)
            if required and not value:
                self.add(self.place(where, key), "must not be empty")
                return default
        return value

    def table_list(self, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.add(key, f"expected an array of tables ([[{key}]])")
            return []
        return value


def q(value: Any) -> str:
    """A value quoted for a message, as a person would write it."""
    return f'"{value}"'


def _type_name(kind: type) -> str:
    return {
        str: "text",
        int: "a whole number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a table",
        dt.date: "a date",
        dt.time: "a time",
        dt.datetime: "a date-time",
    }.get(kind, kind.__name__)


def _parse_time(value: Any) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def load_event(path: str | Path) -> Event:
    """Read and validate an event file; raise ConfigError listing every mistake."""
    path = Path(path)
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{name}: file not found ({path})"]) from None
    except OSError as exc:
        raise ConfigError([f"{name}: cannot read: {exc.strerror}"]) from None
    try:
        # The untrusted-text rule (core/text.py): no control character or bidi override in
        # any name, title or label the event file gives.
        doc = clean_value(tomllib.loads(raw.decode("utf-8-sig")))
    except UnicodeDecodeError:
        raise ConfigError([f"{name}: not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{name}: not valid TOML: {exc}"]) from None
    return parse_event(doc, path)


def parse_event(doc: dict[str, Any], path: Path) -> Event:
    """Validate a parsed TOML document (see load_event)."""
    c = _Checker(path.name)
    ev = doc.get("event")
    if not isinstance(ev, dict):
        c.add("event", "missing [event] table")
        ev = {}
    ev_name = c.get(ev, "event", "name", str)
    date = c.get(ev, "event", "date", (dt.date, str))
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            c.add("event.date", f"not a date (YYYY-MM-DD): {q(date)}")
            date = None
    if isinstance(date, dt.datetime):
        date = date.date()
    tzname = c.get(ev, "event", "timezone", str)
    tz = None
    if tzname:
        try:
            tz = zoneinfo.ZoneInfo(tzname)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            c.add(
                "event.timezone",
                f'unknown time zone {q(tzname)} (use an IANA name such as "Europe/London")',
            )
            tzname = None
    venue = c.get(ev, "event", "venue", str, required=False, default="")
    base_url = c.get(ev, "event", "base_url", str, required=False)
    if base_url:
        if not base_url.startswith(("http://", "https://")):
            c.add("event.base_url", f"must start with http:// or https://, got {q(base_url)}")
        base_url = base_url.rstrip("/")
    db_name = c.get(ev, "event", "database", str, required=False)
    database = (path.parent / db_name) if db_name else path.with_suffix(".db")

    rooms = _rooms(c, doc)
    slots = _slots(c, doc, date, tz)
    audiences = _audiences(c, doc)
    sessions = _sessions(c, doc, rooms, slots, audiences)
    reactions = _reactions(c, doc)
    costs = _costs(c, doc)
    hour_cost = c.get(ev, "event", "staff_hour_cost", (int, float), required=False)
    if hour_cost is not None and hour_cost < 0:
        c.add("event.staff_hour_cost", f"must not be negative, got {hour_cost}")

    attendees_csv = None
    att = doc.get("attendees")
    if att is not None:
        if not isinstance(att, dict):
            c.add("attendees", 'expected a table ([attendees]) with csv = "file.csv"')
        else:
            csv_name = c.get(att, "attendees", "csv", str)
            if csv_name:
                attendees_csv = path.parent / csv_name
                if not attendees_csv.is_file():
                    c.add("attendees.csv", f"file not found: {csv_name}")

    if c.problems:
        raise ConfigError(c.problems)
    return Event(
        path=path,
        name=ev_name,
        date=date,
        timezone=tzname,
        venue=venue or "",
        base_url=base_url or None,
        database=database,
        rooms=tuple(rooms),
        slots=tuple(slots),
        sessions=tuple(sessions),
        reactions=tuple(reactions),
        attendees_csv=attendees_csv,
        audiences=audiences,
        costs=tuple(costs),
        staff_hour_cost=float(hour_cost) if hour_cost is not None else None,
    )


def _costs(c: _Checker, doc: dict[str, Any]) -> list[tuple[str, float]]:
    """[[costs]] tables: what the day cost besides staff time (venue, cover, food)."""
    out = []
    for i, item in enumerate(c.table_list(doc, "costs")):
        where = c.item("cost", i, item, "label")
        label = c.get(item, where, "label", str)
        amount = c.get(item, where, "amount", (int, float))
        if amount is not None and amount < 0:
            c.add(c.place(where, "amount"), f"must not be negative, got {amount}")
        elif label and amount is not None:
            out.append((label, float(amount)))
    return out


def _rooms(c: _Checker, doc: dict[str, Any]) -> list[Room]:
    rooms: list[Room] = []
    seen: set[str] = set()
    for i, r in enumerate(c.table_list(doc, "rooms")):
        where = c.item("room", i, r, "name")
        rname = c.get(r, where, "name", str)
        cap = c.get(r, where, "capacity", int)
        notes = c.get(r, where, "notes", str, required=False, default="")
        if cap is not None and cap <= 0:
            c.add(c.place(where, "capacity"), f"must be positive, got {cap}")
            cap = None
        if rname and rname.casefold() in seen:
            c.add(c.place(where, "name"), f"room {q(rname)} is listed twice")
            continue
        if rname:
            seen.add(rname.casefold())
        if rname and cap:
            rooms.append(Room(rname, cap, notes or ""))
    if not doc.get("rooms"):
        c.add("rooms", "no rooms: add at least one [[rooms]] table")
    return rooms


class _Timed(NamedTuple):
    where: str  # slot 2 ("Morning")
    named: str  # slot "Morning", or slot 2 without a label
    start: dt.datetime
    end: dt.datetime


def _slots(
    c: _Checker, doc: dict[str, Any], date: dt.date | None, tz: dt.tzinfo | None
) -> list[Slot]:
    slots: list[Slot] = []
    timed: list[_Timed] = []  # every slot with good times, labelled or not
    seen: set[str] = set()
    day, zone = date or STAND_IN_DATE, tz or STAND_IN_TZ
    for i, s in enumerate(c.table_list(doc, "slots")):
        where = c.item("slot", i, s, "label")
        label = c.get(s, where, "label", str)
        times = []
        for key in ("start", "end"):
            value = c.get(s, where, key, (str, dt.time))
            t = _parse_time(value) if value is not None else None
            if value is not None and t is None:
                c.add(c.place(where, key), f"not a time (HH:MM): {q(value)}")
            times.append(t)
        kind = c.get(s, where, "kind", str, required=False, default="workshop")
        if kind not in ("workshop", "plenary"):
            c.add(c.place(where, "kind"), f'must be "workshop" or "plenary", got {q(kind)}')
        start, end = times
        if start and end and end <= start:
            c.add(c.place(where, "end"), f"ends ({end:%H:%M}) before it starts ({start:%H:%M})")
            start = end = None
        if start and end:
            named = f"slot {q(label)}" if label else where
            begins, ends = (dt.datetime.combine(day, t, zone) for t in (start, end))
            timed.append(_Timed(where, named, begins, ends))
        if label and label.casefold() in seen:
            c.add(c.place(where, "label"), f"slot {q(label)} is listed twice")
            continue
        if label:
            seen.add(label.casefold())
        if label and start and end:
            slots.append(Slot(label, timed[-1].start, timed[-1].end, kind))
    latest: _Timed | None = None  # of the slots that start earlier, the one that ends last
    for this in sorted(timed, key=lambda t: t.start):
        if latest is not None and this.start < latest.end:
            c.add(
                c.place(this.where, "start"),
                f"{this.named} ({this.start:%H:%M}-{this.end:%H:%M}) overlaps {latest.named} "
                f"({latest.start:%H:%M}-{latest.end:%H:%M})",
            )
        if latest is None or this.end > latest.end:
            latest = this
    if not doc.get("slots"):
        c.add("slots", "no slots: add at least one [[slots]] table")
    return slots


def _audiences(c: _Checker, doc: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """[audiences] maps an audience name to the attendee roles it admits."""
    raw = doc.get("audiences", {})
    if not isinstance(raw, dict):
        c.add("audiences", "expected a table mapping audience name to a list of roles")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, roles in raw.items():
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            c.add(f"audiences.{key}", "expected a list of role names")
            continue
        out[key] = tuple(r.strip() for r in roles)
    return out


def _sessions(
    c: _Checker,
    doc: dict[str, Any],
    rooms: list[Room],
    slots: list[Slot],
    audiences: dict[str, tuple[str, ...]],
) -> list[Session]:
    room_names = {r.name.casefold(): r for r in rooms}
    slot_names = {s.label.casefold(): s for s in slots}
    # Names that are listed but invalid elsewhere are already reported; don't report them twice.
    listed_rooms = _listed(doc, "rooms", "name")
    listed_slots = _listed(doc, "slots", "label")
    listed_audiences = doc.get("audiences", {}) if isinstance(doc.get("audiences"), dict) else {}
    used: dict[tuple[str, str], str] = {}
    codes: dict[str, str] = {}
    sessions: list[Session] = []
    for i, s in enumerate(c.table_list(doc, "sessions")):
        where = c.item("session", i, s, "title")
        title = c.get(s, where, "title", str)
        room = c.get(s, where, "room", str)
        slot = c.get(s, where, "slot", str)
        lead = c.get(s, where, "lead", (str, list), required=False, default=())
        if isinstance(lead, str):
            leads = tuple(filter(None, (clean_field(x, one_line=True) for x in lead.split(";"))))
        elif all(isinstance(x, str) for x in lead):
            leads = tuple(filter(None, (clean_field(x, one_line=True) for x in lead)))
        else:
            c.add(c.place(where, "lead"), "expected a name or a list of names")
            leads = ()
        description = c.get(s, where, "description", str, required=False, default="")
        audience = c.get(s, where, "audience", str, required=False, default="everyone")
        if audience and audience != "everyone" and audience not in listed_audiences:
            known = ", ".join(["everyone", *audiences]) or "everyone"
            c.add(
                c.place(where, "audience"),
                f"unknown audience {q(audience)} (known: {known}; define more under [audiences])",
            )
        capacity = c.get(s, where, "capacity", int, required=False)
        min_size = c.get(s, where, "min_size", int, required=False)
        code = c.get(s, where, "code", str, required=False)
        if room and room.casefold() not in listed_rooms:
            known = ", ".join(listed_rooms.values())
            c.add(c.place(where, "room"), f"no room named {q(room)} (known rooms: {known})")
        if slot and slot.casefold() not in listed_slots:
            known = ", ".join(listed_slots.values())
            c.add(c.place(where, "slot"), f"no slot labelled {q(slot)} (known slots: {known})")
        if capacity is not None and capacity <= 0:
            c.add(c.place(where, "capacity"), f"must be positive, got {capacity}")
            capacity = None
        if capacity and room and room.casefold() in room_names:
            room_cap = room_names[room.casefold()].capacity
            if capacity > room_cap:
                c.add(
                    c.place(where, "capacity"),
                    f"{capacity} is more than room {q(room)} holds ({room_cap})",
                )
        if code:
            code = code.upper()
            if not is_valid_code(code):
                c.add(
                    c.place(where, "code"),
                    f"{q(code)} is not a valid code (4-5 of A-Z and 2-9, without O, I, L)",
                )
            elif code in codes:
                c.add(c.place(where, "code"), f"code {q(code)} is already used by {codes[code]}")
            else:
                codes[code] = where
        # A room booked twice in a slot is named even when the room or the slot has a mistake
        # of its own (a capacity of 0, a bad time): listed is enough, or the one mistake would
        # hide the other until it is fixed.
        key = (room.casefold(), slot.casefold()) if room and slot else None
        if key and key[0] in listed_rooms and key[1] in listed_slots:
            if key in used:
                c.add(
                    c.place(where, "room"),
                    f"room {q(room)} already has {used[key]} in slot {q(slot)}",
                )
                continue
            used[key] = where
        if room and slot and room.casefold() in room_names and slot.casefold() in slot_names:
            sessions.append(
                Session(
                    title=title or "",
                    room=room_names[room.casefold()].name,
                    slot=slot_names[slot.casefold()].label,
                    leads=leads,
                    description=description or "",
                    audience=audience or "everyone",
                    capacity=capacity,
                    code=code or None,
                    min_size=min_size,
                )
            )
    return sessions


def _listed(doc: dict[str, Any], table: str, key: str) -> dict[str, str]:
    """Folded name -> name, for every item listed under `table`, valid or not."""
    items = doc.get(table, [])
    if not isinstance(items, list):
        return {}
    return {
        item[key].strip().casefold(): item[key].strip()
        for item in items
        if isinstance(item, dict) and isinstance(item.get(key), str)
    }


def _reactions(c: _Checker, doc: dict[str, Any]) -> list[Reaction]:
    if "reactions" not in doc:
        return [Reaction(*r) for r in DEFAULT_REACTIONS]
    out: list[Reaction] = []
    seen: dict[str, str] = {}
    for i, r in enumerate(c.table_list(doc, "reactions")):
        where = c.item("reaction", i, r, "label")
        key = c.get(r, where, "key", str)
        emoji = c.get(r, where, "emoji", str)
        label = c.get(r, where, "label", str)
        negative = c.get(r, where, "negative", bool, required=False, default=False)
        if key:
            if not key.replace("_", "").replace("-", "").isalnum() or not key.isascii():
                c.add(c.place(where, "key"), f"use letters, digits, - and _ only, got {q(key)}")
            if key in seen:
                c.add(
                    c.place(where, "key"), f"reaction key {q(key)} is already used by {seen[key]}"
                )
                continue
            seen[key] = where
        if key and emoji and label:
            out.append(Reaction(key, emoji, label, bool(negative)))
    return out
