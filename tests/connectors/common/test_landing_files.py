"""Every file under a source folder is accounted for, and hostile files are refused (issue 16).

Each test here failed before the fix it pins down: a file is landed, skipped as loaded before, waiting
(still being written), rejected for a setting (and lands after the fix), quarantined, or reported as
unrecognised or refused; none is ignored, and no reason quotes a value from the data."""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from pathlib import Path

import pytest

from connectors.common.landing import land_file, land_stream
from connectors.sources import RAW_TABLES, all_streams
from crm.warehouse import connect, ensure_schema

PERSON = ("山田", "太郎", "taro.yamada@example.jp", "090-1234-5678")


def land_all(landing: Path, warehouse: Path, **options):
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        return [r for stream in all_streams(landing) for r in land_stream(con, stream, **options)]


def by_name(results) -> dict:
    return {Path(r.file).name: r for r in results}


def agency(landing: Path, name: str = "acme") -> Path:
    folder = landing / "agencies" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def agency_csv(rows: list[tuple], header: str = "管理番号,姓漢字,名漢字,メールアドレス") -> str:
    return header + "\r\n" + "".join(",".join(row) + "\r\n" for row in rows)


def indeed_record(i: str, **extra) -> dict:
    return {"id": i, "appliedOnMillis": 1760000000000, "applicant": {"fullName": "山田 太郎"}, **extra}


def greenhouse_candidate(i: int) -> dict:
    return {"id": i, "first_name": "太郎", "last_name": "山田", "email_addresses": []}


# ---- names: upper-case extensions land, unrecognised names are reported ---------------------------


def test_upper_case_extensions_and_capitalised_names_land(tmp_path):
    from openpyxl import Workbook

    landing = tmp_path / "landing"
    folder = agency(landing)
    (folder / "LIST.CSV").write_text(agency_csv([("U1", "山田", "太郎", "a@b.jp")]), encoding="utf-8")
    book = Workbook()
    book.active.append(["管理番号", "姓漢字"])
    book.active.append(["U2", "佐藤"])
    book.save(folder / "BOOK.XLSX")
    indeed = landing / "job_boards" / "indeed"
    indeed.mkdir(parents=True)
    (indeed / "APPS.JSONL").write_text(json.dumps(indeed_record("i1")) + "\n")
    greenhouse = landing / "ats" / "greenhouse"
    greenhouse.mkdir(parents=True)
    (greenhouse / "Candidates_2026-11.JSON").write_text(json.dumps([greenhouse_candidate(1)]))
    results = by_name(land_all(landing, tmp_path / "w.duckdb"))
    assert {name: (r.status, r.records_landed) for name, r in results.items()} == {
        "LIST.CSV": ("loaded", 1),
        "BOOK.XLSX": ("loaded", 1),
        "APPS.JSONL": ("loaded", 1),
        "Candidates_2026-11.JSON": ("loaded", 1),
    }


