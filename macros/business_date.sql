{#-
    The business day this run builds, as a SQL date literal.

    The nightly DAG passes it: --vars '{business_date: 2026-11-02}'. Without
    it, the run builds the newest day bronze has (the newest ingest_date of
    the ledger postings); before any execution (parse) it is 1970-01-01.
-#}
{% macro business_date() -%}
    cast('{{ bank_business_date_text() }}' as date)
{%- endmacro %}

{% macro bank_business_date_text() %}
    {% set day = var('business_date', none) %}
    {% if day %}
        {% set text = day | string %}
        {% if modules.re.match('^\d{4}-\d{2}-\d{2}$', text) is none %}
            {{ exceptions.raise_compiler_error(
                "var business_date must be YYYY-MM-DD, got '" ~ text ~ "'") }}
        {% endif %}
        {{ return(text) }}
    {% endif %}
    {% if not execute %}
        {{ return('1970-01-01') }}
    {% endif %}
    {% set newest = run_query(
        'select max(ingest_date) from '
        ~ source('core_banking', 'postings')) %}
    {% set value = newest.columns[0].values()[0] %}
    {% if value is none %}
        {{ exceptions.raise_compiler_error(
            'no business_date given and bronze has no postings') }}
    {% endif %}
    {{ return(value | string) }}
{% endmacro %}

{#- business_date shifted by a number of days, as a SQL date literal. -#}
{% macro business_date_minus(days) -%}
    {{ dbt.dateadd('day', -1 * days, business_date()) }}
{%- endmacro %}
