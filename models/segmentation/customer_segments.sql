{#-
    The nightly segment of every customer: the value segment from the RFM
    scores (the first rule of the value_segments seed by priority that the
    scores meet), with the product-holding and engagement segments beside
    it. Published to Redis for the real-time path and the contact centre.
-#}

with

rfm as (

    select * from {{ ref('customer_rfm_scores') }}

),

products as (

    select * from {{ ref('customer_product_segments') }}

),

engagement as (

    select * from {{ ref('customer_engagement_segments') }}

),

value_segments as (

    select * from {{ ref('value_segments') }}

),

matches as (

    select
        rfm.customer_id,
        rfm.as_of_date,
        rfm.rfm_score,
        rfm.recency_score,
        rfm.frequency_score,
        rfm.monetary_score,
        value_segments.segment,
        value_segments.segment_name,
        row_number() over (
            partition by rfm.customer_id
            order by value_segments.priority
        ) as match_rank
    from rfm
    inner join value_segments
        on
            rfm.rfm_score >= value_segments.min_rfm_score
            and rfm.rfm_score <= value_segments.max_rfm_score
            and rfm.recency_score >= value_segments.min_recency_score

),

final as (

    select
        matches.customer_id,
        matches.as_of_date,
        matches.segment,
        matches.segment_name,
        matches.rfm_score,
        matches.recency_score,
        matches.frequency_score,
        matches.monetary_score,
        products.product_segment,
        engagement.engagement_segment
    from matches
    inner join products
        on matches.customer_id = products.customer_id
    inner join engagement
        on matches.customer_id = engagement.customer_id
    where matches.match_rank = 1

)

select * from final
