"""The campaign catalogue (dbt_project/seeds/campaigns.csv), checked before every dbt build: one message per bad line
that names the file, the line and the fix, so HR staff who edit it see what to change, not a dbt stack trace.

The same rules are dbt tests on the seed (dbt_project/seeds/_seeds.yml, severity error) for anyone who runs dbt by
hand; dbt's own message names the test and a count, not the line, hence this check.

    python -m outbound.catalogue            # check the project's catalogue
    python -m outbound.catalogue some.csv   # check another file
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"
CATALOGUE = SEEDS / "campaigns.csv"

COLUMNS = (
    "campaign",
    "kind",
    "priority",
    "job_family",
    "region",
    "experience_band",
    "history",
    "engagement_band",
    "template",
    "variants",
    "schedule",
    "frequency_cap_days",
    "active",
    "description",
)
# the kinds a catalogue row can be, and the one schedule each runs on (rejection mail answers every rejection and
# consent renewal follows the retention settings: neither is a catalogue campaign)
SCHEDULES = {"nurture": "monthly", "new_position": "on_job_open", "reapply_notice": "on_eligible_date"}
HISTORIES = ("rejected", "declined", "past_applicant", "prospect")
ENGAGEMENT_BANDS = ("high", "medium", "low", "none")
EXPERIENCE_BANDS = ("0-2 years", "3-5 years", "6-9 years", "10+ years", "unknown")
PREFECTURES = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
    "unknown",
]
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TEMPLATE = re.compile(r"^crm-[a-z_]+$")
VARIANT = re.compile(r"^[a-z0-9_]+$")


class CatalogueInvalid(ValueError):
    """The catalogue has bad lines; the message lists each one with its fix."""


def job_families(seeds: Path = SEEDS) -> tuple[str, ...]:
    with open(seeds / "job_type_families.csv", encoding="utf-8", newline="") as file:
        return tuple(sorted({row["job_family"] for row in csv.DictReader(file) if row.get("job_family")}))


def _one_of(value: str, allowed, what: str) -> str | None:
    """A rule value: blank (anyone) or one or more allowed values joined by '|'."""
    parts = [part.strip() for part in value.split("|")]
    wrong = [part for part in parts if part not in allowed]
    if not wrong:
        return None
    return f"{what} {', '.join(repr(w) for w in wrong)} is not one of {' | '.join(allowed)} (leave it blank for any)"


def _line_problems(row: dict, families: tuple[str, ...]) -> list[str]:
    problems = []
    name, kind = row["campaign"], row["kind"]
    if not NAME.match(name):
        problems.append("campaign must be a name of lower-case letters, digits and hyphens, e.g. nurture-sales-kanto")
    if kind not in SCHEDULES:
        problems.append(f"kind {kind!r} is not one of {', '.join(SCHEDULES)}")
    elif row["schedule"] != SCHEDULES[kind]:
        problems.append(f"schedule {row['schedule']!r} does not fit kind {kind}: write {SCHEDULES[kind]}")
    if not row["priority"].isdigit():
        problems.append(f"priority {row['priority']!r} must be a whole number (1 is picked before 2)")
    for column, allowed in (
        ("job_family", families),
        ("region", PREFECTURES),
        ("experience_band", EXPERIENCE_BANDS),
        ("history", HISTORIES),
        ("engagement_band", ENGAGEMENT_BANDS),
    ):
        if row[column] and (problem := _one_of(row[column], allowed, column)):
            problems.append(problem)
    if kind == "nurture" and "past_applicant" in row["history"].split("|"):
        problems.append(
            "history past_applicant: the nurture audience is rejected, declined and prospect people (past "
            "applicants are not nurtured); remove it here, or name them in a new_position row"
        )
    if not TEMPLATE.match(row["template"]):
        problems.append(f"template {row['template']!r} must be a template name like crm-{kind or 'nurture'}")
    if row["variants"]:
        variants = row["variants"].split("|")
        if len(variants) < 2 or len(set(variants)) != len(variants) or not all(VARIANT.match(v) for v in variants):
            problems.append(
                f"variants {row['variants']!r} must be two or more different names of lower-case letters or "
                "digits joined by '|', e.g. a|b (leave it blank for no A/B test)"
            )
    if row["frequency_cap_days"] and not row["frequency_cap_days"].isdigit():
        problems.append(
            f"frequency_cap_days {row['frequency_cap_days']!r} must be a whole number of days (blank: the default "
            "cap, var nurture_frequency_cap_days)"
        )
    if row["active"] not in ("true", "false"):
        problems.append(f"active {row['active']!r} must be true or false")
    return problems


def catalogue_problems(path: Path | None = None, families: tuple[str, ...] | None = None) -> list[str]:
    """Every problem of the file, one message each: '<file> line <n>: <what is wrong and the fix>'."""
    path, families = path or CATALOGUE, families or job_families()
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return [f"{path} line 1: the file starts with a byte-order mark: save it as UTF-8 without BOM"]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [f"{path}: the file is not UTF-8: save it as CSV UTF-8 (not Shift_JIS)"]
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        return [f"{path} line 1: the file is empty: it needs the header line {','.join(COLUMNS)}"]
    header = [column.strip() for column in header]
    if header != list(COLUMNS):
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        detail = "; ".join(
            part
            for part in (
                missing and f"missing {', '.join(missing)}",
                extra and f"unknown {', '.join(extra)}",
                not missing and not extra and "the columns are out of order",
            )
            if part
        )
        return [f"{path} line 1: the header must be {','.join(COLUMNS)} ({detail})"]
    problems, seen = [], {}
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(COLUMNS):
            problems.append(
                f"{path} line {number}: {len(values)} fields instead of {len(COLUMNS)}: put a comma between every "
                "column, and quote a value that holds a comma"
            )
            continue
        row = {column: value.strip() for column, value in zip(COLUMNS, values)}
        for problem in _line_problems(row, families):
            problems.append(f"{path} line {number}: {problem}")
        if row["campaign"] in seen:
            problems.append(
                f"{path} line {number}: campaign {row['campaign']!r} is already on line {seen[row['campaign']]}: "
                "give each campaign its own name"
            )
        seen.setdefault(row["campaign"], number)
    return problems


def check_catalogue(path: Path | None = None) -> None:
    problems = catalogue_problems(path)
    if problems:
        raise CatalogueInvalid(
            f"the campaign catalogue has {len(problems)} problem(s); fix them and run again:\n  "
            + "\n  ".join(problems)
        )


if __name__ == "__main__":
    found = catalogue_problems(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print("\n".join(found) or "the campaign catalogue is valid")
    sys.exit(1 if found else 0)
