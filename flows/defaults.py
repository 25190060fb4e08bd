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


# Global concurrency limits (1 slot each). DuckDB takes one writer at a time, so each flow that writes the
# warehouse holds `warehouse` while it works, and each sink holds its own: an hourly ingest waits for the
# nightly build instead of failing on the file lock, and two runs never send at once, whichever deployment
# started them. A limit that does not exist yet is created on first use (`make deploy` creates them too).
WAREHOUSE = "warehouse"
SENDGRID = "sink-sendgrid"
CAREER_RELAY = "sink-career-relay"
LIMITS = (WAREHOUSE, SENDGRID, CAREER_RELAY)
_READY: set[str] = set()


def ensure_limits(names) -> None:
    """Create the named limits with 1 slot if the Prefect API has none by that name; an existing limit is
    left as the operator set it."""
    missing = [name for name in names if name not in _READY]
    if not missing:
        return
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        for name in missing:
            try:
                client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
            _READY.add(name)


def hold(*names: str):
    from prefect.concurrency.sync import concurrency

    ensure_limits(names)
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
