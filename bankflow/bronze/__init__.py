"""Spark bronze ingestion: landing files in, typed Parquet and a quarantine out.

``ingest_day(day)`` (or ``python -m bankflow.bronze --day D``) reads a day of
landing files per feed with the explicit schemas of ``bankflow.schemas``,
writes bronze and quarantine partitions of that day, and a run report. See
``bankflow.bronze.job`` for the guarantees and ``bankflow.bronze.checks`` for
how a line is judged (by ``schemas.validate``, in Spark's Python workers).
"""

from bankflow.bronze.job import BronzeError, LandingMissing, ingest_day, select_feeds

__all__ = ["BronzeError", "LandingMissing", "ingest_day", "select_feeds"]
