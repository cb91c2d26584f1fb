"""Bring the database in line with the event file without losing anything recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from bigconv.core import codes
from bigconv.core.clock import iso
from bigconv.core.event import Event, Session
from bigconv.core.text import clean_field
from bigconv.data.database import immediate, insert
from bigconv.data.log import log
from bigconv.data.meta import get_meta, set_meta

Row = dict[str, Any]  # a row as sqlite-utils reads it


class SyncRefused(Exception):
    """Applying the event file would lose recorded data; the message names what."""


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.removed)


RECORDED = (
    ("attendance_records", "attendance record"),
    ("reactions", "reaction"),
    ("feedback", "feedback response"),
)


def apply_event(db: sqlite_utils.Database, event: Event, *, station: str = "init") -> SyncReport:
    """Create or update rooms, slots, sessions and reactions from `event` in one transaction."""
    station = clean_field(station, one_line=True)  # typed by someone: the text rule
    report = SyncReport()
    with immediate(db):
        for key, value in (
            ("event_name", event.name),
            ("event_date", event.date.isoformat()),
            ("timezone", event.timezone),
            ("venue", event.venue),
            ("base_url", event.base_url or ""),
        ):
            if (before := get_meta(db, key)) != value:
                set_meta(db, key, value)
                if before is not None:  # a new database's settings are not changes
                    report.changed.append(f"{key} {before or '(none)'!r} -> {value or '(none)'!r}")
        room_ids = _sync_rooms(db, event, report)
        slot_ids = _sync_slots(db, event, report)
        _sync_sessions(db, event, room_ids, slot_ids, report, station)
        _sync_reactions(db, event, report)
        _remove_unused_rooms_and_slots(db, event, report)
        match_leads(db)
        if not report.unchanged:
            log(
                db,
                "event_synced",
                station=station,
                at=iso(),
                detail={
                    "added": report.added,
                    "changed": report.changed,
                    "removed": report.removed,
                },
            )
    return report


def _sync_rooms(db: sqlite_utils.Database, event: Event, report: SyncReport) -> dict[str, int]:
    existing = {r["name"].casefold(): r for r in db.table("rooms").rows}
    ids: dict[str, int] = {}
    for room in event.rooms:
        row = existing.get(room.name.casefold())
        if row is None:
            ids[room.name] = insert(
                db, "rooms", {"name": room.name, "capacity": room.capacity, "notes": room.notes}
            )
            report.added.append(f"room {room.name!r}")
        else:
            ids[room.name] = row["id"]
            new = {"name": room.name, "capacity": room.capacity, "notes": room.notes}
            if any(row[k] != v for k, v in new.items()):
                db.table("rooms").update(row["id"], new)
                report.changed.append(f"room {room.name!r}")
    return ids


def _sync_slots(db: sqlite_utils.Database, event: Event, report: SyncReport) -> dict[str, int]:
    existing = {r["label"].casefold(): r for r in db.table("slots").rows}
    ids: dict[str, int] = {}
    for slot in event.slots:
        new = {
            "label": slot.label,
            "starts_at": iso(slot.start),
            "ends_at": iso(slot.end),
            "kind": slot.kind,
        }
        row = existing.get(slot.label.casefold())
        if row is None:
            ids[slot.label] = insert(db, "slots", new)
            report.added.append(f"slot {slot.label!r}")
        else:
            ids[slot.label] = row["id"]
            if any(row[k] != v for k, v in new.items()):
                db.table("slots").update(row["id"], new)
                report.changed.append(f"slot {slot.label!r}")
    return ids


def _match_sessions(
    event: Event, rows: list[Row], room_ids: dict[str, int], slot_ids: dict[str, int]
) -> dict[int, Row]:
    """Pair event sessions with database rows: by pinned code, then title+slot, then room+slot."""
    unmatched = {r["id"]: r for r in rows}
    matched: dict[int, Row] = {}
    passes: tuple[Callable[[Session, Row], bool], ...] = (
        lambda s, r: s.code is not None and r["code"] == s.code,
        lambda s, r: (
            r["title"].casefold() == s.title.casefold() and r["slot_id"] == slot_ids[s.slot]
        ),
        lambda s, r: r["room_id"] == room_ids[s.room] and r["slot_id"] == slot_ids[s.slot],
    )
    for same in passes:
        for i, s in enumerate(event.sessions):
            if i in matched:
                continue
            for row in list(unmatched.values()):
                if same(s, row):
                    matched[i] = unmatched.pop(row["id"])
                    break
    return matched


def _keep_choices_of_removed(db: sqlite_utils.Database, row: Row, station: str) -> None:
    """Copy a removed session's allocations and choices into the *_replaced tables, with why."""
    now, why = iso(), f"session {row['code']} {row['title']!r} removed from the event file"
    db.execute(
        "INSERT INTO allocations_replaced"
        " (attendee_id, session_id, at, source, replaced_at, reason, station)"
        " SELECT attendee_id, session_id, at, source, ?, ?, ? FROM allocations WHERE session_id = ?",
        [now, why, station, row["id"]],
    )
    db.execute(
        "INSERT INTO preferences_replaced"
        " (attendee_id, session_id, rank, replaced_at, reason, station)"
        " SELECT attendee_id, session_id, rank, ?, ?, ? FROM preferences WHERE session_id = ?",
        [now, why, station, row["id"]],
    )


