select
    kind,
    value_hmac,
    key_id,
    scheme,
    reference
from {{ source('audit', 'erased_identifiers') }}
