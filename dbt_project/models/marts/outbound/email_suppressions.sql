{#- Addresses that must never be mailed again: the suppressing SendGrid events (macro
    suppressing_sendgrid_events: bounces and blocks, spam reports, unsubscribes, drops for those reasons,
    group unsubscribes not undone by a later group resubscribe) and the addresses of records that came back
    after their person asked to be erased (by the hash of their email or phone, flows/erase.py).
    A view: the send gates read it, and it shows an event landed after the last build. -#}
{{ config(materialized='view') }}

with events as (
    select * from {{ ref('stg_sendgrid__events') }}
),

erased as (
    select
        kind,
        value_sha256
    from {{ ref('stg_audit__erased_identifiers') }}
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
        and (
            {{ sha256_hex('keys.email') }} in (
                select erased.value_sha256 from erased
                where erased.kind = 'email'
            )
            or (
                keys.phone is not null
                and {{ sha256_hex('keys.phone') }} in (
                    select erased.value_sha256 from erased
                    where erased.kind = 'phone'
                )
            )
        )
)

select
    email,
    {{ list_distinct('reason') }} as reasons,
    min(occurred_at) as first_suppressed_at
from suppressing
group by email
