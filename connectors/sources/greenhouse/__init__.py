"""Greenhouse Harvest exports: candidates, applications and interview scorecards as JSON (the shape of the
Harvest list endpoints)."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Key, Stream
from connectors.common.readers import json_document

FOLDER = Path("ats/greenhouse")


def _stream(entity: str, holds_people: bool) -> Stream:
    return Stream(
        source="greenhouse",
        name=f"greenhouse_{entity}",
        raw_table=f"greenhouse_{entity}",
        folder=FOLDER,
        patterns=(f"{entity}*.json", f"api/{entity}*.json"),
        read=json_document,
        write="merge",
        holds_people=holds_people,
        key=Key(("id",)),
        duckdb_json=True,
    )


STREAMS = (
    _stream("candidates", holds_people=True),
    _stream("applications", holds_people=False),
    _stream("scorecards", holds_people=False),
)
