"""ingest-sources accounts for every file under the source folders (issue 16): what lands, what a setting
keeps out until it is fixed, and what no stream reads, in the summary, in audit.unlanded_files and as
warnings that name files, never data."""

from __future__ import annotations

import json

import pytest

from crm.warehouse import connect
from flows.ingest import NoSourceFiles, ingest_sources

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_the_ingest_flow_reports_what_did_not_land_and_lands_the_rest(tmp_path, caplog):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    agency = landing / "agencies" / "acme"
    agency.mkdir(parents=True)
    (agency / "LIST.CSV").write_text("管理番号,姓漢字,メールアドレス\r\nA1,山田,taro@example.jp\r\n", encoding="utf-8")
    (agency / "list.xls").write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    hrmos = landing / "ats" / "csv" / "hrmos"
    hrmos.mkdir(parents=True)
    (hrmos / "export.csv").write_text("候補者ID,氏名\r\nH-1,佐藤 花子\r\n", encoding="utf-8")
    summary = ingest_sources(str(landing), str(warehouse))
    assert summary.by_source["agency_acme"].records_landed == 1
    assert summary.by_source["ats_hrmos"].files_rejected == 1 and summary.by_source["ats_hrmos"].files_loaded == 0
    assert summary.unrecognised("agency_acme") == 1
    assert any("mapping.json is missing" in line for line in summary.not_landed)
    with connect(warehouse, read_only=True) as con:
        unlanded = con.execute("select source, kind from audit.unlanded_files").fetchall()
    assert unlanded == [("agency_acme", "unrecognised")]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("list.xls" in w and "*.xlsx" in w for w in warnings)
    assert any("export.csv" in w and "mapping.json" in w for w in warnings)
    assert not any(value in "\n".join(r.getMessage() for r in caplog.records) for value in ("taro@example.jp", "佐藤"))

    (hrmos / "mapping.json").write_text(json.dumps({"columns": {"候補者ID": "record_id", "氏名": "full_name"}}))
    again = ingest_sources(str(landing), str(warehouse))
    assert again.by_source["ats_hrmos"].records_landed == 1  # the same bytes, after the fix


def test_a_landing_folder_with_only_unrecognised_files_says_which(tmp_path):
    landing = tmp_path / "landing"
    (landing / "ats" / "greenhouse").mkdir(parents=True)
    (landing / "ats" / "greenhouse" / "not_a_list.json").write_text("[]")
    with pytest.raises(NoSourceFiles, match="not_a_list.json"):
        ingest_sources(str(landing), str(tmp_path / "w.duckdb"))