def test_every_file_under_a_source_folder_is_landed_or_reported(tmp_path):
    from connectors.sources import unlanded_files

    landing = tmp_path / "landing"
    greenhouse = landing / "ats" / "greenhouse"
    (greenhouse / "api").mkdir(parents=True)
    (greenhouse / "candidates_1.json").write_text("[]")
    (greenhouse / "api" / "applications_p1.json").write_text("[]")
    (greenhouse / "not_a_list.json").write_text("[]")
    (greenhouse / "old").mkdir()
    (greenhouse / "old" / "candidates_2019.json").write_text("[]")
    folder = agency(landing)
    (folder / "mapping.json").write_text('{"columns": {}}')
    (folder / "list.csv").write_text(agency_csv([]))
    (folder / "list.xls").write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    (folder / "list.csv.done").write_text("")
    (landing / "agencies" / "loose.csv").write_text(agency_csv([]))
    indeed = landing / "job_boards" / "indeed"
    indeed.mkdir(parents=True)
    (indeed / "push_1.json").write_text("[]")
    (indeed / "push_1.json.sig").write_text("sig")
    (indeed / "push_2.json.partial").write_text("[")
    (landing / "job_boards" / "linkedin").mkdir()
    (landing / "job_boards" / "linkedin" / "export.csv").write_text("name\n")
    (landing / "truth.csv").write_text("not a source file: outside the source folders")

    notices = {(n.kind, n.file): n for n in unlanded_files(landing)}
    assert set(notices) == {
        ("unrecognised", "ats/greenhouse/not_a_list.json"),
        ("unrecognised", "ats/greenhouse/old/candidates_2019.json"),
        ("unrecognised", "agencies/acme/list.xls"),
        ("unrecognised", "agencies/loose.csv"),
        ("unrecognised", "job_boards/linkedin/export.csv"),
        ("waiting", "job_boards/indeed/push_2.json.partial"),
    }
    greenhouse_notice = notices["unrecognised", "ats/greenhouse/not_a_list.json"]
    assert greenhouse_notice.source == "greenhouse"
    assert "candidates*.json" in greenhouse_notice.reason and "applications*.json" in greenhouse_notice.reason
    assert notices["unrecognised", "agencies/acme/list.xls"].source == "agency_acme"
    assert "*.xlsx" in notices["unrecognised", "agencies/acme/list.xls"].reason
    assert "agencies/<name>/" in notices["unrecognised", "agencies/loose.csv"].reason
    assert "job_boards/indeed/" in notices["unrecognised", "job_boards/linkedin/export.csv"].reason


def test_notices_are_kept_in_the_audit_table_once_per_file(tmp_path):
    from connectors.common.landing import record_notices
    from connectors.sources import unlanded_files

    landing = tmp_path / "landing"
    (landing / "ats" / "greenhouse").mkdir(parents=True)
    (landing / "ats" / "greenhouse" / "not_a_list.json").write_text("[]")
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, RAW_TABLES)
        record_notices(con, unlanded_files(landing), run_id="r1")
        record_notices(con, unlanded_files(landing), run_id="r2")
        rows = con.execute("select source, file, kind, run_id, times_seen from audit.unlanded_files").fetchall()
    assert rows == [("greenhouse", str(landing / "ats/greenhouse/not_a_list.json"), "unrecognised", "r2", 2)]


# ---- hostile files -------------------------------------------------------------------------------------


def test_symlinks_and_other_special_files_are_refused_without_reading_the_target(tmp_path):
    from connectors.sources import unlanded_files

    secret = tmp_path / "elsewhere" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text(agency_csv([("S1", *PERSON[:2], PERSON[2])]), encoding="utf-8")
    landing = tmp_path / "landing"
    folder = agency(landing)
    (folder / "linked.csv").symlink_to(secret)
    (landing / "agencies" / "linked_agency").symlink_to(secret.parent, target_is_directory=True)
    os.mkfifo(folder / "pipe.csv")
    results = land_all(landing, tmp_path / "w.duckdb")
    assert all(Path(r.file).name != "linked.csv" for r in results) and not [r for r in results if r.records_landed]
    with connect(tmp_path / "w.duckdb", read_only=True) as con:
        assert con.execute("select count(*) from raw.agency_candidates").fetchone()[0] == 0
    notices = {n.file: n for n in unlanded_files(landing)}
    assert {f: n.kind for f, n in notices.items()} == {
        "agencies/acme/linked.csv": "refused",
        "agencies/linked_agency": "refused",
        "agencies/acme/pipe.csv": "refused",
    }
    for notice in notices.values():
        assert "elsewhere" not in notice.reason and "secret" not in notice.reason and PERSON[2] not in notice.reason
    assert "symbolic link" in notices["agencies/acme/linked.csv"].reason


def test_a_symlink_put_in_place_of_a_listed_file_is_refused_at_landing(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text(agency_csv([("S1", *PERSON[:2], PERSON[2])]), encoding="utf-8")
    landing = tmp_path / "landing"
    folder = agency(landing)
    (folder / "list.csv").symlink_to(secret)
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, RAW_TABLES)
        [stream] = all_streams(landing, ["agencies"])
        result = land_file(con, stream, folder / "list.csv")
    assert result.status == "refused" and result.records_landed == 0 and "symbolic link" in result.message


