{#-
    Readable masked forms for people who need to recognise a value without
    seeing it: the e-mail domain and the last two digits of a phone number.
-#}
{% macro mask_email(expr) -%}
    case
        when {{ expr }} like '%@%'
            then '***@' || lower({{ dbt.split_part(expr, "'@'", 2) }})
    end
{%- endmacro %}

{% macro mask_phone(expr) -%}
    case
        when {{ expr }} is not null
            then '***' || {{ dbt.right(expr, 2) }}
    end
{%- endmacro %}
