"""X-Indeed-Signature: the documented test vector, and signed files that match or do not."""

from __future__ import annotations

import json

import pytest

from connectors.common.landing import land_file
from connectors.sources import RAW_TABLES, all_streams
from connectors.sources.indeed import indeed_signature
from crm.warehouse import connect, ensure_schema

VECTOR = {  # ../shared/reference/job_boards/indeed_apply_notes.json
    "api_secret": "Y0ur api secret key not shared &$%@",
    "message": "{'locale':'en_US','applicant':{'fullName':'John Doe','email':'john.doe@example.com'}}",
    "expected_signature": "SGadPKocf3HD1LYXm3xGObB6hzk=",
}


def test_documented_test_vector():
    assert indeed_signature(VECTOR["message"].encode("utf-8"), VECTOR["api_secret"]) == VECTOR["expected_signature"]


@pytest.mark.parametrize(
    "secret, signed_with, landed, reason",
    [
        ("s3cret", "s3cret", 1, None),
        ("s3cret", "other", 0, "does not match"),
        (None, "s3cret", 0, "INDEED_API_SECRET is not set"),
    ],
)
def test_signed_file_lands_only_when_the_signature_matches(tmp_path, monkeypatch, secret, signed_with, landed, reason):
    if secret:
        monkeypatch.setenv("INDEED_API_SECRET", secret)
    else:
        monkeypatch.delenv("INDEED_API_SECRET", raising=False)
    folder = tmp_path / "landing" / "job_boards" / "indeed"
    folder.mkdir(parents=True)
    body = json.dumps({"id": "a1", "appliedOnMillis": 1, "applicant": {"fullName": "山田 太郎"}}).encode()
    (folder / "push_1.json").write_bytes(body)
    (folder / "push_1.json.sig").write_text(indeed_signature(body, signed_with))
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, RAW_TABLES)
        [stream] = all_streams(tmp_path / "landing", ["indeed"])
        result = land_file(con, stream, folder / "push_1.json")
    assert result.records_landed == landed
    if reason:
        assert result.records_quarantined == 1 and reason in result.reasons[0]
