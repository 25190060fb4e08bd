"""Indeed Apply applications: JSON Lines (one application per line) or JSON files (one application or an
array). A file pushed by Indeed can carry its `X-Indeed-Signature` in a sidecar `<file>.sig`: it is
verified before anything in the file lands."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterator
from pathlib import Path

import orjson

from connectors.common.landing import Fallback, Item, Key, Rejected, SourceFile, Stream, display
from connectors.common.readers import json_document, json_lines


def indeed_signature(body: bytes, secret: str) -> str:
    """base64(HMAC-SHA1(key = API secret, message = raw body)), as Indeed signs a pushed application."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()).decode("ascii")


def signature_problem(path: Path, secret: str | None) -> str | None:
    sidecar = path.with_name(path.name + ".sig")
    try:
        sidecar.lstat()
    except OSError:  # none there (or a name too long to have one)
        return None
    if not secret:
        return (
            f"{display(sidecar.name)} holds an X-Indeed-Signature but INDEED_API_SECRET is not set: set it to verify "
            "the file, or remove the .sig file if the file did not come from Indeed's push"
        )
    expected = indeed_signature(path.read_bytes(), secret)
    if not hmac.compare_digest(expected, sidecar.read_text(encoding="ascii", errors="replace").strip()):
        return (
            "X-Indeed-Signature does not match the file: check INDEED_API_SECRET (the file lands once it is right); "
            "a file changed after Indeed sent it stays refused"
        )
    return None


def _read(path: Path) -> Iterator[Item]:
    problem = signature_problem(path, os.environ.get("INDEED_API_SECRET"))
    if problem:
        raise Rejected(problem)  # a setting (the secret): the file lands once it is right
    yield from (json_lines(path) if path.suffix.lower() == ".jsonl" else json_document(path))


def _derived_id(record: dict, file: SourceFile, position: int) -> str | None:
    """Legacy payloads have no id: a stable one from what identifies the application (none without a name)."""
    applicant = record.get("applicant") or {}
    if not applicant.get("fullName"):
        return None
    basis = orjson.dumps(
        [
            record.get("appliedOnMillis"),
            (record.get("job") or {}).get("jobId"),
            applicant.get("email"),
            applicant.get("fullName"),
        ]
    )
    return "derived-" + hashlib.sha256(basis).hexdigest()[:32]


STREAMS = (
    Stream(
        source="indeed",
        name="indeed_applications",
        raw_table="indeed_applications",
        folder=Path("job_boards/indeed"),
        patterns=("*.jsonl", "*.json"),
        read=_read,
        write="merge",
        holds_people=True,
        key=Key(
            ("id",),
            Fallback(
                "derived-<hash of appliedOnMillis, job.jobId, applicant.email, applicant.fullName> "
                "(a payload without applicant.fullName has no key)",
                _derived_id,
            ),
        ),
        duckdb_json=True,
        precheck=lambda path: signature_problem(path, os.environ.get("INDEED_API_SECRET")),
    ),
)
