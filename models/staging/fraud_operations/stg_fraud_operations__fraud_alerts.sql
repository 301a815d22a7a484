{#-
    The landed real-time alerts, one row per alerted event. A replay of the
    stream can land an alert twice; the first scoring wins. When no alert
    file has been landed yet (the streaming job did not run), the model is
    empty rather than failing, and recall in the reconciliation is zero.
-#}
with

landed as (

    {{ bank_utils.select_landed(
        source('fraud_operations', 'fraud_alerts'),
        env_var('BANK_LAKE_ROOT', 'lake')
        ~ '/landing/realtime/fraud_alerts/*/fraud_alerts.jsonl',
        {
            'event_id': 'varchar',
            'feed': 'varchar',
            'customer_id': 'varchar',
            'account_id': 'varchar',
            'score': 'double',
            'reasons': 'varchar',
            'rule_version': 'varchar',
            'event_at': 'varchar',
            'scored_at': 'varchar',
            'filename': 'varchar'
        }
    ) }}

),

typed as (

    select
        cast(event_id as varchar) as event_id,
        cast(feed as varchar) as feed,
        cast(customer_id as varchar) as customer_id,
        cast(account_id as varchar) as account_id,
        cast(score as decimal(5, 4)) as fraud_score,
        cast(reasons as varchar) as alert_reasons,
        cast(rule_version as varchar) as rule_version,
        {{ dbt.safe_cast(
            "replace(replace(event_at, 'T', ' '), 'Z', '')",
            api.Column.translate_type('timestamp')) }} as event_at,
        {{ dbt.safe_cast(
            "replace(replace(scored_at, 'T', ' '), 'Z', '')",
            api.Column.translate_type('timestamp')) }} as scored_at,
        cast(filename as varchar) as landing_file
    from landed
    where event_id is not null

),

first_alert as (

    {{ bank_utils.deduplicate(
        'typed', 'event_id', 'scored_at, landing_file'
    ) }}

),

final as (

    select
        event_id,
        feed,
        customer_id,
        account_id,
        fraud_score,
        alert_reasons,
        rule_version,
        event_at,
        cast(event_at as date) as alert_date,
        scored_at
    from first_alert
    where
        event_at is not null
        and cast(event_at as date) <= {{ business_date() }}

)

select * from final
