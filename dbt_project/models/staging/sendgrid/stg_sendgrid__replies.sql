{#- One row per reply to our mail (the newest landed version of each reply_id), with whether a machine wrote
    it. Out-of-office notes, autoresponders and bounce notices from mail servers are replies no person
    wrote: RFC 3834's Auto-Submitted header (anything but "no"), Precedence bulk/junk/list/auto_reply,
    X-Autoreply/X-Autorespond, a mailer-daemon or postmaster sender, or a subject saying so in English or
    Japanese (不在, 自動返信, 自動応答, out of office, automatic reply, autoreply). -#}

with latest as (
    {{ latest_version(source('sendgrid', 'sendgrid_replies')) }}
),

fields as (
    select
        source_record_id as reply_id,
        {{ normalize_email(json_str('record', '$.from_email')) }} as email,
        {{ blank_to_null(json_str('record', '$.received_at')) }} as received_at_raw,
        {{ blank_to_null(json_str('record', '$.sent_at')) }} as sent_at_raw,
        {{ iso_to_utc_timestamp(json_str('record', '$.received_at')) }} as received_at,
        {{ iso_to_utc_timestamp(json_str('record', '$.sent_at')) }} as sent_at,
        lower(coalesce({{ json_str('record', '$.subject') }}, '')) as subject_lower,
        lower(trim({{ json_str('record', '$.auto_submitted') }})) as auto_submitted,
        lower(trim({{ json_str('record', '$.precedence') }})) as precedence,
        {{ json_str('record', '$.x_autoreply') }} as x_autoreply,
        {{ json_str('record', '$.in_reply_to') }} as in_reply_to,
        load_id,
        loaded_at,
        file,
        record_position
    from latest
)

select
    reply_id,
    email,
    -- when the person wrote it; the receiving time when the Date header is missing or in the future
    case when sent_at is null or sent_at > received_at then received_at else sent_at end as replied_at,
    in_reply_to,
    (
        coalesce(auto_submitted, 'no') <> 'no'
        or coalesce(precedence, '') in ('bulk', 'junk', 'list', 'auto_reply')
        or x_autoreply is not null
        or email like 'mailer-daemon@%' or email like 'postmaster@%'
        or subject_lower like '%out of office%' or subject_lower like '%automatic reply%'
        or subject_lower like '%autoreply%' or subject_lower like '%auto-reply%'
        or subject_lower like '%不在%' or subject_lower like '%自動返信%' or subject_lower like '%自動応答%'
    ) as is_auto_reply,
    received_at_raw,
    received_at,
    sent_at_raw,
    sent_at,
    load_id,
    loaded_at,
    file,
    record_position
from fields
