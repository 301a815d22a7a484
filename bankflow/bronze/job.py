"""Spark bronze ingestion of one business day, feed by feed.

For every feed of the chosen sources, the day's landing file is read line by
line as bytes (so the original line is kept), each line is judged by
``schemas.validate`` in the executors' Python (``checks.checked``), and:

- good records go to ``bronze/<source>/<table>/ingest_date=<day>/`` as typed
  Parquet, columns in schema order, with ``_ingested_at``, ``_source_file``,
  ``_source_line`` (1-based) and ``_run_id``; exact duplicates stay, as
  received (silver deduplicates);
- refused lines go to ``quarantine/<source>/<table>/ingest_date=<day>/`` with
  ``raw`` (the line; invalid UTF-8 bytes shown as U+FFFD), ``raw_bytes`` (the
  exact bytes, for a ``bad_encoding`` line only), ``reason`` and ``detail``.

Every partition is written to ``_staging/bronze/<run id>/`` first; only when
all feeds are written and their Parquet row counts add up to the lines read
are the day's partitions swapped in, one rename each. A run that fails
leaves the previous content of the day as it was, and a rerun replaces
exactly that day. The run report goes to ``reports/bronze/<day>.json``
(merged with the feeds of other runs of the same day, so that sources
ingested by parallel tasks share one report); the log has one line per feed.

Run it with ``python -m bankflow.bronze --day D [--sources core_banking ...]``
(``$BANK_SPARK_MASTER``, ``$BANK_SPARK_REMOTE`` choose where Spark runs; see
``bankflow.spark``), or on a cluster through spark-submit with this file (or
``bankflow/bronze/__main__.py``) as the application, the package shipped
beside it::

    zip -qr bankflow.zip bankflow
    spark-submit --master yarn --py-files bankflow.zip bankflow/bronze/job.py \
        --day 2026-11-02 --lake s3a://bank-lake

A lake on a URI is handled through Hadoop's FileSystem (the S3A jars are the
cluster's); the line count that bronze checks its output against is then a
Spark count of the landing file rather than a count of its bytes here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from bankflow import lake as lake_paths
from bankflow import schemas
from bankflow.schemas import Feed

log = logging.getLogger("bankflow.bronze")

LINE_BITS = 33  # monotonically_increasing_id: partition index << 33 | row in partition


class BronzeError(RuntimeError):
    """A bronze run that cannot go on; the message says what and where."""


class LandingMissing(BronzeError, FileNotFoundError):
    pass


@dataclass
class FeedResult:
    feed: Feed
    source_file: str
    read: int = 0
    written: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    staged: dict[str, str] = field(default_factory=dict)  # kind -> staging path

    @property
    def quarantined(self) -> int:
        return sum(self.by_reason.values())

    def log_line(self, day: str) -> str:
        reasons = ", ".join(f"{r} {n:,}" for r, n in sorted(self.by_reason.items()))
        return (
            f"bronze {self.feed.name} {day}: read {self.read:,} written {self.written:,} "
            f"quarantined {self.quarantined:,}{f' ({reasons})' if reasons else ''} "
            f"in {self.seconds:.1f} s"
        )

    def report(self) -> dict:
        return {
            "source_file": self.source_file,
            "read": self.read,
            "written": self.written,
            "quarantined": self.quarantined,
            "quarantined_by_reason": dict(sorted(self.by_reason.items())),
            "seconds": round(self.seconds, 2),
        }


def select_feeds(sources: list[str] | None) -> list[Feed]:
    """The feeds of ``sources``: source names (``core_banking``) or feed names."""
    if not sources:
        return list(schemas.FEEDS)
    names = [n.strip() for s in sources for n in s.split(",") if n.strip()]
    chosen: list[Feed] = []
    for name in names:
        if name in schemas.SOURCES:
            chosen += [f for f in schemas.FEEDS if f.source == name]
        elif "." in name:
            chosen.append(schemas.feed(name))
        else:
            raise BronzeError(
                f"unknown source {name!r}; sources are {', '.join(schemas.SOURCES)} "
                "(or name a feed as source.table)"
            )
    return list(dict.fromkeys(chosen))


class _Files:
    """File operations on the lake: the standard library for a local lake,
    Hadoop's FileSystem (HDFS, S3A) through Spark's JVM for a URI.

    Spark Connect has no JVM in this process: its lake must be a local path.
    """

    def __init__(self, spark, lake: str) -> None:
        self._jvm = None
        self.local = "://" not in lake and not lake.startswith("file:")
        if not self.local:
            try:
                self._jvm = spark._jvm
                self._conf = spark._jsc.hadoopConfiguration()
            except Exception as exc:
                raise BronzeError(
                    f"lake {lake}: a lake on a URI needs a classic Spark session "
                    "(not Spark Connect) to move files"
                ) from exc

    def _fs(self, path: str):
        p = self._jvm.org.apache.hadoop.fs.Path(path)
        return p, p.getFileSystem(self._conf)

    def exists(self, path: str) -> bool:
        if self._jvm is None:
            return os.path.exists(path)
        p, fs = self._fs(path)
        return fs.exists(p)

    def is_file(self, path: str) -> bool:
        if self._jvm is None:
            return os.path.isfile(path)
        p, fs = self._fs(path)
        return fs.exists(p) and fs.getFileStatus(p).isFile()

    def delete(self, path: str) -> None:
        if self._jvm is None:
            import shutil

            shutil.rmtree(path, ignore_errors=True)
            return
        p, fs = self._fs(path)
        if fs.exists(p):
            fs.delete(p, True)

    def rename(self, src: str, dst: str) -> None:
        """Move ``src`` to ``dst``, which must not exist; its parent is created."""
        if self._jvm is None:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.rename(src, dst)
            return
        s, fs = self._fs(src)
        d, _ = self._fs(dst)
        fs.mkdirs(d.getParent())
        if not fs.rename(s, d):
            raise BronzeError(f"could not move {src} to {dst}")

    def read_text(self, path: str) -> str | None:
        if self._jvm is None:
            return Path(path).read_text() if os.path.exists(path) else None
        p, fs = self._fs(path)
        if not fs.exists(p):
            return None
        stream = fs.open(p)
        try:
            scanner = self._jvm.java.util.Scanner(stream, "UTF-8").useDelimiter("\\A")
            return scanner.next() if scanner.hasNext() else ""
        finally:
            stream.close()

    def write_text(self, path: str, text: str) -> None:
        """Write ``text`` to ``path`` through a temporary file and a rename."""
        tmp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
        if self._jvm is None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            Path(tmp).write_text(text)
            os.replace(tmp, path)
            return
        p, fs = self._fs(tmp)
        out = fs.create(p, True)
        try:
            out.write(bytearray(text.encode()))
        finally:
            out.close()
        self.delete(path)
        self.rename(tmp, path)


def _line_offsets(lines) -> dict[int, int]:
    """Lines before each Spark partition of one file, for 1-based line numbers.

    ``monotonically_increasing_id`` numbers the rows of a partition from 0 in
    its low 33 bits; a file read as one partition needs nothing more. A file
    split in several is counted per partition first (text only, no parsing),
    the partitions taken in the order of their first byte in the file.
    """
    from pyspark.sql import functions as F

    try:
        single = lines.rdd.getNumPartitions() <= 1
    except Exception:  # Spark Connect has no RDD: count the partitions
        single = False
    if single:
        return {0: 0}
    parts = (
        lines.groupBy(F.shiftright("_mid", LINE_BITS).alias("part"))
        .agg(F.count(F.lit(1)).alias("n"), F.min("_block").alias("block"))
        .collect()
    )
    offsets, seen = {}, 0
    for row in sorted(parts, key=lambda r: (r.block, r.part)):
        offsets[row.part] = seen
        seen += row.n
    return offsets


def _count_lines(files: _Files, spark, path: str) -> int:
    """Lines in the landing file, counted apart from the Spark job that reads it."""
    if files.local:
        lines, last = 0, b"\n"
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 24):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        return lines + (last != b"\n")
    return spark.read.option("lineSep", "\n").text(path).count()


def _ingest_feed(spark, files, feed: Feed, day: date, lake: str, run_id: str, ingested_at, staging):
    from pyspark import StorageLevel
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    from bankflow.bronze import checks

    started = time.monotonic()
    source_file = lake_paths.landing_file(feed.source, feed.table, day, lake)
    result = FeedResult(feed, source_file)

    lines = spark.read.option("lineSep", "\n").text(source_file)
    lines = lines.select(
        "value",
        F.monotonically_increasing_id().alias("_mid"),
        F.input_file_block_start().alias("_block"),
    )
    offsets = _line_offsets(lines)
    offset_of = F.create_map(*[F.lit(x) for kv in sorted(offsets.items()) for x in kv])
    line_no = (
        F.element_at(offset_of, F.shiftright("_mid", LINE_BITS))
        + F.col("_mid").bitwiseAND((1 << LINE_BITS) - 1)
        + 1
    )
    # The bytes as they are: a line that is not UTF-8 is judged, and kept, as
    # it arrived.
    numbered = lines.select(F.col("value").cast("binary").alias("value"), line_no.alias("_line"))
    judged = checks.checked(numbered, feed, day)
    bad = F.col("reason").isNotNull()
    judged = judged.persist(StorageLevel.MEMORY_AND_DISK)
    meta = [
        F.lit(ingested_at).alias("_ingested_at"),
        F.lit(source_file).alias("_source_file"),
        F.col("_line").alias("_source_line"),
        F.lit(run_id).alias("_run_id"),
    ]
    # Counted as the rows go into the files (no extra pass): what bronze and
    # quarantine received, against the lines counted apart in the file.
    into_bronze, into_quarantine = Observation(), Observation()
    try:
        good = judged.where(~bad).select(*checks.bronze_columns(feed), *meta)
        good = good.observe(into_bronze, F.count(F.lit(1)).alias("rows"))
        result.staged["bronze"] = f"{staging}/bronze/{feed.source}/{feed.table}"
        good.write.mode("overwrite").parquet(result.staged["bronze"])

        refused = judged.where(bad).select(
            F.make_valid_utf8(F.col("_raw").cast("string")).alias("raw"),
            F.when(F.col("reason") == "bad_encoding", F.col("_raw")).alias("raw_bytes"),
            "reason",
            "detail",
            *meta,
        )
        refused = refused.observe(
            into_quarantine,
            F.count(F.lit(1)).alias("rows"),
            *[F.count_if(F.col("reason") == r).alias(r) for r in schemas.REJECT_REASONS],
        )
        result.staged["quarantine"] = f"{staging}/quarantine/{feed.source}/{feed.table}"
        refused.write.mode("overwrite").parquet(result.staged["quarantine"])
    finally:
        judged.unpersist()

    result.read = _count_lines(files, spark, source_file)
    result.written = into_bronze.get["rows"]
    by_reason = into_quarantine.get
    result.by_reason = {r: by_reason[r] for r in schemas.REJECT_REASONS if by_reason[r]}
    if result.written + by_reason["rows"] != result.read or by_reason["rows"] != sum(
        result.by_reason.values()
    ):
        raise BronzeError(
            f"{feed.name} {day}: {result.read} lines in {source_file} but "
            f"{result.written} went to bronze and {by_reason['rows']} to quarantine; "
            "nothing was swapped in"
        )
    result.seconds = time.monotonic() - started
    log.info(result.log_line(day.isoformat()))
    return result


def _swap(files: _Files, staged: str, target: str, trash: str) -> None:
    """Put ``staged`` in place of ``target``; the old content is kept until then."""
    had_old = files.exists(target)
    if had_old:
        files.rename(target, trash)
    try:
        files.rename(staged, target)
    except Exception:
        if had_old:
            files.rename(trash, target)
        raise
    if had_old:
        files.delete(trash)


@contextlib.contextmanager
def _report_lock(path: str):
    """Serialise report merges of parallel runs of one day (local lakes)."""
    if "://" in path and not path.startswith("file:"):
        yield  # object stores: last writer wins on the same feed only
        return
    import fcntl

    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(f"{path}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_report(files: _Files, path: str, run: dict, results: list[FeedResult]) -> dict:
    with _report_lock(path):
        previous = files.read_text(path)
        report = json.loads(previous) if previous else {}
        if report.get("day") != run["day"]:
            report = {}
        feeds = report.get("feeds", {})
        for r in results:
            feeds[r.feed.name] = {**r.report(), "run_id": run["run_id"]}
        feeds = dict(sorted(feeds.items()))
        by_reason: dict[str, int] = {}
        for f in feeds.values():
            for reason, n in f["quarantined_by_reason"].items():
                by_reason[reason] = by_reason.get(reason, 0) + n
        report = {
            "layer": "bronze",
            **run,
            "runs": sorted({*report.get("runs", []), run["run_id"]}),
            "feeds": feeds,
            "totals": {
                "feeds": len(feeds),
                "read": sum(f["read"] for f in feeds.values()),
                "written": sum(f["written"] for f in feeds.values()),
                "quarantined": sum(f["quarantined"] for f in feeds.values()),
                "quarantined_by_reason": dict(sorted(by_reason.items())),
            },
        }
        files.write_text(path, json.dumps(report, indent=2) + "\n")
    return report


def new_run_id(day: date) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"bronze-{day.isoformat()}-{stamp}-{uuid.uuid4().hex[:6]}"


def ingest_day(
    day: date | str,
    lake: str | None = None,
    sources: list[str] | None = None,
    spark=None,
    run_id: str | None = None,
    parallel: int | None = None,
) -> dict:
    """Ingest one landed day into bronze and quarantine; return the run report.

    ``sources`` are source names or ``source.table`` feed names (default: all
    feeds). ``spark`` defaults to ``bankflow.spark.session()``. ``parallel``
    feeds are ingested at once (default ``$BANK_BRONZE_PARALLEL`` or 2): Spark
    runs their jobs side by side, which hides each job's fixed cost.
    """
    day = date.fromisoformat(day) if isinstance(day, str) else day
    lake = str(lake or lake_paths.root())
    feeds = select_feeds(sources)
    run_id = run_id or new_run_id(day)
    parallel = parallel or int(os.environ.get("BANK_BRONZE_PARALLEL", "2"))
    started_at, started = datetime.now(UTC), time.monotonic()

    own_session = spark is None
    if own_session:
        from bankflow.spark import session

        spark = session("bankflow-bronze")
    files = _Files(spark, lake)
    from bankflow.spark import ship_package

    ship_package(spark)  # the executors validate with bankflow.schemas

    missing = [
        lake_paths.landing_file(f.source, f.table, day, lake)
        for f in feeds
        if not files.is_file(lake_paths.landing_file(f.source, f.table, day, lake))
    ]
    if missing:
        raise LandingMissing(
            f"bronze {day}: {len(missing)} landing file(s) missing, nothing ingested: "
            + ", ".join(missing)
        )

    staging = f"{lake}/_staging/bronze/{run_id}"
    ingested_at = started_at  # aware (UTC): Spark stores the instant, whatever the local zone
    try:
        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            jobs = [
                pool.submit(_ingest_feed, spark, files, f, day, lake, run_id, ingested_at, staging)
                for f in feeds
            ]
            results = [j.result() for j in jobs]
        for r in results:
            for kind, folder in (
                ("bronze", lake_paths.bronze_dir(r.feed.source, r.feed.table, lake)),
                ("quarantine", lake_paths.quarantine_dir(r.feed.source, r.feed.table, lake)),
            ):
                trash = f"{staging}/replaced/{kind}/{r.feed.source}/{r.feed.table}"
                _swap(files, r.staged[kind], lake_paths.partition(folder, day), trash)
    finally:
        files.delete(staging)
        if own_session:
            spark.stop()

    finished_at = datetime.now(UTC)
    run = {
        "run_id": run_id,
        "day": day.isoformat(),
        "lake": lake,
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": finished_at.isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 2),
    }
    report = _write_report(files, lake_paths.report_file("bronze", day, lake), run, results)
    totals = {
        "read": sum(r.read for r in results),
        "written": sum(r.written for r in results),
        "quarantined": sum(r.quarantined for r in results),
    }
    log.info(
        f"bronze {day}: {len(results)} feeds, read {totals['read']:,} "
        f"written {totals['written']:,} quarantined {totals['quarantined']:,} "
        f"in {run['seconds']:.1f} s (run {run_id})"
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bankflow.bronze",
        description="Ingest one landed business day into bronze with Spark.",
    )
    parser.add_argument("--day", required=True, help="business day, YYYY-MM-DD")
    parser.add_argument("--lake", help="lake root (default $BANK_LAKE_ROOT or ./lake)")
    parser.add_argument(
        "--sources",
        nargs="+",
        help="sources or source.table feeds, by spaces or commas (default: all)",
    )
    parser.add_argument("--master", help="Spark master (default $BANK_SPARK_MASTER or local[*])")
    parser.add_argument("--run-id", help="id of this run (default: generated)")
    parser.add_argument("--parallel", type=int, help="feeds ingested at once (default 2)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        day = date.fromisoformat(args.day)
    except ValueError:
        parser.error(f"--day {args.day!r} is not a date YYYY-MM-DD")

    spark = None
    if args.master:
        from bankflow.spark import session

        spark = session("bankflow-bronze", master=args.master)
    try:
        ingest_day(day, args.lake, args.sources, spark, args.run_id, args.parallel)
    except BronzeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if spark is not None:
            spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