def test_a_csv_without_a_header_row_quotes_none_of_its_data(tmp_path):
    landing = tmp_path / "landing"
    folder = agency(landing)
    (folder / "no_header.csv").write_text(
        "\r\n".join([",".join(PERSON), "佐藤,花子,hanako@example.jp,080-1111-2222"]) + "\r\n", encoding="utf-8"
    )
    [result] = land_all(landing, tmp_path / "w.duckdb")
    assert result.records_landed == 0 and result.reasons
    reasons = " ".join(result.reasons) + result.message
    assert "no_header.csv" in reasons and "header" in reasons
    assert not any(value in reasons for value in PERSON)


@pytest.mark.parametrize(
    "value",
    [
        "+SUM(1,2)",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1)",
        "\t=1+1",
        '  =HYPERLINK("http://x")',
        '＝HYPERLINK("http://x")',
        "\u3000=1+1",
    ],
    ids=["plus", "minus-dde", "at", "tab", "leading-spaces", "full-width-equals", "ideographic-space"],
)
def test_spreadsheet_formulas_in_every_form_are_quarantined(tmp_path, value):
    landing = tmp_path / "landing"
    folder = agency(landing)
    quoted = '"' + value.replace('"', '""') + '"'
    (folder / "list.csv").write_text(
        agency_csv([("F1", quoted, "太郎", "a@b.jp"), ("F2", "佐藤", "花子", "c@d.jp")]), encoding="utf-8"
    )
    [result] = land_all(landing, tmp_path / "w.duckdb")
    assert (result.records_landed, result.records_quarantined) == (1, 1)
    assert "field 姓漢字 holds a spreadsheet formula" in result.reasons[0]


@pytest.mark.parametrize("value", ["+81 90 1234 5678", "-", "@yamada", "ー", "－", " 山田", "+", "-1", "@山田(やまだ)"])
def test_data_that_only_starts_like_a_formula_lands(tmp_path, value):
    landing = tmp_path / "landing"
    folder = agency(landing)
    (folder / "list.csv").write_text(agency_csv([("F1", "山田", f'"{value}"', "a@b.jp")]), encoding="utf-8")
    [result] = land_all(landing, tmp_path / "w.duckdb")
    assert (result.records_landed, result.records_quarantined) == (1, 0), result.reasons


