{#- The current version of every customer, with the home branch. -#}

with

customer_versions as (

    select * from {{ ref('snap_core_banking__customers') }}

),

branches as (

    select * from {{ ref('branches') }}

),

current_customers as (

    select *
    from customer_versions
    where dbt_valid_to is null

),

final as (

    select
        current_customers.customer_id,
        current_customers.customer_type,
        current_customers.email_masked,
        current_customers.phone_masked,
        current_customers.email_token,
        current_customers.national_id_token,
        current_customers.birth_year,
        current_customers.city,
        current_customers.country_code,
        current_customers.home_lat,
        current_customers.home_lon,
        current_customers.kyc_status,
        current_customers.risk_rating,
        current_customers.home_branch_id,
        branches.branch_name as home_branch_name,
        current_customers.customer_since_date,
        cast(current_customers.dbt_valid_from as timestamp) as valid_from,
        current_customers.updated_at
    from current_customers
    left join branches
        on current_customers.home_branch_id = branches.branch_id

)

select * from final
