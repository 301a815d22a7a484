{#-
    Everything the bank knows about a customer on one row, as of the
    business day: profile, products held and balances, activity by channel
    and digital engagement over the activity window, risk flags, segments.
-#}

{%- set window_days = var('activity_window_days') -%}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

balances as (

    select * from {{ ref('fct_daily_balances') }}

),

transactions as (

    select * from {{ ref('fct_transactions') }}

),

products as (

    select * from {{ ref('customer_product_segments') }}

),

engagement as (

    select * from {{ ref('customer_engagement_segments') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

alerts as (

    select * from {{ ref('fct_fraud_alerts') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

balances_today as (

    select
        customer_id,
        sum(
            case
                when account_type in ('checking', 'savings')
                    then closing_balance
                else 0
            end
        ) as deposit_balance,
        sum(
            case
                when account_type in ('credit_card', 'loan')
                    then closing_balance
                else 0
            end
        ) as credit_balance
    from balances
    where balance_date = {{ business_date() }}
    group by customer_id

),

channel_activity as (

    select
        customer_id,
        count(*) as postings,
        sum(case when channel in ('card_present', 'card_not_present')
                then 1
            else 0
        end) as card_postings,
        sum(case when channel = 'online' then 1 else 0 end)
            as online_postings,
        sum(case when channel = 'mobile' then 1 else 0 end)
            as mobile_postings,
        sum(case when channel in ('branch', 'atm') then 1 else 0 end)
            as branch_and_atm_postings,
        sum(case when direction = 'debit' and is_customer_initiated
                then amount
            else 0
        end) as spend_amount,
        sum(case when transaction_category = 'income'
                then amount
            else 0
        end) as income_amount
    from transactions
    where
        customer_id is not null
        and posted_date > {{ business_date_minus(window_days) }}
        and posted_date <= {{ business_date() }}
    group by customer_id

),

alert_counts as (

    select
        customer_id,
        count(*) as fraud_alerts,
        sum(case when is_confirmed_fraud then 1 else 0 end)
            as confirmed_fraud_alerts
    from alerts
    where
        alert_date > {{ business_date_minus(window_days) }}
        and alert_date <= {{ business_date() }}
    group by customer_id

),

frozen as (

    select distinct customer_id
    from accounts
    where status = 'frozen'

),

final as (

    select
        customers.customer_id,
        {{ business_date() }} as as_of_date,
        customers.customer_type,
        customers.birth_year,
        customers.country_code,
        customers.home_branch_id,
        customers.customer_since_date,
        customers.kyc_status,
        customers.risk_rating,
        products.open_accounts,
        products.product_types,
        products.has_checking,
        products.has_savings,
        products.has_credit_card,
        products.has_loan,
        cast(coalesce(balances_today.deposit_balance, 0) as decimal(18, 2))
            as deposit_balance,
        cast(coalesce(balances_today.credit_balance, 0) as decimal(18, 2))
            as credit_balance,
        cast(coalesce(channel_activity.postings, 0) as integer)
            as postings_30d,
        cast(coalesce(channel_activity.card_postings, 0) as integer)
            as card_postings_30d,
        cast(coalesce(channel_activity.online_postings, 0) as integer)
            as online_postings_30d,
        cast(coalesce(channel_activity.mobile_postings, 0) as integer)
            as mobile_postings_30d,
        cast(
            coalesce(channel_activity.branch_and_atm_postings, 0) as integer
        ) as branch_and_atm_postings_30d,
        cast(coalesce(channel_activity.spend_amount, 0) as decimal(18, 2))
            as spend_30d,
        cast(coalesce(channel_activity.income_amount, 0) as decimal(18, 2))
            as income_30d,
        engagement.digital_sessions as digital_sessions_30d,
        engagement.mobile_sessions as mobile_sessions_30d,
        engagement.branch_visits as branch_visits_30d,
        cast(coalesce(alert_counts.fraud_alerts, 0) as integer)
            as fraud_alerts_30d,
        cast(coalesce(alert_counts.confirmed_fraud_alerts, 0) as integer)
            as confirmed_fraud_alerts_30d,
        frozen.customer_id is not null as has_frozen_account,
        customers.risk_rating = 'high'
        or customers.kyc_status != 'verified' as is_high_risk,
        segments.segment,
        segments.segment_name,
        products.product_segment,
        engagement.engagement_segment
    from customers
    left join products
        on customers.customer_id = products.customer_id
    left join engagement
        on customers.customer_id = engagement.customer_id
    left join segments
        on customers.customer_id = segments.customer_id
    left join balances_today
        on customers.customer_id = balances_today.customer_id
    left join channel_activity
        on customers.customer_id = channel_activity.customer_id
    left join alert_counts
        on customers.customer_id = alert_counts.customer_id
    left join frozen
        on customers.customer_id = frozen.customer_id

)

select * from final
