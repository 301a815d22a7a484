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

    select * from {{ source('mobile_app', 'devices') }}
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
        cast(event_at as timestamp) as changed_at,
        cast(customer_id as varchar) as customer_id,
        cast(device_id as varchar) as device_id,
        cast(action as varchar) as device_action,
        cast(os as varchar) as device_os,
        cast(os_version as varchar) as os_version,
        cast(app_version as varchar) as app_version,
        cast(device_model as varchar) as device_model,
        cast(ingest_date as date) as ingest_date,
        cast(_ingested_at as timestamp) as ingested_at,
        cast(event_at as date) < cast(ingest_date as date) as is_late_arriving
    from not_yet_staged

)

select * from renamed
