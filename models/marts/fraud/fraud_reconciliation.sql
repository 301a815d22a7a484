{#-
    How well the real-time scorer did, per business day and fraud scenario:
    recall is the share of fraud instances with an alert on at least one
    of their events; precision (on the scenario 'all' row, where it is
    defined) is the share of alerts raised on confirmed fraud events. A day
    with labels and no landed alerts has recall 0; a day with no alerts has
    no precision (null).
-#}

with

labels as (

    select * from {{ ref('stg_fraud_operations__fraud_labels') }}

),

alerts as (

    select * from {{ ref('fct_fraud_alerts') }}

),

instances as (

    select
        labels.label_date as business_date,
        labels.scenario,
        labels.instance_id,
        max(case when alerts.event_id is not null then 1 else 0 end)
            as is_detected,
        count(alerts.event_id) as alerted_events
    from labels
    left join alerts
        on labels.event_id = alerts.event_id
    group by labels.label_date, labels.scenario, labels.instance_id

),

per_scenario as (

    select
        business_date,
        scenario,
        count(*) as instances,
        sum(is_detected) as detected_instances,
        sum(alerted_events) as alerts_on_scenario
    from instances
    group by business_date, scenario

),

alert_days as (

    select
        alert_date as business_date,
        count(*) as alerts,
        sum(case when is_confirmed_fraud then 1 else 0 end)
            as true_positive_alerts
    from alerts
    group by alert_date

),

label_days as (

    select distinct business_date from per_scenario
    union
    select business_date from alert_days

),

all_scenarios as (

    select
        label_days.business_date,
        'all' as scenario,
        coalesce(sum(per_scenario.instances), 0) as instances,
        coalesce(sum(per_scenario.detected_instances), 0)
            as detected_instances,
        max(coalesce(alert_days.alerts, 0)) as alerts,
        max(coalesce(alert_days.true_positive_alerts, 0))
            as true_positive_alerts
    from label_days
    left join per_scenario
        on label_days.business_date = per_scenario.business_date
    left join alert_days
        on label_days.business_date = alert_days.business_date
    group by label_days.business_date

),

combined as (

    select
        business_date,
        scenario,
        instances,
        detected_instances,
        alerts_on_scenario as alerts,
        alerts_on_scenario as true_positive_alerts,
        false as is_total
    from per_scenario

    union all

    select
        business_date,
        scenario,
        instances,
        detected_instances,
        alerts,
        true_positive_alerts,
        true as is_total
    from all_scenarios

),

final as (

    select
        business_date,
        scenario,
        cast(instances as integer) as instances,
        cast(detected_instances as integer) as detected_instances,
        cast(alerts as integer) as alerts,
        cast(true_positive_alerts as integer) as true_positive_alerts,
        cast(
            case
                when instances > 0
                    then 1.0 * detected_instances / instances
            end as decimal(5, 4)
        ) as recall_rate,
        cast(
            case
                when is_total and alerts > 0
                    then 1.0 * true_positive_alerts / alerts
            end as decimal(5, 4)
        ) as precision_rate
    from combined

)

select * from final
