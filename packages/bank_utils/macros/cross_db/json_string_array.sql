{#-
    Aggregate the distinct non-null values of an expression into the text of
    a JSON array, sorted, e.g. '["DE","FR"]'. Text, because every warehouse
    can carry it and the Redis publisher writes it as it is.
    json_integer_array does the same for integers: '[8,9,17]'.
-#}
{% macro json_string_array(expr) %}
    {{ return(adapter.dispatch('json_string_array', 'bank_utils')(expr)) }}
{% endmacro %}

{% macro json_integer_array(expr) %}
    {{ return(adapter.dispatch('json_integer_array', 'bank_utils')(expr)) }}
{% endmacro %}

{% macro duckdb__json_integer_array(expr) -%}
    cast(
        to_json(
            coalesce(
                list(distinct cast({{ expr }} as integer)
                    order by cast({{ expr }} as integer))
                filter (where {{ expr }} is not null),
                []
            )
        ) as varchar
    )
{%- endmacro %}

{% macro snowflake__json_integer_array(expr) -%}
    to_varchar(
        array_agg(distinct cast({{ expr }} as integer))
            within group (order by cast({{ expr }} as integer))
    )
{%- endmacro %}

{% macro default__json_integer_array(expr) -%}
    '[' || coalesce(
        listagg(distinct cast({{ expr }} as integer), ',')
            within group (order by cast({{ expr }} as integer)),
        ''
    ) || ']'
{%- endmacro %}

{% macro duckdb__json_string_array(expr) -%}
    cast(
        to_json(
            coalesce(
                list(distinct cast({{ expr }} as varchar)
                    order by cast({{ expr }} as varchar))
                filter (where {{ expr }} is not null),
                []
            )
        ) as varchar
    )
{%- endmacro %}

{% macro snowflake__json_string_array(expr) -%}
    to_varchar(
        array_agg(distinct to_varchar({{ expr }}))
            within group (order by to_varchar({{ expr }}))
    )
{%- endmacro %}

{% macro default__json_string_array(expr) -%}
    '[' || coalesce(
        listagg(distinct '"' || cast({{ expr }} as varchar) || '"', ',')
            within group (order by '"' || cast({{ expr }} as varchar) || '"'),
        ''
    ) || ']'
{%- endmacro %}
