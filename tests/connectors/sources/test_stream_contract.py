"""One contract, run over every declared source and stream (like the Singer SDK's standard tap tests): the
declaration in dbt_project.yml (vars.sources), the connector package, its README and its staging folder
agree, so adding a source is its package, its staging folder and one declaration; and every stream lands,
skips, reports, keeps and refuses files the same way (the landing contract below)."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import pytest
import yaml

from connectors.common.landing import FILE_ROW, Stream, land_stream
from connectors.sources import CANDIDATE_RAW_TABLES, DECLARED_STREAMS, PACKAGES, RAW_TABLES, all_streams, unlanded_files
from connectors.sources.registry import CANONICAL_MODELS, DBT_PROJECT_DIR, declared_sources
from crm.warehouse import connect, ensure_schema

SOURCES_DIR = Path(__file__).resolve().parents[3] / "connectors" / "sources"
STAGING_DIR = DBT_PROJECT_DIR / "models" / "staging"
ENTRIES = {entry.package: entry for entry in declared_sources()}
STREAMS = [pytest.param(stream, id=stream.name) for streams in DECLARED_STREAMS.values() for stream in streams]


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _models(staging: str) -> dict[str, dict]:
    return {m["name"]: m for m in _yaml(STAGING_DIR / staging / f"_{staging}__models.yml")["models"]}


def test_every_source_package_is_declared_once_and_every_declared_package_exists():
    packages = sorted(p.name for p in SOURCES_DIR.iterdir() if (p / "__init__.py").is_file())
    assert sorted(PACKAGES) == packages
    assert len(PACKAGES) == len(set(PACKAGES))


def test_the_raw_table_lists_are_derived_from_the_declarations():
    declared = [s for streams in DECLARED_STREAMS.values() for s in streams]
    assert set(RAW_TABLES) == {s.raw_table for s in declared} and len(RAW_TABLES) == len(set(RAW_TABLES))
    assert set(CANDIDATE_RAW_TABLES) == {s.raw_table for s in declared if s.holds_people}


@pytest.mark.parametrize("package", PACKAGES)
def test_a_source_holds_people_exactly_when_its_staging_folder_emits_candidate_records(package):
    entry = ENTRIES[package]
    holds_people = any(s.holds_people for s in DECLARED_STREAMS[package])
    assert holds_people == ("candidate_records" in entry.emits), (
        f"{package}: a stream with holds_people=True needs `candidate_records` in vars.sources.{package}.emits "
        "(and the model stg_<folder>__candidate_records), and the other way round"
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_each_emitted_canonical_model_exists_and_is_documented(package):
    entry = ENTRIES[package]
    models = _models(entry.staging)
    for canonical in entry.emits:
        name = entry.model(canonical)
        assert (STAGING_DIR / entry.staging / f"{name}.sql").is_file(), name
        assert name in models, f"{name} is not described in _{entry.staging}__models.yml"


@pytest.mark.parametrize("canonical", CANONICAL_MODELS)
def test_every_source_documents_one_canonical_column_list(canonical):
    """The canonical models of a kind have the same columns, in the same order, whichever the source."""
    shapes = {}
    for entry in declared_sources():
        if canonical in entry.emits:
            model = _models(entry.staging)[entry.model(canonical)]
            shapes[entry.model(canonical)] = [c["name"] for c in model["columns"]]
    assert shapes and len({tuple(columns) for columns in shapes.values()}) == 1, shapes


@pytest.mark.parametrize("stream", STREAMS)
def test_every_stream_lands_in_a_raw_table_its_staging_folder_declares(stream):
    package = next(p for p, streams in DECLARED_STREAMS.items() if stream in streams)
    staging = ENTRIES[package].staging
    sources = _yaml(STAGING_DIR / staging / f"_{staging}__sources.yml")["sources"]
    tables = {t["name"] for s in sources if s.get("schema") == "raw" for t in s["tables"]}
    assert stream.raw_table in tables, f"declare raw.{stream.raw_table} in _{staging}__sources.yml"
    assert not stream.folder.is_absolute(), "a declaration's folder is relative to the landing folder"


@pytest.mark.parametrize("stream", STREAMS)
def test_every_connector_readme_states_the_keys_and_the_write_mode(stream):
    package = next(p for p, streams in DECLARED_STREAMS.items() if stream in streams)
    readme = (SOURCES_DIR / package / "README.md").read_text(encoding="utf-8")
    for field in stream.key.fields or (FILE_ROW.description,):
        assert f"`{field}`" in readme, f"{package}/README.md does not name the key {field}"
    words = " ".join(readme.replace("*", "").lower().split())
    assert f"write mode {stream.write}" in words, f"{package}/README.md: say 'Write mode {stream.write}'"


@pytest.mark.parametrize("stream", STREAMS)
def test_every_connector_readme_states_its_file_names_and_what_a_bad_field_does(stream):
    package = next(p for p, streams in DECLARED_STREAMS.items() if stream in streams)
    readme = (SOURCES_DIR / package / "README.md").read_text(encoding="utf-8")
    for pattern in stream.patterns:
        assert PurePosixPath(pattern).name in readme, f"{package}/README.md does not name its files {pattern}"
    assert "marts.field_issues" in readme, f"{package}/README.md: say what happens to a bad field"
    assert "unrecognised" in readme, f"{package}/README.md: say what happens to a file it does not read"


# ---- the landing contract, run over every stream (issue 16) --------------------------------------------------
#
# For each stream under a landing folder (all_streams(), one per agency and ATS subfolder): a good file lands;
# a second run skips it; an unrecognised name in its folder is reported; an upper-case extension lands; a
# record with one bad field lands and its field is a field issue; a broken file is quarantined (or, for a
# source a mapping.json configures, rejected) with its name; and nothing from the data appears in the log,
# the reasons, the notices, or dbt's output. One landing and one dbt run serve every stream.

NAME, EMAIL, PHONE = "契約", "contract.person@example.jp", "090-0000-1111"
MARKS = (NAME, EMAIL, PHONE)


@dataclasses.dataclass(frozen=True)
class Sample:
    stem: str  # file names: <stem>_good.<ext>, <stem>_upper.<EXT>, <stem>_bad.<ext>, <stem>_broken.<ext>
    ext: str
    record: Callable[[int], dict]  # a good record, keyed by the number
    bad: dict  # fields that make record 9 bad in one field
    issue: tuple[str, str, str]  # (source, field, rule) of that field issue


def _csv(records: list[dict]) -> bytes:
    header = list(records[0])
    rows = [",".join(header)] + [",".join(str(r[h]) for h in header) for r in records]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def _json(records: list[dict]) -> bytes:
    return json.dumps(records, ensure_ascii=False).encode("utf-8")


def _jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


WRITERS = {"csv": _csv, "json": _json, "jsonl": _jsonl}
HRMOS_MAPPING = {"候補者ID": "record_id", "氏名": "full_name", "メール": "email", "生年月日": "birth_date"}
SAMPLES = {
    "greenhouse_candidates": Sample(
        "candidates",
        "json",
        lambda i: {
            "id": i,
            "first_name": "太郎",
            "last_name": NAME,
            "email_addresses": [{"value": EMAIL, "type": "personal"}],
            "phone_numbers": [{"value": PHONE}],
            "created_at": "2026-01-05T09:00:00Z",
        },
        {"created_at": "not a time"},
        ("greenhouse", "created_at", "unparseable_timestamp"),
    ),
    "greenhouse_applications": Sample(
        "applications",
        "json",
        lambda i: {"id": 500 + i, "candidate_id": i, "status": "active", "applied_at": "2026-01-05T09:00:00Z"},
        {"applied_at": "not a time"},
        ("greenhouse", "applied_at", "unparseable_timestamp"),
    ),
    "greenhouse_scorecards": Sample(
        "scorecards",
        "json",
        lambda i: {"id": 800 + i, "candidate_id": i, "application_id": 500 + i, "submitted_at": "2026-01-06T09:00:00Z"},
        {"submitted_at": "not a time"},
        ("greenhouse", "submitted_at", "unparseable_timestamp"),
    ),
    "lever_opportunities": Sample(
        "opportunities",
        "json",
        lambda i: {"id": f"L-{i}", "name": f"{NAME} 太郎", "emails": [EMAIL], "createdAt": 1760000000000},
        {"createdAt": "not a number"},
        ("lever", "created_at", "unparseable_timestamp"),
    ),
    "ats_hrmos": Sample(
        "export",
        "csv",
        lambda i: {"候補者ID": f"H-{i}", "氏名": f"{NAME} 太郎", "メール": EMAIL, "生年月日": "1990/04/01"},
        {"生年月日": "1990/02/30"},
        ("ats_hrmos", "birth_date", "unparseable_date"),
    ),
    "indeed_applications": Sample(
        "apps",
        "jsonl",
        lambda i: {
            "id": f"I-{i}",
            "appliedOnMillis": 1760000000000,
            "applicant": {"fullName": f"{NAME} 太郎", "email": EMAIL, "phoneNumber": PHONE},
        },
        {"appliedOnMillis": "not a number"},
        ("indeed", "applied_at", "unparseable_timestamp"),
    ),
    "agency_acme": Sample(
        "list",
        "csv",
        lambda i: {
            "管理番号": f"A-{i}",
            "姓漢字": NAME,
            "名漢字": "太郎",
            "メールアドレス": EMAIL,
            "電話番号1": PHONE,
            "生年月日": "1990/04/01",
        },
        {"生年月日": "2099/01/01"},
        ("agency_acme", "birth_date", "implausible_date"),
    ),
    "career_relay_referrals": Sample(
        "referrals",
        "csv",
        lambda i: {
            "referral_id": f"R-{i}",
            "family_name": NAME,
            "given_name": "太郎",
            "email": EMAIL,
            "phone": PHONE,
            "referred_at": "2026/10/01",
        },
        {"referred_at": "1800/01/01"},
        ("career_relay", "referred_date", "implausible_date"),
    ),
    "career_relay_registrations": Sample(
        "registrations",
        "json",
        lambda i: {
            "registration_id": f"G-{i}",
            "tracking_token": "t",
            "company_id": "c",
            "registered_at": "2026-10-02T00:00:00Z",
        },
        {"registered_at": "not a time"},
        ("career_relay_registrations", "registered_at", "unparseable_timestamp"),
    ),
    "prospects": Sample(
        "prospects",
        "csv",
        lambda i: {
            "prospect_id": f"P-{i}",
            "name": f"{NAME} 太郎",
            "email": EMAIL,
            "phone": PHONE,
            "found_at": "2026-09-01",
        },
        {"found_at": "not a date"},
        ("prospects", "found_date", "unparseable_date"),
    ),
    "job_postings": Sample(
        "postings",
        "json",
        lambda i: {"identifier": {"value": f"J-{i}"}, "title": "Engineer", "datePosted": "2026-01-01"},
        {"datePosted": "not a date"},
        ("jobs", "posted_date", "unparseable_date"),
    ),
    "sendgrid_events": Sample(
        "events",
        "json",
        lambda i: {"sg_event_id": f"E-{i}", "event": "open", "email": EMAIL, "timestamp": 1760000000},
        {"timestamp": "not a number"},
        ("sendgrid", "occurred_at", "unparseable_timestamp"),
    ),
    "sendgrid_replies": Sample(
        "replies",
        "json",
        lambda i: {"reply_id": f"<R-{i}@mail.example>", "from_email": EMAIL, "received_at": "2026-10-01T00:00:00Z"},
        {"received_at": "not a time"},
        ("sendgrid", "received_at", "unparseable_timestamp"),
    ),
    "event_attendance": Sample(
        "attendance",
        "csv",
        lambda i: {
            "event_date": "2026-01-24",
            "event_name": f"Meetup {i}",
            "name": f"{NAME} 太郎",
            "email": EMAIL,
            "attended": "yes",
        },
        {"event_date": "not a date"},
        ("attendance", "event_date", "unparseable_date"),
    ),
}


def _files(stream: Stream) -> dict[str, Path]:
    sample = SAMPLES[stream.name]
    folder = stream.folder
    return {
        "good": folder / f"{sample.stem}_good.{sample.ext}",
        "upper": folder / f"{sample.stem}_upper.{sample.ext.upper()}",
        "bad": folder / f"{sample.stem}_bad.{sample.ext}",
        "broken": folder / f"{sample.stem}_broken.{sample.ext}",
        "unrecognised": folder / f"{sample.stem}_notes.pdf",
    }


def _broken(sample: Sample) -> bytes:
    record = sample.record(4)
    if sample.ext == "csv":  # no header row: the first row is a person
        return _csv([record])[_csv([record]).index(b"\r\n") + 2 :] * 2
    return _json([record])[:-5]  # cut off


@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    from crm.dbt_runner import run_dbt, target_dir
    from flows.ingest import report_landing, report_notices

    root = tmp_path_factory.mktemp("contract")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    (landing / "agencies" / "acme").mkdir(parents=True)
    (landing / "ats" / "csv" / "hrmos").mkdir(parents=True)
    (landing / "ats" / "csv" / "hrmos" / "mapping.json").write_text(
        json.dumps({"columns": HRMOS_MAPPING}, ensure_ascii=False), encoding="utf-8"
    )
    streams = all_streams(landing)
    for stream in streams:
        stream.folder.mkdir(parents=True, exist_ok=True)
        sample, files, write = SAMPLES.get(stream.name), _files(stream), WRITERS[SAMPLES[stream.name].ext]
        files["good"].write_bytes(write([sample.record(1)]))
        files["upper"].write_bytes(write([sample.record(2)]))
        files["bad"].write_bytes(write([{**sample.record(9), **sample.bad}]))
        files["broken"].write_bytes(_broken(sample))
        files["unrecognised"].write_bytes(b"%PDF-1.4 " + EMAIL.encode())
    log = io.StringIO()
    logger = logging.getLogger("contract-ingest")
    logger.addHandler(logging.StreamHandler(log))
    logger.setLevel(logging.INFO)
    logger.propagate = False
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        first, second = {}, {}
        for stream in streams:
            first[stream.name] = land_stream(con, stream)
            report_landing(logger, stream.name, first[stream.name])
        notices = unlanded_files(landing)
        report_notices(logger, notices)
        for stream in streams:
            second[stream.name] = land_stream(con, stream)
        texts = [
            r[0]
            for sql in ("select reason from audit.quarantine", "select coalesce(message, '') from audit.loads")
            for r in con.execute(sql).fetchall()
        ]
    run_dbt(["run", "--select", "+int_field_issues_collected"], warehouse, date(2026, 11, 25))
    with connect(warehouse, read_only=True) as con:
        issues = set(
            con.execute("select source, file, field, rule from intermediate.int_field_issues_collected").fetchall()
        )
    dbt_output = "".join(
        (target_dir(warehouse) / name).read_text(encoding="utf-8") for name in ("dbt.log", "run_results.json")
    )
    return SimpleNamespace(
        streams={s.name: s for s in streams},
        first=first,
        second=second,
        notices=notices,
        issues=issues,
        log=log.getvalue(),
        texts=texts,
        dbt_output=dbt_output,
    )


def _result(results, path: Path):
    [result] = [r for r in results if Path(r.file).name == path.name]
    return result


LOCATED = [pytest.param(name, id=name) for name in sorted(SAMPLES)]


def test_every_stream_under_a_landing_folder_has_a_contract_sample(contract):
    assert set(contract.streams) == set(SAMPLES), "add a Sample for each new stream"


@pytest.mark.parametrize("name", LOCATED)
def test_a_good_file_lands_and_a_second_run_skips_it(contract, name):
    good = _files(contract.streams[name])["good"]
    first = _result(contract.first[name], good)
    assert (first.status, first.records_landed, first.records_quarantined) == ("loaded", 1, 0), first.reasons
    assert _result(contract.second[name], good).status == "skipped"


@pytest.mark.parametrize("name", LOCATED)
def test_an_upper_case_extension_lands(contract, name):
    upper = _result(contract.first[name], _files(contract.streams[name])["upper"])
    assert (upper.status, upper.records_landed) == ("loaded", 1)


@pytest.mark.parametrize("name", LOCATED)
def test_an_unrecognised_name_is_reported_with_the_names_the_source_reads(contract, name):
    stream = contract.streams[name]
    path = _files(stream)["unrecognised"]
    [notice] = [n for n in contract.notices if n.path == str(path)]
    assert (notice.kind, notice.source) == ("unrecognised", stream.source)
    assert path.name in notice.reason and stream.patterns[0] in notice.reason


@pytest.mark.parametrize("name", LOCATED)
def test_a_bad_field_keeps_the_record_with_a_field_issue(contract, name):
    stream, sample = contract.streams[name], SAMPLES[name]
    bad = _files(stream)["bad"]
    result = _result(contract.first[name], bad)
    assert (result.status, result.records_landed, result.records_quarantined) == ("loaded", 1, 0), result.reasons
    source, field_name, rule = sample.issue
    assert (source, str(bad), field_name, rule) in contract.issues


@pytest.mark.parametrize("name", LOCATED)
def test_a_broken_file_is_quarantined_with_its_name(contract, name):
    broken = _files(contract.streams[name])["broken"]
    result = _result(contract.first[name], broken)
    assert result.records_landed == 0 and result.records_quarantined >= 1
    assert result.status in ("loaded", "rejected") and broken.name in result.reasons[0]


@pytest.mark.parametrize("name", LOCATED)
def test_nothing_from_the_data_appears_in_the_log(contract, name):
    stream = contract.streams[name]
    assert f"{stream.name}:" in contract.log  # the stream was reported
    told = "\n".join([contract.log, *contract.texts, *(n.reason for n in contract.notices), contract.dbt_output])
    for mark in MARKS:
        assert mark not in told
