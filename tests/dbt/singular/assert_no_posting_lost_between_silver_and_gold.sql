{#-
    Every staged posting reaches the transaction fact: unknown accounts are
    flagged, never dropped.
-#}

with

staged as (

    select event_id from {{ ref('stg_core_banking__postings') }}

),

facts as (

    select event_id from {{ ref('fct_transactions') }}

)

select staged.event_id
from staged
left join facts
    on staged.event_id = facts.event_id
where facts.event_id is null
