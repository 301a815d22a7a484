{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with

bronze as (

    select * from {{ source('mobile_app', 'p2p_transfers') }}
    where {{ bronze_deliveries() }}

),

first_delivery as (

    {{ bank_utils.deduplicate(
        'bronze',
        'event_id',
        'ingest_date, _ingested_at, _source_file, _source_line'
    ) }}

),

not_yet_staged as (

    {{ not_staged_before('first_delivery') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(event_at as timestamp) as sent_at,
        cast(customer_id as varchar) as customer_id,
        cast(session_id as varchar) as session_id,
        cast(device_id as varchar) as device_id,
        cast(from_account_id as varchar) as from_account_id,
        {{ bank_utils.tokenize('recipient_phone') }} as recipient_phone_token,
        cast(recipient_account_id as varchar) as recipient_account_id,
        cast(amount as decimal(18, 2)) as amount,
        cast(currency as varchar) as currency,
        cast(geo_city as varchar) as geo_city,
        cast(geo_country as varchar) as geo_country_code,
        cast(geo_lat as double) as geo_lat,
        cast(geo_lon as double) as geo_lon,
        cast(ingest_date as date) as ingest_date,
        cast(_ingested_at as timestamp) as ingested_at,
        cast(event_at as date) < cast(ingest_date as date) as is_late_arriving
    from not_yet_staged

)

select * from renamed
