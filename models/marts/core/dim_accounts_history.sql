{#- Every version of every account (SCD2): status, limits and rates. -#}

with

account_versions as (

    select * from {{ ref('snap_core_banking__accounts') }}

),

final as (

    select
        dbt_scd_id as account_version_id,
        account_id,
        customer_id,
        account_type,
        status,
        currency,
        opened_date,
        closed_date,
        credit_limit,
        overdraft_limit,
        interest_rate_pct,
        cast(dbt_valid_from as timestamp) as valid_from,
        cast(dbt_valid_to as timestamp) as valid_to,
        dbt_valid_to is null as is_current
    from account_versions

)

select * from final
