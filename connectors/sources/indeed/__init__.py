"""Indeed Apply applications: JSON Lines (one application per line) or JSON files (one application or an array)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson

from connectors.common.landing import Stream
from connectors.common.readers import json_document, json_lines


def _read(path: Path):
    return json_lines(path) if path.suffix == ".jsonl" else json_document(path)


def _id(record: dict, path: Path, position: int) -> str | None:
    if record.get("id"):
        return str(record["id"])
    # legacy payloads have no id: derive a stable one from what identifies the application
    applicant = record.get("applicant") or {}
    if not applicant.get("fullName"):
        return None
    basis = orjson.dumps([record.get("appliedOnMillis"), (record.get("job") or {}).get("jobId"),
                          applicant.get("email"), applicant.get("fullName")])
    return "derived-" + hashlib.sha256(basis).hexdigest()[:32]


def streams(landing: Path) -> list[Stream]:
    return [
        Stream("indeed", "indeed_applications", "indeed_applications", landing / "job_boards" / "indeed",
               ("*.jsonl", "*.json"), _read, _id, primary_key="id (or a hash of appliedOnMillis, jobId, email, fullName)"),
    ]
