"""Dates as Japanese sources write them, parsed at landing to catch absurd values early.

1990-04-01, 1990/4/1, 1990.04.01, 19900401, 平成2年4月1日, 平成元年5月1日, H2.4.1, R1/5/1 (full-width digits too).
The dbt macro parse_jp_date reads the same formats in the warehouse; this one only decides whether a value
is a real, plausible date, so a row with an impossible one is quarantined with the field named.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

ERA_START_YEAR = {
    "明治": 1868,
    "M": 1868,
    "大正": 1912,
    "T": 1912,
    "昭和": 1926,
    "S": 1926,
    "平成": 1989,
    "H": 1989,
    "令和": 2019,
    "R": 2019,
}
_WESTERN = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])\.?(元|\d{1,2})[年./](\d{1,2})[月./](\d{1,2})日?$")


def parse_jp_date(text: str) -> date | None:
    """The date a Japanese source meant, or None when the text is not one of the formats or not a real date."""
    value = unicodedata.normalize("NFKC", text).strip().upper()
    try:
        if match := _WESTERN.match(value) or _COMPACT.match(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _ERA.match(value):
            year = 1 if match[2] == "元" else int(match[2])
            return date(ERA_START_YEAR[match[1]] + year - 1, int(match[3]), int(match[4]))
    except ValueError:
        return None
    return None


def date_problem(text: str, earliest: date, latest: date) -> str | None:
    """Why a non-empty date field cannot be right, or None when it can. The value itself is not repeated:
    a birth date is personal data, and reasons go to logs (the raw row stays in audit.quarantine)."""
    if not text.strip():
        return None
    parsed = parse_jp_date(text)
    if parsed is None:
        return "is not a date (expected e.g. 1990/04/01, 19900401, 平成2年4月1日 or H2.4.1)"
    if not earliest <= parsed <= latest:
        return f"is outside {earliest.isoformat()}..{latest.isoformat()}"
    return None
