{#-
    Confirmed fraud, one row per labelled event. The business day of a label
    is the day folder of its file. Missing files give an empty model.
-#}
with

landed as (

    {{ bank_utils.select_landed(
        source('fraud_operations', 'fraud_labels'),
        env_var('BANK_LAKE_ROOT', 'lake')
        ~ '/ground_truth/*/fraud_labels.jsonl',
        {
            'event_id': 'varchar',
            'feed': 'varchar',
            'scenario': 'varchar',
            'instance_id': 'varchar',
            'customer_id': 'varchar',
            'account_id': 'varchar',
            'role': 'varchar',
            'filename': 'varchar'
        }
    ) }}

),

typed as (

    select
        cast(event_id as varchar) as event_id,
        cast(feed as varchar) as feed,
        cast(scenario as varchar) as scenario,
        cast(instance_id as varchar) as instance_id,
        cast(customer_id as varchar) as customer_id,
        cast(account_id as varchar) as account_id,
        cast(role as varchar) as label_role,
        cast(
            {{ dbt.split_part(
                dbt.split_part('filename', "'/ground_truth/'", 2),
                "'/'", 1) }}
            as date
        ) as label_date
    from landed
    where event_id is not null

),

one_label_per_event as (

    {{ bank_utils.deduplicate(
        'typed', 'event_id', 'label_date, instance_id'
    ) }}

),

final as (

    select
        event_id,
        feed,
        scenario,
        instance_id,
        customer_id,
        account_id,
        label_role,
        label_date
    from one_label_per_event
    where label_date <= {{ business_date() }}

)

select * from final
