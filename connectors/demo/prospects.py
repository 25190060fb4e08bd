"""Sourced prospects for the demo (`<landing>/prospects/prospects.csv`): people a recruiter found who never
applied, about one for every 50 demo people (at least 10). Half opted in to recruiting mail
(consent=opted_in), the rest were not asked or said no, so the nurture prospect campaign has an audience and
the people without consent show they get nothing. Each is a new person (their own truth.csv row); they draw
from a random generator of their own, so the rest of the demo is unchanged."""

from __future__ import annotations

import csv
import random
from datetime import timedelta
from pathlib import Path

from .people import YEAR_START, make_person

COLUMNS = (
    "prospect_id",
    "name",
    "name_kana",
    "profile_url",
    "email",
    "phone",
    "skills",
    "channel",
    "found_at",
    "consent",
)
CHANNELS = ("linkedin", "event", "referral", "github")
# by position in a cycle of 10: 5 opted in, 3 not asked, 2 declined
CONSENTS = ("opted_in",) * 5 + ("not_asked",) * 3 + ("declined",) * 2


def prospect_count(people: int) -> int:
    return max(10, people // 50)


def write_prospects(out: Path, seed: int, people: int, truth, counts) -> int:
    """Writes the prospects file (whole, then renamed into place) and their truth rows; returns how many."""
    rng = random.Random(f"prospects-{seed}")
    folder = out / "prospects"
    folder.mkdir(parents=True, exist_ok=True)
    target, partial = folder / "prospects.csv", folder / "prospects.csv.partial"
    count = prospect_count(people)
    with open(partial, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for i in range(count):
            person = make_person(people + 1 + i, rng)  # indexes after every demo person: new ids, addresses
            prospect_id = f"PR-{i + 1:05d}"
            kana = f"{person.family_kana} {person.given_kana}" if person.family_kana and person.given_kana else ""
            writer.writerow(
                (
                    prospect_id,
                    f"{person.family} {person.given}",
                    kana,
                    f"https://www.linkedin.com/in/{person.given_roman.lower()}-{person.family_roman.lower()}-{i + 1}",
                    person.email,
                    person.phone if rng.random() < 0.5 else "",
                    ", ".join(person.skills),
                    rng.choice(CHANNELS),
                    (YEAR_START + timedelta(days=rng.randrange(0, 540))).isoformat(),
                    CONSENTS[i % len(CONSENTS)],
                )
            )
            truth.writerow(("prospects", prospect_id, person.pid))
            counts.add("prospects")
    partial.replace(target)
    return count
