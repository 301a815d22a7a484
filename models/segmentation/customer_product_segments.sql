{#-
    The product-holding segment of every customer: the first rule of the
    product_segment_rules seed, by priority, that the customer's open
    products meet.
-#}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

rules as (

    select * from {{ ref('product_segment_rules') }}

),

holdings as (

    select
        customer_id,
        max(case when account_type = 'checking' then 1 else 0 end)
            as has_checking,
        max(case when account_type = 'savings' then 1 else 0 end)
            as has_savings,
        max(case when account_type = 'credit_card' then 1 else 0 end)
            as has_credit_card,
        max(case when account_type = 'loan' then 1 else 0 end) as has_loan,
        count(distinct account_type) as product_types,
        count(*) as open_accounts
    from accounts
    where is_open
    group by customer_id

),

customer_holdings as (

    select
        customers.customer_id,
        coalesce(holdings.has_checking, 0) as has_checking,
        coalesce(holdings.has_savings, 0) as has_savings,
        coalesce(holdings.has_credit_card, 0) as has_credit_card,
        coalesce(holdings.has_loan, 0) as has_loan,
        coalesce(holdings.product_types, 0) as product_types,
        coalesce(holdings.open_accounts, 0) as open_accounts
    from customers
    left join holdings
        on customers.customer_id = holdings.customer_id

),

matches as (

    select
        customer_holdings.*,
        rules.product_segment,
        rules.product_segment_name,
        row_number() over (
            partition by customer_holdings.customer_id
            order by rules.priority
        ) as match_rank
    from customer_holdings
    inner join rules
        on
            customer_holdings.has_loan >= rules.requires_loan
            and customer_holdings.has_credit_card
            >= rules.requires_credit_card
            and customer_holdings.has_savings >= rules.requires_savings
            and customer_holdings.product_types >= rules.min_product_types

),

final as (

    select
        customer_id,
        {{ business_date() }} as as_of_date,
        has_checking = 1 as has_checking,
        has_savings = 1 as has_savings,
        has_credit_card = 1 as has_credit_card,
        has_loan = 1 as has_loan,
        cast(product_types as integer) as product_types,
        cast(open_accounts as integer) as open_accounts,
        product_segment,
        product_segment_name
    from matches
    where match_rank = 1

)

select * from final
