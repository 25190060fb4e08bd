{#- "May this person be mailed?", written once. Each rule is a boolean SQL expression that is never
    NULL; a batch mart keeps the rows on which every rule of its kind holds (`rules_hold`), and the view
    its send gate reads (`<batch>_checks`) shows each rule as a column (`rule_columns`), so the mart and
    the gate cannot disagree. The rules read staging views over the landed events and ledgers, so a view
    sees an event landed after the last build. Described in _outbound__macros.yml. -#}


{#- SendGrid events that suppress an address, one row each (email, reason, occurred_at): hard bounces and
    blocks, spam reports, unsubscribes, drops for one of those reasons, and group unsubscribes that no
    later group resubscribe undid. -#}
{% macro suppressing_sendgrid_events(events) -%}
    select email, event_type as reason, occurred_at
    from {{ events }}
    where email is not null
      and (event_type in ('bounce', 'spamreport', 'unsubscribe')
           or (event_type = 'dropped' and {{ is_suppressing_drop_reason('reason') }}))
    union all
    select email, 'group_unsubscribe' as reason, max(occurred_at) as occurred_at
    from {{ events }}
    where email is not null and event_type in ('group_unsubscribe', 'group_resubscribe')
    group by email
    having max(case when event_type = 'group_unsubscribe' then occurred_at end)
         > coalesce(max(case when event_type = 'group_resubscribe' then occurred_at end), cast('1900-01-01' as timestamp))
{%- endmacro %}


{#- SendGrid drops mail to an address that bounced, unsubscribed or reported spam before, or that is
    invalid: those drops suppress the address. Other drops (a quota, a bad header, "Unknown reason") say
    nothing about the address. -#}
{% macro is_suppressing_drop_reason(reason) -%}
    coalesce({{ reason }} like '%Bounced%' or {{ reason }} like '%Unsubscribed%'
             or {{ reason }} like '%Spam Reporting%' or {{ reason }} like '%Invalid%', false)
{%- endmacro %}


{#- The address is in marts.email_suppressions (the events above, and addresses of records that came
    back after an erasure). -#}
{% macro is_suppressed_address(email) -%}
    exists (select 1 from {{ ref('email_suppressions') }} as suppressions where suppressions.email = {{ email }})
{%- endmacro %}


{#- The person asked to be erased: the keyed hash of this email or phone is on the erasure list. Read straight
    from the list, so it holds from the moment the erasure ran, before any rebuild. -#}
{% macro is_erased_person(email, phone) -%}
    exists (
        select 1 from {{ ref('stg_audit__erased_identifiers') }} as erased
        where (erased.kind = 'email' and erased.value_hmac = {{ erased_identifier_hash(email, 'erased') }})
           or (erased.kind = 'phone' and erased.value_hmac = {{ erased_identifier_hash(phone, 'erased') }}))
{%- endmacro %}


{#- The hash of `expr` as the erasure-list row `erased` (its alias) was made: HMAC-SHA256 under the row’s key,
    of the value itself, or of its SHA-256 for rows migrated from the unkeyed list (crm/erasure_keys.py). -#}
{% macro erased_identifier_hash(expr, erased) -%}
    case when {{ erased }}.scheme = 'hmac-sha256(sha256)'
        then {{ keyed_hash(sha256_hex(expr), erased ~ '.key_id') }}
        else {{ keyed_hash(expr, erased ~ '.key_id') }}
    end
{%- endmacro %}


{#- This mail (campaign and step; for one person when `candidate_id` is given) is in the send ledger, in
    any status: written, accepted, refused or in doubt; recorded before `recorded_before` when it is given
    (the batch’s batch_built_at: rows written since are the send’s own progress, which the send step skips
    itself, so a resumed or retried send is not stopped by what it sent). -#}
{% macro was_mailed(campaign_id, step, candidate_id=none, recorded_before=none) -%}
    exists (
        select 1 from {{ ref('stg_outbox__sends') }} as sent
        where sent.campaign_id = {{ campaign_id }} and sent.step = {{ step }}
        {%- if candidate_id is not none %} and sent.candidate_id = {{ candidate_id }}{% endif %}
        {%- if recorded_before is not none %} and {{ _recorded_before(recorded_before) }}{% endif %})
{%- endmacro %}


{#- We mailed the person, any campaign, within var('nurture_frequency_cap_days') days before the run date, or
    within `cap_days` days (a SQL expression, e.g. the batch row’s frequency_cap_days from the campaign catalogue)
    when it is given (recorded before `recorded_before` when it is given, as in was_mailed). -#}
{% macro was_mailed_within_frequency_cap(candidate_id, recorded_before=none, cap_days=none) -%}
    {%- set days = (var('nurture_frequency_cap_days') | int) if cap_days is none else '(' ~ cap_days ~ ')' -%}
    {%- set since = dbt.dateadd('day', '-' ~ days, "cast('" ~ var('as_of_date') ~ "' as timestamp)") -%}
    exists (
        select 1 from {{ ref('stg_outbox__sends') }} as sent
        where sent.candidate_id = {{ candidate_id }} and sent.recorded_at >= {{ since }}
        {%- if recorded_before is not none %} and {{ _recorded_before(recorded_before) }}{% endif %})
{%- endmacro %}

{% macro _recorded_before(recorded_before) -%}
    sent.recorded_at < coalesce({{ recorded_before }}, cast('9999-12-31' as timestamp))
{%- endmacro %}


{#- The person’s data was provided to Career Relay before (the provision log). -#}
{% macro was_provided_to_career_relay(candidate_id) -%}
    exists (
        select 1 from {{ ref('stg_outbox__provisions') }} as provided
        where provided.recipient = 'career_relay' and provided.candidate_id = {{ candidate_id }})
{%- endmacro %}


{#- The application is a rejection (marts.applications). -#}
{% macro is_rejected_application(application_key) -%}
    exists (
        select 1 from {{ ref('applications') }} as applications
        where applications.application_key = {{ application_key }} and applications.status = 'rejected')
{%- endmacro %}


{#- The rules of each kind of outbound row, as (column, expression, the value that lets the row go):
    mail (anyone we may send recruiting mail), nurture, rejection, new_position and reapply_notice (mail plus
    the send ledger’s rules of that campaign), referral (a provision of personal data to Career Relay). `row`
    is the batch row’s alias (candidate_id, email, campaign_id, step, application_key, consent_reference;
    batch_built_at for the send ledger’s rules; frequency_cap_days for nurture, new_position and
    reapply_notice, the campaign’s cap from the catalogue), `person` the alias of its marts.candidates row. -#}
{% macro mail_rules(kind, row, person) -%}
    {%- set rules = [
        ('has_email', row ~ '.email is not null', true),
        ('is_opted_in', 'coalesce(' ~ person ~ '.is_marketing_opt_in, false)', true),
        ('is_hired', 'coalesce(' ~ person ~ '.is_hired, false)', false),
        ('is_suppressed', is_suppressed_address(row ~ '.email'), false),
        ('is_erased', is_erased_person(row ~ '.email', person ~ '.phone'), false),
    ] -%}
    {%- if kind == 'mail' -%}
        {#- the person may receive recruiting mail at all: the nurture audience -#}
    {%- elif kind == 'nurture' -%}
        {%- do rules.extend([
            ('is_already_sent_this_campaign', was_mailed(row ~ '.campaign_id', row ~ '.step', row ~ '.candidate_id',
                row ~ '.batch_built_at'), false),
            ('is_within_frequency_cap', was_mailed_within_frequency_cap(row ~ '.candidate_id', row ~ '.batch_built_at',
                row ~ '.frequency_cap_days'), false),
        ]) -%}
    {%- elif kind == 'rejection' -%}
        {%- do rules.extend([
            ('is_rejected', is_rejected_application(row ~ '.application_key'), true),
            ('is_already_sent', was_mailed(row ~ '.campaign_id', row ~ '.step', none, row ~ '.batch_built_at'), false),
        ]) -%}
    {%- elif kind in ('new_position', 'reapply_notice') -%}
        {#- once per (person, job) or per rejection: the step is the job id or the rejected application’s key -#}
        {%- do rules.extend([
            ('is_already_sent', was_mailed(row ~ '.campaign_id', row ~ '.step', row ~ '.candidate_id',
                row ~ '.batch_built_at'), false),
            ('is_within_frequency_cap', was_mailed_within_frequency_cap(row ~ '.candidate_id', row ~ '.batch_built_at',
                row ~ '.frequency_cap_days'), false),
        ]) -%}
    {%- elif kind == 'referral' -%}
        {#- personal data leaves for Career Relay: consent to that provision (Japan’s APPI), not mail consent -#}
        {%- set rules = [
            ('has_relay_consent', 'coalesce(' ~ person ~ '.has_relay_consent, false)', true),
            ('is_consent_reference_current', row ~ '.consent_reference is not null and ' ~ row ~ '.consent_reference = '
                ~ person ~ '.relay_consent_record', true),
            ('is_consent_record_landed', 'exists (select 1 from ' ~ ref('candidate_crosswalk') ~ ' as crosswalk'
                ~ ' where crosswalk.candidate_id = ' ~ row ~ '.candidate_id and crosswalk.record_key = '
                ~ row ~ '.consent_reference)', true),
            ('is_rejected', is_rejected_application(row ~ '.application_key'), true),
            ('is_hired', 'coalesce(' ~ person ~ '.is_hired, false)', false),
            ('is_erased', '(' ~ is_erased_person(row ~ '.email', row ~ '.phone') ~ ' or exists (select 1 from '
                ~ ref('email_suppressions') ~ ' as suppressions where suppressions.email = ' ~ row
                ~ ".email and suppressions.reasons like '%erasure_request%'))", false),
            ('is_already_provided', was_provided_to_career_relay(row ~ '.candidate_id'), false),
        ] -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("mail_rules: unknown kind '" ~ kind ~ "' (mail, nurture, rejection, new_position, reapply_notice, referral)") }}
    {%- endif -%}
    {{ return(rules) }}
{%- endmacro %}


{#- True when every rule of `kind` lets the row go: the WHERE clause of a batch mart. -#}
{% macro rules_hold(kind, row, person) -%}
    {%- for name, expression, passes in mail_rules(kind, row, person) %}
    {{ 'and ' if not loop.first }}{{ '' if passes else 'not ' }}({{ expression }}) /* {{ name }} */
    {%- endfor %}
{%- endmacro %}


{#- Each rule of `kind` as a column named after it: the select list of a send gate’s view. -#}
{% macro rule_columns(kind, row, person) -%}
    {%- for name, expression, passes in mail_rules(kind, row, person) %}
    {{ expression }} as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- The body of a send gate’s view (marts/outbound/<batch>_checks): each row of `batch_model` with every rule
    of `kind` evaluated now, one column per rule, keyed by `keys` (the columns the gate names a row by). -#}
{% macro gate_checks(kind, batch_model, keys=['candidate_id']) -%}
select
    {%- for key in keys %}
    batch.{{ key }},
    {%- endfor %}
    {{ rule_columns(kind, 'batch', 'candidates') }}
from {{ ref(batch_model) }} as batch
left join {{ ref('candidates') }} as candidates on candidates.candidate_id = batch.candidate_id
{%- endmacro %}
