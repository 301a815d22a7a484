{#-
    dbt's is_incremental(), except that a compile without introspection
    (`dbt compile --target snowflake --no-introspect`, the offline proof
    that the project builds on the warehouses) compiles every incremental
    model in its full-refresh form instead of asking the warehouse whether
    the table exists.
-#}
{% macro is_incremental() %}
    {% if not flags.INTROSPECT %}
        {{ return(false) }}
    {% endif %}
    {{ return(dbt.is_incremental()) }}
{% endmacro %}
