{#-
    Schemas are the layer names themselves (silver, gold, segmentation,
    snapshots, reference) in every target, so that a consumer (the Redis
    publisher, a dashboard) finds gold.dim_accounts under the same name in
    DuckDB, Snowflake and Redshift. Isolation between environments comes
    from the database (Snowflake, Redshift) or the DuckDB file, not from
    schema prefixes.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
