select
    kind,
    value_sha256,
    reference
from {{ source('audit', 'erased_identifiers') }}
