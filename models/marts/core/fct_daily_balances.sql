{#-
    The closing balance of every open account on every business day.

    A day's closing balance is the balance after the account's last posting
    of that day; on a day without postings it rolls forward from the day
    before. Incremental: a night re-derives the lookback window (late
    postings change the days they belong to), starting from the closing
    balances already built for the day before the window.

    The days are the posting days of the window and the business day: a day
    on which the whole bank booked no posting has no row. An account never
    seen with a posting has a null balance (unknown, not zero).
-#}
{{
    config(
        materialized='incremental',
        unique_key=['account_id', 'balance_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

{%- set first_day = reprocess_from() if is_incremental()
    else "cast('1900-01-01' as date)" -%}

with

transactions as (

    select * from {{ ref('fct_transactions') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

window_postings as (

    select *
    from transactions
    where
        not is_unknown_account
        and posted_date >= {{ first_day }}
        and posted_date <= {{ business_date() }}

),

days as (

    select distinct posted_date as balance_date from window_postings

    union

    select {{ business_date() }} as balance_date

),

day_end_postings as (

    {{ bank_utils.deduplicate(
        'window_postings',
        'account_id, posted_date',
        'posted_at desc, event_id desc'
    ) }}

),

daily_movements as (

    select
        account_id,
        posted_date,
        count(*) as postings,
        sum(case when direction = 'debit' then amount else 0 end)
            as total_debits,
        sum(case when direction = 'credit' then amount else 0 end)
            as total_credits
    from window_postings
    group by account_id, posted_date

),

account_days as (

    select
        accounts.account_id,
        accounts.customer_id,
        accounts.account_type,
        accounts.currency,
        days.balance_date
    from accounts
    cross join days
    where
        accounts.opened_date <= days.balance_date
        and (
            accounts.closed_date is null
            or accounts.closed_date >= days.balance_date
        )

),

carried_in as (

    {% if is_incremental() -%}
        select
            account_id,
            closing_balance as carried_in_balance
        from {{ this }}
        where balance_date = (
            select max(built.balance_date)
            from {{ this }} as built
            where built.balance_date < {{ first_day }}
        )
    {%- else -%}
        select
            cast(null as varchar) as account_id,
            cast(null as decimal(18, 2)) as carried_in_balance
        where 1 = 0
    {%- endif %}

),

joined as (

    select
        account_days.*,
        coalesce(daily_movements.postings, 0) as postings,
        coalesce(daily_movements.total_debits, 0) as total_debits,
        coalesce(daily_movements.total_credits, 0) as total_credits,
        day_end_postings.balance_after as day_end_balance,
        carried_in.carried_in_balance
    from account_days
    left join daily_movements
        on
            account_days.account_id = daily_movements.account_id
            and account_days.balance_date = daily_movements.posted_date
    left join day_end_postings
        on
            account_days.account_id = day_end_postings.account_id
            and account_days.balance_date = day_end_postings.posted_date
    left join carried_in
        on account_days.account_id = carried_in.account_id

),

rolled_forward as (

    select
        *,
        coalesce(
            {{ bank_utils.last_value_ignore_nulls('day_end_balance') }}
                over (
                    partition by account_id
                    order by balance_date
                    rows between unbounded preceding and current row
                ),
            carried_in_balance
        ) as closing_balance
    from joined

),

final as (

    select
        account_id,
        balance_date,
        customer_id,
        account_type,
        currency,
        cast(
            coalesce(
                lag(closing_balance) over (
                    partition by account_id order by balance_date
                ),
                carried_in_balance,
                closing_balance - total_credits + total_debits
            ) as decimal(18, 2)
        ) as opening_balance,
        cast(total_debits as decimal(18, 2)) as total_debits,
        cast(total_credits as decimal(18, 2)) as total_credits,
        cast(closing_balance as decimal(18, 2)) as closing_balance,
        cast(postings as integer) as postings,
        day_end_balance is null as is_rolled_forward
    from rolled_forward

)

select * from final
