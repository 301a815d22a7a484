{#-
    The digital-engagement segment of every customer: authenticated online
    and mobile sessions and branch visits in the activity window, matched
    to the first rule of the engagement_segment_rules seed by priority.
-#}

{%- set window_days = var('activity_window_days') -%}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

visits as (

    select * from {{ ref('stg_branch__visits') }}

),

rules as (

    select * from {{ ref('engagement_segment_rules') }}

),

session_counts as (

    select
        customer_id,
        count(*) as digital_sessions,
        sum(case when channel = 'mobile' then 1 else 0 end)
            as mobile_sessions,
        count(distinct digital_visit_id) as digital_visits
    from sessions
    where
        is_authenticated
        and session_date > {{ business_date_minus(window_days) }}
        and session_date <= {{ business_date() }}
    group by customer_id

),

visit_counts as (

    select
        customer_id,
        count(*) as branch_visits
    from visits
    where
        customer_id is not null
        and visited_at >= {{ business_date_minus(window_days - 1) }}
        and visited_at < {{ dbt.dateadd('day', 1, business_date()) }}
    group by customer_id

),

activity as (

    select
        customers.customer_id,
        coalesce(session_counts.digital_sessions, 0) as digital_sessions,
        coalesce(session_counts.mobile_sessions, 0) as mobile_sessions,
        coalesce(session_counts.digital_visits, 0) as digital_visits,
        coalesce(visit_counts.branch_visits, 0) as branch_visits,
        case
            when coalesce(session_counts.digital_sessions, 0) = 0 then 0.0
            else 1.0 * session_counts.mobile_sessions
                / session_counts.digital_sessions
        end as mobile_share
    from customers
    left join session_counts
        on customers.customer_id = session_counts.customer_id
    left join visit_counts
        on customers.customer_id = visit_counts.customer_id

),

matches as (

    select
        activity.*,
        rules.engagement_segment,
        rules.engagement_segment_name,
        row_number() over (
            partition by activity.customer_id
            order by rules.priority
        ) as match_rank
    from activity
    inner join rules
        on
            activity.digital_sessions >= rules.min_digital_sessions
            and activity.mobile_share >= rules.min_mobile_share
            and activity.branch_visits >= rules.min_branch_visits

),

final as (

    select
        customer_id,
        {{ business_date() }} as as_of_date,
        cast(digital_sessions as integer) as digital_sessions,
        cast(mobile_sessions as integer) as mobile_sessions,
        cast(digital_visits as integer) as digital_visits,
        cast(branch_visits as integer) as branch_visits,
        cast(mobile_share as decimal(5, 4)) as mobile_share,
        engagement_segment,
        engagement_segment_name
    from matches
    where match_rank = 1

)

select * from final
