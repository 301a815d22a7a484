{{ config(materialized='table') }}

with

bronze as (

    select * from {{ source('core_banking', 'customers') }}
    where ingest_date <= {{ business_date() }}

),

latest_extract as (

    select *
    from bronze
    where ingest_date = (
            select max(delivered.ingest_date) from bronze as delivered
        )

),

one_row_per_customer as (

    {{ bank_utils.deduplicate(
        'latest_extract',
        'customer_id',
        'updated_at desc, event_at desc, _source_line desc'
    ) }}

),

tokenized as (

    select
        cast(customer_id as varchar) as customer_id,
        cast(customer_type as varchar) as customer_type,
        {{ bank_utils.tokenize('lower(email)') }} as email_token,
        {{ bank_utils.mask_email('email') }} as email_masked,
        {{ bank_utils.tokenize('phone') }} as phone_token,
        {{ bank_utils.mask_phone('phone') }} as phone_masked,
        {{ bank_utils.tokenize('national_id') }} as national_id_token,
        {{ bank_utils.tokenize('postal_code') }} as postal_code_token,
        cast(extract(year from date_of_birth) as integer) as birth_year,
        cast(city as varchar) as city,
        cast(country as varchar) as country_code,
        -- Two decimals (about a kilometre): enough for home geography,
        -- not enough to find the house.
        cast(round(home_lat, 2) as double) as home_lat,
        cast(round(home_lon, 2) as double) as home_lon,
        cast(kyc_status as varchar) as kyc_status,
        cast(risk_rating as varchar) as risk_rating,
        cast(home_branch_id as varchar) as home_branch_id,
        cast(customer_since as date) as customer_since_date,
        cast(updated_at as timestamp) as updated_at,
        cast(event_at as timestamp) as extracted_at,
        cast(ingest_date as date) as ingest_date
    from one_row_per_customer

)

select * from tokenized
