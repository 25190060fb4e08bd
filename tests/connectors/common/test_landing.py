"""Landing: every record lands or is quarantined with a reason, counts reconcile, reruns load nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from connectors.common.landing import land_stream
from connectors.sources import RAW_TABLES, all_streams
from crm.dbt_runner import run_dbt
from crm.warehouse import connect, ensure_schema


def land_all(landing: Path, warehouse: Path):
    results = []
    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        for stream in all_streams(landing):
            results.extend(land_stream(con, stream))
    return results


def assert_reconciled(warehouse: Path):
    with connect(warehouse, read_only=True) as con:
        bad = con.execute("""
            select file from audit.loads where records_read <> records_landed + records_quarantined""").fetchall()
        assert bad == []
        for table in RAW_TABLES:
            landed = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
            audited = con.execute(f"""
                select coalesce(sum(records_landed), 0) from audit.loads
                where load_id in (select distinct load_id from raw.{table})""").fetchone()[0]
            assert landed == audited, table
        quarantined = con.execute("select count(*) from audit.quarantine").fetchone()[0]
        audited_q = con.execute("select coalesce(sum(records_quarantined), 0) from audit.loads").fetchone()[0]
        assert quarantined == audited_q


def test_demo_lands_completely_and_second_run_loads_nothing(landing_copy, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    first = land_all(landing_copy, warehouse)
    assert all(r.status == "loaded" for r in first)
    assert sum(r.records_quarantined for r in first) == 0
    truth_rows = sum(1 for _ in open(landing_copy / "truth.csv")) - 1
    with connect(warehouse, read_only=True) as con:
        candidates = con.execute("""
            select (select count(*) from raw.greenhouse_candidates) + (select count(*) from raw.indeed_applications)
                 + (select count(*) from raw.agency_candidates)
                 + (select count(*) from raw.career_relay_referrals)
                 + (select count(*) from raw.prospects)""").fetchone()[0]
    assert candidates == truth_rows
    assert_reconciled(warehouse)
    second = land_all(landing_copy, warehouse)
    assert second and all(r.status == "skipped" for r in second)
    assert sum(r.records_landed for r in second) == 0


def _reasons(warehouse: Path, file_name: str) -> list[tuple[int, str]]:
    with connect(warehouse, read_only=True) as con:
        return con.execute(
            "select record_position, reason from audit.quarantine where file like ? order by 1", [f"%{file_name}"]
        ).fetchall()


def test_truncated_json_is_quarantined_and_other_files_still_load(landing_copy, tmp_path):
    page = next((landing_copy / "ats" / "greenhouse").glob("candidates_*.json"))
    broken = page.with_name("candidates_9999.json")
    broken.write_bytes(page.read_bytes()[:500])
    warehouse = tmp_path / "w.duckdb"
    results = land_all(landing_copy, warehouse)
    reasons = _reasons(warehouse, "candidates_9999.json")
    assert len(reasons) == 1 and "candidates_9999.json" in reasons[0][1] and "not valid JSON" in reasons[0][1]
    assert any(r.file.endswith(page.name) and r.records_landed > 0 for r in results)
    assert_reconciled(warehouse)


def test_bad_json_line_is_quarantined_alone(landing_copy, tmp_path):
    path = landing_copy / "job_boards" / "indeed" / "extra.jsonl"
    good = {"id": "x1", "appliedOnMillis": 1, "applicant": {"fullName": "山田 太郎"}}
    path.write_text(
        json.dumps(good) + '\n{"id": "x2", "applicant": \n' + json.dumps({**good, "id": "x3"}) + "\n[1, 2]\n"
    )
    warehouse = tmp_path / "w.duckdb"
    result = next(r for r in land_all(landing_copy, warehouse) if r.file.endswith("extra.jsonl"))
    assert (result.records_read, result.records_landed, result.records_quarantined) == (4, 2, 2)
    reasons = _reasons(warehouse, "extra.jsonl")
    assert reasons[0][0] == 2 and "invalid JSON on line 2" in reasons[0][1]
    assert reasons[1][0] == 4 and "not an object" in reasons[1][1]


@pytest.mark.parametrize(
    "content, position, words",
    [
        (
            "管理番号,姓漢字,名漢字,メールアドレス\r\nA1,山田,太郎,a@b.jp\r\nA2,佐藤,花子,c@d.jp,extra\r\n".encode(),
            3,
            "has 5 fields, the header has 4",
        ),
        (
            "管理番号,姓漢字,名漢字,メールアドレス\r\nA1,山田,太郎,a@b.jp\r\nA2,佐\x00藤,花子,c@d.jp\r\n".encode(),
            3,
            "姓漢字 contains a NUL byte",
        ),
        (
            "管理番号,姓漢字,名漢字,メールアドレス\r\nA1,山田,太郎,a@b.jp\r\n".encode()
            + "A2,髙橋,花子,c@d.jp\r\n".encode("cp932"),
            3,
            "not valid utf-8",
        ),
    ],
    ids=["too-many-fields", "nul-byte", "mixed-encoding"],
)
def test_bad_agency_rows_are_quarantined_with_row_and_field(landing_copy, tmp_path, content, position, words):
    folder = landing_copy / "agencies" / "new_agency"
    folder.mkdir()
    (folder / "bad.csv").write_bytes(content)
    warehouse = tmp_path / "w.duckdb"
    result = next(r for r in land_all(landing_copy, warehouse) if r.file.endswith("bad.csv"))
    assert (result.records_landed, result.records_quarantined) == (1, 1)
    [(row, reason)] = _reasons(warehouse, "bad.csv")
    assert row == position and "bad.csv" in reason and f"row {position}" in reason and words in reason
    assert_reconciled(warehouse)


def test_cp932_file_is_detected_without_being_told(landing_copy, tmp_path):
    folder = landing_copy / "agencies" / "sjis_agency"
    folder.mkdir()
    (folder / "list.csv").write_bytes("管理番号,姓漢字,名漢字,住所①\r\nS1,髙橋,一郎,渋谷区\r\n".encode("cp932"))
    warehouse = tmp_path / "w.duckdb"
    land_all(landing_copy, warehouse)
    with connect(warehouse, read_only=True) as con:
        row = con.execute(
            "select record->>'姓漢字', record->>'住所①' from raw.agency_candidates where source = 'agency_sjis_agency'"
        ).fetchone()
    assert row == ("髙橋", "渋谷区")


def test_binary_empty_and_headerless_files_get_a_clear_answer(landing_copy, tmp_path):
    folder = landing_copy / "agencies" / "odd_agency"
    folder.mkdir()
    (folder / "photo.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    (folder / "empty.csv").write_bytes(b"")
    (folder / "other.csv").write_text("id,name\n1,x\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    results = {Path(r.file).name: r for r in land_all(landing_copy, warehouse)}
    assert results["photo.csv"].records_quarantined == 1
    assert "binary content" in _reasons(warehouse, "photo.csv")[0][1]
    assert results["empty.csv"].records_read == 0 and results["empty.csv"].status == "loaded"
    assert "missing a required column" in _reasons(warehouse, "other.csv")[0][1]
    assert_reconciled(warehouse)


def test_formula_in_a_name_is_quarantined_and_phones_are_not_formulas(landing_copy, tmp_path):
    folder = landing_copy / "agencies" / "formula_agency"
    folder.mkdir()
    (folder / "list.csv").write_text(
        '管理番号,姓漢字,名漢字,電話番号1\r\nF1,"=HYPERLINK(""http://x"",""山田"")",太郎,+81 90 1234 5678\r\n'
        "F2,佐藤,花子,+81-90-1111-2222\r\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "w.duckdb"
    result = next(r for r in land_all(landing_copy, warehouse) if r.file.endswith("list.csv"))
    assert (result.records_landed, result.records_quarantined) == (1, 1)
    assert "field 姓漢字 holds a spreadsheet formula" in _reasons(warehouse, "list.csv")[0][1]


def test_xlsx_and_a_header_mapping_file(landing_copy, tmp_path):
    from openpyxl import Workbook

    folder = landing_copy / "agencies" / "excel_agency"
    folder.mkdir()
    (folder / "mapping.json").write_text(
        json.dumps({"columns": {"氏名(姓)": "姓漢字", "氏名(名)": "名漢字", "Mail": "メールアドレス"}}),
        encoding="utf-8",
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["管理番号", "氏名(姓)", "氏名(名)", "Mail", "生年月日"])
    sheet.append(["X1", "髙橋", "一郎", "ichiro@example.jp", date(1990, 4, 1)])
    sheet.append(["X2", '=HYPERLINK("x")', "次郎", "jiro@example.jp", None])
    book.save(folder / "list.xlsx")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    warehouse = tmp_path / "w.duckdb"
    results = {Path(r.file).name: r for r in land_all(landing_copy, warehouse)}
    assert (results["list.xlsx"].records_landed, results["list.xlsx"].records_quarantined) == (1, 1)
    assert results["broken.xlsx"].records_quarantined == 1
    with connect(warehouse, read_only=True) as con:
        row = con.execute("""select record->>'姓漢字', record->>'メールアドレス', record->>'生年月日'
                             from raw.agency_candidates where source = 'agency_excel_agency'""").fetchone()
    assert row == ("髙橋", "ichiro@example.jp", "1990-04-01")
    assert_reconciled(warehouse)


def test_bad_dates_land_and_staging_records_each_as_a_field_issue(tmp_path):
    """Landing does not judge dates (it used to quarantine the whole row): every row lands with its text
    unchanged, staging nulls a date that is not a date or cannot be right, and int_field_issues_collected
    names the record, the field and the rule, never the value."""
    landing = tmp_path / "landing"
    folder = landing / "agencies" / "date_agency"
    folder.mkdir(parents=True)
    (folder / "list.csv").write_text(
        "管理番号,姓漢字,名漢字,生年月日,推薦日\r\nD1,山田,太郎,平成2年4月1日,2026/10/01\r\n"
        "D2,佐藤,花子,2099/01/01,2026/10/01\r\nD3,鈴木,一郎,1990/02/30,2026/10/01\r\nD4,高橋,二郎,H2.4.1,1800/01/01\r\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "warehouse.duckdb"
    result = next(r for r in land_all(landing, warehouse) if r.file.endswith("list.csv"))
    assert (result.records_read, result.records_landed, result.records_quarantined) == (4, 4, 0)
    assert_reconciled(warehouse)
    run_dbt(
        ["run", "--select", "+int_field_issues_collected", "stg_agencies__candidate_records"],
        warehouse,
        date(2026, 11, 25),
    )
    with connect(warehouse, read_only=True) as con:
        raw = con.execute("""select source_record_id, record->>'生年月日', record->>'推薦日' from raw.agency_candidates
                             order by 1""").fetchall()
        staged = con.execute("""select source_record_id, referred_date from staging.stg_agencies__candidates
                                order by 1""").fetchall()
        birth_dates = con.execute("""select source_record_id, birth_date from staging.stg_agencies__candidate_records
                                     order by 1""").fetchall()
        issues = con.execute("""select * exclude (record_key) from intermediate.int_field_issues_collected
                                order by record_position, field""").fetchall()
    assert raw[1] == ("D2", "2099/01/01", "2026/10/01") and raw[3] == ("D4", "H2.4.1", "1800/01/01")
    assert [d for _, d in staged] == [date(2026, 10, 1)] * 3 + [None]
    assert [d for _, d in birth_dates] == [date(1990, 4, 1), None, None, date(1990, 4, 1)]
    file = str(folder / "list.csv")
    assert issues == [
        ("agency_date_agency", file, 3, "D2", "birth_date", "implausible_date"),
        ("agency_date_agency", file, 4, "D3", "birth_date", "unparseable_date"),
        ("agency_date_agency", file, 5, "D4", "referred_date", "implausible_date"),
    ]
    assert not any(value in str(issues) for value in ("2099", "1990/02/30", "1800"))
