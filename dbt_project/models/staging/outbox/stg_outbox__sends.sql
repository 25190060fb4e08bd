select
    candidate_id,
    campaign_id,
    step,
    batch_id,
    mode,
    status,
    recorded_at,
    kind,
    variant,
    segment
from {{ source('outbox', 'send_ledger') }}
