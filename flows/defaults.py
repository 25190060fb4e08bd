"""Defaults every flow shares: where the outbox lives and what day "today" is."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.common.warehouse import resolve

TOKYO = ZoneInfo("Asia/Tokyo")


def default_outbox(warehouse: str | Path) -> Path:
    return resolve(warehouse).parent / "outbox"


def today_in_tokyo() -> date:
    return datetime.now(TOKYO).date()