def _workbook(path: Path, rows: list[list]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


def _replace_member(path: Path, member: str, edit) -> None:
    with zipfile.ZipFile(path) as source:
        items = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in items:
            target.writestr(name, edit(data) if name == member else data)


def test_an_xlsx_that_expands_past_the_bound_is_refused(tmp_path):
    landing = tmp_path / "landing"
    folder = agency(landing)
    _workbook(folder / "bomb.xlsx", [["管理番号", "姓漢字"], ["B1", "山田"]])
    padding = b"<!--" + b"x" * 8_000_000 + b"-->"
    _replace_member(
        folder / "bomb.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda data: data.replace(b"<sheetData>", padding + b"<sheetData>"),
    )
    assert (folder / "bomb.xlsx").stat().st_size < 100_000
    [result] = land_all(landing, tmp_path / "w.duckdb")
    assert result.records_landed == 0 and result.status == "rejected"
    assert "bomb.xlsx" in result.reasons[0] and "expands" in result.reasons[0]


def test_a_malformed_sheet_quarantines_its_file_and_every_other_file_and_source_lands(tmp_path):
    landing = tmp_path / "landing"
    folder = agency(landing, "a_first")
    _workbook(folder / "broken.xlsx", [["管理番号", "姓漢字", "メールアドレス"], ["X1", "山田", "a@b.jp"]])
    cell = b'<row r="3"><c r="A3" t="n"><v>' + PERSON[2].encode() + b"</v></c></row></sheetData>"
    _replace_member(
        folder / "broken.xlsx", "xl/worksheets/sheet1.xml", lambda data: data.replace(b"</sheetData>", cell)
    )
    (folder / "list.csv").write_text(agency_csv([("L1", "佐藤", "花子", "c@d.jp")]), encoding="utf-8")
    other = agency(landing, "b_second")
    (other / "list.csv").write_text(agency_csv([("L2", "鈴木", "一郎", "e@f.jp")]), encoding="utf-8")
    prospects = landing / "prospects"
    prospects.mkdir()
    (prospects / "p.csv").write_text("name,profile_url\n高橋 二郎,https://x.example/in/j\n", encoding="utf-8")
    results = land_all(landing, tmp_path / "w.duckdb")
    broken = next(r for r in results if r.file.endswith("broken.xlsx"))
    assert (broken.records_landed, broken.records_quarantined) == (0, 1)
    assert "broken.xlsx" in broken.reasons[0] and PERSON[2] not in broken.reasons[0]
    assert sum(r.records_landed for r in results) == 3


# ---- files being written, changed while landing, named oddly ----------------------------------------------


def test_a_file_still_being_written_waits_unless_it_is_old_enough_or_marked_done(tmp_path):
    landing = tmp_path / "landing"
    folder = agency(landing)
    for name in ("fresh.csv", "old.csv", "marked.csv"):
        (folder / name).write_text(agency_csv([(name, "山田", "太郎", "a@b.jp")]), encoding="utf-8")
    os.utime(folder / "old.csv", (1_700_000_000, 1_700_000_000))
    (folder / "marked.csv.done").write_text("")
    archive = tmp_path / "archive"
    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, RAW_TABLES)
        [stream] = all_streams(landing, ["agencies"])
        results = by_name(land_stream(con, stream, archive=archive, stable_seconds=60))
    assert {n: r.status for n, r in results.items()} == {
        "fresh.csv": "waiting",
        "old.csv": "loaded",
        "marked.csv": "loaded",
    }
    assert "still being written" in results["fresh.csv"].message
    assert (folder / "fresh.csv").exists() and not (folder / "old.csv").exists()
    assert not (folder / "marked.csv.done").exists()  # archived with its file


def test_the_flow_waits_once_for_files_younger_than_the_window(tmp_path):
    from connectors.common.landing import wait_until_stable

    young, old = tmp_path / "young.csv", tmp_path / "old.csv"
    young.write_text("x")
    old.write_text("x")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    sleeps: list[float] = []
    waited = wait_until_stable([young, old], 60, sleep=sleeps.append)
    assert len(sleeps) == 1 and 55 < sleeps[0] <= 60 and waited == sleeps[0]
    assert wait_until_stable([old], 60, sleep=sleeps.append) == 0 and len(sleeps) == 1


def test_a_file_that_changes_while_it_lands_is_not_committed(tmp_path):
    landing = tmp_path / "landing"
    folder = agency(landing)
    path = folder / "list.csv"
    path.write_text(agency_csv([("C1", "山田", "太郎", "a@b.jp")]), encoding="utf-8")
    [stream] = all_streams(landing, ["agencies"])
    original = stream.read

    def growing(file):
        yield from original(file)
        with open(file, "a", encoding="utf-8") as fh:  # the upload goes on while we read
            fh.write("C2,佐藤,花子,c@d.jp\r\n")

    with connect(tmp_path / "w.duckdb") as con:
        ensure_schema(con, RAW_TABLES)
        result = land_file(con, dataclasses.replace(stream, read=growing), path)
        assert result.status == "waiting" and "changed while" in result.message
        assert con.execute("select count(*) from raw.agency_candidates").fetchone()[0] == 0
        assert con.execute("select count(*) from audit.loads where status = 'loaded'").fetchone()[0] == 0
        again = land_file(con, stream, path)
        assert (again.status, again.records_landed) == ("loaded", 2)


