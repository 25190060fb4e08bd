{#- Addresses that must never be mailed again: the suppressing SendGrid events (macro
    suppressing_sendgrid_events: bounces and blocks, spam reports, unsubscribes, drops for those reasons,
    group unsubscribes not undone by a later group resubscribe) and the addresses of records that came back
    after their person asked to be erased (by the keyed hash of their email or phone, flows/erase.py).
    A view: the send gates read it, and it shows an event landed after the last build. -#}
{{ config(materialized='view') }}

with events as (
    select * from {{ ref('stg_sendgrid__events') }}
),

suppressing as (
    {{ suppressing_sendgrid_events('events') }}
    union all
    select
        keys.email,
        'erasure_request' as reason,
        cast(null as timestamp) as occurred_at
    from {{ ref('int_candidate_match_keys') }} as keys
    where
        keys.email is not null
        and exists (
            select 1 from {{ ref('stg_audit__erased_identifiers') }} as erased
            where
                (erased.kind = 'email' and erased.value_hmac = {{ erased_identifier_hash('keys.email', 'erased') }})
                or (
                    erased.kind = 'phone' and keys.phone is not null
                    and erased.value_hmac = {{ erased_identifier_hash('keys.phone', 'erased') }}
                )
        )
)

select
    email,
    {{ list_distinct('reason') }} as reasons,
    min(occurred_at) as first_suppressed_at
from suppressing
group by email
