{#-
    Create (or refresh) the bronze external tables on Snowflake and Redshift
    from the `external` block of every source table, the way the bank's
    platform runs it before a nightly build:

        dbt run-operation stage_external_sources --target snowflake

    Snowflake: an external table over the stage named in `location`
    (BANK_BRONZE_URL is then a stage, e.g. @bronze_stage), partitioned by
    ingest_date parsed from the hive path, auto-refreshed.
    Redshift: a Spectrum external table in the source's external schema
    (created beforehand against the Glue catalog), partitions added per day.
    DuckDB reads the Parquet directly (external_location); for it, the
    macro creates a view per source table under the source's schema (for
    analysts, and for unit tests, which read a source's columns from the
    warehouse). A feed with no landed file yet gets no view.
-#}
{% macro stage_external_sources(day=none) %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% for node in graph.sources.values()
        if node.external and node.external.location %}
        {% set statements = adapter.dispatch(
            'external_table_ddl', 'bank_utils')(node, day) %}
        {% for sql in statements %}
            {% do log('external table ' ~ node.identifier, info=false) %}
            {% do run_query(sql) %}
        {% endfor %}
    {% endfor %}
{% endmacro %}

{% macro default__external_table_ddl(node, day) %}
    {% do log('external tables not needed on ' ~ target.type, info=true) %}
    {{ return([]) }}
{% endmacro %}

{% macro duckdb__external_table_ddl(node, day) %}
    {% set location = node.meta.get('external_location')
        or node.config.get('meta', {}).get('external_location') %}
    {% set pattern = modules.re.search("read_\\w+\\('([^']+)'", location or '') %}
    {% if pattern is none
        or not bank_utils.landed_files_exist(pattern.group(1)) %}
        {{ return([]) }}
    {% endif %}
    {% set relation = source(node.source_name, node.name) %}
    {{ return([
        'create schema if not exists ' ~ node.schema,
        'create or replace view ' ~ node.schema ~ '.' ~ node.identifier
            ~ ' as select * from ' ~ relation,
    ]) }}
{% endmacro %}

{% macro snowflake__external_table_ddl(node, day) %}
    {% set relation = node.database ~ '.' ~ node.schema ~ '.'
        ~ node.identifier %}
    {% set columns = [] %}
    {% for column in node.columns.values()
        if column.name != 'ingest_date' %}
        {% do columns.append(
            column.name ~ ' ' ~ column.data_type ~ " as (value:"
            ~ column.name ~ '::' ~ column.data_type ~ ')') %}
    {% endfor %}
    {% set ddl %}
        create external table if not exists {{ relation }} (
            ingest_date date as (
                to_date(split_part(
                    split_part(metadata$filename, 'ingest_date=', 2),
                    '/', 1))
            ),
            {{ columns | join(',\n            ') }}
        )
        partition by (ingest_date)
        location = {{ node.external.location }}
        auto_refresh = true
        file_format = (type = parquet)
    {% endset %}
    {{ return([ddl, 'alter external table ' ~ relation ~ ' refresh']) }}
{% endmacro %}

{% macro redshift__external_table_ddl(node, day) %}
    {% set relation = node.schema ~ '.' ~ node.identifier %}
    {% set columns = [] %}
    {% for column in node.columns.values()
        if column.name != 'ingest_date' %}
        {% do columns.append(column.name ~ ' ' ~ column.data_type
            | replace('double', 'double precision')) %}
    {% endfor %}
    {% set ddl %}
        create external table if not exists {{ relation }} (
            {{ columns | join(',\n            ') }}
        )
        partitioned by (ingest_date date)
        stored as parquet
        location '{{ node.external.location }}'
    {% endset %}
    {% set statements = [ddl] %}
    {% if day %}
        {% do statements.append(
            'alter table ' ~ relation ~ " add if not exists partition"
            ~ " (ingest_date='" ~ day ~ "') location '"
            ~ node.external.location ~ 'ingest_date=' ~ day ~ "/'") %}
    {% endif %}
    {{ return(statements) }}
{% endmacro %}
