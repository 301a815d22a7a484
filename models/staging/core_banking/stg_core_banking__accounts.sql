{{ config(materialized='table') }}

with

bronze as (

    select * from {{ source('core_banking', 'accounts') }}
    where ingest_date <= {{ business_date() }}

),

latest_extract as (

    select *
    from bronze
    where ingest_date = (
            select max(delivered.ingest_date) from bronze as delivered
        )

),

one_row_per_account as (

    {{ bank_utils.deduplicate(
        'latest_extract',
        'account_id',
        'updated_at desc, event_at desc, _source_line desc'
    ) }}

),

renamed as (

    select
        cast(account_id as varchar) as account_id,
        cast(customer_id as varchar) as customer_id,
        cast(account_type as varchar) as account_type,
        cast(status as varchar) as status,
        cast(currency as varchar) as currency,
        cast(opened_date as date) as opened_date,
        cast(closed_date as date) as closed_date,
        cast(credit_limit as decimal(18, 2)) as credit_limit,
        cast(overdraft_limit as decimal(18, 2)) as overdraft_limit,
        cast(interest_rate as double) as interest_rate_pct,
        cast(card_id as varchar) as card_id,
        cast(ledger_balance as decimal(18, 2)) as ledger_balance,
        cast(updated_at as timestamp) as updated_at,
        cast(event_at as timestamp) as extracted_at,
        cast(ingest_date as date) as ingest_date
    from one_row_per_account

)

select * from renamed
