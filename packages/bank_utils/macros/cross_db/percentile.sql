{#- A continuous percentile (p between 0 and 1) as a grouped aggregate. -#}
{% macro percentile(expr, p) %}
    {{ return(adapter.dispatch('percentile', 'bank_utils')(expr, p)) }}
{% endmacro %}

{% macro duckdb__percentile(expr, p) -%}
    quantile_cont({{ expr }}, {{ p }})
{%- endmacro %}

{% macro default__percentile(expr, p) -%}
    percentile_cont({{ p }}) within group (order by {{ expr }})
{%- endmacro %}

{% macro median(expr) -%}
    {{ bank_utils.percentile(expr, 0.5) }}
{%- endmacro %}
