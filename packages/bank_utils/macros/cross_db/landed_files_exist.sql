{#-
    Whether a landing glob matches at least one file. Landing files that a
    day may legitimately lack (the real-time alerts when the streaming job
    did not run) are read only when present. On DuckDB the lake is a folder
    or an object store DuckDB can glob; on the warehouses the landing data is
    an external table that always exists, so the answer is true.
-#}
{% macro landed_files_exist(pattern) %}
    {{ return(adapter.dispatch('landed_files_exist', 'bank_utils')(pattern)) }}
{% endmacro %}

{% macro default__landed_files_exist(pattern) %}
    {{ return(true) }}
{% endmacro %}

{% macro duckdb__landed_files_exist(pattern) %}
    {% if not execute %}
        {{ return(false) }}
    {% endif %}
    {% set found = run_query(
        "select count(*) from glob('" ~ pattern ~ "')"
    ) %}
    {{ return(found.columns[0].values()[0] > 0) }}
{% endmacro %}
