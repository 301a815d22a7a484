{#-
    One row per real-time fraud alert, with what fraud operations later
    confirmed: whether the alerted event belongs to a fraud instance, and
    of which scenario.
-#}

with

alerts as (

    select * from {{ ref('stg_fraud_operations__fraud_alerts') }}

),

labels as (

    select * from {{ ref('stg_fraud_operations__fraud_labels') }}

),

final as (

    select
        alerts.event_id,
        alerts.alert_date,
        alerts.feed,
        alerts.customer_id,
        alerts.account_id,
        alerts.fraud_score,
        alerts.alert_reasons,
        alerts.rule_version,
        alerts.event_at,
        alerts.scored_at,
        labels.event_id is not null as is_confirmed_fraud,
        labels.scenario,
        labels.instance_id
    from alerts
    left join labels
        on alerts.event_id = labels.event_id

)

select * from final
