"""The demo generator: deterministic, complete ground truth, the documented shapes and encodings."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path

from connectors.demo.__main__ import main as demo_main
from connectors.demo.generator import generate
from connectors.demo.prospects import prospect_count
from connectors.demo.relay import REFERRALS_TO_US


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
    for path in (landing / "prospects").glob("*.csv"):  # sourced people who never applied (issue 18)
        with open(path, encoding="utf-8", newline="") as fh:
            counts["prospects"] += sum(1 for _ in csv.reader(fh)) - 1
    for path in (landing / "career_relay" / "referrals").glob("*.csv"):  # Career Relay's referrals to us
        with open(path, encoding="utf-8", newline="") as fh:
            counts["career_relay"] += sum(1 for _ in csv.reader(fh)) - 1
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


def _agency_rows(landing: Path, agency: str) -> list[dict]:
    encoding = "cp932" if agency == "sakura_career" else "utf-8-sig"
    rows = []
    for path in sorted((landing / "agencies" / agency).glob("*.csv")):
        with open(path, encoding=encoding, newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def test_the_realistic_options_withhold_contacts_make_households_and_let_records_drift(tmp_path):
    from connectors.demo.generator import DemoOptions

    plain, real = tmp_path / "plain", tmp_path / "real"
    generate(600, 3, plain)
    generate(600, 3, real, DemoOptions.realistic())
    with open(real / "truth.csv", newline="", encoding="utf-8") as fh:
        truth = {(r["source"], r["source_record_id"]): r["person_id"] for r in csv.DictReader(fh)}
    assert len(truth) == sum(_count_source_records(real).values())
    people = {person for (source, _), person in truth.items() if source != "prospects"}
    # the demo's people and the people Career Relay introduced (connectors/demo/relay.py); the prospects are
    # people of their own besides them
    assert len(people) == 600 + REFERRALS_TO_US
    prospects = {person for (source, _), person in truth.items() if source == "prospects"}
    assert len(prospects) == prospect_count(600) and not prospects & people

    # one agency withholds every contact, the others some
    withheld = _agency_rows(real, "nihon_jinzai")
    assert withheld and all(r["メールアドレス"] == "" and r["電話番号1"] == "" for r in withheld)
    assert all(r["メールアドレス"] == "" and r["電話番号1"] == "" for r in _agency_rows(plain, "nihon_jinzai")) is False
    sakura = _agency_rows(real, "sakura_career")
    assert 0.03 < sum(r["メールアドレス"] == "" and r["電話番号1"] == "" for r in sakura) / len(sakura) < 0.3

    # households: different people (truth) at one address (postal code) with different given names
    agency_rows = [
        (truth[(f"agency_{agency}", r["管理番号"])], r)
        for agency in ("sakura_career", "nihon_jinzai")
        for r in _agency_rows(real, agency)
    ]
    homes = [(person, r["郵便番号"], r["名漢字"]) for person, r in agency_rows]
    for page in (real / "ats" / "greenhouse").glob("candidates_*.json"):
        for c in json.loads(page.read_text()):
            if c["addresses"]:
                postal = c["addresses"][0]["value"].split(" ")[0].lstrip("〒")
                homes.append((truth[("greenhouse", str(c["id"]))], postal, c["first_name"]))
    by_home: dict[str, set] = {}
    for person, postal, given in homes:
        by_home.setdefault(postal, set()).add((person, given))
    shared = [members for members in by_home.values() if len({p for p, _ in members}) > 1]
    assert len(shared) >= 10
    assert sum(len({g for _, g in members}) > 1 for members in shared) >= 0.9 * len(shared)

    # drift: some of a person's records disagree on the birth date or the address form
    births: dict[str, set] = {}
    for person, r in agency_rows:
        if r["生年月日"]:
            births.setdefault(person, set()).add(r["生年月日"])
    streets = "".join(r["住所①"] for _, r in agency_rows)
    assert "丁目" in streets
    assert "丁目" not in "".join(r["住所①"] for r in _agency_rows(plain, "sakura_career"))
    assert len(people) + len(prospects) == len(set(truth.values()))
    assert births  # dates are written in several styles; the identity tests check the mistyped ones match
