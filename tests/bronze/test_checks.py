"""Spark's verdict on a landing line equals ``schemas.validate``'s, line by line."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from bankflow import schemas
from bankflow.bronze import checks
from tests.bronze import records


def _python_verdict(feed, raw: bytes) -> str | None:
    try:
        schemas.validate(feed, raw, records.DAY)
    except schemas.Rejected as exc:
        return exc.reason
    return None


def _spark_verdicts(spark, tmp_path, feed, lines: list[bytes]) -> list[tuple[str | None, str]]:
    path = tmp_path / f"{feed.name}.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    frame = spark.read.option("lineSep", "\n").text(str(path))
    frame = frame.select("value", F.monotonically_increasing_id().alias("n"))
    out = checks.checked(frame, feed, records.DAY).orderBy("n").select("reason", "detail")
    return [(r.reason, r.detail) for r in out.collect()]


@pytest.mark.parametrize("feed", schemas.FEEDS, ids=lambda f: f.name)
def test_same_verdict_as_schemas_validate(spark, tmp_path, feed):
    lines = records.corpus()[feed.name]
    got = _spark_verdicts(spark, tmp_path, feed, lines)
    assert len(got) == len(lines)
    diffs = []
    for raw, (reason, detail) in zip(lines, got, strict=True):
        expected = _python_verdict(feed, raw)
        if reason != expected:
            diffs.append(f"{raw[:120]!r}: python {expected}, spark {reason} ({detail})")
    assert not diffs, "\n".join(diffs)