def test_file_names_of_any_length_and_script_land_and_archive(tmp_path):
    landing = tmp_path / "landing"
    folder = agency(landing)
    long_name = "候補者一覧" * 16 + "名簿.csv"  # 250 bytes in UTF-8
    assert len(os.fsencode(long_name)) > 240
    content = agency_csv([("N1", "山田", "太郎", "a@b.jp")])
    (folder / long_name).write_text(content, encoding="utf-8")
    cp932_name = os.fsdecode("リスト".encode("cp932") + b".csv")  # a name written by a Windows share, not UTF-8
    (folder / cp932_name).write_text(agency_csv([("N2", "佐藤", "花子", "c@d.jp")]), encoding="utf-8")
    long_agency = agency(landing, "人材紹介" * 20)  # 240 bytes: its load ids are longer than a file name may be
    (long_agency / "list.csv").write_text(agency_csv([("N3", "鈴木", "一郎", "e@f.jp")]), encoding="utf-8")
    indeed = landing / "job_boards" / "indeed"
    indeed.mkdir(parents=True)
    indeed_name = "応募" * 41 + "xx.json"  # 253 bytes: a .sig beside it would be too long a name
    (indeed / indeed_name).write_text(json.dumps([indeed_record("i1")]))
    greenhouse = landing / "ats" / "greenhouse"
    greenhouse.mkdir(parents=True)
    (greenhouse / "candidates[1].json").write_text(json.dumps([greenhouse_candidate(1)]))
    (greenhouse / "candidates1.json").write_text(json.dumps([greenhouse_candidate(2), greenhouse_candidate(3)]))
    archive = tmp_path / "archive"
    warehouse = tmp_path / "w.duckdb"
    first = land_all(landing, warehouse, archive=archive)
    assert [r.status for r in first] == ["loaded"] * 6 and sum(r.records_landed for r in first) == 7
    assert not any(r.message for r in first), [r.message for r in first]  # every file archived
    # the same long-named file sent again, twice: each copy goes to the archive's duplicates
    for _ in range(2):
        (folder / long_name).write_text(content, encoding="utf-8")
        again = land_all(landing, warehouse, archive=archive)
        assert [(r.status, r.message.startswith("already loaded"), "left in" in r.message) for r in again] == [
            ("skipped", True, False)
        ]
    assert not any(folder.iterdir()) and len(list((archive / "duplicates").iterdir())) == 2
    with connect(warehouse, read_only=True) as con:
        keys = {r[0] for r in con.execute("select source_record_id from raw.greenhouse_candidates").fetchall()}
        files = [r[0] for r in con.execute("select file from audit.loads").fetchall()]
    assert keys == {"1", "2", "3"}
    assert any("\\x83" in file for file in files)  # the CP932 name, shown with its bytes escaped


# ---- keys and configuration ----------------------------------------------------------------------------------


def test_rows_without_a_record_id_are_keyed_by_the_file_content_not_its_name(tmp_path):
    landing = tmp_path / "landing"
    folder = agency(landing)
    header = "姓漢字,名漢字,メールアドレス"
    warehouse = tmp_path / "w.duckdb"
    (folder / "monthly.csv").write_text(header + "\r\n山田,太郎,a@b.jp\r\n", encoding="utf-8")
    land_all(landing, warehouse, archive=tmp_path / "archive")
    (folder / "monthly.csv").write_text(header + "\r\n佐藤,花子,c@d.jp\r\n", encoding="utf-8")  # next month
    land_all(landing, warehouse, archive=tmp_path / "archive")
    with connect(warehouse, read_only=True) as con:
        keys = [
            r[0]
            for r in con.execute("select source_record_id from raw.agency_candidates order by loaded_at").fetchall()
        ]
        hashes = [r[0][:12] for r in con.execute("select file_sha256 from audit.loads order by started_at").fetchall()]
    assert len(set(keys)) == 2, keys  # two sets of people, not last month's replaced
    assert keys == [f"monthly.csv@{hashes[0]}#2", f"monthly.csv@{hashes[1]}#2"]


