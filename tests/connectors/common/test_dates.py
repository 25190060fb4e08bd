"""Japanese date formats at landing: every documented form, and absurd values refused."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.common.dates import date_problem, parse_jp_date
from connectors.demo.generator import _wareki
from connectors.demo.noise import to_fullwidth


@pytest.mark.parametrize(
    "text",
    [
        "1990/04/01",
        "1990-04-01",
        "19900401",
        "平成2年4月1日",
        "H2.4.1",
        "1990/4/1",
        "１９９０／０４／０１",
        "h2.4.1",
        "平成2.4.1",
    ],
)
def test_documented_forms(text):
    assert parse_jp_date(text) == date(1990, 4, 1)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("平成元年1月8日", date(1989, 1, 8)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("R7.11.25", date(2025, 11, 25)),
    ],
)
def test_era_boundaries(text, expected):
    assert parse_jp_date(text) == expected


@pytest.mark.parametrize("text", ["1990/02/30", "19901301", "平成2年13月1日", "tomorrow", "1990/04", "99/4/1"])
def test_not_dates(text):
    assert parse_jp_date(text) is None


@given(st.dates(min_value=date(1927, 1, 1), max_value=date(2030, 12, 31)))
def test_wareki_as_the_demo_writes_it_reads_back(day):
    assert parse_jp_date(_wareki(day)) == day
    assert parse_jp_date(to_fullwidth(day.strftime("%Y/%m/%d"))) == day


def test_problems_name_the_value_and_the_range():
    window = (date(1920, 1, 1), date(2026, 11, 25))
    assert date_problem("", *window) is None
    assert date_problem("1990/04/01", *window) is None
    assert "not a date" in date_problem("1990/02/30", *window)
    assert "outside 1920-01-01..2026-11-25" in date_problem("2099/01/01", *window)
    assert "outside" in date_problem("明治10年1月1日", *window)
