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

from datetime import date, datetime, timedelta, timezone

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
NON_FINITE = f"(?<lead>[\\[:,]{WS}*+)(?:-?Infinity|NaN)(?={WS}*+[,\\]}}])"
INFINITE = "1E999999"
MAX_BALANCE = schemas.MAX_AMOUNT * 100


def _path(name: str) -> str:
    return "$['" + name + "']"


def _first(cases: list[tuple[Column, Column]]) -> Column:
    """The value of the first case whose condition holds, else null."""
    out = None
    for condition, value in cases:
        out = F.when(condition, value) if out is None else out.when(condition, value)
    return out if out is not None else F.lit(None).cast("string")


def _bracket_depth_ok(brackets: Column) -> Column:
    """The nesting depth comes back to zero once, at the last bracket.

    ``brackets`` holds only the brackets outside strings, in order. The root
    object ends where the depth first returns to zero; any bracket after it
    is trailing garbage that ``try_parse_json`` would silently ignore.
    """

    def step(acc, c):
        depth = acc["d"] + F.when(c.isin("{", "["), 1).otherwise(-1)
        return F.struct(depth.alias("d"), (acc["z"] + F.when(depth == 0, 1).otherwise(0)).alias("z"))

    start = F.struct(F.lit(0).alias("d"), F.lit(0).alias("z"))
    folded = F.aggregate(F.split(brackets, ""), start, step, lambda acc: (acc["d"] == 0) & (acc["z"] == 1))
    return F.when(brackets == "{}", F.lit(True)).otherwise(folded)


def _typed(f: Field, v: Column) -> Column:
    """The field's value in its bronze type, null when absent or mistyped."""
    path = _path(f.name)
    if f.type == "integer":
        return F.try_variant_get(v, path, "bigint")
    if f.type in ("decimal", "double"):
        return F.try_variant_get(v, path, "double")
    if f.type == "boolean":
        return F.try_variant_get(v, path, "boolean")
    text = F.try_variant_get(v, path, "string")
    if f.type == "date":
        ok = text.rlike(DATE_FORMAT) & ~text.startswith("0000")
        return F.when(ok, F.call_function("try_to_date", text, F.lit("yyyy-MM-dd")))
    if f.type == "timestamp":
        ok = text.rlike(TIMESTAMP_FORMAT) & ~text.startswith("0000")
        bare = text.substr(F.lit(1), F.length(text) - 1)  # without the trailing Z
        return F.when(ok, F.try_to_timestamp(bare, F.lit("yyyy-MM-dd'T'HH:mm:ss[.SSSSSS]")))
    return text


def _is_finite(x: Column) -> Column:
    return ~F.isnan(x) & (F.abs(x) != F.lit(float("inf")))


def _wrong_type(f: Field, t: Column, x: Column) -> Column:
    """For a present, non-null field: its JSON type is not the schema's."""
    if f.type in ("string",):
        return t != "STRING"
    if f.type == "integer":
        return ~t.isin(*INTEGER_TYPES)
    if f.type in ("decimal", "double"):
        number = t.isin(*INTEGER_TYPES, "DOUBLE", "FLOAT") | t.startswith("DECIMAL")
        return ~(number & _is_finite(x))
    if f.type == "boolean":
        return t != "BOOLEAN"
    return (t != "STRING") | x.isNull()  # date, timestamp


def _sub_cent(x: Column) -> Column:
    """More than two decimals in the number's shortest text, as Python's repr."""
    # Both sides in one type: Spark compares decimals of different scales in
    # a common type that can lose the very digits looked for.
    exact = x.try_cast("decimal(38,18)")
    cents = x.try_cast("decimal(38,2)").try_cast("decimal(38,18)")
    return (x != 0) & ((F.abs(x) < 0.01) | (exact != cents))


def _impossible_amount(f: Field, x: Column) -> Column:
    if f.name == "amount":
        lo, hi = float(schemas.MIN_AMOUNT), float(schemas.MAX_AMOUNT)
        return ~((x >= lo) & (x <= hi)) | _sub_cent(x)
    return (F.abs(x) > float(MAX_BALANCE)) | _sub_cent(x)


def _future_limit(day: date) -> datetime:
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start + timedelta(days=1, seconds=schemas.FUTURE_TOLERANCE_SECONDS)


