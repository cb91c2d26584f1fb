"""Generate the sample day: sample_event.toml and sample_staff.csv, deterministically.

    python scripts/make_sample.py          # rewrites both files beside the project root

The same seed always gives the same files, so the committed sample can be regenerated and diffed.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from pathlib import Path

from bigconv.core.event import DEFAULT_REACTIONS

ROOT = Path(__file__).resolve().parent.parent
SEED = 2026
PEOPLE = 850

SCHOOLS = [
    ("Riverside Primary Academy", 55),
    ("St Aidan's CE Primary", 45),
    ("Oakfield Primary School", 50),
    ("Hollins Park Infant School", 35),
    ("Millbrook Junior School", 40),
    ("Westgate Academy", 120),
    ("Kingsmead High School", 110),
    ("Ashton Vale Academy", 95),
    ("The Heights Sixth Form", 55),
    ("Brookside Special School", 60),
    ("Greenhill Primary", 45),
    ("Castle View Alternative Provision", 30),
]
CENTRAL = ("Trust Central Team", 110)

FIRST = (
    "Olivia Amelia Isla Ava Mia Sophie Grace Lily Freya Emily Chloe Ella Poppy Ruby Evie Jessica Hannah "
    "Sarah Rachel Laura Claire Emma Rebecca Helen Joanne Nicola Kate Lucy Charlotte Victoria Amy Gemma "
    "Katie Louise Natalie Michelle Zoe Jade Leanne Kirsty Aisha Fatima Priya Anjali Amira Maryam Noor "
    "Oliver George Harry Jack Jacob Noah Charlie Thomas James William Daniel Matthew David Andrew Mark "
    "Paul Richard Stephen Michael Christopher Simon Gareth Owen Rhys Dylan Callum Liam Ryan Adam Ben "
    "Samuel Joseph Mohammed Ahmed Yusuf Imran Arjun Rohan Kwame Tunde Chidi Tomasz Piotr Luca Mateo"
).split()
LAST = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips Mason Mitchell Rose Davis "
    "Rodriguez Cox Alexander Morgan Moore Mills King Harris Hughes Edwards Hill Baker Turner Cooper Ward "
    "Morris Shaw Chapman Begum Hussain Ali Ahmed Singh Kaur Okafor Mensah Kowalski Nowak Rossi Murphy "
    "Kelly Byrne Walsh McCarthy MacDonald Campbell Stewart Fraser Reid Lloyd Price Bennett Pritchard"
).split()
# The awkward cases a real staff list has; each must survive import exactly as written.
AWKWARD = [
    ("Zoë", "O'Brien-Müller"),
    ("Nguyễn Thị", "Hồng"),
    ("Siobhán", "Ní Bhriain"),
    ("Seán", "O'Sullivan"),
    ("Chloé", "Lefèvre"),
    ("Ana-María", "García López"),
    ("Jürgen", "Schröder"),
    ("Bethan", "ap Rhys"),
    ("Aoife", "D'Arcy"),
    ("Oluwaseun", "Adébáyọ̀"),
    ("Ffion", "Wynne-Jones"),
    ("Hamish", "Mackenzie-Smythe"),
    ("Renée", "Zellweger-Brown"),
    ("Sinéad", "McAllister"),
    ("Dominic", "St. John-Stevas"),
    ("Tanvir", "Chowdhury"),
]
TEACHING_ROLES = [
    "Class Teacher",
    "Teacher",
    "Head of Department",
    "Head of Year",
    "SENCO",
    "Deputy Headteacher",
    "Early Career Teacher",
]
SUPPORT_ROLES = [
    "Teaching Assistant",
    "Learning Support Assistant",
    "Office Manager",
    "Site Manager",
    "Librarian",
    "Pastoral Lead",
    "Exams Officer",
]
CENTRAL_ROLES = [
    "Finance Officer",
    "HR Advisor",
    "IT Technician",
    "Data Manager",
    "Trust Lead",
    "School Improvement Partner",
]

ROOMS = [
    ("Main Hall", 900, "Ground floor, step-free, hearing loop"),
    ("Sports Hall", 120, "Ground floor, step-free"),
    ("Library", 60, "First floor, lift access"),
    ("Drama Studio", 45, "Ground floor, step-free"),
    ("Lecture Theatre", 80, "Ground floor, step-free, hearing loop"),
]
ROOMS += [
    (f"Science Lab {i}", cap, "Second floor, lift access") for i, cap in ((1, 30), (2, 30), (3, 28))
]
ROOMS += [
    (f"Room {n}", cap, "First floor, lift access")
    for n, cap in ((101, 32), (102, 32), (103, 30), (104, 30), (105, 28))
]
ROOMS += [
    (f"Room {n}", cap, "Second floor, lift access")
    for n, cap in ((201, 32), (202, 30), (203, 24), (204, 24))
]
ROOMS += [
    ("Music Room", 26, "Ground floor, step-free"),
    ("Art Studio", 24, "Ground floor"),
    ("Seminar Room", 16, "First floor, quiet room"),
]

WORKSHOPS = [
    ("Adaptive teaching in mixed-attainment classes", "teaching", ""),
    ("Retrieval practice that sticks", "teaching", ""),
    ("Oracy across the curriculum", "everyone", ""),
    ("Supporting pupils with autism in mainstream classrooms", "everyone", ""),
    ("Trauma-informed practice", "everyone", ""),
    ("Reading for pleasure: building a culture", "everyone", ""),
    ("Phonics keep-up and catch-up", "teaching", ""),
    ("Effective deployment of teaching assistants", "everyone", ""),
    ("Behaviour: routines that work", "everyone", ""),
    ("Using AI tools safely and well", "everyone", ""),
    ("Workload: marking less, feeding back more", "teaching", ""),
    ("Disciplinary literacy in science", "teaching", ""),
    ("Mastery maths: bar models", "teaching", ""),
    ("Safeguarding update: online harms", "everyone", ""),
    ("Wellbeing: managing stress in term time", "everyone", ""),
    ("First aid refresher", "support", ""),
    ("Attendance: every day counts", "everyone", ""),
    ("EAL learners: the first six weeks", "everyone", ""),
    ("Coaching conversations", "everyone", ""),
    ("Questioning for thinking", "teaching", ""),
    ("Outdoor learning on a budget", "everyone", ""),
    ("Data dashboards for middle leaders", "everyone", ""),
    ("Spelling without the lists", "teaching", ""),
    ("SEND: writing a useful support plan", "everyone", ""),
    ("Modelling and worked examples", "teaching", ""),
    ("Supporting anxious pupils", "everyone", ""),
    ("Restorative conversations", "everyone", ""),
    ("Curriculum sequencing in foundation subjects", "teaching", ""),
    ("Making the most of the library", "everyone", ""),
    ("Excel for school office staff", "support", ""),
    ("Handwriting and fine motor skills", "everyone", ""),
    ("Assessment without levels, again", "teaching", ""),
    ("Cultural capital: trips and visits", "everyone", ""),
    ("Inclusive PE", "everyone", ""),
    ("Music in every classroom", "everyone", ""),
    ("Art and sketchbooks", "everyone", ""),
    ("Parental engagement that reaches everyone", "everyone", ""),
    ("Careers education from Year 7", "everyone", ""),
    ("Menopause awareness at work", "everyone", ""),
    ("Neurodiversity in the staffroom", "everyone", ""),
    ("Lunchtime and playground play", "support", ""),
    ("Speech and language: early identification", "everyone", ""),
    ("Supporting young carers", "everyone", ""),
    ("Metacognition in practice", "teaching", ""),
    ("Climate education across subjects", "everyone", ""),
    ("Building a positive team culture", "everyone", ""),
    ("Mental health first aid: the basics", "everyone", ""),
    ("Reducing exclusions", "everyone", ""),
    ("Cyber security for schools", "everyone", ""),
    ("Digital skills: getting more from the MIS", "support", ""),
    ("Effective interventions in 15 minutes", "everyone", ""),
    ("Preparing for inspection without the stress", "everyone", ""),
    ("Dyslexia-friendly classrooms", "everyone", ""),
    ("Story-telling and drama in learning", "everyone", ""),
]
REPEATED = [3, 4, 8, 9, 13, 14]  # popular workshops run twice


def ascii_fold(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def email_for(first: str, last: str, school: str, taken: set[str]) -> str:
    domain = "".join(w[0] for w in ascii_fold(school).lower().split() if w[0].isalpha()) + ".sch.uk"
    base = ascii_fold(f"{first[0]}.{last}").lower().replace(" ", "").replace("'", "")
    email, n = f"{base}@{domain}", 2
    while email in taken:
        email, n = f"{base}{n}@{domain}", n + 1
    taken.add(email)
    return email


def make_people(rng: random.Random) -> list[dict]:
    people, emails = [], set()
    schools = [*SCHOOLS, CENTRAL]
    awkward = list(AWKWARD)
    for school, size in schools:
        for i in range(size):
            if awkward and i == 3:
                first, last = awkward.pop(0)
            else:
                first, last = rng.choice(FIRST), rng.choice(LAST)
            if school == CENTRAL[0]:
                role, kind = rng.choice(CENTRAL_ROLES), "Support"
            elif rng.random() < 0.55:
                role, kind = rng.choice(TEACHING_ROLES), "Teaching"
            else:
                role, kind = rng.choice(SUPPORT_ROLES), "Support"
            people.append(
                {"first": first, "last": last, "school": school, "role": role, "kind": kind}
            )
    # Several people with the same name at different schools.
    for p in people[10:400:130]:
        p["first"], p["last"] = "Sarah", "Khan"
    rng.shuffle(people)
    people = people[:PEOPLE]
    for n, p in enumerate(people, start=1):
        p["staff_id"] = f"S{n:05d}"
        p["email"] = email_for(p["first"], p["last"], p["school"], emails)
    return people


def make_sessions(rng: random.Random, people: list[dict]) -> list[dict]:
    slots = ["Workshops 1", "Workshops 2", "Workshops 3"]
    repeated = [WORKSHOPS[i][0] for i in REPEATED]
    single = [w[0] for w in WORKSHOPS if w[0] not in repeated]
    rng.shuffle(single)
    per_slot: list[list[str]] = [[], [], []]
    for k, title in enumerate(repeated):  # a repeated workshop runs in two different slots
        per_slot[k % 3].append(title)
        per_slot[(k + 1) % 3].append(title)
    for k, title in enumerate(single):
        per_slot[k % 3].append(title)
    assert all(len(titles) == len(ROOMS) for titles in per_slot), [len(t) for t in per_slot]
    audience = {w[0]: w[1] for w in WORKSHOPS}
    sessions = []
    leads_pool = [p for p in people if p["role"] not in ("Site Manager",)]
    rng.shuffle(leads_pool)
    lead_of: dict[str, str] = {}
    for slot, titles in zip(slots, per_slot, strict=True):
        rng.shuffle(titles)
        for (room, _cap, _notes), title in zip(ROOMS, titles, strict=True):
            if title not in lead_of:
                lead = leads_pool.pop()
                lead_of[title] = f"{lead['first']} {lead['last']}"
            sessions.append(
                {
                    "title": title,
                    "lead": lead_of[title],
                    "room": room,
                    "slot": slot,
                    "audience": audience[title],
                    "capacity": 200 if room == "Main Hall" else None,
                }
            )
    return sessions


def choose(rng: random.Random, people: list[dict], sessions: list[dict]) -> None:
    titles = sorted({s["title"] for s in sessions})
    audience = {s["title"]: s["audience"] for s in sessions}
    # Real preferences are skewed: a few workshops everyone wants.
    weight = {t: 1.0 / (1 + rank) ** 0.8 for rank, t in enumerate(rng.sample(titles, len(titles)))}
    for p in people:
        allowed = [t for t in titles if audience[t] in ("everyone", p["kind"].lower())]
        picks: list[str] = []
        while len(picks) < 3:
            t = rng.choices(allowed, weights=[weight[t] for t in allowed])[0]
            if t not in picks:
                picks.append(t)
        p["choices"] = picks


def write_csv(people: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "Staff ID",
                "Forename",
                "Surname",
                "Email",
                "School",
                "Job Title",
                "Choice 1",
                "Choice 2",
                "Choice 3",
            ]
        )
        for p in people:
            w.writerow(
                [
                    p["staff_id"],
                    p["first"],
                    p["last"],
                    p["email"],
                    p["school"],
                    p["role"],
                    *p["choices"],
                ]
            )


def toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_toml(sessions: list[dict], path: Path) -> None:
    out = [
        "# The Big Conversation: a trust-wide professional development day.",
        "# Generated by scripts/make_sample.py (seed 2026); edit freely, or regenerate.",
        "",
        "[event]",
        'name = "The Big Conversation 2026"',
        "date = 2026-11-27",
        'timezone = "Europe/London"',
        'venue = "Westgate Academy, Leeds"',
        '# base_url = "http://192.168.1.20:8000"   # the address phones use; default: this laptop\'s LAN address',
        "",
        "[attendees]",
        'csv = "sample_staff.csv"',
        "",
        "# Which attendee roles (the CSV's Job Title column) each audience admits.",
        "[audiences]",
        "teaching = [" + ", ".join(toml_str(r) for r in TEACHING_ROLES) + "]",
        "support = [" + ", ".join(toml_str(r) for r in SUPPORT_ROLES + CENTRAL_ROLES) + "]",
        "",
    ]
    for name, cap, notes in ROOMS:
        out += [
            "[[rooms]]",
            f"name = {toml_str(name)}",
            f"capacity = {cap}",
            f"notes = {toml_str(notes)}",
            "",
        ]
    for label, start, end, kind in (
        ("Opening plenary", "08:45", "09:30", "plenary"),
        ("Workshops 1", "09:45", "10:45", "workshop"),
        ("Workshops 2", "11:05", "12:05", "workshop"),
        ("Workshops 3", "13:00", "14:00", "workshop"),
        ("Closing plenary", "14:15", "14:45", "plenary"),
    ):
        out += [
            "[[slots]]",
            f"label = {toml_str(label)}",
            f'start = "{start}"',
            f'end = "{end}"',
            f'kind = "{kind}"',
            "",
        ]
    out += [
        "[[sessions]]",
        'title = "Opening: The Big Conversation"',
        'lead = "Trust CEO"',
        'room = "Main Hall"',
        'slot = "Opening plenary"',
        'description = "Welcome, the trust\'s priorities for the year, and how today works."',
        "",
    ]
    for s in sessions:
        out += [
            "[[sessions]]",
            f"title = {toml_str(s['title'])}",
            f"lead = {toml_str(s['lead'])}",
            f"room = {toml_str(s['room'])}",
            f"slot = {toml_str(s['slot'])}",
            f'audience = "{s["audience"]}"',
        ]
        if s["capacity"]:
            out.append(f"capacity = {s['capacity']}")
        out.append("")
    out += [
        "[[sessions]]",
        'title = "Closing: what will you try on Monday?"',
        'lead = "Trust CEO"',
        'room = "Main Hall"',
        'slot = "Closing plenary"',
        "",
        "# What phones can send. Mark negative reactions so the dashboard can raise alerts.",
    ]
    for key, emoji, label, negative in DEFAULT_REACTIONS:
        out += (
            ["[[reactions]]", f'key = "{key}"', f'emoji = "{emoji}"', f'label = "{label}"']
            + (["negative = true"] if negative else [])
            + [""]
        )
    path.write_text("\n".join(out), encoding="utf-8")


def main() -> None:
    rng = random.Random(SEED)
    people = make_people(rng)
    sessions = make_sessions(rng, people)
    choose(rng, people, sessions)
    write_csv(people, ROOT / "sample_staff.csv")
    write_toml(sessions, ROOT / "sample_event.toml")
    print(f"wrote {len(people)} people and {len(sessions) + 2} sessions")


if __name__ == "__main__":
    main()
