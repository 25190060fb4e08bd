"""Defaults every flow shares: where the outbox lives and what day "today" is."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from crm.warehouse import resolve

TOKYO = ZoneInfo("Asia/Tokyo")


def default_outbox(warehouse: str | Path) -> Path:
    return resolve(warehouse).parent / "outbox"


def today_in_tokyo() -> date:
    return datetime.now(TOKYO).date()


def send_defaults(warehouse: str, outbox_dir: str | None, as_of: date | None) -> tuple[str, str, date]:
    """A sending flow's parameters with their defaults filled in: absolute paths, today in Tokyo."""
    return (
        str(resolve(warehouse)),
        str(resolve(outbox_dir) if outbox_dir else default_outbox(warehouse)),
        as_of or today_in_tokyo(),
    )


# Global concurrency limits (`make deploy` creates them with 1 slot each). DuckDB takes one writer at a
# time, so each flow that writes the warehouse holds `warehouse` while it works, and each sink holds its own:
# an hourly ingest waits for the nightly build instead of failing on the file lock, and two runs never send
# at once, whichever deployment started them. Without the limits (make run, tests) nothing waits.
WAREHOUSE = "warehouse"
SENDGRID = "sink-sendgrid"
CAREER_RELAY = "sink-career-relay"
LIMITS = (WAREHOUSE, SENDGRID, CAREER_RELAY)


def hold(*names: str):
    from prefect.concurrency.sync import concurrency

    return concurrency(list(names), occupy=1, strict=False)


class Progress:
    """A Prefect progress artifact for a long step (landing streams, sending batches), updated as it goes."""

    def __init__(self, key: str, description: str):
        from prefect.artifacts import create_progress_artifact

        self.description = description
        self.artifact_id = create_progress_artifact(0.0, key=key, description=description)

    def update(self, done: float, total: float) -> None:
        from prefect.artifacts import update_progress_artifact

        if self.artifact_id and total:
            update_progress_artifact(self.artifact_id, min(100.0, 100.0 * done / total), description=self.description)
