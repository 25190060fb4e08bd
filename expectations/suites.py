"""Quality gate suites. Each suite checks one DataFrame the gate builds from the warehouse.

Every expectation carries `meta.severity`: `blocking` stops the run before anything is sent, `warning`
is reported in the run summary. Suites are defined here, in code, and written to the GX project with
add_or_update, so the stored suites never drift from what runs.
"""

from __future__ import annotations

from dataclasses import dataclass

BLOCKING = {"severity": "blocking"}
WARNING = {"severity": "warning"}


@dataclass(frozen=True)
class GateSuite:
    name: str
    description: str
    query: str  # DuckDB SQL giving the DataFrame to validate; aggregate in DuckDB where the check allows

    def expectations(self):
        return SUITE_EXPECTATIONS[self.name]()


def _candidates():
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnToExist(column="candidate_id", meta=BLOCKING),
        gxe.ExpectColumnValuesToNotBeNull(column="candidate_id", meta=BLOCKING),
        gxe.ExpectColumnValuesToBeUnique(column="candidate_id", meta=BLOCKING),
        gxe.ExpectTableRowCountToBeBetween(min_value=1, meta=BLOCKING),
        gxe.ExpectColumnValuesToMatchRegex(column="email", regex=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", mostly=0.99, meta=WARNING),
        gxe.ExpectColumnValuesToMatchRegex(column="phone", regex=r"^\+81[0-9]{9,10}$", mostly=0.99, meta=WARNING),
    ]


def _crosswalk():
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="candidate_id", meta=BLOCKING),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["source", "source_record_id"], meta=BLOCKING),
        # every landed candidate record is in the crosswalk: missing_from_crosswalk counts those that are not
        gxe.ExpectColumnValuesToBeBetween(column="missing_from_crosswalk", min_value=0, max_value=0, meta=BLOCKING),
    ]


def _nurture_audience():
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="email", meta=BLOCKING),
        gxe.ExpectColumnValuesToBeUnique(column="candidate_id", meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_suppressed", value_set=[False], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_opted_in", value_set=[True], meta=BLOCKING),
        gxe.ExpectColumnValuesToBeInSet(column="is_hired", value_set=[False], meta=BLOCKING),
    ]


def _greenhouse_raw():
    import great_expectations.expectations as gxe

    # one row per Greenhouse candidate; each column says whether the object has that required key
    required = {**BLOCKING, "check": "required_key"}
    return [
        gxe.ExpectColumnValuesToBeInSet(column=key, value_set=[True], meta=required)
        for key in ("email_addresses", "phone_numbers", "first_name", "last_name")
    ]


SUITE_EXPECTATIONS = {
    "raw_greenhouse_candidates": _greenhouse_raw,
    "marts_candidates": _candidates,
    "marts_candidate_crosswalk": _crosswalk,
    "marts_nurture_audience": _nurture_audience,
}

SUITES = (
    GateSuite(
        "raw_greenhouse_candidates",
        "Greenhouse candidate objects carry the documented keys (schema drift is caught by name). Checks the "
        "latest landed version of every candidate, which is what staging reads: a rerun without fixing the "
        "file fails again.",
        """
        select
            json_exists(record, '$.email_addresses') as email_addresses,
            json_exists(record, '$.phone_numbers') as phone_numbers,
            json_exists(record, '$.first_name') as first_name,
            json_exists(record, '$.last_name') as last_name
        from (
            select record, row_number() over (partition by source_record_id order by loaded_at desc, load_id desc) as rn
            from raw.greenhouse_candidates
        )
        where rn = 1
        """,
    ),
    GateSuite(
        "marts_candidates",
        "One row per candidate_id.",
        "select candidate_id, email, phone from marts.candidates",
    ),
    GateSuite(
        "marts_candidate_crosswalk",
        "Every landed candidate record maps to exactly one candidate.",
        """
        select x.source, x.source_record_id, x.candidate_id,
               (select count(*) from intermediate.int_candidate_records_unioned u
                 where not exists (select 1 from marts.candidate_crosswalk c where c.record_key = u.record_key))
                 as missing_from_crosswalk
        from marts.candidate_crosswalk x
        """,
    ),
    GateSuite(
        "marts_nurture_audience",
        "Nobody suppressed, not opted in, or hired is in the nurture audience.",
        """
        select a.candidate_id, a.email,
               exists (select 1 from marts.email_suppressions s where s.email = a.email) as is_suppressed,
               coalesce(c.is_marketing_opt_in, false) as is_opted_in,
               coalesce(c.is_hired, false) as is_hired
        from marts.nurture_audience a
        left join marts.candidates c on c.candidate_id = a.candidate_id
        """,
    ),
)
