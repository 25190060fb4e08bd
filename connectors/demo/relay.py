"""The demo closes the Career Relay loop (issue 18): our rejection mails carried a personal Career Relay link,
some of the people rejected registered at Career Relay through it, the operator reports those registrations,
every 10 of them earn us a free slot, and Career Relay introduces people to us, who enter as candidates.

Two halves, because a tracking token exists only once a rejection mail was sent:

- The generator's side (`RelayHistory`, fed by the generator as it writes Greenhouse applications): the
  operator's registration report for a share of the rejection mails of the demo's history, naming the tokens
  exactly as outbound/relay_links.py computes them (HMAC of the company and the application key under
  CareerRelaySettings' token secret, the demo's defaults unless the environment sets them), and a referral
  file of people Career Relay introduced to us. `<landing>/career_relay/registrations/` and `.../referrals/`.
  Its own random generator: every other demo file keeps its bytes for a seed.
- The warehouse's side (`record_earlier_rejection_mails`, run by `make run` before the pipeline:
  `python -m connectors.demo.relay`): the demo's history includes the rejection mails the CRM sent before,
  so their send-ledger rows and issued links are recorded as the rejection send step records them (campaign
  'rejection', step = the application key, batch 'demo-history', dated the day after the rejection). That
  needs the candidates' ids, so it lands the demo and builds the models up to marts.rejections first.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import hmac
import random
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

HISTORY_BATCH = "demo-history"
REGISTRATION_SHARE = 0.03  # of the people our rejection mail reached, this share registered at Career Relay
MIN_REGISTRATIONS = 12  # at least one free slot (10 referrals) whatever the demo's size
REFERRALS_TO_US = 3  # people Career Relay introduced to us (each uses a free slot while there is one)


@dataclass
class RelayHistory:
    """Collects the rejection mails of the demo's history while the generator writes applications, then
    writes the operator's registration report and Career Relay's referrals to us."""

    seed: int
    history_end: date
    mailed: list[tuple[str, date]] = field(default_factory=list)

    def note_application(self, application: dict, opted_in: bool, has_email: bool) -> None:
        """A Greenhouse application just written: a rejection by us (not a declined offer) of a person we
        may mail, closed in the demo's history, got a rejection mail with its Career Relay link."""
        reason = application.get("rejection_reason") or {}
        if (
            application.get("status") != "rejected"
            or not application.get("rejected_at")
            or (reason.get("type") or {}).get("name") != "We rejected them"
            or not (opted_in and has_email)
        ):
            return
        rejected = date.fromisoformat(application["rejected_at"][:10])
        if rejected <= self.history_end:
            self.mailed.append((f"greenhouse:{application['id']}", rejected))

    def write(self, out: Path) -> tuple[int, int]:
        """The registration report and the referrals file; returns how many rows each has."""
        settings = _settings()
        rng = random.Random(f"relay-{self.seed}")
        wanted = min(len(self.mailed), max(MIN_REGISTRATIONS, round(REGISTRATION_SHARE * len(self.mailed))))
        registered = sorted(rng.sample(self.mailed, wanted), key=lambda item: (item[1], item[0]))
        folder = out / "career_relay" / "registrations"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "registrations.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["registration_id", "tracking_token", "company_id", "registered_at"])
            for number, (application_key, rejected) in enumerate(registered, start=1):
                moment = datetime(rejected.year, rejected.month, rejected.day, 9) + timedelta(
                    days=rng.randint(2, 20), minutes=rng.randint(0, 600)
                )
                writer.writerow(
                    [
                        f"CR-REG-{number:05d}",
                        demo_tracking_token(settings.token_secret, settings.company_id, application_key),
                        settings.company_id,
                        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    ]
                )
        referrals = self._write_referrals(out, rng, registered[-1][1] if registered else self.history_end)
        return len(registered), referrals

    def _write_referrals(self, out: Path, rng: random.Random, after: date) -> int:
        """People who registered at Career Relay (after another company's rejection) and were introduced to us:
        they land as candidates from the source career_relay."""
        from . import catalog
        from .people import make_person

        folder = out / "career_relay" / "referrals"
        folder.mkdir(parents=True, exist_ok=True)
        truth: list[tuple[str, str, str]] = []
        with open(folder / "referrals.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "referral_id",
                    "family_name",
                    "given_name",
                    "family_name_kana",
                    "given_name_kana",
                    "email",
                    "phone",
                    "birth_date",
                    "desired_job_type",
                    "skills",
                    "referred_at",
                    "marketing_opt_in",
                    "third_party_consent",
                ]
            )
            for number in range(1, REFERRALS_TO_US + 1):
                # indexes far above any demo size: new people, not anyone the demo already has
                person = make_person(900_000 + number, rng)
                truth.append(("career_relay", f"CR-REF-{number:05d}", person.pid))
                referred = after + timedelta(days=rng.randint(5, 25))
                writer.writerow(
                    [
                        f"CR-REF-{number:05d}",
                        person.family,
                        person.given,
                        person.family_kana or "",
                        person.given_kana or "",
                        person.email,
                        person.phone,
                        person.birth.isoformat(),
                        catalog.JOB_FAMILIES[person.job_family][0],
                        "|".join(person.skills),
                        referred.isoformat(),
                        "yes",
                        "yes",
                    ]
                )
        # the ground truth lists them like every other source record (one person each)
        if (out / "truth.csv").is_file():
            with open(out / "truth.csv", "a", newline="", encoding="utf-8") as handle:
                csv.writer(handle, lineterminator="\n").writerows(truth)
        return REFERRALS_TO_US


