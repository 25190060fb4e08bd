"""The dbt docs show every model's and macro's code: an unpaired apostrophe (a possessive in a comment) makes
the docs' SQL highlighter read the rest of the file as one string, so the code view breaks from there on.
Comments write possessives with ’ (U+2019); quotes in SQL come in pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
SQL_FILES = sorted(
    p for folder in ("models", "macros", "tests", "snapshots") for p in (PROJECT / folder).rglob("*.sql")
)


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_apostrophes_come_in_pairs(path):
    text = path.read_text(encoding="utf-8")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.count("'") % 2]
    assert text.count("'") % 2 == 0, (
        f"{path.relative_to(PROJECT)} has an unpaired ' (check lines {lines}): write a possessive in a comment as ’"
    )
