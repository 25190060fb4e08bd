"""Benchmark: 100,000 nurture recipients sent in sendgrid mode to the local SendGrid test server.

    python -m benchmarks.bench_send [--recipients 100000]

The server (tests/sendgrid_server.py) validates every request against the v3 schema and limits, as in the
tests. Reported: messages per second end to end, and the pipeline's own overhead (the time not spent
waiting for the server: planning batches, building bodies with the SDK helpers, the ledger writes).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.bench_demo import machine
from connectors.sinks.sendgrid import client as client_module
from connectors.sinks.sendgrid.settings import SendGridSettings
from connectors.sources import RAW_TABLES
from crm.warehouse import connect, ensure_schema
from outbound.sendgrid_sends import send_nurture_sendgrid
from tests.outbound.nurture_marts import create_nurture_marts
from tests.servers.sendgrid_server import API_KEY, MailSendServer


def _warehouse(folder: Path, recipients: int) -> Path:
    warehouse = folder / "warehouse.duckdb"
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        create_nurture_marts(
            con,
            """select 'C' || lpad(cast(i as varchar), 7, '0') as candidate_id,
                      'person' || lpad(cast(i as varchar), 7, '0') || '@example.jp' as email,
                      '候補者' as display_name,
                      (['engineering', 'sales', 'data', 'design'])[1 + i % 4] as segment,
                      'nurture-' || (['engineering', 'sales', 'data', 'design'])[1 + i % 4] as campaign_id,
                      '2026-11' as step
               from range(?) t(i)""",
            [recipients],
        )
    return warehouse


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=100_000)
    args = parser.parse_args()
    # the test server has no template store: pin the id instead of reading it from the Templates API
    os.environ.setdefault("SENDGRID_NURTURE_TEMPLATE_ID", "d-00000000000000000000000000000001")
    waited = 0.0
    original = client_module.post_mail

    def timed_post(*a, **k):
        nonlocal waited
        started = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            waited += time.perf_counter() - started

    client_module.post_mail = timed_post
    import outbound.sendgrid_sends as sender_module

    sender_module.post_mail = timed_post
    with tempfile.TemporaryDirectory() as folder, MailSendServer() as server:
        warehouse = _warehouse(Path(folder), args.recipients)
        started = time.perf_counter()
        summary = send_nurture_sendgrid(
            warehouse, date(2026, 11, 25), sendgrid=SendGridSettings(api_key=API_KEY, api_url=server.host)
        )
        elapsed = time.perf_counter() - started
        delivered = len(server.delivered)
    print(f"machine: {machine()}")
    print(f"{summary.messages:,} messages in {summary.batches} requests, {delivered:,} received by the server")
    print(f"end to end: {elapsed:.1f} s, {summary.messages / elapsed:,.0f} messages/s")
    print(
        f"waiting for the server (HTTP, its validation): {waited:.1f} s; "
        f"the pipeline's own overhead: {elapsed - waited:.1f} s ({(elapsed - waited) / elapsed:.0%})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
