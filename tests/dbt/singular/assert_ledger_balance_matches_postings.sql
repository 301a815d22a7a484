{#-
    The Core Banking extract's ledger balance of an account equals the
    balance after the account's last posting up to the extract: the ledger
    and the postings tell the same story. Warns rather than fails: postings
    booked in the same second have no defined order, so a tie can pick the
    other posting's balance.
-#}
{{ config(severity='warn') }}

with

accounts as (

    select * from {{ ref('stg_core_banking__accounts') }}
    where ledger_balance is not null

),

transactions as (

    select * from {{ ref('fct_transactions') }}
    where not is_unknown_account

),

postings_up_to_extract as (

    select
        transactions.account_id,
        transactions.event_id,
        transactions.posted_at,
        transactions.balance_after
    from transactions
    inner join accounts
        on
            transactions.account_id = accounts.account_id
            and transactions.posted_at <= accounts.extracted_at

),

last_posting as (

    {{ bank_utils.deduplicate(
        'postings_up_to_extract',
        'account_id',
        'posted_at desc, event_id desc'
    ) }}

)

select
    accounts.account_id,
    accounts.ledger_balance,
    last_posting.balance_after,
    last_posting.event_id
from accounts
inner join last_posting
    on accounts.account_id = last_posting.account_id
where accounts.ledger_balance != last_posting.balance_after
