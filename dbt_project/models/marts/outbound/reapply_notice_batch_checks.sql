{#- The send gate’s view of reapply_notice_batch: each row of the batch with every reapply_notice rule of
    macros/outbound/may_be_mailed.sql evaluated now, one column per rule. A view over views of the landed
    events and the ledgers, so an event or a send recorded after the last build counts. The gate
    (expectations/suites.py) names the candidate ids of the rows a rule stops. -#}
{{ config(materialized='view') }}

select
    batch.candidate_id,
    batch.step,
    {{ rule_columns('reapply_notice', 'batch', 'candidates') }}
from {{ ref('reapply_notice_batch') }} as batch
left join {{ ref('candidates') }} as candidates on candidates.candidate_id = batch.candidate_id
