{#-
    Every staged posting with the account and customer it is booked on and
    the category of its transaction type. A posting whose account is not in
    the latest Core Banking extract is kept and flagged is_unknown_account:
    gold keeps it visible (and out of the relationships it would break)
    instead of dropping money movements on the floor.
-#}

with

postings as (

    select * from {{ ref('stg_core_banking__postings') }}

),

accounts as (

    select * from {{ ref('stg_core_banking__accounts') }}

),

transaction_types as (

    select * from {{ ref('transaction_types') }}

),

joined as (

    select
        postings.event_id,
        postings.posted_at,
        postings.posted_date,
        postings.account_id,
        accounts.customer_id,
        accounts.account_type,
        postings.amount,
        postings.signed_amount,
        postings.currency,
        postings.direction,
        postings.transaction_type,
        transaction_types.transaction_category,
        coalesce(transaction_types.is_customer_initiated, false)
            as is_customer_initiated,
        postings.channel,
        postings.balance_after,
        postings.merchant_id,
        postings.merchant_name,
        postings.mcc,
        postings.merchant_city,
        postings.merchant_country_code,
        postings.card_id,
        postings.counterparty_account_id,
        postings.counterparty_account_token,
        postings.reference_event_id,
        accounts.account_id is null as is_unknown_account,
        postings.is_late_arriving,
        postings.ingest_date
    from postings
    left join accounts
        on postings.account_id = accounts.account_id
    left join transaction_types
        on postings.transaction_type = transaction_types.transaction_type

)

select * from joined