def demo_tracking_token(secret: str, company_id: str, application_key: str) -> str:
    """The token our rejection mail carries for this rejection: the same HMAC as outbound/relay_links.py's
    tracking_token (connectors may not import outbound; tests/connectors/demo checks the two agree)."""
    digest = hmac.new(secret.encode(), f"{company_id}\n{application_key}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:15]).decode().lower()


def _settings():
    from connectors.sinks.career_relay.settings import CareerRelaySettings

    return CareerRelaySettings()


def _already_recorded(con) -> bool:
    return bool(
        con.execute("select count(*) from outbox.send_ledger where batch_id = ?", [HISTORY_BATCH]).fetchone()[0]
    )


def record_earlier_rejection_mails(warehouse: str | Path, history_end: date) -> int:
    """The send-ledger rows and Career Relay links of the rejection mails the demo's history sent: every rejection
    by us closed by `history_end`, of a person we may mail, recorded as the rejection send step records them,
    dated the day after the rejection. Once per warehouse (a second call records nothing); returns the count.
    Needs marts.rejections and marts.candidates (a build)."""
    import pyarrow as pa

    from crm.warehouse import connect, transaction

    settings = _settings()
    with connect(warehouse) as con:
        if _already_recorded(con):
            return 0
        rows = con.execute(
            """
            select rejections.candidate_id, rejections.application_key, rejections.closed_date
            from marts.rejections as rejections
            inner join marts.candidates as candidates on candidates.candidate_id = rejections.candidate_id
            where rejections.status = 'rejected' and rejections.application_key like 'greenhouse:%'
              and rejections.closed_date <= ? and candidates.email is not null
              and coalesce(candidates.is_marketing_opt_in, false)
            order by rejections.closed_date, rejections.application_key""",
            [history_end],
        ).fetchall()
        if not rows:
            return 0
        sent = [datetime(d.year, d.month, d.day, 10) + timedelta(days=1) for _, _, d in rows]
        ledger_rows = pa.table(  # noqa: F841 (read by the SQL below)
            {
                "candidate_id": [candidate for candidate, _, _ in rows],
                "campaign_id": ["rejection"] * len(rows),
                "step": [key for _, key, _ in rows],
                "batch_id": [HISTORY_BATCH] * len(rows),
                "mode": ["outbox"] * len(rows),
                "status": ["written"] * len(rows),
                "message_id": pa.nulls(len(rows), pa.string()),
                "run_id": pa.nulls(len(rows), pa.string()),
                "recorded_at": pa.array(sent, pa.timestamp("us")),
                "kind": ["rejection"] * len(rows),
                "variant": pa.nulls(len(rows), pa.string()),
                "segment": pa.nulls(len(rows), pa.string()),
            }
        )
        link_rows = pa.table(  # noqa: F841 (read by the SQL below); the columns of outbox.relay_links
            {
                "tracking_token": [
                    demo_tracking_token(settings.token_secret, settings.company_id, key) for _, key, _ in rows
                ],
                "company_id": [settings.company_id] * len(rows),
                "candidate_id": [candidate for candidate, _, _ in rows],
                "application_key": [key for _, key, _ in rows],
                "channel": ["rejection_mail"] * len(rows),
                "batch_id": [HISTORY_BATCH] * len(rows),
                "issued_at": pa.array(sent, pa.timestamp("us")),  # each link issued with its own mail
            }
        )
        with transaction(con):
            con.execute("INSERT INTO outbox.send_ledger BY NAME SELECT * FROM ledger_rows ON CONFLICT DO NOTHING")
            con.execute("INSERT INTO outbox.relay_links BY NAME SELECT * FROM link_rows ON CONFLICT DO NOTHING")
    return len(rows)


def prepare_demo_history(landing: str | Path, warehouse: str | Path, as_of: date, history_end: date) -> int:
    """Before the demo's first pipeline run: land the demo, build up to marts.rejections and marts.candidates, and
    record the rejection mails of its history. Nothing to do on a warehouse that has them already."""
    from connectors.common.landing import land_stream
    from connectors.sources import RAW_TABLES, all_streams
    from crm.warehouse import connect, ensure_schema

    with connect(warehouse) as con:
        ensure_schema(con, RAW_TABLES)
        if _already_recorded(con):
            return 0
        for stream in all_streams(Path(landing)):
            land_stream(con, stream)
    # dbt in its own process, as `make` runs it (connectors do not import the crm library beyond the warehouse)
    subprocess.run(
        [sys.executable, "-m", "crm.dbt_runner", "--warehouse", str(warehouse), "--as-of", as_of.isoformat()]
        + ["--", "build", "--select", "+rejections", "+candidates"]
        + ["--exclude", "resource_type:test", "resource_type:unit_test"],  # seeds and models; the pipeline tests
        check=True,
    )
    return record_earlier_rejection_mails(warehouse, history_end)


def main(argv: list[str] | None = None) -> int:
    from zoneinfo import ZoneInfo

    from crm.warehouse import resolve

    from .generator import DATA_END

    parser = argparse.ArgumentParser(prog="python -m connectors.demo.relay", description=__doc__)
    parser.add_argument("--landing", default="data/landing")
    parser.add_argument("--warehouse", default="data/warehouse.duckdb")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    recorded = prepare_demo_history(
        resolve(args.landing),
        resolve(args.warehouse),
        args.as_of or datetime.now(ZoneInfo("Asia/Tokyo")).date(),
        DATA_END,
    )
    if recorded:
        print(f"demo history: {recorded:,} earlier rejection mails with their Career Relay links recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
