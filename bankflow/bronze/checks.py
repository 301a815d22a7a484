"""The checks of ``schemas.validate`` as Spark column expressions.

Bronze refuses a landing line for exactly the reason ``schemas.validate``
would give, checked in the same order, without a Python UDF: the checks run
in the JVM, in a few projections over the lines. A test holds the two to the
same verdict line by line (``tests/bronze/test_checks.py``).

How each check is made:

- ``bad_encoding``: Spark's text reader keeps the bytes of a line as they
  are; ``is_valid_utf8`` finds invalid UTF-8 and ``instr`` a literal U+FFFD.
- ``malformed_json``: ``try_parse_json`` (Spark's VARIANT) parses the line.
  It is more lenient than Python's ``json.loads`` in two ways, closed here:
  it ignores whatever follows the first complete value (so the brackets
  outside strings are counted to find where the object ends), and it skips a
  leading byte-order mark. It is stricter in one: it refuses the ``NaN`` and
  ``Infinity`` tokens that Python accepts, so a line that fails is parsed
  again with those tokens replaced by an infinite number; the record then
  fails its type check, as in Python.
- the field checks read each field of the parsed object with
  ``variant_get``; ``schema_of_variant`` gives its JSON type (an integer
  token is ``BIGINT``; ``1.0`` is a ``DECIMAL``, so not an integer).

Known difference: a lone UTF-16 surrogate in a ``\\u`` escape, which Python
accepts and Spark refuses as malformed JSON (it could not be written to
Parquet anyway).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bankflow import schemas
from bankflow.schemas import Feed, Field

INTEGER_TYPES = ("BIGINT", "INT", "SMALLINT", "TINYINT")
DATE_FORMAT = "^[0-9]{4}-[0-9]{2}-[0-9]{2}\\z"
TIMESTAMP_FORMAT = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?Z\\z"
# Python's JSON whitespace; anything else outside a value is not JSON.
WS = "[ \\t\\r\\n]"
# A JSON string token, written so that Java's regex engine does not recurse
# once per character (an unrolled loop of possessive quantifiers).
STRING_TOKEN = '"[^"\\\\]*+(?:\\\\.[^"\\\\]*+)*+"'
# Python's non-finite number tokens outside strings: after a colon, a comma
# or an opening bracket, before a comma or a closing bracket.
NON_FINITE = f"([\\[:,]{WS}*+)(?:-?Infinity|NaN)(?={WS}*+[,\\]}}])"
INFINITE = "1E999999"  # after a space: "$1" then a digit would name group 11
# (and Spark SQL would substitute a "${name}" group reference as a variable)
NOT_BRACKET = "[^\\[\\]{}]"
OPENS_OBJECT = f"^{WS}*+[{{]"
WS_CHARS = " \t\r\n"  # the characters themselves, for trim()
MAX_BALANCE = schemas.MAX_AMOUNT * 100


def _lit(text: str) -> str:
    """``text`` as a Spark SQL string literal, backslashes kept as they are."""
    if "'" not in text:
        return "r'" + text + "'"
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _name(f: Field) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", f.name):
        raise ValueError(f"field name {f.name!r} is not a plain identifier")
    return f.name


def _case(cases: list[tuple[str, str]], default: str = "null") -> str:
    if not cases:
        return default
    whens = " ".join(f"when {cond} then {value}" for cond, value in cases)
    return f"case {whens} else {default} end"


def _select(source: str, *columns: str) -> str:
    """A select over ``source`` (a view name or a query) as SQL text."""
    origin = source if re.fullmatch(r"\w+", source) else f"({source})"
    return "select " + ",\n  ".join(columns) + f"\nfrom {origin}"


def _typed(f: Field) -> str:
    """The field's value in its bronze type (decimals as double), null when mistyped."""
    path = _lit(f"$.{_name(f)}")
    if f.type == "integer":
        return f"try_variant_get(_v, {path}, 'bigint')"
    if f.type in ("decimal", "double"):
        return f"try_variant_get(_v, {path}, 'double')"
    if f.type == "boolean":
        return f"try_variant_get(_v, {path}, 'boolean')"
    text = f"try_variant_get(_v, {path}, 'string')"
    # Once the text has exactly the schema's shape, Spark's own cast (which
    # checks the calendar: no 30 February, no hour 24) types it, several times
    # faster than a pattern-driven java.time parser.
    if f.type == "date":
        return (
            f"if({text} rlike {_lit(DATE_FORMAT)} and not startswith({text}, '0000'),"
            f" try_cast({text} as date), null)"
        )
    if f.type == "timestamp":
        return (
            f"if({text} rlike {_lit(TIMESTAMP_FORMAT)} and not startswith({text}, '0000'),"
            f" try_cast({text} as timestamp), null)"
        )
    return text


