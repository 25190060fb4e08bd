"""Source connectors. `all_streams(landing)` lists every stream found under a landing folder."""

from __future__ import annotations

from pathlib import Path

from connectors.common.landing import Stream

from . import (
    agencies,
    ats_csv,
    attendance,
    career_relay,
    greenhouse,
    indeed,
    jobs,
    lever,
    prospects,
    sendgrid_events,
    sendgrid_replies,
)

RAW_TABLES = [
    "greenhouse_candidates",
    "greenhouse_applications",
    "greenhouse_scorecards",
    "lever_opportunities",
    "ats_csv_candidates",
    "indeed_applications",
    "agency_candidates",
    "career_relay_referrals",
    "career_relay_registrations",
    "prospects",
    "job_postings",
    "sendgrid_events",
    "sendgrid_replies",
    "event_attendance",
]
# the raw tables whose records are people: each of their records is in marts.candidate_crosswalk
CANDIDATE_RAW_TABLES = [
    "greenhouse_candidates",
    "lever_opportunities",
    "ats_csv_candidates",
    "indeed_applications",
    "agency_candidates",
    "career_relay_referrals",
    "prospects",
]


def all_streams(landing: Path) -> list[Stream]:
    streams: list[Stream] = []
    for module in (
        greenhouse,
        lever,
        ats_csv,
        indeed,
        agencies,
        career_relay,
        prospects,
        jobs,
        sendgrid_events,
        sendgrid_replies,
        attendance,
    ):
        streams.extend(module.streams(landing))
    return streams
