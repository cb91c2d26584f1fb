"""Generated attendees for benchmarks: realistic names (with accents), schools, roles, emails."""

from __future__ import annotations

import random
from pathlib import Path

from bigconv.data import database

FIRST = (
    "Olivia Amelia Isla Ava Mia Sophie Grace Lily Freya Emily Chloe Ella Poppy Ruby Evie Jessica Hannah "
    "Sarah Rachel Laura Claire Emma Rebecca Helen Joanne Nicola Kate Lucy Charlotte Victoria Amy Gemma "
    "Aisha Fatima Priya Anjali Amira Maryam Noor Zoë Siobhán Seán Chloé Ana-María Jürgen Aoife Renée "
    "Sinéad Oliver George Harry Jack Jacob Noah Charlie Thomas James William Daniel Matthew David "
    "Mohammed Ahmed Yusuf Imran Arjun Rohan Kwame Tunde Chidi Tomasz Piotr Luca Mateo Łukasz Bethan "
    "Ffion Rhys Dylan Callum Liam Ryan Adam Ben Samuel Joseph Oluwaseun Nguyễn"
).split()
LAST = (
    (
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker "
        "White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips Mason Mitchell Rose "
        "Davis Rodriguez Cox Alexander Morgan Moore Mills King Harris Hughes Edwards Hill Baker Turner "
        "Cooper Ward Morris Shaw Chapman Begum Hussain Ali Ahmed Singh Kaur Okafor Mensah Kowalski Nowak "
        "Rossi Murphy Kelly Byrne Walsh McCarthy MacDonald Campbell O'Brien-Müller Ní_Bhriain O'Sullivan "
        "Lefèvre García_López Schröder ap_Rhys D'Arcy Adébáyọ̀ Wynne-Jones Mackenzie-Smythe Hồng "
        "Zellweger-Brown McAllister Chowdhury Wiśniewski Dąbrowski Øvergaard"
    )
    .replace("_", " ")
    .split()
)
SCHOOLS = (
    "Riverside Primary Academy|St Aidan's CE Primary|Oakfield Primary School|Hollins Park Infant School|"
    "Millbrook Junior School|Westgate Academy|Kingsmead High School|Ashton Vale Academy|"
    "The Heights Sixth Form|Brookside Special School|Greenhill Primary|Castle View Alternative Provision|"
    "Trust Central Team"
).split("|")
ROLES = (
    "Class Teacher|Teacher|Head of Department|Head of Year|SENCO|Deputy Headteacher|"
    "Early Career Teacher|Teaching Assistant|Office Manager|Site Manager|Librarian|Pastoral Lead"
).split("|")


def people(n: int, seed: int = 4) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        school = rng.choice(SCHOOLS)
        user = f"{first[0]}.{last}".lower().replace(" ", "").replace("'", "")
        out.append(
            {
                "id": i + 1,
                "badge": f"BB{i:07d}",
                "first_name": first,
                "last_name": last,
                "email": f"{user}{i}@{''.join(w[0] for w in school.split()).lower()}.sch.uk",
                "school": school,
                "role": rng.choice(ROLES),
                "source": "import",
                "created_at": "2026-11-27T07:00:00.000+00:00",
            }
        )
    return out


def make_db(path: Path, n: int):
    """A migrated database file holding `n` generated attendees; returns the open connection."""
    db = database.connect(path)
    db["attendees"].insert_all(people(n), batch_size=5000)
    return db
