{#-
    The rows of a landed source, or no rows in the same shape when no file
    matches `pattern` yet: a feed that a day may legitimately lack (the
    real-time alerts when the streaming job did not run) gives an empty
    model, not a failed one. `columns` maps each column the model reads to
    its type; they are the shape of the empty form only.
-#}
{% macro select_landed(relation, pattern, columns) %}
    {%- if bank_utils.landed_files_exist(pattern) -%}
        select * from {{ relation }}
    {%- else -%}
        select
        {%- for name, type in columns.items() %}
            cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where 1 = 0
    {%- endif -%}
{% endmacro %}
