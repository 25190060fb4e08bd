{#- The send gate’s view of rejection_mail_batch: each row of the batch with every rejection rule of
    macros/outbound/may_be_mailed.sql evaluated now, one column per rule. A view over views of the landed
    events and the ledgers, so an event or a send recorded after the last build counts. The gate
    (expectations/suites.py) names the candidate ids of the rows a rule stops. -#}
{{ config(materialized='view') }}

{{ gate_checks('rejection', 'rejection_mail_batch', ['candidate_id', 'step']) }}
