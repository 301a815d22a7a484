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

    select * from {{ source('core_banking', 'postings') }}
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
        cast(event_at as timestamp) as posted_at,
        cast(event_at as date) as posted_date,
        cast(account_id as varchar) as account_id,
        cast(amount as decimal(18, 2)) as amount,
        cast(currency as varchar) as currency,
        cast(direction as varchar) as direction,
        cast(
            case when direction = 'credit' then amount else -amount end
            as decimal(18, 2)
        ) as signed_amount,
        cast(transaction_type as varchar) as transaction_type,
        cast(channel as varchar) as channel,
        cast(balance_after as decimal(18, 2)) as balance_after,
        cast(merchant_id as varchar) as merchant_id,
        cast(merchant_name as varchar) as merchant_name,
        cast(mcc as varchar) as mcc,
        cast(merchant_city as varchar) as merchant_city,
        cast(merchant_country as varchar) as merchant_country_code,
        cast(merchant_lat as double) as merchant_lat,
        cast(merchant_lon as double) as merchant_lon,
        cast(card_id as varchar) as card_id,
        -- The other side of a transfer is an account of this bank (ACC-...)
        -- or an external IBAN, which is PII: kept only as a token.
        case
            when counterparty_account like 'ACC-%'
                then cast(counterparty_account as varchar)
        end as counterparty_account_id,
        {{ bank_utils.tokenize('counterparty_account') }}
            as counterparty_account_token,
        cast(reference_event_id as varchar) as reference_event_id,
        cast(description as varchar) as statement_text,
        cast(ingest_date as date) as ingest_date,
        cast(_ingested_at as timestamp) as ingested_at,
        cast(event_at as date) < cast(ingest_date as date) as is_late_arriving
    from not_yet_staged

)

select * from renamed
