"""The send ledger: one row per (candidate, campaign, step), written in the same transaction as the
outbox row (outbox mode) or right after SendGrid accepted the request (sendgrid mode). A rerun reads it
and never produces the same message twice."""

from __future__ import annotations

import duckdb

DDL = """
CREATE SCHEMA IF NOT EXISTS outbox;
CREATE TABLE IF NOT EXISTS outbox.send_ledger (
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
CREATE TABLE IF NOT EXISTS outbox.messages (
    batch_id      VARCHAR PRIMARY KEY,
    campaign_id   VARCHAR NOT NULL,
    mode          VARCHAR NOT NULL,
    recipients    INTEGER NOT NULL,
    request_body  JSON NOT NULL,
    file          VARCHAR,
    run_id        VARCHAR,
    created_at    TIMESTAMP NOT NULL
);
"""


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
