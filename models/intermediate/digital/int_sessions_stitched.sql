{#-
    One row per digital session, online banking and mobile app in one shape,
    built from the login attempts of the session and the money it moved.
    Sessions of one customer that start within 30 minutes of the previous
    one, in either channel, share a digital_visit_id: the customer who
    starts on the phone and finishes on the laptop made one visit.

    Incremental: re-derives the sessions that started in the lookback
    window, so logins delivered late join their session.
-#}
{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert'
    )
}}

{%- set visit_gap_minutes = 30 -%}

with

online_logins as (

    select * from {{ ref('stg_online_banking__logins') }}

),

mobile_logins as (

    select * from {{ ref('stg_mobile_app__logins') }}

),

online_transfers as (

    select * from {{ ref('stg_online_banking__transfers') }}

),

mobile_transfers as (

    select * from {{ ref('stg_mobile_app__p2p_transfers') }}

),

logins as (

    select
        session_id,
        'online' as channel,
        customer_id,
        cast(null as varchar) as device_id,
        attempted_at,
        is_successful,
        geo_country_code
    from online_logins

    union all

    select
        session_id,
        'mobile' as channel,
        customer_id,
        device_id,
        attempted_at,
        is_successful,
        geo_country_code
    from mobile_logins

),

in_window as (

    select *
    from logins
    where
        attempted_at < {{ dbt.dateadd('day', 1, business_date()) }}
    {%- if is_incremental() %}
            and attempted_at >= {{ reprocess_from() }}
        {%- endif %}

),

transfers as (

    select
        session_id,
        amount,
        submitted_at as moved_at
    from online_transfers

    union all

    select
        session_id,
        amount,
        sent_at as moved_at
    from mobile_transfers

),

transfers_per_session as (

    select
        session_id,
        count(*) as transfers,
        sum(amount) as transferred_amount
    from transfers
    {%- if is_incremental() %}
        where moved_at >= {{ reprocess_from() }}
    {%- endif %}
    group by session_id

),

sessions as (

    select
        session_id,
        min(channel) as channel,
        min(customer_id) as customer_id,
        max(device_id) as device_id,
        min(attempted_at) as started_at,
        max(attempted_at) as last_login_at,
        count(*) as login_attempts,
        sum(case when is_successful then 0 else 1 end) as failed_logins,
        max(case when is_successful then 1 else 0 end) = 1
            as is_authenticated,
        max(geo_country_code) as geo_country_code
    from in_window
    group by session_id

),

with_transfers as (

    select
        sessions.*,
        coalesce(transfers_per_session.transfers, 0) as transfers,
        cast(
            coalesce(transfers_per_session.transferred_amount, 0)
            as decimal(18, 2)
        ) as transferred_amount
    from sessions
    left join transfers_per_session
        on sessions.session_id = transfers_per_session.session_id

),

visit_starts as (

    select
        *,
        case
            when lag(started_at)
                    over (
                        partition by customer_id order by started_at, session_id
                    )
                is null then 1
            when {{ dbt.datediff(
                'lag(started_at) over (partition by customer_id '
                ~ 'order by started_at, session_id)',
                'started_at', 'minute') }} > {{ visit_gap_minutes }}
                then 1
            else 0
        end as is_visit_start
    from with_transfers

),

visits as (

    select
        *,
        sum(is_visit_start) over (
            partition by customer_id
            order by started_at, session_id
            rows between unbounded preceding and current row
        ) as visit_number
    from visit_starts

),

final as (

    select
        session_id,
        channel,
        customer_id,
        device_id,
        started_at,
        cast(started_at as date) as session_date,
        last_login_at,
        login_attempts,
        failed_logins,
        is_authenticated,
        geo_country_code,
        transfers,
        transferred_amount,
        customer_id || '-' || cast(
            min(started_at) over (
                partition by customer_id, visit_number
            ) as varchar
        ) as digital_visit_id
    from visits

)

select * from final
