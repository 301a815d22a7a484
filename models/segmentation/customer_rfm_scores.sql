{#-
    Recency, frequency and monetary value of every customer on the business
    day, from the postings the customer started (spending, withdrawals,
    outgoing transfers) in the RFM window, scored 1 to 5 by the bands in
    the rfm_score_bands seed. A customer without such postings scores 1 on
    each.
-#}

{%- set window_days = var('rfm_window_days') -%}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

transactions as (

    select * from {{ ref('fct_transactions') }}

),

bands as (

    select * from {{ ref('rfm_score_bands') }}

),

customer_activity as (

    select
        customer_id,
        max(posted_date) as last_activity_date,
        count(*) as activity_count,
        sum(amount) as activity_amount
    from transactions
    where
        is_customer_initiated
        and direction = 'debit'
        and posted_date > {{ business_date_minus(window_days) }}
        and posted_date <= {{ business_date() }}
    group by customer_id

),

measures as (

    select
        customers.customer_id,
        customer_activity.last_activity_date,
        coalesce(
            {{ dbt.datediff(
                'customer_activity.last_activity_date',
                business_date(), 'day') }},
            99999
        ) as recency_days,
        coalesce(customer_activity.activity_count, 0) as frequency,
        coalesce(customer_activity.activity_amount, 0) as monetary
    from customers
    left join customer_activity
        on customers.customer_id = customer_activity.customer_id

),

scored as (

    select
        measures.*,
        coalesce(recency_band.score, 1) as recency_score,
        coalesce(frequency_band.score, 1) as frequency_score,
        coalesce(monetary_band.score, 1) as monetary_score
    from measures
    left join bands as recency_band
        on
            recency_band.measure = 'recency_days'
            and measures.recency_days >= recency_band.lower_bound
            and measures.recency_days < recency_band.upper_bound
    left join bands as frequency_band
        on
            frequency_band.measure = 'frequency'
            and measures.frequency >= frequency_band.lower_bound
            and measures.frequency < frequency_band.upper_bound
    left join bands as monetary_band
        on
            monetary_band.measure = 'monetary'
            and measures.monetary >= monetary_band.lower_bound
            and measures.monetary < monetary_band.upper_bound

),

final as (

    select
        customer_id,
        {{ business_date() }} as as_of_date,
        last_activity_date,
        cast(recency_days as integer) as recency_days,
        cast(frequency as integer) as frequency,
        cast(monetary as decimal(18, 2)) as monetary,
        cast(recency_score as integer) as recency_score,
        cast(frequency_score as integer) as frequency_score,
        cast(monetary_score as integer) as monetary_score,
        cast(recency_score + frequency_score + monetary_score as integer)
            as rfm_score
    from scored

)

select * from final