def _wrong_type(f: Field) -> str:
    """For a present, non-null field: its JSON type is not the schema's."""
    t, x = f"`t__{f.name}`", f"`x__{f.name}`"
    ints = ", ".join(f"'{i}'" for i in INTEGER_TYPES)
    if f.type == "string":
        return f"{t} != 'STRING'"
    if f.type == "integer":
        return f"{t} not in ({ints})"
    if f.type in ("decimal", "double"):
        number = f"({t} in ({ints}, 'DOUBLE', 'FLOAT') or startswith({t}, 'DECIMAL'))"
        finite = f"(not isnan({x}) and abs({x}) != double('infinity'))"
        return f"not ({number} and {finite})"
    if f.type == "boolean":
        return f"{t} != 'BOOLEAN'"
    return f"({t} != 'STRING' or {x} is null)"  # date, timestamp


def _impossible_amount(f: Field) -> str:
    x = f"`x__{f.name}`"
    # More than two decimals in the number's shortest text, as Python's repr
    # would show; both sides in one decimal type, for Spark compares decimals
    # of different scales in a common type that can lose the very digits.
    sub_cent = (
        f"({x} != 0 and (abs({x}) < 0.01 or try_cast({x} as decimal(38,18))"
        f" != try_cast(try_cast({x} as decimal(38,2)) as decimal(38,18))))"
    )
    if f.name == "amount":
        lo, hi = schemas.MIN_AMOUNT, schemas.MAX_AMOUNT
        return f"(not ({x} >= {lo}D and {x} <= {hi}D) or {sub_cent})"
    return f"(abs({x}) > {MAX_BALANCE}D or {sub_cent})"


def _future_limit(day: date) -> str:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    limit = start + timedelta(days=1, seconds=schemas.FUTURE_TOLERANCE_SECONDS)
    return f"timestamp'{limit.strftime('%Y-%m-%d %H:%M:%S')}'"


