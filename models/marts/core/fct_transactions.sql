{#-
    One row per ledger posting: the bank's transaction fact.

    Incremental on the posting's event_id. A night re-derives the postings
    delivered in the lookback window, so a posting that arrived before its
    account (is_unknown_account) is resolved once the account appears, and
    a late-arriving posting lands with its true posted_date.
-#}
{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with

postings as (

    select * from {{ ref('int_postings_joined_to_accounts') }}

),

in_window as (

    select *
    from postings
    {%- if is_incremental() %}
        where ingest_date >= {{ reprocess_from() }}
    {%- endif %}

),

final as (

    select
        event_id,
        posted_at,
        posted_date,
        account_id,
        customer_id,
        account_type,
        amount,
        signed_amount,
        currency,
        direction,
        transaction_type,
        transaction_category,
        is_customer_initiated,
        channel,
        balance_after,
        merchant_id,
        merchant_name,
        mcc,
        merchant_city,
        merchant_country_code,
        counterparty_account_id,
        counterparty_account_token,
        reference_event_id,
        is_unknown_account,
        is_late_arriving,
        ingest_date
    from in_window

)

select * from final
