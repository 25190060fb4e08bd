select
    tracking_token,
    company_id,
    candidate_id,
    application_key,
    channel,
    issued_at
from {{ source('outbox', 'relay_links') }}
