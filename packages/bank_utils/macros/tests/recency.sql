{#-
    A table is fresh: its newest value of the date or timestamp column is no
    older than `interval` days before `reference` (a SQL date expression,
    by default the current date). One failing row when it is stale or empty.
-#}
{% test recency(model, column_name, interval, reference=none) %}

    {% set ref_date = reference or dbt.current_timestamp() %}

    select
        max({{ column_name }}) as newest
    from {{ model }}
    having
        max({{ column_name }}) is null
        or cast(max({{ column_name }}) as date)
        < {{ dbt.dateadd('day', -1 * interval, 'cast(' ~ ref_date ~ ' as date)') }}

{% endtest %}
