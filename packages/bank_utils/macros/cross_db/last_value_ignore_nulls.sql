{#-
    The last non-null value of an expression in a window frame, as the
    head of a window function: {{ last_value_ignore_nulls('x') }} over (...).
    Snowflake puts IGNORE NULLS after the parentheses, the others inside.
-#}
{% macro last_value_ignore_nulls(expr) %}
    {{ return(adapter.dispatch(
        'last_value_ignore_nulls', 'bank_utils')(expr)) }}
{% endmacro %}

{% macro default__last_value_ignore_nulls(expr) -%}
    last_value({{ expr }} ignore nulls)
{%- endmacro %}

{% macro snowflake__last_value_ignore_nulls(expr) -%}
    last_value({{ expr }}) ignore nulls
{%- endmacro %}
