"""Executors on a cluster get ``bankflow``: bronze validates there."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from bankflow import spark as bank_spark


def test_a_local_session_ships_nothing(spark):
    assert bank_spark.ship_package(spark) is None


def test_the_shipped_zip_imports_the_schemas_on_its_own(tmp_path):
    path = bank_spark._package_zip(str(tmp_path))
    names = zipfile.ZipFile(path).namelist()
    assert "bankflow/schemas.py" in names and "bankflow/bronze/checks.py" in names
    # A bare interpreter (no site-packages) with the zip on its path.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import bankflow.schemas as s; "
        "print(s.__file__, len(s.FEEDS))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe, path], capture_output=True, text=True, check=True
    )
    where, feeds = done.stdout.split()
    assert where.startswith(path) and int(feeds) == 13
