"""The send ledger records each recipient's kind, variant and segment at send time (issue 18), on a new warehouse
and on one made before those columns existed."""

from __future__ import annotations

from datetime import date

from connectors.sources import RAW_TABLES
from crm.warehouse import connect, ensure_schema
from outbound.campaigns import NURTURE
from outbound.ledger import record_recipients
from outbound.outbox import write_outbox

LEDGER_BEFORE_ISSUE_18 = """
create schema if not exists outbox;
create table outbox.send_ledger (
    candidate_id  VARCHAR NOT NULL,
    campaign_id   VARCHAR NOT NULL,
    step          VARCHAR NOT NULL,
    batch_id      VARCHAR NOT NULL,
    mode          VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,
    message_id    VARCHAR,
    run_id        VARCHAR,
    recorded_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (candidate_id, campaign_id, step)
);
insert into outbox.send_ledger values ('C0', 'nurture-x-2026-10', '1', 'b0', 'outbox', 'written', null, 'r0',
                                       timestamp '2026-10-01');
"""

RECIPIENTS = [
    {"candidate_id": "C1", "step": "1", "kind": "nurture", "variant": "b", "segment": "engineering|kanto|senior"},
    {"candidate_id": "C2", "step": "1", "kind": "nurture", "variant": "", "segment": None},
]


def _ledger(con) -> dict:
    rows = con.execute(
        "select candidate_id, kind, variant, segment from outbox.send_ledger order by candidate_id"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_the_ledger_records_kind_variant_and_segment(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, [])
        record_recipients(con, RECIPIENTS, "nurture-rejected-engineers", "b1", "outbox", "written", "r1")
        # a blank variant is recorded as null, like a campaign without variants
        assert _ledger(con) == {
            "C1": ("nurture", "b", "engineering|kanto|senior"),
            "C2": ("nurture", None, None),
        }


def test_a_ledger_from_before_the_columns_is_migrated_and_keeps_its_rows(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        con.execute(LEDGER_BEFORE_ISSUE_18)
        ensure_schema(con, [])
        ensure_schema(con, [])  # twice: the migration is idempotent
        columns = [r[0] for r in con.execute("describe outbox.send_ledger").fetchall()]
        assert columns[-3:] == ["kind", "variant", "segment"]
        record_recipients(con, RECIPIENTS[:1], "nurture-rejected-engineers", "b1", "outbox", "written", "r1")
        assert _ledger(con) == {"C0": (None, None, None), "C1": ("nurture", "b", "engineering|kanto|senior")}


def test_a_written_batch_records_its_campaigns_kind_and_each_persons_segment(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        con.execute("create schema marts")
        con.execute("""
            create table marts.nurture_batch as
            select 'C' || i as candidate_id, 'p' || i || '@example.jp' as email, '候補者' as display_name,
                   'nurture-engineering-2026-11' as campaign_id, '1' as step,
                   case when i % 2 = 0 then 'engineering|kanto' else 'engineering|kansai' end as segment,
                   case when i % 2 = 0 then 'a' else 'b' end as variant
            from range(4) t(i)""")
        con.execute("create table marts.nurture_audience as select * from marts.nurture_batch")
    summary = write_outbox(warehouse, tmp_path / "outbox", date(2026, 11, 25), NURTURE)
    assert summary.messages == 4
    with connect(warehouse, read_only=True) as con:
        ledger = _ledger(con)
    assert {c: (k, s) for c, (k, _, s) in ledger.items()} == {
        "C0": ("nurture", "engineering|kanto"),
        "C1": ("nurture", "engineering|kansai"),
        "C2": ("nurture", "engineering|kanto"),
        "C3": ("nurture", "engineering|kansai"),
    }
