"""One real local Spark session for the bronze tests (``local[2]``, small data)."""

from __future__ import annotations

import pytest

from bankflow import spark as bank_spark


@pytest.fixture(scope="session")
def spark():
    session = bank_spark.session(
        "bankflow-tests",
        master="local[2]",
        conf={"spark.sql.shuffle.partitions": "2", "spark.driver.memory": "1g"},
    )
    yield session
    session.stop()