def test_a_file_rejected_for_a_setting_lands_after_the_fix(tmp_path, monkeypatch):
    from connectors.sources.indeed import indeed_signature

    landing = tmp_path / "landing"
    ats = landing / "ats" / "csv" / "hrmos"
    ats.mkdir(parents=True)
    (ats / "export.csv").write_text("候補者ID,氏名\r\nH-1,山田 太郎\r\n", encoding="utf-8")
    indeed = landing / "job_boards" / "indeed"
    indeed.mkdir(parents=True)
    body = json.dumps([indeed_record("i1")]).encode()
    (indeed / "push.json").write_bytes(body)
    (indeed / "push.json.sig").write_text(indeed_signature(body, "right"))
    monkeypatch.setenv("INDEED_API_SECRET", "wrong")
    warehouse, archive = tmp_path / "w.duckdb", tmp_path / "archive"
    first = by_name(land_all(landing, warehouse, archive=archive))
    assert {n: r.status for n, r in first.items()} == {"export.csv": "rejected", "push.json": "rejected"}
    assert "mapping.json is missing" in first["export.csv"].reasons[0]
    assert (ats / "export.csv").exists() and (indeed / "push.json").exists()  # left in place for after the fix
    land_all(landing, warehouse, archive=archive)  # an unchanged setting: rejected again, recorded once
    (ats / "mapping.json").write_text(json.dumps({"columns": {"候補者ID": "record_id", "氏名": "full_name"}}))
    monkeypatch.setenv("INDEED_API_SECRET", "right")
    fixed = by_name(land_all(landing, warehouse, archive=archive))
    assert {n: (r.status, r.records_landed) for n, r in fixed.items()} == {
        "export.csv": ("loaded", 1),
        "push.json": ("loaded", 1),
    }
    with connect(warehouse, read_only=True) as con:
        statuses = con.execute("select status, count(*) from audit.loads group by 1 order by 1").fetchall()
    assert statuses == [("loaded", 2), ("rejected", 2)]


def test_duplicated_header_names_quarantine_the_file_with_the_names(tmp_path):
    landing = tmp_path / "landing"
    folder = agency(landing)
    (folder / "dup.csv").write_text(
        agency_csv(
            [("D1", "山田", "太郎", "a@b.jp", "x@y.jp")], header="管理番号,姓漢字,名漢字,メールアドレス,メールアドレス"
        ),
        encoding="utf-8",
    )
    mapped = agency(landing, "mapped")
    (mapped / "mapping.json").write_text(json.dumps({"columns": {"Mail": "メールアドレス"}}, ensure_ascii=False))
    (mapped / "list.csv").write_text(
        agency_csv([("D2", "佐藤", "花子", "c@d.jp", "z@y.jp")], header="管理番号,姓漢字,名漢字,メールアドレス,Mail"),
        encoding="utf-8",
    )
    results = by_name(land_all(landing, tmp_path / "w.duckdb"))
    dup = results["dup.csv"]
    assert (dup.status, dup.records_landed, dup.records_quarantined) == ("loaded", 0, 1)
    assert "dup.csv" in dup.reasons[0] and "メールアドレス" in dup.reasons[0] and "more than once" in dup.reasons[0]
    mapped_result = results["list.csv"]
    assert mapped_result.status == "rejected" and "mapping.json" in mapped_result.reasons[0]
    assert "Mail" in mapped_result.reasons[0]


def test_a_csv_the_reader_cannot_follow_is_quarantined_whole_without_its_rows(tmp_path):
    landing = tmp_path / "landing"
    folder = agency(landing)
    huge = "x" * 200_000  # over the csv module's field limit
    (folder / "huge.csv").write_text(agency_csv([("H1", "山田", "太郎", PERSON[2]), ("H2", huge, "花子", "c@d.jp")]))
    [result] = land_all(landing, tmp_path / "w.duckdb")
    assert (result.status, result.records_landed, result.records_quarantined) == ("loaded", 0, 1)
    assert "huge.csv" in result.reasons[0] and "row 3" in result.reasons[0] and PERSON[2] not in result.reasons[0]
