"""Quality gate suites. Each suite validates one DataFrame that its query reads from the warehouse.

Every expectation carries `meta.severity`: `blocking` stops the run before anything is sent, `warning`
goes to the run summary. Suites are defined here, in code, and written to the GX project with
add_or_update, so the stored suites never drift from what runs.

Stages, in the order the flows run them:
  raw      after landing, before dbt: required fields present in the latest version of every record
  staging  after dbt: key fields, email and phone validity rates, plausible dates, freshness, volumes
  marts    after dbt: the contract tables (candidates, crosswalk)
  nurture     in the send flow, right before sending: the batch about to go out
  rejections  right before the rejection mail: the batch about to go out
  referrals   right before Career Relay: consent of every person whose data is about to leave
Queries may use {as_of} (the run date, ISO) and {cap_days} (the nurture frequency cap).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connectors.sources import CANDIDATE_RAW_TABLES
from connectors.sources.registry import agency_files, agency_headers

BLOCKING = {"severity": "blocking"}
WARNING = {"severity": "warning"}
REQUIRED_KEY = {"severity": "blocking", "check": "required_key"}

# thresholds people may want to tune
EMAIL_VALID_BLOCKING, EMAIL_VALID_WARNING = 0.80, 0.98
PHONE_VALID_BLOCKING, PHONE_VALID_WARNING = 0.80, 0.98
FRESHNESS_WARNING_DAYS = 90
VOLUME_BAND = (0.5, 3.0)  # this run's records (or batch size) against the median of recent runs
MIN_HISTORY_RUNS = 3
MIN_RATE_SAMPLE = 50  # a source with fewer emails (or phones) than this is not judged on its validity rate


@dataclass(frozen=True)
class GateSuite:
    name: str
    stage: str
    description: str
    query: str
    build: Callable[[], list]
    index_column: str | None = None  # names the failing rows in messages (aggregated suites)

    def expectations(self) -> list:
        return self.build()


def _gxe():
    import great_expectations.expectations as gxe

    return gxe


def _required_keys(*keys: str) -> Callable[[], list]:
    return lambda: [
        _gxe().ExpectColumnValuesToBeBetween(column=key, min_value=0, max_value=0, meta=REQUIRED_KEY) for key in keys
    ]


def _latest(table: str, checks: dict[str, str]) -> str:
    """Counted in DuckDB: one row with the number of records checked and, per required key, how many lack it.

    Checked: records of loads no raw gate has passed yet, unless a later load replaced them. So a rerun
    without fixing a bad export fails again, a corrected export replaces the bad records and passes, and
    a run only pays for what it landed."""
    columns = ",\n            ".join(
        f'count(*) filter (where not ({expr})) as "{name}"' for name, expr in checks.items()
    )
    return f"""
        select
            count(*) as records,
            {columns}
        from raw.{table} as r
        where r.load_id in (select load_id from audit.loads where raw_gate_passed_at is null)
          and not exists (
                select 1 from raw.{table} as newer
                where newer.source = r.source and newer.source_record_id = r.source_record_id
                  and (newer.loaded_at > r.loaded_at or (newer.loaded_at = r.loaded_at and newer.load_id > r.load_id)))
    """


def _has(*paths: str) -> str:
    return " or ".join(f"json_exists(record, '{p}')" for p in paths)


def _any_header(columns: tuple[str, ...]) -> tuple[str, str]:
    """One check over agency header groups (the vocabulary in dbt_project.yml, vars.agency_files): its name,
    e.g. "メールアドレス/電話番号1 or email/phone", and the condition that the record has any of the headers."""
    vocabulary = agency_files()["columns"]
    names = " or ".join("/".join(vocabulary[c][i] for c in columns) for i in range(len(vocabulary[columns[0]])))
    return names, _has(*(f'$."{header}"' for header in agency_headers(*columns)))


# a record has a name column and a contact column, in Japanese or English headers
AGENCY_CHECKS = dict(_any_header(tuple(agency_files()[group])) for group in ("name_columns", "contact_columns"))


RAW_SUITES = (
    GateSuite(
        "raw_greenhouse_candidates",
        "raw",
        "Greenhouse candidate objects carry the documented keys (a renamed field is caught by name).",
        _latest(
            "greenhouse_candidates",
            {
                k: _has(f"$.{k}")
                for k in ("id", "first_name", "last_name", "email_addresses", "phone_numbers", "created_at")
            },
        ),
        _required_keys("id", "first_name", "last_name", "email_addresses", "phone_numbers", "created_at"),
    ),
    GateSuite(
        "raw_greenhouse_applications",
        "raw",
        "Greenhouse application objects carry the documented keys.",
        _latest("greenhouse_applications", {k: _has(f"$.{k}") for k in ("id", "candidate_id", "status", "applied_at")}),
        _required_keys("id", "candidate_id", "status", "applied_at"),
    ),
    GateSuite(
        "raw_indeed_applications",
        "raw",
        "Indeed Apply payloads carry the applicant, their name and the application time.",
        _latest(
            "indeed_applications",
            {
                "applicant": _has("$.applicant"),
                "applicant.fullName": _has("$.applicant.fullName"),
                "appliedOnMillis": _has("$.appliedOnMillis"),
            },
        ),
        _required_keys("applicant", "applicant.fullName", "appliedOnMillis"),
    ),
    GateSuite(
        "raw_agency_candidates",
        "raw",
        "Agency rows have a name column and a contact column, in Japanese or English headers.",
        _latest("agency_candidates", AGENCY_CHECKS),
        _required_keys(*AGENCY_CHECKS),
    ),
    GateSuite(
        "raw_sendgrid_events",
        "raw",
        "SendGrid events carry the event type, the address and the time.",
        _latest("sendgrid_events", {k: _has(f"$.{k}") for k in ("event", "email", "timestamp")}),
        _required_keys("event", "email", "timestamp"),
    ),
)


def _validity():
    gxe = _gxe()
    return [
        gxe.ExpectColumnValuesToBeBetween(column="email_valid_share", min_value=EMAIL_VALID_BLOCKING, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(column="email_valid_share", min_value=EMAIL_VALID_WARNING, meta=WARNING),
        gxe.ExpectColumnValuesToBeBetween(column="phone_valid_share", min_value=PHONE_VALID_BLOCKING, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(column="phone_valid_share", min_value=PHONE_VALID_WARNING, meta=WARNING),
        gxe.ExpectColumnValuesToBeBetween(column="record_dates_implausible", min_value=0, max_value=0, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(column="birth_dates_implausible", min_value=0, max_value=0, meta=WARNING),
        gxe.ExpectColumnValuesToBeBetween(column="records_without_key", min_value=0, max_value=0, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(
            column="days_since_newest_record", max_value=FRESHNESS_WARNING_DAYS, meta=WARNING
        ),
    ]


def _volume_band(above_is: dict) -> Callable[[], list]:
    """ratio_to_recent_median inside VOLUME_BAND: too small is a warning, too large is `above_is`."""

    def build():
        gxe = _gxe()
        low, high = VOLUME_BAND
        return [
            gxe.ExpectColumnValuesToBeBetween(column="ratio_to_recent_median", max_value=high, meta=above_is),
            gxe.ExpectColumnValuesToBeBetween(column="ratio_to_recent_median", min_value=low, meta=WARNING),
        ]

    return build


STAGING_SUITES = (
    GateSuite(
        "staging_candidate_records",
        "staging",
        "Per source: emails and phones that normalise to valid values, record dates between 2000 and the run "
        "date, birth dates that can be real, every record with its key, and the newest record not too old.",
        """
        select
            source,
            -- rates are judged only on a sample large enough to mean something
            case when count(email_raw) >= {MIN_RATE_SAMPLE}
                 then count(email) filter (where email_raw is not null) / count(email_raw) end as email_valid_share,
            case when count(phone_raw) >= {MIN_RATE_SAMPLE}
                 then count(phone) filter (where phone_raw is not null) / count(phone_raw) end as phone_valid_share,
            count(*) filter (where record_date < date '2000-01-01' or record_date > date '{as_of}' + interval 1 day)
                as record_dates_implausible,
            count(*) filter (where birth_date_raw is not null and birth_date is null) as birth_dates_implausible,
            count(*) filter (where source_record_id is null or source_record_id = '') as records_without_key,
            date_diff('day', max(record_date), date '{as_of}') as days_since_newest_record
        from intermediate.int_candidate_records_unioned
        group by source
        """.replace("{MIN_RATE_SAMPLE}", str(MIN_RATE_SAMPLE)),
        _validity,
        index_column="source",
    ),
    GateSuite(
        "staging_load_volumes",
        "staging",
        "Per stream, the records this run landed against the median of the last runs that landed any "
        "(an export that suddenly shrinks by half, or triples, is suspicious). Needs 3 earlier runs.",
        f"""
        with per_run as (
            select stream, run_id, sum(records_read) as records, max(started_at) as run_started_at
            from audit.loads
            where status = 'loaded' and run_id is not null and records_read > 0
            group by stream, run_id
        ),
        ranked as (
            select *, row_number() over (partition by stream order by run_started_at desc) as recency
            from per_run
        ),
        history as (
            select stream, median(records) as median_records, count(*) as runs
            from ranked where recency between 2 and 11 group by stream
        )
        select latest.stream, latest.records,
               case when history.runs >= {MIN_HISTORY_RUNS} then latest.records / history.median_records end
                   as ratio_to_recent_median
        from ranked as latest
        left join history on history.stream = latest.stream
        where latest.recency = 1
        """,
        _volume_band(WARNING),
        index_column="stream",
    ),
)


def _candidates():
    gxe = _gxe()
    return [
        gxe.ExpectColumnToExist(column="candidate_id", meta=BLOCKING),
        gxe.ExpectColumnValuesToNotBeNull(column="candidate_id", meta=BLOCKING),
        gxe.ExpectColumnValuesToBeUnique(column="candidate_id", meta=BLOCKING),
        gxe.ExpectTableRowCountToBeBetween(min_value=1, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="email_well_formed", value_set=[True], mostly=0.99, meta=WARNING),
        gxe.ExpectColumnValuesToBeInSet(column="phone_well_formed", value_set=[True], mostly=0.99, meta=WARNING),
    ]


def _crosswalk():
    gxe = _gxe()
    return [
        gxe.ExpectColumnValuesToBeBetween(column="records_missing", min_value=0, max_value=0, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(column="records_more_than_once", min_value=0, max_value=0, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(column="rows_without_candidate", min_value=0, max_value=0, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(column="candidates_without_profile", min_value=0, max_value=0, meta=BLOCKING),
    ]


def _scores():
    gxe = _gxe()
    return [
        gxe.ExpectColumnValuesToBeBetween(column="lowest_engagement_score", min_value=0, max_value=100, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(column="highest_engagement_score", min_value=0, max_value=100, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(column="lowest_fit_score", min_value=0, max_value=100, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(column="highest_fit_score", min_value=0, max_value=100, meta=BLOCKING),
        gxe.ExpectColumnValuesToBeBetween(column="hired_in_talent_pool", min_value=0, max_value=0, meta=BLOCKING),
    ]


LANDED_CANDIDATE_RECORDS = "\n            union all ".join(
    f"select distinct source, source_record_id from raw.{table}" for table in CANDIDATE_RAW_TABLES
)

MART_SUITES = (
    # personal data never enters a validation (results and Data Docs would show it): only whether it is well formed
    # (queries go through str.format: literal braces are doubled)
    GateSuite(
        "marts_candidates",
        "marts",
        "One row per candidate_id; emails and phones well formed.",
        r"""select candidate_id,
                        regexp_full_match(email, '[^@\s]+@[^@\s]+\.[^@\s]+') as email_well_formed,
                        regexp_full_match(phone, '\+[1-9][0-9]{{7,14}}') as phone_well_formed
                 from marts.candidates""",
        _candidates,
    ),
    GateSuite(
        "marts_candidate_crosswalk",
        "marts",
        "Every landed candidate record is in the crosswalk exactly once, with a candidate that has a profile.",
        """
        with landed as (
            {LANDED_CANDIDATE_RECORDS}
        ),
        counted as (
            select source, source_record_id, count(*) as n from marts.candidate_crosswalk group by all
        )
        select
            (select count(*) from landed l where not exists (select 1 from counted c
                where c.source = l.source and c.source_record_id = l.source_record_id)) as records_missing,
            (select count(*) from counted where n > 1) as records_more_than_once,
            (select count(*) from marts.candidate_crosswalk where candidate_id is null) as rows_without_candidate,
            (select count(distinct x.candidate_id) from marts.candidate_crosswalk x
              where not exists (select 1 from marts.candidates c where c.candidate_id = x.candidate_id))
                as candidates_without_profile
        """.replace("{LANDED_CANDIDATE_RECORDS}", LANDED_CANDIDATE_RECORDS),
        _crosswalk,
    ),
    GateSuite(
        "marts_scores",
        "marts",
        "Engagement and fit scores stay within 0-100; nobody hired is in the talent pool.",
        """
        select
            coalesce((select min(engagement_score) from marts.candidate_scores), 0) as lowest_engagement_score,
            coalesce((select max(engagement_score) from marts.candidate_scores), 0) as highest_engagement_score,
            coalesce((select min(fit_score) from marts.job_matches), 0) as lowest_fit_score,
            coalesce((select max(fit_score) from marts.job_matches), 0) as highest_fit_score,
            (select count(*) from marts.talent_pool p
              join marts.candidates c on c.candidate_id = p.candidate_id where c.is_hired) as hired_in_talent_pool
        """,
        _scores,
    ),
)


def _nurture_batch():
    gxe = _gxe()
    return [
        gxe.ExpectColumnValuesToBeInSet(column="has_email", value_set=[True], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeUnique(column="candidate_id", meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_suppressed", value_set=[False], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_opted_in", value_set=[True], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_hired", value_set=[False], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_already_sent_this_campaign", value_set=[False], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_within_frequency_cap", value_set=[False], meta=BLOCKING),
    ]


NURTURE_SUITES = (
    GateSuite(
        "nurture_batch",
        "nurture",
        "Nobody in the batch about to be sent is suppressed (bounce, block, spam report, unsubscribe, group "
        "unsubscribe: read straight from the SendGrid events), without opt-in, hired, already mailed this "
        "campaign, or mailed within the frequency cap (read straight from the send ledger).",
        """
        with suppressing_events as (
            select distinct email from staging.stg_sendgrid__events
            where event_type in ('bounce', 'spamreport', 'unsubscribe', 'group_unsubscribe')
               or (event_type = 'dropped' and reason is not null)
        )
        select
            b.candidate_id,
            b.email is not null as has_email,
            b.email in (select email from suppressing_events) as is_suppressed,
            coalesce(c.is_marketing_opt_in, false) as is_opted_in,
            coalesce(c.is_hired, false) as is_hired,
            -- the ledger as it was when the batch was built: what the mart had to exclude. Rows written since
            -- are this send's own progress (a retried run, a crashed one resumed): the send step skips them.
            exists (select 1 from outbox.send_ledger l where l.candidate_id = b.candidate_id
                    and l.campaign_id = b.campaign_id and l.step = b.step and l.recorded_at < coalesce(b.batch_built_at, timestamp '9999-12-31'))
                as is_already_sent_this_campaign,
            exists (select 1 from outbox.send_ledger l where l.candidate_id = b.candidate_id
                    and l.recorded_at < coalesce(b.batch_built_at, timestamp '9999-12-31')
                    and l.recorded_at >= timestamp '{as_of}' - to_days({cap_days})) as is_within_frequency_cap
        from marts.nurture_batch b
        left join marts.candidates c on c.candidate_id = b.candidate_id
        """,
        _nurture_batch,
    ),
    GateSuite(
        "nurture_batch_size",
        "nurture",
        "The batch is not far larger than the batches of recent runs (a consent default flipped in an export "
        "would suddenly mail everyone). Needs 3 earlier runs that sent.",
        f"""
        with per_run as (
            select run_id, sum(recipients) as recipients from outbox.messages
            where run_id is not null and run_id <> '' group by run_id
        ),
        history as (select median(recipients) as median_recipients, count(*) as runs from per_run)
        select (select count(*) from marts.nurture_batch) as batch_size,
               case when runs >= {MIN_HISTORY_RUNS} and (select count(*) from marts.nurture_batch) > 0
                    then (select count(*) from marts.nurture_batch) / median_recipients end as ratio_to_recent_median
        from history
        """,
        _volume_band(BLOCKING),
    ),
)


def _rejection_batch():
    gxe = _gxe()
    return [
        gxe.ExpectColumnValuesToBeInSet(column="has_email", value_set=[True], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeUnique(column="step", meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_rejected", value_set=[True], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_suppressed", value_set=[False], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_opted_in", value_set=[True], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_already_sent", value_set=[False], meta=BLOCKING),
    ]


def _referral_batch():
    gxe = _gxe()
    return [
        gxe.ExpectColumnValuesToBeUnique(column="candidate_id", meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="has_relay_consent", value_set=[True], meta=BLOCKING),
        gxe.ExpectColumnValuesToNotBeNull(column="consent_reference", meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_consent_record_landed", value_set=[True], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_rejected", value_set=[True], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_hired", value_set=[False], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_already_provided", value_set=[False], meta=BLOCKING),
    ]


SUPPRESSING_EVENTS = """
        select distinct email from staging.stg_sendgrid__events
        where event_type in ('bounce', 'spamreport', 'unsubscribe', 'group_unsubscribe')
           or (event_type = 'dropped' and reason is not null)"""

OUTBOUND_SUITES = (
    GateSuite(
        "rejection_mail_batch",
        "rejections",
        "Every rejection mail about to go out answers a real rejection, goes to an opted-in person whose "
        "address is not suppressed (read straight from the SendGrid events), and was never sent before "
        "(read straight from the send ledger).",
        f"""
        with suppressing_events as ({SUPPRESSING_EVENTS})
        select
            b.step,
            b.email is not null as has_email,
            exists (select 1 from marts.applications a where a.application_key = b.step and a.status = 'rejected')
                as is_rejected,
            b.email in (select email from suppressing_events) as is_suppressed,
            coalesce(c.is_marketing_opt_in, false) as is_opted_in,
            exists (select 1 from outbox.send_ledger l where l.campaign_id = b.campaign_id and l.step = b.step
                    and l.recorded_at < coalesce(b.batch_built_at, timestamp '9999-12-31')) as is_already_sent
        from marts.rejection_mail_batch b
        left join marts.candidates c on c.candidate_id = b.candidate_id
        """,
        _rejection_batch,
        index_column="step",
    ),
    GateSuite(
        "relay_referral_batch",
        "referrals",
        "Personal data goes to Career Relay only for people with recorded consent to that provision (Japan's "
        "APPI): the consent is true, its source record is named and is a landed record of this person; they "
        "were rejected, not hired, and not provided before (read straight from the provision log).",
        """
        select
            b.candidate_id,
            coalesce(c.has_relay_consent, false) as has_relay_consent,
            case when b.consent_reference = c.relay_consent_record then b.consent_reference end as consent_reference,
            exists (select 1 from marts.candidate_crosswalk x where x.candidate_id = b.candidate_id
                    and x.record_key = b.consent_reference) as is_consent_record_landed,
            exists (select 1 from marts.applications a where a.application_key = b.application_key
                    and a.status = 'rejected') as is_rejected,
            coalesce(c.is_hired, false) as is_hired,
            exists (select 1 from outbox.provision_log p where p.recipient = 'career_relay'
                    and p.candidate_id = b.candidate_id) as is_already_provided
        from marts.relay_referral_batch b
        left join marts.candidates c on c.candidate_id = b.candidate_id
        """,
        _referral_batch,
        index_column="candidate_id",
    ),
)

SUITES = RAW_SUITES + STAGING_SUITES + MART_SUITES + NURTURE_SUITES + OUTBOUND_SUITES

# What a stage records once it has passed: the raw gate marks the loads it checked.
AFTER_PASS = {
    "raw": "update audit.loads set raw_gate_passed_at = ? where raw_gate_passed_at is null and started_at <= ?",
}


def suites_for(stage: str) -> list[GateSuite]:
    return [s for s in SUITES if s.stage == stage]
