"""Generates a Japanese mid-size company's recruiting year as landing files, with the ground truth.

People are generated one at a time and each of their source records is written straight to disk, so
memory stays flat however many people are asked for. One seeded RNG drives everything: the same seed
gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from . import catalog, noise
from .people import YEAR_START, Person, household, household_size, make_person, new_email, new_phone
from .prospects import write_prospects
from .relay import RelayHistory
from .writers import CsvFile, JsonArray, JsonArrayPages, JsonLines, KeyedFiles

GREENHOUSE_PAGE_SIZE = 5000
DATA_END = date(2026, 9, 30)  # nothing in the demo happens after this day but new job postings opening
UTC = UTC
JST = timezone(timedelta(hours=9))


@dataclass(slots=True)
class Opening:
    job_id: str
    greenhouse_id: int
    indeed_key: str
    family: str
    title: str
    prefecture: str
    locality: str
    skills: tuple[str, ...]
    min_years: int
    posted: date
    valid_through: date


@dataclass(frozen=True)
class DemoOptions:
    """How much of the real world's mess the demo shows. All off by default (`make run`'s demo is the same
    bytes as before for a seed); the identity benchmarks switch them all on (`--realistic`).

    - withheld_contacts: agencies send anonymised profiles before a referral is accepted: one agency
      (nihon_jinzai) never sends an email or phone, the others withhold them on 10% of their records.
    - households: 8% of applicants have family members who apply too, sharing their family name, home
      address and mostly their phone (spouses, siblings, twins with one birth date, parents and children).
    - drift: a person's records disagree between sources beyond spelling: the birth date mistyped (day and
      month swapped, one digit, a year off), the years of experience and the skills as of another time, the
      street address written in another form (1-2-3 / 1丁目2番3号 / full-width digits).
    """

    withheld_contacts: bool = False
    households: bool = False
    drift: bool = False

    @classmethod
    def realistic(cls) -> DemoOptions:
        return cls(withheld_contacts=True, households=True, drift=True)

    @property
    def any(self) -> bool:
        return self.withheld_contacts or self.households or self.drift


WITHHOLDING_AGENCY = "nihon_jinzai"


@dataclass
class Counts:
    people: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    applications: int = 0
    events: int = 0
    attendance: int = 0
    jobs: int = 0
    scorecards: int = 0
    replies: int = 0

    def add(self, source: str) -> None:
        self.by_source[source] = self.by_source.get(source, 0) + 1

    @property
    def source_records(self) -> int:
        return sum(self.by_source.values())


def _iso_z(moment: datetime) -> str:
    u = moment.astimezone(UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond // 1000:03d}Z"


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=JST) + timedelta(seconds=rng.randrange(11 * 3600))


def make_openings(rng: random.Random) -> list[Opening]:
    openings = []
    number = 0
    for family, (stem, skills) in catalog.JOB_FAMILIES.items():
        for level_name, min_years, _ in catalog.LEVELS:
            for _ in range(2 if family in ("engineering", "sales") else 1):
                number += 1
                prefecture, _, localities = catalog.PREFECTURES[rng.choice((0, 0, 0, 2, 5))]
                posted = YEAR_START + timedelta(days=rng.randrange(-60, 300))
                openings.append(
                    Opening(
                        job_id=f"JOB-{number:04d}",
                        greenhouse_id=4000 + number,
                        indeed_key=hashlib.sha1(f"job{number}".encode()).hexdigest()[:16],
                        family=family,
                        title=f"{level_name}{stem}".strip(),
                        prefecture=prefecture,
                        locality=localities[0][0],
                        skills=tuple(rng.sample(skills, k=min(3, len(skills)))),
                        min_years=min_years,
                        posted=posted,
                        valid_through=posted + timedelta(days=rng.choice((90, 180, 540))),
                    )
                )
    return openings


# New jobs open during the demo window (issue 18's new-position alerts): one posting every NEW_OPENING_EVERY
# days from NEW_OPENINGS_FROM, each open for NEW_OPENING_DAYS, so a run on any day of the window finds jobs
# opened in its last weeks. Their own generator and ids (JOB-1001...): the other records are the same bytes.
NEW_OPENINGS_FROM = date(2026, 10, 4)
NEW_OPENINGS_UNTIL = date(2027, 12, 31)
NEW_OPENING_EVERY = 10
NEW_OPENING_DAYS = 120


def make_new_openings(seed: int) -> list[Opening]:
    """Postings that open after the demo's history ends (DATA_END), in turn for every job family."""
    rng = random.Random(f"new-openings-{seed}")
    families = list(catalog.JOB_FAMILIES.items())
    openings = []
    posted, number = NEW_OPENINGS_FROM, 1000
    while posted <= NEW_OPENINGS_UNTIL:
        number += 1
        family, (stem, skills) = families[(number - 1001) % len(families)]
        level_name, min_years, _ = rng.choice(catalog.LEVELS)
        prefecture, _, localities = catalog.PREFECTURES[rng.choice((0, 0, 0, 2, 5))]
        openings.append(
            Opening(
                job_id=f"JOB-{number:04d}",
                greenhouse_id=4000 + number,
                indeed_key=hashlib.sha1(f"job{number}".encode()).hexdigest()[:16],
                family=family,
                title=f"{level_name}{stem}".strip(),
                prefecture=prefecture,
                locality=localities[0][0],
                skills=tuple(rng.sample(skills, k=min(3, len(skills)))),
                min_years=min_years,
                posted=posted,
                valid_through=posted + timedelta(days=NEW_OPENING_DAYS),
            )
        )
        posted += timedelta(days=NEW_OPENING_EVERY)
    return openings


