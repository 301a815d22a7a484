-- How many customers moved from one value segment to another between the
-- previous built day and the business day: the matrix the weekly segment
-- review reads. `dbt compile --select segment_migration_matrix` renders it.

with

history as (

    select * from {{ ref('customer_segment_history') }}

),

moves as (

    select
        previous_segment,
        segment,
        count(*) as customers
    from history
    where
        as_of_date = {{ business_date() }}
        and previous_segment is not null
    group by previous_segment, segment

)

select * from moves
order by previous_segment, segment
