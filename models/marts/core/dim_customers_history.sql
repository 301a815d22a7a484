{#-
    Every version of every customer (SCD2): what the bank knew about the
    customer between valid_from and valid_to. Join on customer_id and
    valid_from <= t < coalesce(valid_to, far future) for a point in time.
-#}

with

customer_versions as (

    select * from {{ ref('snap_core_banking__customers') }}

),

final as (

    select
        dbt_scd_id as customer_version_id,
        customer_id,
        customer_type,
        email_masked,
        phone_masked,
        birth_year,
        city,
        country_code,
        home_lat,
        home_lon,
        kyc_status,
        risk_rating,
        home_branch_id,
        customer_since_date,
        cast(dbt_valid_from as timestamp) as valid_from,
        cast(dbt_valid_to as timestamp) as valid_to,
        dbt_valid_to is null as is_current
    from customer_versions

)

select * from final
