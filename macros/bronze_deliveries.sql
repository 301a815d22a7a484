{#-
    The filter of a staging model on its bronze partitions: every delivery
    up to the business day, and on an incremental run only the deliveries
    after the newest one already staged before that day. So the nightly run
    reads one partition, a run after a missed night reads the missed ones
    too, a rerun of a day replaces that day, and a backfill day by day gives
    what the nights would have given (later partitions are never read).
-#}
{% macro bronze_deliveries() -%}
    ingest_date <= {{ business_date() }}
    {%- if is_incremental() %}
        and ingest_date > {{ staged_until() }}
    {%- endif %}
{%- endmacro %}

{#-
    The newest ingest_date staged in this model before the business day,
    as a literal (so that DuckDB prunes the bronze partitions it skips).
-#}
{% macro staged_until() %}
    {% set floor = "cast('1900-01-01' as date)" %}
    {% if not execute %}
        {{ return(floor) }}
    {% endif %}
    {% set result = run_query(
        'select max(ingest_date) from ' ~ this
        ~ ' where ingest_date < ' ~ business_date()) %}
    {% set value = result.columns[0].values()[0] %}
    {{ return(floor if value is none else "cast('" ~ value ~ "' as date)") }}
{% endmacro %}

{#-
    On an incremental run of a gold model: the first day it re-derives,
    lookback_days before the business day. Records delivered later than that
    are kept by staging but only land in day-grained gold after a full
    refresh; the README lists it.
-#}
{% macro reprocess_from() -%}
    {{ business_date_minus(var('lookback_days')) }}
{%- endmacro %}

{#-
    The rows of a staging model's CTE whose event_id was not staged on an
    earlier day: an event delivered again on a later day is kept once, as
    first delivered, while a rerun of the business day replaces that day.
-#}
{% macro not_staged_before(cte) -%}
    select {{ cte }}.*
    from {{ cte }}
    {%- if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as staged
            where
                staged.event_id = {{ cte }}.event_id
                and staged.ingest_date < {{ business_date() }}
        )
    {%- endif %}
{%- endmacro %}
