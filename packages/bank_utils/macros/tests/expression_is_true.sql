{#- Fails on every row where the SQL expression is not true. -#}
{% test expression_is_true(model, expression, column_name=none) %}

    select *
    from {{ model }}
    where not (
        {% if column_name %}{{ column_name }} {% endif %}{{ expression }}
    )

{% endtest %}
