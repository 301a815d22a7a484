"""Publish the night's customer segments, baselines and account owners to Redis.

The key layout is the contract in ``docs/redis-keys.md``. A night is written
under a version (its business date) and only then made current, so a reader
that reads ``bank:nightly:current`` first always gets one whole night:

1. every row of each family is written as one hash with its expiry, in
   pipelined batches (``MULTI``/``EXEC`` per batch, so each key changes whole);
2. keys of the version that the night no longer holds (a rerun after a
   customer left) are removed;
3. the version's manifest ``bank:nightly:version:<version>`` records the
   counts and is checked against what was written;
4. the pointer moves, by a script that never moves it backwards: a backfill
   of an older day publishes its version and leaves the newer one current.

A failure at any step leaves the pointer where it was. A rerun of the same
day writes the same keys with the same values (idempotent). Known limit: a
rerun of the day that is *already* current rewrites its keys in place, key by
key; each key is whole at any moment, and the values are those of the same
business day.

Rows come from the warehouse the dbt target points at: a DuckDB file locally
(``duckdb`` in read-only mode, streamed in batches), or Snowflake and
Redshift through the dbt adapter of the same profile (``dbt show``), which
the nightly DAG selects by its dbt target.

    python -m bankflow.publish --day 2026-11-02 --duckdb warehouse.duckdb
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

log = logging.getLogger("bankflow.publish")

PREFIX = "bank:"
POINTER = f"{PREFIX}nightly:current"
DEFAULT_TTL_SECONDS = 3 * 24 * 3600
DEFAULT_BATCH = 2000
# A socket timeout keeps an unreachable or frozen server from hanging the
# nightly task; the DAG's retry policy then takes over.
SOCKET_TIMEOUT_SECONDS = 10

# Moves the pointer only forward (ISO dates compare as strings), so that a
# backfill of an older day never hides a newer night from the readers.
_ADVANCE_POINTER = """
local current = redis.call('GET', KEYS[1])
if (not current) or ARGV[2] == '1' or ARGV[1] >= current then
    redis.call('SET', KEYS[1], ARGV[1])
    return 1
end
return 0
"""


@dataclass(frozen=True)
class Family:
    """One key family: the dbt model it comes from and the hash it becomes."""

    name: str
    model: str
    key_column: str
    fields: tuple[str, ...]
    json_fields: tuple[str, ...] = ()

    def key(self, version: str, key_id: str) -> str:
        return f"{PREFIX}{self.name}:{version}:{key_id}"

    def pattern(self, version: str) -> str:
        return f"{PREFIX}{self.name}:{version}:*"


SEGMENTS = Family(
    "segment",
    "customer_segments",
    "customer_id",
    (
        "segment",
        "segment_name",
        "rfm_score",
        "recency_score",
        "frequency_score",
        "monetary_score",
        "product_segment",
        "engagement_segment",
    ),
)
BASELINES = Family(
    "baseline",
    "customer_baselines",
    "customer_id",
    (
        "typical_amount",
        "amount_p95",
        "usual_devices",
        "usual_countries",
        "home_lat",
        "home_lon",
        "active_hours",
        "segment",
    ),
    json_fields=("usual_devices", "usual_countries", "active_hours"),
)
ACCOUNTS = Family(
    "account",
    "dim_accounts",
    "account_id",
    ("customer_id", "account_type", "status", "opened_date"),
)
FAMILIES = (SEGMENTS, BASELINES, ACCOUNTS)


class PublishError(RuntimeError):
    """A night could not be published; the pointer was not moved."""


class RedisUnreachable(PublishError):
    pass


def manifest_key(version: str) -> str:
    return f"{PREFIX}nightly:version:{version}"


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def connect(redis_url: str):
    """A client that has answered PING, or :class:`RedisUnreachable`."""
    import redis  # in both environments, not a dependency of the package

    client = redis.Redis.from_url(
        redis_url,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        decode_responses=True,
    )
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        raise RedisUnreachable(
            f"Redis at {redact(redis_url)} is unreachable ({exc}); nothing was published "
            "and readers still see the previous night"
        ) from exc
    return client


def encode(value, as_json: bool = False) -> str | None:
    """A warehouse value as the string Redis stores; ``None`` leaves the field out."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if as_json:
        if isinstance(value, str):  # Snowflake and Redshift hand arrays over as JSON text
            json.loads(value)
            return value
        return json.dumps([_plain(v) for v in value], separators=(",", ":"))
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def to_hash(family: Family, row: dict) -> tuple[str, dict[str, str]]:
    """The key id and hash fields of one warehouse row."""
    key_id = row.get(family.key_column)
    if key_id is None or str(key_id) == "":
        raise PublishError(f"{family.model}: a row has no {family.key_column}: {row!r}")
    fields = {}
    for name in family.fields:
        value = encode(row.get(name), as_json=name in family.json_fields)
        if value is not None:
            fields[name] = value
    return str(key_id), fields


