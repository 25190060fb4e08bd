"""Source connectors. `all_streams(landing)` lists every stream found under a landing folder."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Stream

from . import agencies, attendance, greenhouse, indeed, jobs, sendgrid_events

RAW_TABLES = [
    "greenhouse_candidates", "greenhouse_applications", "indeed_applications", "agency_candidates",
    "job_postings", "sendgrid_events", "event_attendance",
]


def all_streams(landing: Path) -> list[Stream]:
    streams: list[Stream] = []
    for module in (greenhouse, indeed, agencies, jobs, sendgrid_events, attendance):
        streams.extend(module.streams(landing))
    return streams
