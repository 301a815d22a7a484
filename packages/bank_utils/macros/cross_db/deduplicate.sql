{#-
    The first row of every partition_by key in order_by order, written with
    row_number() in a subquery so that it reads the same on every warehouse.
    Returns a query, to be used as the body of a CTE.
-#}
{% macro deduplicate(relation, partition_by, order_by) -%}
    select * from (
        select
            _dedup_source.*,
            row_number() over (
                partition by {{ partition_by }}
                order by {{ order_by }}
            ) as _dedup_row
        from {{ relation }} as _dedup_source
    ) as _dedup_ranked
    where _dedup_row = 1
{%- endmacro %}