def check_columns(family: Family, columns: Iterable[str]) -> None:
    """Fail with the missing columns when a model breaks the key-layout contract."""
    have = {c.lower() for c in columns}
    missing = [c for c in (family.key_column, *family.fields) if c not in have]
    if missing:
        raise PublishError(
            f"{family.model} lacks the column(s) {', '.join(missing)} that "
            f"docs/redis-keys.md promises for bank:{family.name}:<version>:<id>"
        )


@dataclass
class FamilyReport:
    family: str
    model: str
    rows: int = 0
    written: int = 0
    pruned: int = 0
    batches: int = 0
    seconds: float = 0.0


def publish_family(
    client,
    family: Family,
    version: str,
    rows: Iterable[dict],
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    batch_size: int = DEFAULT_BATCH,
) -> FamilyReport:
    """Write one family of one version in pipelined batches, then prune leftovers."""
    started = time.monotonic()
    report = FamilyReport(family.name, family.model)
    seen: set[str] = set()
    batch: list[tuple[str, dict[str, str]]] = []

    def flush() -> None:
        if not batch:
            return
        pipe = client.pipeline(transaction=True)
        for key_id, fields in batch:
            key = family.key(version, key_id)
            # DEL first: a field the warehouse now reports as null must not
            # survive from an earlier run of the same version.
            pipe.delete(key)
            if fields:
                pipe.hset(key, mapping=fields)
                pipe.expire(key, ttl_seconds)
        pipe.execute()
        report.written += sum(1 for _, fields in batch if fields)
        report.batches += 1
        batch.clear()

    for row in rows:
        key_id, fields = to_hash(family, row)
        report.rows += 1
        if key_id in seen:
            raise PublishError(f"{family.model}: {family.key_column} {key_id} appears twice")
        seen.add(key_id)
        batch.append((key_id, fields))
        if len(batch) >= batch_size:
            flush()
    flush()

    report.pruned = _prune(client, family, version, seen, batch_size)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _prune(client, family: Family, version: str, keep: set[str], batch_size: int) -> int:
    """Delete keys of this version whose id the night no longer holds."""
    offset = len(family.key(version, ""))
    stale = [
        k
        for k in client.scan_iter(match=family.pattern(version), count=1000)
        if k[offset:] not in keep
    ]
    for i in range(0, len(stale), batch_size):
        client.delete(*stale[i : i + batch_size])
    return len(stale)


def publish(
    redis_url: str,
    version: str,
    sources: dict[str, Iterable[dict]],
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    batch_size: int = DEFAULT_BATCH,
    run_id: str = "",
    force_pointer: bool = False,
    client=None,
) -> dict:
    """Publish every family in ``sources`` (family name -> rows) under ``version``.

    Returns the run's report: counts per family, whether the pointer moved,
    the pointer before and after. Raises :class:`PublishError` (the pointer
    untouched) on any failure.
    """
    import redis

    started = time.monotonic()
    client = client or connect(redis_url)
    unknown = set(sources) - {f.name for f in FAMILIES}
    if unknown:
        raise PublishError(f"unknown key families {sorted(unknown)}")
    try:
        previous = client.get(POINTER)
        reports = []
        for family in FAMILIES:
            if family.name in sources:
                reports.append(
                    publish_family(
                        client, family, version, sources[family.name], ttl_seconds, batch_size
                    )
                )
                log.info(
                    "publish %s v%s: %d rows in, %d keys out, %d stale pruned, %d batches, %.2fs",
                    family.name,
                    version,
                    reports[-1].rows,
                    reports[-1].written,
                    reports[-1].pruned,
                    reports[-1].batches,
                    reports[-1].seconds,
                )

        counts = {r.family: r.written for r in reports}
        for family in FAMILIES:
            if family.name in counts:
                found = sum(1 for _ in client.scan_iter(match=family.pattern(version), count=1000))
                if found != counts[family.name]:
                    raise PublishError(
                        f"bank:{family.name}:{version}:* holds {found} keys after writing "
                        f"{counts[family.name]}: another writer is publishing this version"
                    )
        published_at = datetime.now(UTC).isoformat(timespec="seconds")
        manifest = {
            "version": version,
            "run_id": run_id,
            "published_at": published_at,
            **{f"{name}_keys": str(n) for name, n in counts.items()},
        }
        pipe = client.pipeline(transaction=True)
        pipe.delete(manifest_key(version))
        pipe.hset(manifest_key(version), mapping=manifest)
        pipe.expire(manifest_key(version), ttl_seconds)
        pipe.execute()

        moved = bool(
            client.eval(_ADVANCE_POINTER, 1, POINTER, version, "1" if force_pointer else "0")
        )
        current = client.get(POINTER)
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise RedisUnreachable(
            f"Redis at {redact(redis_url)} failed while publishing v{version} ({exc}); "
            f"the pointer was not moved"
        ) from exc
    except redis.RedisError as exc:
        raise PublishError(f"Redis refused the publish of v{version}: {exc}") from exc

    seconds = round(time.monotonic() - started, 3)
    log.info(
        "publish v%s: pointer %s -> %s (%s), %.2fs",
        version,
        previous,
        current,
        "moved" if moved else "kept: a newer night is current",
        seconds,
    )
    return {
        "version": version,
        "previous": previous,
        "current": current,
        "pointer_moved": moved,
        "ttl_seconds": ttl_seconds,
        "seconds": seconds,
        "families": [r.__dict__ for r in reports],
    }


