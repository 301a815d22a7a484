{#-
    What is normal for every customer, for the real-time fraud scorer to
    compare each event with (published to Redis each night): the typical
    and the 95th-percentile amount of the payments the customer starts,
    the devices they use, the countries they are seen in, their home
    geography and the hours they are active, over the baseline window.

    A device or a country is usual when seen on at least two days of the
    window; an hour is active when it holds at least a twentieth of the
    customer's activity. A customer without history has empty lists and
    null amounts: the scorer treats them as unknown, not as normal.
-#}

{%- set window_days = var('baseline_window_days') -%}
{%- set window_start = business_date_minus(window_days) -%}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

transactions as (

    select * from {{ ref('fct_transactions') }}

),

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

payments as (

    select
        customer_id,
        amount,
        posted_at as active_at,
        posted_date as active_date,
        merchant_country_code as country_code
    from transactions
    where
        is_customer_initiated
        and direction = 'debit'
        and customer_id is not null
        and posted_date > {{ window_start }}
        and posted_date <= {{ business_date() }}

),

authenticated_sessions as (

    select
        customer_id,
        device_id,
        started_at as active_at,
        session_date as active_date,
        geo_country_code as country_code
    from sessions
    where
        is_authenticated
        and session_date > {{ window_start }}
        and session_date <= {{ business_date() }}

),

amounts as (

    select
        customer_id,
        {{ bank_utils.median('amount') }} as typical_amount,
        {{ bank_utils.percentile('amount', 0.95) }} as amount_p95
    from payments
    group by customer_id

),

device_days as (

    select
        customer_id,
        device_id
    from authenticated_sessions
    where device_id is not null
    group by customer_id, device_id
    having count(distinct active_date) >= 2

),

usual_devices as (

    select
        customer_id,
        {{ bank_utils.json_string_array('device_id') }} as usual_devices
    from device_days
    group by customer_id

),

sightings as (

    select
        customer_id,
        country_code,
        active_date,
        active_at
    from payments

    union all

    select
        customer_id,
        country_code,
        active_date,
        active_at
    from authenticated_sessions

),

country_days as (

    select
        customer_id,
        country_code
    from sightings
    where country_code is not null
    group by customer_id, country_code
    having count(distinct active_date) >= 2

),

usual_countries as (

    select
        customer_id,
        {{ bank_utils.json_string_array('country_code') }} as usual_countries
    from country_days
    group by customer_id

),

hourly_activity as (

    select
        customer_id,
        extract(hour from active_at) as active_hour,
        count(*) as events,
        sum(count(*)) over (partition by customer_id) as customer_events
    from sightings
    group by customer_id, extract(hour from active_at)

),

active_hours as (

    select
        customer_id,
        {{ bank_utils.json_integer_array('active_hour') }} as active_hours
    from hourly_activity
    where events * 20 >= customer_events
    group by customer_id

),

final as (

    select
        customers.customer_id,
        {{ business_date() }} as as_of_date,
        cast(amounts.typical_amount as decimal(18, 2)) as typical_amount,
        cast(amounts.amount_p95 as decimal(18, 2)) as amount_p95,
        coalesce(usual_devices.usual_devices, '[]') as usual_devices,
        coalesce(usual_countries.usual_countries, '[]') as usual_countries,
        customers.home_lat,
        customers.home_lon,
        coalesce(active_hours.active_hours, '[]') as active_hours,
        segments.segment
    from customers
    left join amounts
        on customers.customer_id = amounts.customer_id
    left join usual_devices
        on customers.customer_id = usual_devices.customer_id
    left join usual_countries
        on customers.customer_id = usual_countries.customer_id
    left join active_hours
        on customers.customer_id = active_hours.customer_id
    left join segments
        on customers.customer_id = segments.customer_id

)

select * from final