def _sync_sessions(
    db: sqlite_utils.Database,
    event: Event,
    room_ids: dict[str, int],
    slot_ids: dict[str, int],
    report: SyncReport,
    station: str = "init",
) -> None:
    rows = list(db.table("sessions").rows)
    matched = _match_sessions(event, rows, room_ids, slot_ids)
    keep = {row["id"] for row in matched.values()}
    gone = [r for r in rows if r["id"] not in keep]
    _refuse_if_recorded(
        db, "session", [(r["id"], f"{r['title']!r} ({r['code']})") for r in gone], "session_id"
    )
    for r in gone:
        _keep_choices_of_removed(db, r, station)
        for table in ("preferences", "allocations", "session_leads"):
            db.execute(f"DELETE FROM {table} WHERE session_id = ?", [r["id"]])
        db.execute("DELETE FROM sessions WHERE id = ?", [r["id"]])
        report.removed.append(f"session {r['title']!r} ({r['code']})")
    codes_in_use = {r["code"] for r in rows if r["id"] in keep}
    codes_in_use |= {s.code for s in event.sessions if s.code}
    for i, s in enumerate(event.sessions):
        new: Row = {
            "title": s.title,
            "room_id": room_ids[s.room],
            "slot_id": slot_ids[s.slot],
            "capacity": s.capacity,
            "description": s.description,
            "audience": s.audience,
            "leads": "; ".join(s.leads),
            "min_size": s.min_size,
            "position": i,
        }
        row = matched.get(i)
        if row is None:
            code = s.code or codes.session_code(s.title, s.slot, lambda c: c in codes_in_use)
            codes_in_use.add(code)
            db.table("sessions").insert({"code": code, **new})
            report.added.append(f"session {s.title!r} ({code})")
        else:
            if s.code and s.code != row["code"]:
                new["code"] = s.code
            if any(row[k] != v for k, v in new.items()):
                db.table("sessions").update(row["id"], new)
                if any(row[k] != v for k, v in new.items() if k != "position"):
                    report.changed.append(f"session {s.title!r} ({new.get('code', row['code'])})")


def _refuse_if_recorded(
    db: sqlite_utils.Database, what: str, items: list[tuple[int, str]], column: str
) -> None:
    problems = []
    for item_id, name in items:
        counts = []
        for table, noun in RECORDED:
            n = db.execute(
                f"SELECT count(*) FROM {table} WHERE {column} = ?", [item_id]
            ).fetchone()[0]
            if n:
                counts.append(f"{n} {noun}{'s' if n != 1 else ''}")
        if counts:
            problems.append(f"removing {what} {name} would lose {', '.join(counts)}")
    if problems:
        raise SyncRefused(
            "; ".join(problems) + " (put it back in the event file, or rename it instead)"
        )


