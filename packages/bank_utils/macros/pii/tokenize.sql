{#-
    A stable keyed token of a PII value: the same value gives the same token
    in every model and every night, so silver and gold can join and count on
    it, but the value cannot be read back. The key is BANK_PII_TOKEN_KEY; a
    token is the hex SHA-256 of key, a separator and the trimmed value.
    A null stays null, so "unknown" is not turned into a shared token.
-#}
{% macro tokenize(expr) %}
    {{ return(adapter.dispatch('tokenize', 'bank_utils')(expr)) }}
{% endmacro %}

{% macro token_key() %}
    {{- return(env_var('BANK_PII_TOKEN_KEY', 'local-synthetic-data-only')) -}}
{% endmacro %}

{% macro default__tokenize(expr) -%}
    case
        when {{ expr }} is not null
            then sha2(
                '{{ bank_utils.token_key() }}|'
                || trim(cast({{ expr }} as varchar)),
                256
            )
    end
{%- endmacro %}

{% macro duckdb__tokenize(expr) -%}
    case
        when {{ expr }} is not null
            then sha256(
                '{{ bank_utils.token_key() }}|'
                || trim(cast({{ expr }} as varchar))
            )
    end
{%- endmacro %}