def current_version(client) -> str | None:
    return client.get(POINTER)


def read_segment(client, customer_id: str) -> dict[str, str]:
    """How an operational reader gets a customer's segment: pointer, then hash."""
    version = client.get(POINTER)
    return client.hgetall(SEGMENTS.key(version, customer_id)) if version else {}


# --- reading the models from the warehouse -------------------------------------------------


def duckdb_rows(
    path: str, family: Family, batch_size: int = DEFAULT_BATCH, relation: str | None = None
) -> Iterator[dict]:
    """Stream a model's rows from a DuckDB file, read-only (dbt has finished)."""
    con = open_duckdb(path)
    try:
        relation = relation or _duckdb_relation(con, family.model)
        cursor = con.execute(f"select * from {relation}")
        columns = [d[0].lower() for d in cursor.description]
        check_columns(family, columns)
        while True:
            chunk = cursor.fetchmany(batch_size)
            if not chunk:
                break
            for values in chunk:
                yield dict(zip(columns, values, strict=True))
    finally:
        con.close()


def open_duckdb(path: str):
    """A read-only connection to the warehouse file dbt has finished writing.

    When dbt ran in this same process (``dag.test()`` runs tasks in-process)
    and dbt-duckdb still holds the file open, DuckDB refuses a second
    connection with another configuration; the process then shares dbt's.
    """
    import duckdb  # batch environment only

    if not os.path.exists(path):
        raise PublishError(f"no DuckDB warehouse at {path}: has dbt built it?")
    try:
        return duckdb.connect(path, read_only=True)
    except duckdb.ConnectionException as exc:
        if "different configuration" not in str(exc):
            raise
        return duckdb.connect(path)


def _duckdb_relation(con, model: str) -> str:
    found = con.execute(
        "select table_catalog, table_schema from information_schema.tables "
        "where lower(table_name) = ?",
        [model],
    ).fetchall()
    if not found:
        raise PublishError(f"the warehouse has no table {model}: did its dbt model build?")
    if len(found) > 1:
        where = ", ".join(f"{c}.{s}" for c, s in found)
        raise PublishError(f"{model} exists in several schemas ({where}): name one")
    catalog, schema = found[0]
    return f'"{catalog}"."{schema}"."{model}"'


def dbt_rows(
    family: Family,
    project_dir: str,
    profiles_dir: str,
    target: str,
    dbt_vars: dict | None = None,
    runner: Callable | None = None,
) -> Iterator[dict]:
    """A model's rows through the dbt adapter of the profile (Snowflake, Redshift, ...).

    ``dbt show`` resolves ``ref()`` to the target's relation, so the same code
    reads any warehouse dbt can reach. It holds the model in memory: fine for
    the bank's customers and accounts, not for a table of events.
    """
    from dbt.cli.main import dbtRunner  # batch environment only

    args = [
        "show",
        "--inline",
        f"select * from {{{{ ref('{family.model}') }}}}",
        "--limit",
        "-1",
        "--project-dir",
        project_dir,
        "--profiles-dir",
        profiles_dir,
        "--target",
        target,
        "--quiet",
    ]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    result = (runner or dbtRunner()).invoke(args)
    if not result.success:
        raise PublishError(
            f"dbt show of {family.model} on target {target} failed: "
            f"{result.exception or 'see the dbt log'}"
        )
    table = result.result.results[0].agate_table
    columns = [c.lower() for c in table.column_names]
    check_columns(family, columns)
    for values in table.rows:
        yield dict(zip(columns, values, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bankflow.publish", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--day", required=True, help="business date, the version")
    parser.add_argument("--redis-url", default=os.environ.get("BANK_REDIS_URL"))
    parser.add_argument("--duckdb", default=os.environ.get("BANK_DUCKDB_PATH"))
    parser.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not args.redis_url or not args.duckdb:
        parser.error("--redis-url (or BANK_REDIS_URL) and --duckdb (or BANK_DUCKDB_PATH)")
    try:
        report = publish(
            args.redis_url,
            args.day,
            {f.name: duckdb_rows(args.duckdb, f) for f in FAMILIES},
            ttl_seconds=args.ttl,
        )
    except PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
