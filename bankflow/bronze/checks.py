"""The verdict of ``schemas.validate`` on landing lines, inside Spark.

Bronze refuses a landing line for exactly the reason ``schemas.validate``
gives, because it is ``schemas.validate`` that judges it: the lines go to
the Spark executors' Python workers in Arrow batches (``mapInArrow``), each
is validated there, and the verdict comes back as columns. The schema and
its checks are written once, in ``bankflow.schemas``; nothing here spells
them out a second time.

Why Python and not Spark SQL: the checks need Python's ``json`` to the
letter (what it accepts, which duplicate key wins, ``NaN``), and written as
SQL expressions they cost about three times the wall time of this path on
the two-core machine (one ``try_parse_json`` and two ``variant_get`` per
field per line, regular expressions for the framing). ``validate`` judges
some 50,000 lines a second on one core; Arrow moves the batches without
per-row serialisation.

The executors' Python needs ``bankflow`` importable: locally it is the
driver's own interpreter (``bankflow.spark`` sets ``PYSPARK_PYTHON``);
on a cluster ship it with ``--py-files`` or ``bankflow.spark.ship_package``.
"""

from __future__ import annotations

from datetime import date

from bankflow.schemas import BRONZE_TYPES, Feed

# How a validated field travels back in the Arrow batch: JSON numbers as
# doubles (cast to the bronze decimal in the JVM, rounding half up, as the
# text of a two-decimal number asks), dates and timestamps as their checked
# text, which Spark's cast reads exactly.
_WIRE = {
    "string": "string",
    "integer": "bigint",
    "decimal": "double",
    "double": "double",
    "boolean": "boolean",
    "date": "string",
    "timestamp": "string",
}


def _column(f) -> str:
    """The verdict's column of field ``f``: ``x__<name>``, a plain identifier."""
    if not f.name.isidentifier() or not f.name.islower():
        raise ValueError(f"field name {f.name!r} is not a plain identifier")
    return f"x__{f.name}"


def verdict_ddl(feed: Feed) -> str:
    """The columns ``checked`` adds, as a Spark DDL schema."""
    fields = ", ".join(f"{_column(f)} {_WIRE[f.type]}" for f in feed.fields)
    return f"_line bigint, reason string, detail string, _raw binary, {fields}"


class _Judge:
    """The function ``mapInArrow`` runs on the executors for one feed and day.

    It carries names, not objects, and imports on the executor: a pickled
    ``Feed`` would tie the executors to the driver's copy of the schema.
    """

    def __init__(self, feed: Feed, day: date | None) -> None:
        self.feed_name = feed.name
        self.day = day.isoformat() if day else None

    def __call__(self, batches):
        import pyarrow as pa

        from bankflow import schemas as s

        feed = s.feed(self.feed_name)
        day = date.fromisoformat(self.day) if self.day else None
        names = [f.name for f in feed.fields]
        numbers = {f.name for f in feed.fields if _WIRE[f.type] == "double"}
        wire = {
            "string": pa.string(),
            "bigint": pa.int64(),
            "double": pa.float64(),
            "boolean": pa.bool_(),
        }
        types = [wire[_WIRE[f.type]] for f in feed.fields]
        out = pa.schema(
            [("_line", pa.int64()), ("reason", pa.string()), ("detail", pa.string())]
            + [("_raw", pa.binary())]
            + [(_column(f), t) for f, t in zip(feed.fields, types, strict=True)]
        )
        validate, rejected = s.validate, s.Rejected
        for batch in batches:
            reasons, details, raws = [], [], []
            values: dict[str, list] = {n: [] for n in names}
            for line in batch.column("value").to_pylist():
                try:
                    record = validate(feed, line, day)
                except rejected as exc:
                    reasons.append(exc.reason)
                    details.append(exc.detail)
                    raws.append(line)
                    for n in names:
                        values[n].append(None)
                    continue
                reasons.append(None)
                details.append(None)
                raws.append(None)
                for n in names:
                    v = record.get(n)
                    values[n].append(float(v) if v is not None and n in numbers else v)
            columns = [
                batch.column("_line"),
                pa.array(reasons, pa.string()),
                pa.array(details, pa.string()),
                pa.array(raws, pa.binary()),
            ]
            columns += [pa.array(values[n], t) for n, t in zip(names, types, strict=True)]
            yield pa.RecordBatch.from_arrays(columns, schema=out)


def checked(lines, feed: Feed, day: date | None):
    """``lines`` (``value``: a landing line's bytes, ``_line``: its number) judged.

    The result has ``_line``, ``reason`` (null for a good record, else one of
    REJECT_REASONS), ``detail`` (``Rejected.detail``), ``_raw`` (the bytes of
    a refused line, null for a good one), and per field ``x__<name>`` as it
    travelled (``bronze_columns`` gives the bronze types).
    """
    return lines.select("value", "_line").mapInArrow(_Judge(feed, day), verdict_ddl(feed))


def bronze_columns(feed: Feed):
    """The feed's columns in schema order and bronze types, from ``checked``."""
    from pyspark.sql import functions as F

    return [F.col(_column(f)).cast(BRONZE_TYPES[f.type]).alias(f.name) for f in feed.fields]