def checked(lines: DataFrame, feed: Feed, day: date | None) -> DataFrame:
    """``lines`` (a ``value`` column, one landing line each) with the verdict.

    Adds ``reason`` (null for a good record, else one of REJECT_REASONS),
    ``detail``, and per field ``x__<name>``: the typed value (decimals still
    as double; ``bronze_columns`` gives the bronze types). Other columns of
    ``lines`` are carried through.
    """
    keep = [F.col(c) for c in lines.columns]
    value = F.col("value")

    # 1. Encoding, parse, and where the object ends.
    first_parse = F.try_parse_json(value)
    skeleton = F.regexp_replace(value, STRING_TOKEN, "0")  # strings out of the way
    step1 = lines.select(
        *keep,
        (F.is_valid_utf8(value) & (F.instr(value, "\ufffd") == 0)).alias("_enc_ok"),
        first_parse.alias("_v0"),
        (
            value.rlike(f"^{WS}*+\\{{")
            & F.rtrim(skeleton, F.lit(" \t\r\n")).endswith("}")
            & _bracket_depth_ok(F.regexp_replace(skeleton, "[^\\[\\]{}]", ""))
        ).alias("_one_object"),
    )

    # 2. The NaN/Infinity second chance, and the keys of the object.
    text = F.when(
        F.col("_v0").isNull(), F.regexp_replace(value, NON_FINITE, "${lead}" + INFINITE)
    ).otherwise(value)
    step2 = step1.select("*", text.alias("_text")).select(
        *keep,
        "_enc_ok",
        "_one_object",
        "_text",
        F.coalesce(F.col("_v0"), F.try_parse_json(F.col("_text"))).alias("_v"),
    )

    # 3. Per field: JSON type (VOID for null, null when absent) and value.
    v = F.col("_v")
    fields = []
    for f in feed.fields:
        fields.append(F.schema_of_variant(F.variant_get(v, _path(f.name), "variant")).alias(f"t__{f.name}"))
        fields.append(_typed(f, v).alias(f"x__{f.name}"))
    step3 = step2.select(
        *keep,
        "_enc_ok",
        (F.col("_v").isNotNull() & F.col("_one_object")).alias("_json_ok"),
        F.json_object_keys(F.col("_text")).alias("_keys"),
        *fields,
    )

    # 4. The verdict: the first failing check, in schemas.validate's order.
    def t(f: Field) -> Column:
        return F.col(f"t__{f.name}")

    def x(f: Field) -> Column:
        return F.col(f"x__{f.name}")

    def present(f: Field) -> Column:
        return t(f).isNotNull() & (t(f) != "VOID")

    known = F.array(*[F.lit(f.name) for f in feed.fields])
    unknown = F.filter(F.col("_keys"), lambda k: ~F.array_contains(known, k))
    cases: list[tuple[Column, Column, Column]] = [
        (~F.col("_enc_ok"), F.lit("bad_encoding"), F.lit("not valid UTF-8")),
        (~F.col("_json_ok"), F.lit("malformed_json"), F.lit("not one JSON object")),
    ]
    for f in feed.fields:
        if not f.nullable:
            cases.append((~present(f), F.lit("missing_field"), F.lit(f.name)))
    cases.append((F.size(unknown) > 0, F.lit("unexpected_field"), F.try_element_at(unknown, F.lit(1))))
    for f in feed.fields:
        detail = F.format_string(f"{f.name} is not a {f.type}: %s", t(f))
        cases.append((present(f) & _wrong_type(f, t(f), x(f)), F.lit("wrong_type"), detail))
    for f in feed.fields:
        if f.values:
            bad = present(f) & ~x(f).isin(*f.values)
            detail = F.format_string(f"{f.name}=%s", x(f))
            cases.append((bad, F.lit("invalid_value"), detail))
    for f in feed.fields:
        if f.type == "decimal":
            bad = present(f) & _impossible_amount(f, x(f))
            detail = F.format_string(f"{f.name}=%s", x(f).cast("string"))
            cases.append((bad, F.lit("impossible_amount"), detail))
    if day is not None:
        event_at = feed.columns["event_at"]
        bad = x(event_at) > F.lit(_future_limit(day))
        detail = F.format_string(f"event_at=%s after {day.isoformat()}", x(event_at).cast("string"))
        cases.append((bad, F.lit("future_timestamp"), detail))

    reason = _first([(cond, r) for cond, r, _ in cases])
    detail = _first([(cond, d) for cond, _, d in cases])
    return step3.select(
        *keep,
        reason.alias("reason"),
        detail.alias("detail"),
        *[x(f) for f in feed.fields],
    )


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