def checked(lines: DataFrame, feed: Feed, day: date | None) -> DataFrame:
    """``lines`` (a ``value`` column, one landing line each) with the verdict.

    Adds ``reason`` (null for a good record, else one of REJECT_REASONS),
    ``detail``, and per field ``x__<name>``: the typed value (decimals still
    as double; ``bronze_columns`` gives the bronze types). Other columns of
    ``lines`` are carried through. The expressions are Spark SQL text: one
    call into the JVM per step, however many fields the feed has.
    """
    keep = [f"`{c}`" for c in lines.columns]

    # 1. Encoding, first parse, and whether the line is exactly one object:
    # with strings out of the way, only whitespace may follow the brace that
    # brings the nesting depth back to zero, and that must be the last one.
    skeleton = f"regexp_replace(value, {_lit(STRING_TOKEN)}, '0')"
    brackets = f"regexp_replace({skeleton}, {_lit(NOT_BRACKET)}, '')"
    step = "if(c in ('{', '['), 1, -1)"
    depth_ok = (
        f"aggregate(split(_brackets, ''), named_struct('d', 0, 'z', 0),"
        f" (a, c) -> named_struct('d', a.d + {step}, 'z', a.z + if(a.d + {step} = 0, 1, 0)),"
        f" a -> a.d = 0 and a.z = 1)"
    )
    view = f"bronze_lines_{uuid.uuid4().hex}"
    step1 = _select(
        view,
        *keep,
        "is_valid_utf8(value) and instr(value, '\ufffd') = 0 as _enc_ok",
        "try_parse_json(value) as _v0",
        f"value rlike {_lit(OPENS_OBJECT)}"
        f" and endswith(trim(trailing {_lit(WS_CHARS)} from {skeleton}), '}}') as _framed",
        f"{brackets} as _brackets",
    )

    # 2. The NaN/Infinity second chance; the object's keys.
    text = (
        f"if(_v0 is null, regexp_replace(value, {_lit(NON_FINITE)},"
        f" {_lit('$1 ' + INFINITE)}), value)"
    )
    step2a = _select(
        step1,
        *keep,
        "_enc_ok",
        f"_framed and (_brackets = '{{}}' or {depth_ok}) as _one_object",
        f"{text} as _text",
        "_v0",
    )
    step2 = _select(
        step2a,
        *keep,
        "_enc_ok",
        "_one_object",
        "json_object_keys(_text) as _keys",
        "coalesce(_v0, try_parse_json(_text)) as _v",
    )

    # 3. Per field: its JSON type (VOID for null, null when absent), its value.
    fields = []
    for f in feed.fields:
        fields.append(
            f"schema_of_variant(variant_get(_v, {_lit('$.' + _name(f))}, 'variant'))"
            f" as `t__{f.name}`"
        )
        fields.append(f"{_typed(f)} as `x__{f.name}`")
    step3 = _select(
        step2, *keep, "_enc_ok", "_v is not null and _one_object as _json_ok", "_keys", *fields
    )

    # 4. The verdict: the first failing check, in schemas.validate's order,
    # then its detail.
    def present(f: Field) -> str:
        return f"(`t__{f.name}` is not null and `t__{f.name}` != 'VOID')"

    known = ", ".join(f"'{f.name}'" for f in feed.fields)
    unknown = f"filter(_keys, k -> not array_contains(array({known}), k))"
    missing = [(f"not {present(f)}", f"'{f.name}'") for f in feed.fields if not f.nullable]
    wrong = [
        (
            f"{present(f)} and {_wrong_type(f)}",
            f"concat('{f.name} is not a {f.type}: ', `t__{f.name}`)",
        )
        for f in feed.fields
    ]
    invalid = [
        (
            f"{present(f)} and `x__{f.name}` not in ({', '.join(_lit(v) for v in f.values)})",
            f"concat('{f.name}=', `x__{f.name}`)",
        )
        for f in feed.fields
        if f.values
    ]
    amounts = [
        (
            f"{present(f)} and {_impossible_amount(f)}",
            f"concat('{f.name}=', cast(`x__{f.name}` as string))",
        )
        for f in feed.fields
        if f.type == "decimal"
    ]
    future = []
    if day is not None:
        future = [
            (
                f"`x__event_at` > {_future_limit(day)}",
                f"concat('event_at=', cast(`x__event_at` as string), ' after {day}')",
            )
        ]
    checks = [
        ("bad_encoding", [("not _enc_ok", "'not valid UTF-8'")]),
        ("malformed_json", [("not _json_ok", "'not one JSON object'")]),
        ("missing_field", missing),
        ("unexpected_field", [(f"size({unknown}) > 0", f"try_element_at({unknown}, 1)")]),
        ("wrong_type", wrong),
        ("invalid_value", invalid),
        ("impossible_amount", amounts),
        ("future_timestamp", future),
    ]
    reason = _case(
        [(" or ".join(f"({c})" for c, _ in cases), f"'{r}'") for r, cases in checks if cases]
    )
    detail = _case([(f"reason = '{r}'", _case(cases)) for r, cases in checks if cases])
    xs = [f"`x__{f.name}`" for f in feed.fields]
    step4 = _select(step3, "*", f"{reason} as reason")
    final = _select(step4, *keep, "reason", f"{detail} as detail", *xs)
    # One query, analysed once, rather than a DataFrame per step.
    lines.createOrReplaceTempView(view)
    try:
        return lines.sparkSession.sql(final)
    finally:
        lines.sparkSession.catalog.dropTempView(view)


SPARK_TYPES = {
    "string": "string",
    "integer": "bigint",
    "decimal": "decimal(18,2)",
    "double": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


def bronze_columns(feed: Feed) -> list[Column]:
    """The feed's columns in schema order and bronze types, from ``checked``."""
    return [F.col(f"x__{f.name}").cast(SPARK_TYPES[f.type]).alias(f.name) for f in feed.fields]
