"""The demo's people: who they really are, before any source writes them down (the ground truth)."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from faker.providers.person import en_US, ja_JP

from . import catalog


def _cumulative(weights):
    return list(itertools.accumulate(weights))


# Real name distributions shipped with Faker: Japanese surnames weighted by population, given names with
# their katakana reading and romanisation; US first and last names weighted by frequency.
_JA = ja_JP.Provider
_JA_LAST = list(_JA.last_name_pairs.keys())
_JA_LAST_CUM = _cumulative(_JA.last_name_pairs.values())
_JA_FIRST = {"female": list(_JA.first_name_female_pairs), "male": list(_JA.first_name_male_pairs)}
_EN = en_US.Provider
_EN_FIRST = {
    "female": (list(_EN.first_names_female.keys()), _cumulative(_EN.first_names_female.values())),
    "male": (list(_EN.first_names_male.keys()), _cumulative(_EN.first_names_male.values())),
}
_EN_LAST = (list(_EN.last_names.keys()), _cumulative(_EN.last_names.values()))
_PREF_CUM = _cumulative(w for _, w, _ in catalog.PREFECTURES)
_DOMAINS = [d for d, _ in catalog.EMAIL_DOMAINS]
_DOMAIN_CUM = _cumulative(w for _, w in catalog.EMAIL_DOMAINS)
_FAMILIES = list(catalog.JOB_FAMILIES)
_FAMILY_CUM = _cumulative((0.3, 0.1, 0.18, 0.1, 0.07, 0.06, 0.07, 0.12))

YEAR_START = date(2025, 4, 1)  # the demo company's recruiting (fiscal) year
YEAR_DAYS = 365


@dataclass(slots=True)
class Person:
    pid: str
    english: bool
    gender: str
    family: str
    given: str
    family_kana: str | None
    given_kana: str | None
    family_roman: str
    given_roman: str
    birth: date
    email: str
    phone: str  # national format digits, e.g. 09012345678
    prefecture: str
    locality: str
    postal: str
    street: str
    job_family: str
    skills: list[str]
    years: int
    marketing_opt_in: bool
    relay_consent: bool
    first_contact: date
    alt_emails: list[str] = field(default_factory=list)


def _bijective(index: int, multiplier: int, modulus: int) -> int:
    """A permutation of 0..modulus-1 (multiplier coprime to modulus): unique per person, not sequential."""
    return (index * multiplier + 12345) % modulus


def make_person(index: int, rng: random.Random) -> Person:
    gender = "female" if rng.random() < 0.48 else "male"
    english = rng.random() < 0.07
    if english:
        names, cum = _EN_FIRST[gender]
        given = rng.choices(names, cum_weights=cum)[0]
        family = rng.choices(_EN_LAST[0], cum_weights=_EN_LAST[1])[0]
        family_kana = given_kana = None
        family_roman, given_roman = family, given
    else:
        family, family_kana, family_roman = rng.choices(_JA_LAST, cum_weights=_JA_LAST_CUM)[0]
        given, given_kana, given_roman = rng.choice(_JA_FIRST[gender])
    age = rng.randint(22, 55)
    birth = date(2025 - age, 1, 1) + timedelta(days=rng.randrange(365))
    email = _email(index, given_roman, family_roman, rng)
    phone = rng.choice(("090", "080", "070")) + f"{_bijective(index, 104729, 10**8):08d}"
    pref_index = rng.choices(range(len(catalog.PREFECTURES)), cum_weights=_PREF_CUM)[0]
    prefecture, _, localities = catalog.PREFECTURES[pref_index]
    locality, postal_prefix = rng.choice(localities)
    postal = f"{postal_prefix}-{rng.randrange(10000):04d}"
    street = f"{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    job_family = rng.choices(_FAMILIES, cum_weights=_FAMILY_CUM)[0]
    family_skills = catalog.JOB_FAMILIES[job_family][1]
    skills = rng.sample(family_skills, k=rng.randint(1, min(4, len(family_skills))))
    years = max(0, min(age - 22, int(rng.expovariate(1 / 6))))
    return Person(
        pid=f"P{index:07d}",
        english=english,
        gender=gender,
        family=family,
        given=given,
        family_kana=family_kana,
        given_kana=given_kana,
        family_roman=family_roman,
        given_roman=given_roman,
        birth=birth,
        email=email,
        phone=phone,
        prefecture=prefecture,
        locality=locality,
        postal=postal,
        street=street,
        job_family=job_family,
        skills=skills,
        years=years,
        marketing_opt_in=rng.random() < 0.62,
        relay_consent=rng.random() < 0.45,
        first_contact=YEAR_START + timedelta(days=rng.randrange(YEAR_DAYS)),
    )


def _email(index: int, given: str, family: str, rng: random.Random) -> str:
    given, family = given.lower().replace(" ", ""), family.lower().replace(" ", "")
    number = _bijective(index, 7919, 10**6)
    style = rng.randrange(4)
    if style == 0:
        local = f"{given}.{family}{number}"
    elif style == 1:
        local = f"{family}{given[:1]}{number}"
    elif style == 2:
        local = f"{given}_{number}"
    else:
        local = f"{family}.{given}.{number}"
    return f"{local}@{rng.choices(_DOMAINS, cum_weights=_DOMAIN_CUM)[0]}"


def new_email(person: Person, rng: random.Random) -> str:
    """A different address the same person uses elsewhere (a work or a newer private one)."""
    index = int(person.pid[1:])
    local = f"{person.given_roman.lower()}{person.family_roman.lower()[:2]}-{index}-{len(person.alt_emails)}"
    return f"{local.replace(' ', '')}@{rng.choices(_DOMAINS, cum_weights=_DOMAIN_CUM)[0]}"


def new_phone(rng: random.Random) -> str:
    return rng.choice(("090", "080", "070")) + f"{rng.randrange(10**8):08d}"


# ---- households (the `households` demo option) ---------------------------------------------------------

HOUSEHOLD_SHARE = 0.08  # share of people who live with family members that also apply
HOUSEHOLD_RELATIONS = (("spouse", 0.3), ("sibling", 0.35), ("twin", 0.1), ("parent_child", 0.25))


def household(head: Person, first_index: int, size: int, rng: random.Random) -> list[Person]:
    """Family members of head who also apply: the same family name, home address and, mostly, phone
    (the family's number), each with their own given name and birth date (a twin: the same birth date).
    They are different people: the truth gives each their own person id."""
    members = []
    relations = [r for r, _ in HOUSEHOLD_RELATIONS]
    cum = _cumulative(w for _, w in HOUSEHOLD_RELATIONS)
    taken = {head.given}
    for offset in range(size):
        index = first_index + offset
        member = make_person(index, rng)
        relation = rng.choices(relations, cum_weights=cum)[0]
        head_age = 2025 - head.birth.year
        if relation == "twin":
            birth = head.birth
        elif relation == "parent_child" and head_age >= 46:
            birth = head.birth.replace(year=head.birth.year + rng.randint(22, head_age - 22), day=1)
            birth += timedelta(days=rng.randrange(28))
        elif relation == "spouse":
            birth = member.birth
        else:  # a sibling, or a parent too young for an applicant child: a sibling
            birth = head.birth.replace(year=head.birth.year + rng.choice((-6, -4, -3, -2, -1, 1, 2, 3, 5)), day=1)
            birth += timedelta(days=rng.randrange(28))
        if member.english != head.english:
            member = replace(member, english=head.english, **_given_name(replace(member, english=head.english), rng))
        # a given name of its own, never a household member's
        for _ in range(20):
            if member.given not in taken:
                break
            member = replace(member, **_given_name(member, rng))
        taken.add(member.given)
        member = replace(
            member,
            family=head.family,
            family_kana=head.family_kana,
            family_roman=head.family_roman,
            birth=birth,
            prefecture=head.prefecture,
            locality=head.locality,
            postal=head.postal,
            street=head.street,
            phone=head.phone if rng.random() < 0.7 else member.phone,
            email=head.email if rng.random() < 0.05 else _email(index, member.given_roman, head.family_roman, rng),
        )
        members.append(member)
    return members


def _given_name(person: Person, rng: random.Random) -> dict:
    if person.english:
        names, cum = _EN_FIRST[person.gender]
        given = rng.choices(names, cum_weights=cum)[0]
        return {"given": given, "given_kana": None, "given_roman": given}
    given, given_kana, given_roman = rng.choice(_JA_FIRST[person.gender])
    return {"given": given, "given_kana": given_kana, "given_roman": given_roman}


def household_size(rng: random.Random) -> int:
    """How many family members of one applicant also apply (0 for most people)."""
    if rng.random() >= HOUSEHOLD_SHARE:
        return 0
    return rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
