"""Stream declarations mean something: the key, the write semantics and holds_people are validated when a
stream is declared, and the loader enforces them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.common.landing import FILE_ROW, Fallback, Key, SourceFile, Stream, file_sha256, land_stream
from connectors.common.readers import csv_rows, json_document
from connectors.sources import RAW_TABLES, all_streams
from crm.warehouse import connect, ensure_schema


def declare(**overrides) -> Stream:
    values = dict(
        source="s",
        name="s",
        raw_table="job_postings",
        folder=Path("x"),
        patterns=("*.json",),
        read=json_document,
        write="merge",
        holds_people=False,
        key=Key(("id",)),
    )
    values.update(overrides)
    return Stream(**values)


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"write": "upsert"}, "write must be one of merge, append, not 'upsert'"),
        ({"key": None}, "a merge stream must declare its key"),
        ({"holds_people": "yes"}, "holds_people must be True or False"),
        ({"raw_table": "raw.x; drop table y"}, "is not a lower-case SQL name"),
        ({"key": "id"}, "key must be a Key"),
        ({"key": Key(("identifier.value",)), "duckdb_json": True}, "duckdb_json needs a key whose first field"),
        ({"patterns": "*.json"}, "patterns must be a tuple"),
    ],
)
def test_a_declaration_that_means_nothing_is_refused_by_name(overrides, words):
    with pytest.raises(ValueError, match="stream s \\(s\\): .*" + words.replace("(", "\\(").replace(")", "\\)")):
        declare(**overrides)


def test_key_fields_are_read_in_order_then_the_fallback():
    key = Key(("管理番号", "record_id"), FILE_ROW)
    path = Path("list.csv")
    assert key.read({"管理番号": " A1 ", "record_id": "R1"}, path, 2) == "A1"
    assert key.read({"管理番号": "  ", "record_id": "R1"}, path, 2) == "R1"
    assert key.read({"name": "x"}, path, 7) == "list.csv#7"
    # landing passes the file's content hash: two files with one name are two sets of rows
    assert key.read({"name": "x"}, SourceFile(path, "ab12" * 16), 7) == "list.csv@ab12ab12ab12#7"
    assert key.describe() == "管理番号, else record_id, else <file>@<content>#<row>"
    nested = Key(("identifier.value", "identifier"))
    assert nested.read({"identifier": {"value": 12}}, path, 1) == "12"
    assert nested.read({"identifier": "JOB-1"}, path, 1) == "JOB-1"
    assert nested.read({"identifier": {"name": "x"}}, path, 1) is None  # an object is not a key
    assert Key(("id",)).read({"id": True}, path, 1) is None
    derived = Key(("id",), Fallback("a hash", lambda record, path, position: None))
    assert derived.read({}, path, 1) is None
    with pytest.raises(ValueError):
        Key()
    with pytest.raises(TypeError):
        Key("id")


def test_an_append_stream_without_a_key_is_keyed_by_file_and_row():
    stream = declare(write="append", key=None, read=csv_rows)
    assert stream.key.describe() == "<file>@<content>#<row>"


def test_a_subfolder_stream_is_one_stream_per_folder(tmp_path):
    for name in ("b_agency", "a_agency"):
        (tmp_path / "agencies" / name).mkdir(parents=True)
    (tmp_path / "agencies" / "notes.txt").write_text("not a folder")
    streams = all_streams(tmp_path, ["agencies"])
    assert [(s.source, s.name, s.folder) for s in streams] == [
        ("agency_a_agency", "agency_a_agency", tmp_path / "agencies" / "a_agency"),
        ("agency_b_agency", "agency_b_agency", tmp_path / "agencies" / "b_agency"),
    ]
    assert all_streams(tmp_path / "missing", ["agencies", "ats_csv"]) == []
    with pytest.raises(ValueError, match="unknown source package"):
        all_streams(tmp_path, ["agency"])


def test_the_loader_enforces_the_declarations(tmp_path):
    """A merge stream's record without its key is quarantined naming the declared key; an append stream
    without a key lands every line keyed by <file>@<content>#<row>; each load records the stream's write mode."""
    landing = tmp_path / "landing"
    (landing / "jobs").mkdir(parents=True)
    (landing / "jobs" / "postings.json").write_text(
        json.dumps([{"identifier": {"value": "JOB-1"}, "title": "a"}, {"identifier": {"name": "no value"}}])
    )
    (landing / "engagement" / "attendance").mkdir(parents=True)
    (landing / "engagement" / "attendance" / "event.csv").write_text(
        "event_date,event_name,name,email,attended\n2026-01-24,x,山田 太郎,a@b.jp,yes\n2026-01-24,x,山田 太郎,a@b.jp,yes\n"
    )
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, RAW_TABLES)
        results = {r.stream: r for r in (r for s in all_streams(landing) for r in land_stream(con, s))}
        reasons = [r[0] for r in con.execute("select reason from audit.quarantine").fetchall()]
        attendance_keys = [
            r[0] for r in con.execute("select source_record_id from raw.event_attendance order by 1").fetchall()
        ]
        modes = dict(con.execute("select stream, write_mode from audit.loads").fetchall())
    assert (results["job_postings"].records_landed, results["job_postings"].records_quarantined) == (1, 1)
    assert reasons == ["postings.json, record 2: no key: the record has no identifier.value, else identifier"]
    content = file_sha256(landing / "engagement" / "attendance" / "event.csv")[:12]
    assert attendance_keys == [f"event.csv@{content}#2", f"event.csv@{content}#3"]
    assert modes == {"job_postings": "merge", "event_attendance": "append"}
    assert (results["job_postings"].write_mode, results["event_attendance"].write_mode) == ("merge", "append")


def test_json_read_by_duckdb_and_by_python_gives_the_same_keys(tmp_path):
    """The DuckDB fast path and the Python reader apply one key rule (trimmed text; numbers as text)."""
    landing = tmp_path / "landing"
    folder = landing / "ats" / "lever"
    folder.mkdir(parents=True)
    (folder / "fast.json").write_text(json.dumps([{"id": " L1 "}, {"id": 2}]))
    (folder / "slow.json").write_text(json.dumps({"data": [{"id": " L3 "}, {"id": 4}]}))  # an API envelope
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, RAW_TABLES)
        for stream in all_streams(landing, ["lever"]):
            land_stream(con, stream)
        keys = [r[0] for r in con.execute("select source_record_id from raw.lever_opportunities order by 1").fetchall()]
    assert keys == ["2", "4", "L1", "L3"]
