"""The run summary shows, per source, the values staging emptied (field issues) and the files no stream
reads (unrecognised), as warnings, in the terminal and in the pipeline-summary artifact (issue 16)."""

from __future__ import annotations

from types import SimpleNamespace

from connectors.common.landing import FileNotice, LoadResult
from crm.summary import IngestSummary, RunSummary, SourceTotals, failed_run_markdown
from outbound.campaigns import SendSummary


def _ingest() -> IngestSummary:
    ingest = IngestSummary(by_source={"agency_acme": SourceTotals(1, 0, 10, 10, 0)}, load_ids=["L1"])
    ingest.add_notices(
        [
            FileNotice(
                "agency_acme",
                "/l/agencies/acme/list.xls",
                "agencies/acme/list.xls",
                "unrecognised",
                "agencies/acme/list.xls: not a file name agency_acme reads (it reads *.csv, *.xlsx)",
            ),
            FileNotice(
                "greenhouse", "/l/ats/greenhouse/x", "ats/greenhouse/x", "refused", "ats/greenhouse/x: a symbolic link"
            ),
            FileNotice(
                "greenhouse",
                "/l/ats/greenhouse/p.json.partial",
                "ats/greenhouse/p.json.partial",
                "waiting",
                "p.json.partial: still being written",
            ),
        ]
    )
    ingest.add(
        LoadResult(
            "",
            "ats_hrmos",
            "ats_hrmos",
            "/l/ats/csv/hrmos/export.csv",
            "rejected",
            message="export.csv: hrmos/mapping.json is missing",
        )
    )
    return ingest


def _summary() -> RunSummary:
    counts = {
        "landed:agency_acme": 10,
        "field_issues:agency_acme": 3,
        "field_issue:agency_acme:birth_date:implausible_date": 2,
        "field_issue:agency_acme:referred_date:unparseable_date": 1,
    }
    return RunSummary(
        ingest=_ingest(),
        build=SimpleNamespace(gates=[], report=None),
        send=SendSummary(mode="outbox"),
        outbox_dir="/tmp/outbox",
        warehouse=counts,
    )


def test_field_issues_and_unrecognised_files_are_shown_per_source():
    text, markdown = _summary().text(), _summary().markdown()
    assert "| agency_acme | 1 | 0 | 10 | 10 | 0 | 10 | 3 | 1 |" in markdown
    assert "| greenhouse | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 1 |" in markdown  # the refused link counts
    assert "field issues" in text.splitlines()[1] and "unrecognised" in text.splitlines()[1]
    assert (
        "warning: field issues, agency_acme: 3 value(s) emptied (2 birth_date implausible_date, 1 referred_date unparseable_date)"
        in text
    )
    assert "**Field issues** (warning" in markdown and "marts.field_issues" in markdown
    assert "warning: unrecognised: agencies/acme/list.xls: not a file name agency_acme reads" in text
    assert "warning: not landed: export.csv: hrmos/mapping.json is missing" in text
    assert "warning: waiting: p.json.partial" in text
    assert "**Files that did not land** (warning):" in markdown and "- refused: ats/greenhouse/x" in markdown


def test_a_failed_run_shows_unrecognised_files_per_source():
    published = failed_run_markdown("build-warehouse", "gate failed", _ingest(), [])
    assert "| agency_acme | 1 | 0 | 10 | 10 | 0 | 1 |" in published
    assert "| greenhouse | 0 | 0 | 0 | 0 | 0 | 1 |" in published


def test_merged_summaries_count_a_file_once():
    merged = _ingest().merge(_ingest())
    assert merged.unrecognised("agency_acme") == 1 and len(merged.notices) == 3
