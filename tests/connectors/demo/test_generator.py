"""The demo generator: deterministic, complete ground truth, the documented shapes and encodings."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path

from connectors.demo.__main__ import main as demo_main
from connectors.demo.generator import generate


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_the_same_bytes(tmp_path):
    generate(150, 5, tmp_path / "a")
    generate(150, 5, tmp_path / "b")
    generate(150, 6, tmp_path / "c")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def _count_source_records(landing: Path) -> Counter:
    counts: Counter = Counter()
    for page in (landing / "ats" / "greenhouse").glob("candidates_*.json"):
        counts["greenhouse"] += len(json.loads(page.read_text()))
    for path in (landing / "job_boards" / "indeed").glob("*.jsonl"):
        counts["indeed"] += sum(1 for line in path.read_bytes().splitlines() if line.strip())
    for agency in (landing / "agencies").iterdir():
        encoding = "cp932" if agency.name == "sakura_career" else "utf-8-sig"
        for path in agency.glob("*.csv"):
            with open(path, encoding=encoding, newline="") as fh:
                counts[f"agency_{agency.name}"] += sum(1 for _ in csv.reader(fh)) - 1
    return counts


def test_truth_lists_every_candidate_record_once(demo_landing):
    with open(demo_landing / "truth.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == ["source", "source_record_id", "person_id"]
    assert len({(r["source"], r["source_record_id"]) for r in rows}) == len(rows)
    assert Counter(r["source"] for r in rows) == _count_source_records(demo_landing)
    per_person = Counter(r["person_id"] for r in rows)
    assert max(per_person.values()) >= 2, "the same people must appear in several sources"
    sources_per_person = {}
    for r in rows:
        sources_per_person.setdefault(r["person_id"], set()).add(r["source"].split("_")[0])
    assert sum(len(s) > 1 for s in sources_per_person.values()) > 20


def test_agency_files_use_the_documented_encodings_and_headers(demo_landing):
    sakura = next((demo_landing / "agencies" / "sakura_career").glob("*.csv")).read_bytes()
    nihon = next((demo_landing / "agencies" / "nihon_jinzai").glob("*.csv")).read_bytes()
    english = next((demo_landing / "agencies" / "global_talent_partners").glob("*.csv")).read_bytes()
    assert sakura.decode("cp932").startswith("管理番号,姓漢字,名漢字")
    try:
        sakura.decode("utf-8")
        raise AssertionError("the CP932 agency file decoded as UTF-8")
    except UnicodeDecodeError:
        pass
    assert nihon.startswith(b"\xef\xbb\xbf")
    assert english.decode("utf-8").startswith("record_id,last_name,first_name")


def test_greenhouse_and_indeed_records_have_the_documented_shape(demo_landing):
    candidate = json.loads(next((demo_landing / "ats" / "greenhouse").glob("candidates_*.json")).read_text())[0]
    for key in ("id", "first_name", "last_name", "email_addresses", "phone_numbers", "application_ids", "created_at"):
        assert key in candidate
    applications = json.loads(next((demo_landing / "ats" / "greenhouse").glob("applications_*.json")).read_text())
    statuses = {a["status"] for a in applications}
    assert {"rejected", "hired", "active"} <= statuses
    assert any(
        a["rejection_reason"] and a["rejection_reason"]["type"]["name"] == "They rejected us" for a in applications
    )
    assert all(a["rejected_at"] for a in applications if a["status"] == "rejected")
    line = next((demo_landing / "job_boards" / "indeed").glob("*.jsonl")).read_text().splitlines()[0]
    application = json.loads(line)
    assert {"id", "appliedOnMillis", "job", "applicant"} <= application.keys()
    assert application["applicant"]["fullName"]


def test_duplicates_carry_real_noise(demo_landing):
    text = "".join(p.read_text(encoding="utf-8") for p in (demo_landing / "job_boards" / "indeed").glob("*.jsonl"))
    text += "".join(p.read_text(encoding="utf-8") for p in (demo_landing / "ats" / "greenhouse").glob("*.json"))
    assert "+81 " in text and "-" in text  # several phone formats
    assert any("\uff10" <= ch <= "\uff19" for ch in text)  # full-width digits somewhere


def test_cli_refuses_to_overwrite_without_being_asked(tmp_path, capsys):
    out = tmp_path / "landing"
    assert demo_main(["--people", "20", "--seed", "1", "--out", str(out)]) == 0
    assert demo_main(["--people", "20", "--seed", "1", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert demo_main(["--people", "20", "--seed", "1", "--out", str(out), "--overwrite"]) == 0
    assert not out.with_name("landing.partial").exists()
