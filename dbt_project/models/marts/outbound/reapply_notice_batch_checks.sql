{#- The send gate’s view of reapply_notice_batch: each row of the batch with every reapply_notice rule of
    macros/outbound/may_be_mailed.sql evaluated now, one column per rule. A view over views of the landed
    events and the ledgers, so an event or a send recorded after the last build counts. The gate
    (expectations/suites.py) names the candidate ids of the rows a rule stops. -#}
{{ config(materialized='view') }}

{{ gate_checks('reapply_notice', 'reapply_notice_batch', ['candidate_id', 'step']) }}