def _remove_unused_rooms_and_slots(
    db: sqlite_utils.Database, event: Event, report: SyncReport
) -> None:
    rooms = {r.name.casefold() for r in event.rooms}
    for row in list(db.table("rooms").rows):
        if row["name"].casefold() not in rooms:
            sessions = db.execute(
                "SELECT count(*) FROM sessions WHERE room_id = ?", [row["id"]]
            ).fetchone()[0]
            if sessions:
                raise SyncRefused(
                    f"removing room {row['name']!r} would orphan {sessions} session(s)"
                )
            db.execute("DELETE FROM rooms WHERE id = ?", [row["id"]])
            report.removed.append(f"room {row['name']!r}")
    slots = {s.label.casefold() for s in event.slots}
    for row in list(db.table("slots").rows):
        if row["label"].casefold() not in slots:
            sessions = db.execute(
                "SELECT count(*) FROM sessions WHERE slot_id = ?", [row["id"]]
            ).fetchone()[0]
            if sessions:
                raise SyncRefused(
                    f"removing slot {row['label']!r} would orphan {sessions} session(s)"
                )
            db.execute("DELETE FROM slots WHERE id = ?", [row["id"]])
            report.removed.append(f"slot {row['label']!r}")


def _sync_reactions(db: sqlite_utils.Database, event: Event, report: SyncReport) -> None:
    existing = {r["key"]: r for r in db.table("reaction_kinds").rows}
    for i, r in enumerate(event.reactions):
        new = {
            "key": r.key,
            "emoji": r.emoji,
            "label": r.label,
            "negative": int(r.negative),
            "position": i,
        }
        old = existing.pop(r.key, None)
        if old != new:
            db.table("reaction_kinds").upsert(new, pk="key")
            (report.changed if old else report.added).append(f"reaction {r.key!r}")
    for key in existing:
        # Reactions already sent with a removed kind stay in `reactions`; phones just stop offering it.
        db.execute("DELETE FROM reaction_kinds WHERE key = ?", [key])
        report.removed.append(f"reaction {key!r}")


def _name_key(text: str) -> str:
    return " ".join(text.casefold().split())


def match_leads(db: sqlite_utils.Database) -> None:
    """Link each session's lead names (or badge codes) to attendees, where they can be found."""
    set_leads(db, wanted_leads(db))


def wanted_leads(db: sqlite_utils.Database) -> set[tuple[int, int]]:
    """(session, attendee) for each lead name or badge code that names one attendee: reads
    only, so an import works it out before it takes the write lock."""
    by_badge: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    for a in db.execute("SELECT id, badge, first_name, last_name FROM attendees").fetchall():
        by_badge[a[1].upper()] = a[0]
        by_name.setdefault(_name_key(f"{a[2]} {a[3]}"), []).append(a[0])
    wanted: set[tuple[int, int]] = set()
    for sid, leads in db.execute("SELECT id, leads FROM sessions").fetchall():
        for lead in filter(None, (x.strip() for x in leads.split(";"))):
            if lead.upper() in by_badge:
                wanted.add((sid, by_badge[lead.upper()]))
            elif len(by_name.get(_name_key(lead), [])) == 1:
                wanted.add((sid, by_name[_name_key(lead)][0]))
    return wanted


def set_leads(db: sqlite_utils.Database, wanted: set[tuple[int, int]]) -> None:
    """Make session_leads exactly `wanted` (call inside a write transaction)."""
    have = set(db.execute("SELECT session_id, attendee_id FROM session_leads").fetchall())
    for pair in have - wanted:
        db.execute("DELETE FROM session_leads WHERE session_id = ? AND attendee_id = ?", pair)
    for pair in wanted - have:
        db.execute("INSERT INTO session_leads (session_id, attendee_id) VALUES (?, ?)", pair)
