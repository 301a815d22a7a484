{#-
    The segment of every customer on every business day, with the segment
    of the day before, so that a move between segments is visible and
    countable day by day. Incremental: a night appends (or, rerun, replaces)
    its business day.
-#}
{{
    config(
        materialized='incremental',
        unique_key=['customer_id', 'as_of_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

previous_day as (

    {% if is_incremental() -%}
        {{ bank_utils.deduplicate(
            '(select * from ' ~ this ~ ' where as_of_date < '
                ~ business_date() ~ ')',
            'customer_id',
            'as_of_date desc'
        ) }}
    {%- else -%}
        select
            cast(null as varchar) as customer_id,
            cast(null as varchar) as segment,
            cast(null as varchar) as product_segment,
            cast(null as varchar) as engagement_segment
        where 1 = 0
    {%- endif %}

),

final as (

    select
        segments.customer_id,
        segments.as_of_date,
        segments.segment,
        segments.segment_name,
        segments.rfm_score,
        segments.product_segment,
        segments.engagement_segment,
        previous_day.segment as previous_segment,
        previous_day.product_segment as previous_product_segment,
        previous_day.engagement_segment as previous_engagement_segment,
        previous_day.segment is not null
        and previous_day.segment != segments.segment as has_changed_segment
    from segments
    left join previous_day
        on segments.customer_id = previous_day.customer_id

)

select * from final
