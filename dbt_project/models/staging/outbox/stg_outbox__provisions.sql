select
    recipient,
    candidate_id,
    application_key,
    tracking_token,
    data_items,
    consent_reference,
    batch_id,
    mode,
    status,
    recorded_at,
    retain_until
from {{ source('outbox', 'provision_log') }}