class DemoWriter:
    """Owns every output file and turns one person's journey into source records."""

    def __init__(
        self,
        out: Path,
        rng: random.Random,
        openings: list[Opening],
        side_rng: random.Random | None = None,
        options: DemoOptions | None = None,
        option_rng: random.Random | None = None,
    ):
        self.out, self.rng, self.openings = out, rng, openings
        # the options draw from a generator of their own: with every option off, the main generator makes
        # exactly the draws it always made, so the same seed gives the same bytes as before the options
        self.options = options or DemoOptions()
        self.option_rng = option_rng or random.Random(1)
        # draws for records added later (scorecards) come from their own generator, so adding them did not
        # change any record the main generator had already been writing for a given seed
        self.side_rng = side_rng or random.Random(0)
        self.by_family: dict[str, list[Opening]] = {}
        for opening in openings:
            self.by_family.setdefault(opening.family, []).append(opening)
        self.counts = Counts()
        self.relay_history = RelayHistory(seed=0, history_end=DATA_END)  # generate() gives it the seed
        self.next_candidate_id = 70_000_000
        self.next_application_id = 90_000_000
        self.next_agency_row = {name: 0 for name in catalog.AGENCIES}
        self.next_event = 0
        self._truth_fh = open(out / "truth.csv", "w", newline="", encoding="utf-8")
        self.truth = csv.writer(self._truth_fh, lineterminator="\n")
        self.truth.writerow(("source", "source_record_id", "person_id"))
        self.gh_candidates = JsonArrayPages(out / "ats" / "greenhouse", "candidates", GREENHOUSE_PAGE_SIZE)
        self.gh_applications = JsonArrayPages(out / "ats" / "greenhouse", "applications", GREENHOUSE_PAGE_SIZE)
        self.gh_scorecards = JsonArrayPages(out / "ats" / "greenhouse", "scorecards", GREENHOUSE_PAGE_SIZE)
        self.next_scorecard_id = 30_000_000
        self.indeed = KeyedFiles(lambda month: JsonLines(out / "job_boards" / "indeed" / f"applications_{month}.jsonl"))
        self.agencies = KeyedFiles(self._open_agency_file)
        self.events = KeyedFiles(lambda month: JsonArray(out / "engagement" / "sendgrid" / f"events_{month}.json"))
        self.attendance = KeyedFiles(self._open_attendance_file)
        self.replies = KeyedFiles(lambda month: JsonArray(out / "engagement" / "replies" / f"replies_{month}.json"))

    # ---- files -------------------------------------------------------------------------------

    def _open_agency_file(self, key: str) -> CsvFile:
        agency, month = key.split("|")
        encoding, style, _ = catalog.AGENCIES[agency]
        headers = catalog.JA_AGENCY_HEADERS if style == "ja" else catalog.EN_AGENCY_HEADERS
        return CsvFile(self.out / "agencies" / agency / f"candidates_{month}.csv", headers, encoding)

    def _open_attendance_file(self, event_date: str) -> CsvFile:
        return CsvFile(
            self.out / "engagement" / "attendance" / f"attendance_{event_date}.csv",
            ("event_date", "event_name", "name", "email", "attended"),
            "utf-8",
        )

    def write_jobs(self, openings: list[Opening] | None = None) -> None:
        folder = self.out / "jobs"
        folder.mkdir(parents=True, exist_ok=True)
        import orjson

        for opening in self.openings if openings is None else openings:
            posting = {
                "@context": "https://schema.org/",
                "@type": "JobPosting",
                "identifier": {"@type": "PropertyValue", "name": catalog.COMPANY, "value": opening.job_id},
                "title": opening.title,
                "description": f"<p>{opening.title}として、{'、'.join(opening.skills)}の経験を活かして働きませんか。</p>",
                "datePosted": opening.posted.isoformat(),
                "validThrough": f"{opening.valid_through.isoformat()}T23:59:59+09:00",
                "employmentType": "FULL_TIME",
                "occupationalCategory": opening.family,
                "skills": ", ".join(opening.skills),
                "experienceRequirements": {
                    "@type": "OccupationalExperienceRequirements",
                    "monthsOfExperience": opening.min_years * 12,
                },
                "hiringOrganization": {
                    "@type": "Organization",
                    "name": catalog.COMPANY,
                    "sameAs": "https://example.co.jp",
                },
                "jobLocation": {
                    "@type": "Place",
                    "address": {
                        "@type": "PostalAddress",
                        "addressLocality": opening.locality,
                        "addressRegion": opening.prefecture,
                        "addressCountry": "JP",
                    },
                },
                "baseSalary": {
                    "@type": "MonetaryAmount",
                    "currency": "JPY",
                    "value": {
                        "@type": "QuantitativeValue",
                        "minValue": 4_000_000 + opening.min_years * 400_000,
                        "maxValue": 7_000_000 + opening.min_years * 600_000,
                        "unitText": "YEAR",
                    },
                },
            }
            (folder / f"{opening.job_id}.json").write_bytes(orjson.dumps(posting, option=orjson.OPT_INDENT_2))
            self.counts.jobs += 1

    def close(self) -> None:
        for sink in (
            self.gh_candidates,
            self.gh_applications,
            self.gh_scorecards,
            self.indeed,
            self.agencies,
            self.events,
            self.attendance,
            self.replies,
        ):
            sink.close()
        self._truth_fh.close()

    # ---- one person's year -------------------------------------------------------------------

    def write_person(self, person: Person) -> None:
        rng = self.rng
        self.counts.people += 1
        day = person.first_contact
        channel = rng.choices(("indeed", "agency", "greenhouse"), cum_weights=(0.35, 0.65, 1.0))[0]
        self._record(person, channel, day, duplicate=False)
        if channel != "greenhouse" and rng.random() < 0.55:
            # the recruiter re-keys the job-board or agency applicant into the ATS
            self._record(person, "greenhouse", day + timedelta(days=rng.randint(1, 10)), duplicate=True)
        if rng.random() < 0.18 and day + timedelta(days=30) < DATA_END:
            # applies again later, through whatever channel
            later = min(day + timedelta(days=rng.randint(30, 300)), DATA_END)
            second = rng.choices(("indeed", "agency", "greenhouse"), cum_weights=(0.4, 0.7, 1.0))[0]
            self._record(person, second, later, duplicate=True)
        if person.marketing_opt_in and rng.random() < 0.35:
            self._engagement(person, day)
        if rng.random() < 0.04:
            self._attendance(person)

    def _record(self, person: Person, channel: str, day: date, duplicate: bool) -> None:
        rng = self.rng
        email, phone = person.email, person.phone
        if duplicate:
            roll = rng.random()
            if roll < 0.12:
                email = new_email(person, rng)
                person.alt_emails.append(email)
            elif roll < 0.17:
                email = noise.email_typo(email, rng)
            elif roll < 0.27:
                email = noise.email_case(email, rng)
            roll = rng.random()
            if roll < 0.1:
                phone = new_phone(rng)
        if rng.random() < (0.08 if duplicate else 0.03):
            email = None
        if rng.random() < (0.1 if duplicate else 0.05):
            phone = None
        if duplicate and self.options.drift:
            person = self._drifted(person)
        if channel == "greenhouse":
            self._greenhouse(person, day, email, phone, duplicate)
        elif channel == "indeed":
            self._indeed(person, day, email, phone, duplicate)
        else:
            self._agency(person, day, email, phone, duplicate)

    def _drifted(self, person: Person) -> Person:
        """The person as another source has them: birth date mistyped, experience and skills as of another
        time, the street written in another form (the `drift` option)."""
        rng = self.option_rng
        changes: dict = {}
        roll = rng.random()
        if roll < 0.03:
            changes["birth"] = noise.birth_date_typo(person.birth, rng)
        if rng.random() < 0.3:
            changes["years"] = max(0, person.years + rng.choice((-2, -1, 1, 1, 2, 3)))
        if rng.random() < 0.3:
            family_skills = catalog.JOB_FAMILIES[person.job_family][1]
            skills = list(person.skills)
            if len(skills) > 1 and rng.random() < 0.5:
                skills.pop(rng.randrange(len(skills)))
            else:
                extra = [s for s in family_skills if s not in skills]
                if extra:
                    skills.append(rng.choice(extra))
            changes["skills"] = skills
        if rng.random() < 0.35:
            changes["street"] = noise.street_form(person.street, rng)
        return replace(person, **changes) if changes else person

    # ---- name noise ---------------------------------------------------------------------------

    def _names(self, person: Person, duplicate: bool) -> tuple[str, str, str | None, str | None]:
        """(family, given, family_kana, given_kana) as one source writes them, with that source's slips."""
        rng = self.rng
        family, given = person.family, person.given
        family_kana, given_kana = person.family_kana, person.given_kana
        if not duplicate:
            return family, given, family_kana, given_kana
        roll = rng.random()
        if person.english:
            if roll < 0.08:
                family, given = noise.typo(family, rng), given
            elif roll < 0.14:
                family, given = family.upper(), given.upper()
            elif roll < 0.2:
                family, given = noise.to_fullwidth(family), noise.to_fullwidth(given)
        else:
            if roll < 0.1 and family_kana:
                family, given = family_kana, given_kana  # the kanji field holds the reading
            elif roll < 0.16:
                family = noise.kanji_variant(family)
            elif roll < 0.2:
                family, given = person.family_roman, person.given_roman
            roll = rng.random()
            if family_kana and roll < 0.15:
                family_kana, given_kana = (
                    noise.to_halfwidth_katakana(family_kana),
                    noise.to_halfwidth_katakana(given_kana),
                )
            elif family_kana and roll < 0.25:
                family_kana, given_kana = (
                    noise.katakana_to_hiragana(family_kana),
                    noise.katakana_to_hiragana(given_kana),
                )
            elif roll < 0.3:
                family_kana = given_kana = None
        if rng.random() < 0.06:
            family, given = given, family  # entered in the wrong boxes
        return family, given, family_kana, given_kana

    def _phone_text(self, phone: str | None) -> str:
        return "" if phone is None else noise.format_phone(phone, self.rng.randrange(6))

    def _pick_opening(self, person: Person, day: date) -> Opening:
        rng = self.rng
        family = person.job_family if rng.random() < 0.8 else rng.choice(list(self.by_family))
        return rng.choice(self.by_family[family])

    # ---- sources ------------------------------------------------------------------------------

    def _greenhouse(self, person: Person, day: date, email: str | None, phone: str | None, duplicate: bool) -> None:
        rng = self.rng
        self.next_candidate_id += 1 + rng.randrange(3)
        cid = self.next_candidate_id
        family, given, family_kana, given_kana = self._names(person, duplicate)
        created = _moment(day, rng)
        applications = [self._greenhouse_application(cid, person, day)]
        if rng.random() < 0.15:
            applications.append(self._greenhouse_application(cid, person, day + timedelta(days=rng.randint(20, 200))))
        updated = max(created, *(a["_updated"] for a in applications))
        kana = " ".join(k for k in (family_kana, given_kana) if k)
        keyed = {
            "marketing_opt_in": {"name": "メール配信同意", "type": "boolean", "value": person.marketing_opt_in},
            "marketing_opt_in_at": {
                "name": "メール配信同意日",
                "type": "date",
                "value": day.isoformat() if person.marketing_opt_in else None,
            },
            "career_relay_consent": {
                "name": "キャリアリレー第三者提供同意",
                "type": "boolean",
                "value": person.relay_consent,
            },
            "birth_date": {
                "name": "生年月日",
                "type": "date",
                "value": person.birth.isoformat() if rng.random() < 0.85 else None,
            },
            "name_kana": {"name": "フリガナ", "type": "short_text", "value": kana or None},
            "desired_job_type": {
                "name": "希望職種",
                "type": "short_text",
                "value": catalog.JOB_FAMILIES[person.job_family][0],
            },
            "years_experience": {"name": "経験年数", "type": "number", "value": person.years},
        }
        candidate = {
            "id": cid,
            "first_name": given,
            "last_name": family,
            "company": None,
            "title": None,
            "created_at": _iso_z(created),
            "updated_at": _iso_z(updated),
            "last_activity": _iso_z(updated),
            "is_private": False,
            "photo_url": None,
            "attachments": [],
            "application_ids": [a["id"] for a in applications],
            "phone_numbers": [{"value": self._phone_text(phone), "type": "mobile"}] if phone else [],
            "addresses": [
                {"value": f"〒{person.postal} {person.prefecture}{person.locality}{person.street}", "type": "home"}
            ]
            if rng.random() < 0.7
            else [],
            "email_addresses": [{"value": email, "type": "personal"}] if email else [],
            "website_addresses": [],
            "social_media_addresses": [],
            "recruiter": None,
            "coordinator": None,
            "can_email": person.marketing_opt_in,
            "tags": list(person.skills),
            "custom_fields": {key: field["value"] for key, field in keyed.items()},
            "keyed_custom_fields": keyed,
        }
        self.gh_candidates.write(candidate)
        for application in applications:
            self._scorecards(person, application)
            self.relay_history.note_application(application, person.marketing_opt_in, email is not None)
            del application["_updated"]
            self.gh_applications.write(application)
            self.counts.applications += 1
        self.truth.writerow(("greenhouse", cid, person.pid))
        self.counts.add("greenhouse")

    def _greenhouse_application(self, cid: int, person: Person, day: date) -> dict:
        rng = self.rng
        self.next_application_id += 1
        opening = self._pick_opening(person, day)
        applied = _moment(day, rng)
        roll = rng.random()
        status, reason, rejected_at = "active", None, None
        stage = rng.choice(catalog.STAGES[:3])
        last = applied + timedelta(days=rng.randint(0, 20))
        if roll < 0.62:
            status = "rejected"
            reason_row = rng.choice(catalog.REJECTION_REASONS)
            stage = rng.choice(catalog.STAGES[:5])
        elif roll < 0.74:
            status = "rejected"  # Greenhouse records a declined offer as a rejection "They rejected us"
            reason_row = rng.choice(catalog.DECLINE_REASONS)
            stage = "Offer"
        elif roll < 0.82:
            status = "hired"
            stage = "Offer"
            reason_row = None
        else:
            reason_row = None
        if status == "rejected":
            rejected = applied + timedelta(days=rng.randint(3, 45))
            rejected_at = _iso_z(rejected)
            last = rejected
            rid, rname, tid, tname = reason_row
            reason = {"id": rid, "name": rname, "type": {"id": tid, "name": tname}}
        source_id, source_name = rng.choice(catalog.GREENHOUSE_SOURCES)
        return {
            "id": self.next_application_id,
            "candidate_id": cid,
            "prospect": False,
            "applied_at": _iso_z(applied),
            "rejected_at": rejected_at,
            "last_activity_at": _iso_z(last),
            "location": {"address": f"{opening.prefecture}{opening.locality}"},
            "source": {"id": source_id, "public_name": source_name},
            "credited_to": None,
            "rejection_reason": reason,
            "rejection_details": None,
            "jobs": [{"id": opening.greenhouse_id, "name": opening.title}],
            "job_post_id": opening.greenhouse_id,
            "status": status,
            "current_stage": {"id": 60000 + catalog.STAGES.index(stage), "name": stage},
            "answers": [],
            "custom_fields": {"job_requisition_id": opening.job_id},
            "_updated": last,
        }

    def _scorecards(self, person: Person, application: dict) -> None:
        """One scorecard per interview the application reached; the last one before a rejection is a no."""
        rng = self.side_rng
        stage = application["current_stage"]["name"]
        reached = catalog.STAGES[1 : catalog.STAGES.index(stage) + 1]
        interviews = [s for s in reached if s != "Offer"]
        applied = datetime.strptime(application["applied_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        rejected_by_us = application["status"] == "rejected" and stage != "Offer"
        for number, interview in enumerate(interviews, start=1):
            moment = applied + timedelta(days=4 * number, hours=rng.randint(0, 8))
            if moment > application["_updated"] or moment.date() > DATA_END:
                break
            last = number == len(interviews)
            if last and rejected_by_us:
                verdict = rng.choices(("definitely_not", "no", "mixed"), weights=(2, 6, 2))[0]
            else:
                verdict = rng.choices(("strong_yes", "yes", "mixed", "no_decision"), weights=(2, 6, 1, 1))[0]
            rated = rng.sample(person.skills, k=min(2, len(person.skills))) + ["コミュニケーション"]
            ratings: dict[str, list[str]] = {k: [] for k in ("definitely_not", "no", "mixed", "yes", "strong_yes")}
            attributes = []
            for name in rated:
                rating = verdict if verdict in ratings and rng.random() < 0.7 else rng.choice(("mixed", "yes"))
                ratings[rating].append(name)
                attributes.append({"name": name, "type": "Skills", "note": None, "rating": rating})
            self.next_scorecard_id += 1
            submitted = _iso_z(moment + timedelta(hours=rng.randint(1, 30)))
            self.gh_scorecards.write(
                {
                    "id": self.next_scorecard_id,
                    "updated_at": submitted,
                    "created_at": submitted,
                    "interview": interview,
                    "interview_step": {"id": 61000 + catalog.STAGES.index(interview), "name": interview},
                    "candidate_id": application["candidate_id"],
                    "application_id": application["id"],
                    "interviewed_at": _iso_z(moment),
                    "submitted_by": {"id": 4100 + rng.randrange(20), "name": "面接官"},
                    "submitted_at": submitted,
                    "overall_recommendation": verdict,
                    "attributes": attributes,
                    "ratings": ratings,
                    "questions": [{"id": None, "question": "Key Take-Aways", "answer": "デモデータ"}],
                }
            )
            self.counts.scorecards += 1

    def _indeed(self, person: Person, day: date, email: str | None, phone: str | None, duplicate: bool) -> None:
        rng = self.rng
        family, given, _, _ = self._names(person, duplicate)
        opening = self._pick_opening(person, day)
        applied = _moment(day, rng)
        app_id = hashlib.sha256(f"{self.counts.source_records}:{rng.getrandbits(64)}".encode()).hexdigest()
        if person.english or family.isascii():
            full_name = f"{given} {family}"
        else:
            full_name = f"{family} {given}" if rng.random() < 0.85 else f"{family}{given}"
        applicant = {
            "fullName": full_name,
            "email": email or "",
            "phoneNumber": self._phone_text(phone),
            "coverletter": "",
            "resume": {
                "json": {
                    "firstName": given,
                    "lastName": family,
                    "headline": catalog.JOB_FAMILIES[person.job_family][0],
                    "location": {"city": f"{person.prefecture}{person.locality}"},
                    "skills": ", ".join(person.skills),
                    "positions": {
                        "_total": 1,
                        "values": [
                            {
                                "title": catalog.JOB_FAMILIES[person.job_family][0],
                                "company": "前職株式会社",
                                "startDateYear": str(max(2000, 2025 - person.years)),
                                "endCurrent": True,
                            }
                        ],
                    },
                }
            },
        }
        if rng.random() < 0.3:
            applicant.pop("resume")
        record = {
            "id": app_id,
            "appliedOnMillis": int(applied.timestamp() * 1000),
            "locale": "en_US" if person.english else "ja_JP",
            "job": {
                "jobId": opening.indeed_key,
                "jobKey": opening.indeed_key,
                "jobTitle": opening.title,
                "jobCompany": catalog.COMPANY,
                "jobLocation": f"{opening.prefecture}{opening.locality}",
                "jobUrl": f"https://example.co.jp/careers/{opening.job_id}",
                "jobMeta": opening.job_id,
            },
            "applicant": applicant,
            "questionsAndAnswers": [
                {
                    "question": "今後の求人情報をメールで受け取りますか？",
                    "answer": "はい" if person.marketing_opt_in else "いいえ",
                },
            ],
        }
        self.indeed.get(_month(day)).write(record)
        self.truth.writerow(("indeed", app_id, person.pid))
        self.counts.add("indeed")

    def _agency(self, person: Person, day: date, email: str | None, phone: str | None, duplicate: bool) -> None:
        rng = self.rng
        agency = rng.choice(list(catalog.AGENCIES))
        encoding, style, date_styles = catalog.AGENCIES[agency]
        self.next_agency_row[agency] += 1
        record_id = f"{agency[:2].upper()}-{self.next_agency_row[agency]:07d}"
        family, given, family_kana, given_kana = self._names(person, duplicate)
        birth = "" if rng.random() < 0.1 else _agency_date(person.birth, rng.choice(date_styles))
        if self.options.withheld_contacts and (agency == WITHHOLDING_AGENCY or self.option_rng.random() < 0.1):
            email = phone = None  # an anonymised profile: contacts come once the referral is accepted
        if style == "ja":
            gender = {"female": "女性", "male": "男性"}[person.gender]
            yes_no = ("同意", "不同意")
        else:
            gender = person.gender
            yes_no = ("yes", "no")
        row = [
            record_id,
            family,
            given,
            family_kana or "",
            given_kana or "",
            birth,
            gender,
            person.postal,
            person.prefecture,
            f"{person.locality}{person.street}",
            email or "",
            self._phone_text(phone),
            "",
            catalog.JOB_FAMILIES[person.job_family][0],
            str(person.years),
            "、".join(person.skills),
            day.isoformat() if style == "en" else f"{day.year:04d}/{day.month:02d}/{day.day:02d}",
            yes_no[0] if person.marketing_opt_in else yes_no[1],
            yes_no[0] if person.relay_consent else yes_no[1],
        ]
        self.agencies.get(f"{agency}|{_month(day)}").write(row, fallback=_standard_kanji)
        self.truth.writerow((f"agency_{agency}", record_id, person.pid))
        self.counts.add(f"agency_{agency}")

    # ---- engagement -----------------------------------------------------------------------------

    def _engagement(self, person: Person, since: date) -> None:
        rng = self.rng
        sends = rng.randint(1, 4)
        email = person.email if rng.random() < 0.85 or not person.alt_emails else person.alt_emails[-1]
        for _ in range(sends):
            day = since + timedelta(days=rng.randint(20, 330))
            if day > DATA_END:
                continue
            campaign = f"nurture-{_month(day)}-{person.job_family}"
            sent = _moment(day, rng)
            message_id = f"{rng.getrandbits(64):016x}.filter0001p1las1-1-1-1"
            base = {
                "email": email,
                "sg_message_id": message_id,
                "category": ["nurture", person.job_family],
                "campaign_id": campaign,
                "smtp-id": f"<{message_id[:16]}@ismtpd-1>",
            }
            self._event(base, "processed", sent)
            roll = rng.random()
            if roll < 0.02:
                self._event(
                    base,
                    "bounce",
                    sent + timedelta(seconds=30),
                    {
                        "reason": "550 5.1.1 The email account that you tried to reach does not exist",
                        "status": "5.1.1",
                        "type": "bounce",
                    },
                )
                return
            self._event(base, "delivered", sent + timedelta(seconds=5), {"response": "250 OK"})
            if self.side_rng.random() < 0.02:
                self._reply(email, message_id, sent + timedelta(seconds=self.side_rng.randint(20, 120)), auto=True)
            if rng.random() < 0.5:
                machine = rng.random() < 0.35
                opened = sent + timedelta(seconds=rng.randint(1, 5) if machine else rng.randint(60, 86400 * 3))
                self._event(
                    base, "open", opened, {"useragent": "Mozilla/5.0", "ip": "203.0.113.10", "sg_machine_open": machine}
                )
                if not machine and rng.random() < 0.35:
                    self._event(
                        base,
                        "click",
                        opened + timedelta(seconds=rng.randint(5, 600)),
                        {
                            "url": f"https://example.co.jp/careers?utm_campaign={campaign}",
                            "url_offset": {"index": 0, "type": "html"},
                            "useragent": "Mozilla/5.0",
                            "ip": "203.0.113.10",
                        },
                    )
                if not machine and self.side_rng.random() < 0.08:
                    self._reply(
                        email, message_id, opened + timedelta(minutes=self.side_rng.randint(5, 600)), auto=False
                    )
            roll = rng.random()
            if roll < 0.012:
                self._event(base, "unsubscribe", sent + timedelta(hours=rng.randint(1, 48)))
                return
            if roll < 0.016:
                self._event(base, "spamreport", sent + timedelta(hours=rng.randint(1, 48)))
                return

    def _event(self, base: dict, kind: str, moment: datetime, extra: dict | None = None) -> None:
        self.next_event += 1
        event = dict(base)
        event["event"] = kind
        event["timestamp"] = int(moment.timestamp())
        event["sg_event_id"] = hashlib.sha1(f"ev{self.next_event}:{base['sg_message_id']}".encode()).hexdigest()[:22]
        if extra:
            event.update(extra)
        self.events.get(_month(moment)).write(event)
        self.counts.events += 1

    def _reply(self, email: str, message_id: str, moment: datetime, auto: bool) -> None:
        """A reply as the Inbound Parse receiver records it (connectors/sources/sendgrid_replies)."""
        rng = self.side_rng
        self.counts.replies += 1
        headers = {"auto_submitted": "auto-replied"} if auto and rng.random() < 0.5 else {}
        subject = (
            "【自動返信】不在のお知らせ"
            if auto and not headers
            else "Automatic reply: ご案内"
            if auto
            else "Re: " + rng.choice(("新しい求人のご案内", "説明会のご案内", "ご応募ありがとうございました"))
        )
        self.replies.get(_month(moment)).write(
            {
                "reply_id": f"<{message_id[:16]}.{self.counts.replies}@mail.example.jp>",
                "received_at": _iso_z(moment + timedelta(seconds=rng.randint(1, 30))),
                "sent_at": _iso_z(moment),
                "from_email": email,
                "to": "reply@reply.example.co.jp",
                "subject": subject,
                "in_reply_to": f"<{message_id[:16]}@ismtpd-1>",
                **headers,
            }
        )

    def _attendance(self, person: Person) -> None:
        rng = self.rng
        event_date, event_name = rng.choice(catalog.EVENTS)
        name = f"{person.family} {person.given}" if not person.english else f"{person.given} {person.family}"
        self.attendance.get(event_date).write(
            [event_date, event_name, name, person.email, "true" if rng.random() < 0.8 else "false"]
        )
        self.counts.attendance += 1


def _standard_kanji(value: str) -> str:
    reverse = {v: k for k, v in noise.KANJI_VARIANTS.items()}
    return "".join(reverse.get(ch, ch) for ch in value).encode("cp932", "replace").decode("cp932")


_ERAS = (("令和", "R", date(2019, 5, 1)), ("平成", "H", date(1989, 1, 8)), ("昭和", "S", date(1926, 12, 25)))


def _agency_date(day: date, style: str) -> str:
    if style == "slash":
        return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
    if style == "compact":
        return f"{day.year:04d}{day.month:02d}{day.day:02d}" if day.day % 2 else _wareki(day)
    if style == "wareki":
        return _wareki(day)
    return day.isoformat()


def _wareki(day: date) -> str:
    for name, _, start in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return day.isoformat()


def generate(people: int, seed: int, out: Path, options: DemoOptions | None = None) -> Counts:
    options = options or DemoOptions()
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    option_rng = random.Random(f"options-{seed}")
    openings = make_openings(rng)
    writer = DemoWriter(
        out, rng, openings, side_rng=random.Random(f"side-{seed}"), options=options, option_rng=option_rng
    )
    writer.relay_history = RelayHistory(seed=seed, history_end=DATA_END)
    try:
        writer.write_jobs()
        writer.write_jobs(make_new_openings(seed))
        index = 1
        while index <= people:
            person = make_person(index, rng)
            writer.write_person(person)
            if options.households:
                size = min(household_size(option_rng), people - index)
                for member in household(person, index + 1, size, option_rng):
                    writer.write_person(member)
                index += size
            index += 1
        write_prospects(out, seed, people, writer.truth, writer.counts)
    finally:
        writer.close()
    writer.relay_history.write(out)  # the Career Relay loop (connectors/demo/relay.py)
    return writer.counts
