{#- The current version of every account, with whether it is open. -#}

with

account_versions as (

    select * from {{ ref('snap_core_banking__accounts') }}

),

current_accounts as (

    select *
    from account_versions
    where dbt_valid_to is null

),

final as (

    select
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
        card_id,
        status != 'closed' and closed_date is null as is_open,
        cast(dbt_valid_from as timestamp) as valid_from,
        updated_at
    from current_accounts

)

select * from final
