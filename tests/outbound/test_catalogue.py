"""The campaign catalogue HR staff edit (dbt_project/seeds/campaigns.csv) is checked before every build: one
message per bad line naming the file, the line and the fix."""

from __future__ import annotations

from datetime import date

import pytest

from crm.dbt_runner import run_dbt
from outbound import catalogue
from outbound.catalogue import COLUMNS, CatalogueInvalid, catalogue_problems, check_catalogue

HEADER = ",".join(COLUMNS)
GOOD = "nurture-x,nurture,10,engineering,東京都,,rejected,high,crm-nurture,a|b,monthly,14,true,a good line"


def _file(tmp_path, *lines: str, header: str = HEADER):
    path = tmp_path / "campaigns.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def test_the_projects_catalogue_is_valid_and_has_a_row_for_every_catalogue_kind():
    assert catalogue_problems() == []
    text = catalogue.CATALOGUE.read_text(encoding="utf-8")
    for kind in ("nurture", "new_position", "reapply_notice"):
        assert f",{kind}," in text


def test_each_bad_line_gets_one_message_naming_the_file_the_line_and_the_fix(tmp_path):
    path = _file(
        tmp_path,
        GOOD,
        GOOD.replace("nurture-x,nurture,", "nurture-y,nurtur,"),  # line 3: unknown kind
        GOOD.replace("nurture-x", "nurture-z").replace(",engineering,", ",engineers,"),  # line 4: unknown family
        GOOD,  # line 5: the name of line 2 again
        GOOD.replace("nurture-x", "nurture-w").replace(",a|b,", ",a,").replace(",true,", ",yes,"),  # line 6: two
        "nurture-v,nurture,10",  # line 7: too few fields
        GOOD.replace("nurture-x", "Nurture X").replace(",monthly,", ",weekly,").replace(",14,", ",two weeks,"),
    )
    problems = catalogue_problems(path)
    assert [p.split(":")[0] for p in problems] == [
        f"{path} line 3",
        f"{path} line 4",
        f"{path} line 5",
        f"{path} line 6",
        f"{path} line 6",
        f"{path} line 7",
        f"{path} line 8",
        f"{path} line 8",
        f"{path} line 8",
    ]
    text = "\n".join(problems)
    assert "kind 'nurtur' is not one of nurture, new_position, reapply_notice" in text
    assert "job_family 'engineers' is not one of accounting | data | design | engineering" in text
    assert "campaign 'nurture-x' is already on line 2" in text
    assert "variants 'a' must be two or more different names" in text and "active 'yes' must be true or false" in text
    assert "7 fields instead of 14" not in text and "3 fields instead of 14" in text
    assert "schedule 'weekly' does not fit kind nurture: write monthly" in text
    assert "frequency_cap_days 'two weeks' must be a whole number" in text
    with pytest.raises(CatalogueInvalid, match="the campaign catalogue has 9 problem"):
        check_catalogue(path)


def test_a_wrong_header_or_encoding_is_one_message_for_the_file(tmp_path):
    assert catalogue_problems(_file(tmp_path, GOOD, header=HEADER.replace("history", "histories"))) == [
        f"{tmp_path / 'campaigns.csv'} line 1: the header must be {HEADER} (missing history; unknown histories)"
    ]
    path = tmp_path / "campaigns.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "\n" + GOOD + "\n").encode())
    assert "save it as UTF-8 without BOM" in catalogue_problems(path)[0]
    path.write_bytes((HEADER + "\n" + GOOD + "\n").encode("cp932"))
    assert "not UTF-8" in catalogue_problems(path)[0]


def test_a_build_stops_on_a_bad_catalogue_before_dbt_runs(tmp_path, monkeypatch):
    bad = _file(tmp_path, GOOD.replace(",monthly,", ",daily,"))
    monkeypatch.setattr(catalogue, "CATALOGUE", bad)
    with pytest.raises(CatalogueInvalid, match=r"line 2: schedule 'daily' does not fit kind nurture"):
        run_dbt(["build"], tmp_path / "w.duckdb", date(2026, 11, 25))
    assert not (tmp_path / "dbt" / "w" / "run_results.json").exists()


def test_a_nurture_row_cannot_name_past_applicants(tmp_path):
    path = _file(tmp_path, GOOD.replace(",rejected,", ",rejected|past_applicant,"))
    assert catalogue_problems(path) == [
        f"{path} line 2: history past_applicant: the nurture audience is rejected, declined and prospect people "
        "(past applicants are not nurtured); remove it here, or name them in a new_position row"
    ]
