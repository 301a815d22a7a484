"""What the nightly DAG's end-to-end tests share: settings, the DAG, table digests."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from bankflow import publish

REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def environment(values: dict[str, str], also_restore: tuple[str, ...] = ()):
    """``os.environ`` with ``values`` set for the block, and as it was after.

    ``also_restore`` names variables the block itself may set.
    """
    saved = {k: os.environ.get(k) for k in (*values, *also_restore)}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def nightly_dag():
    """``bank_nightly`` as Airflow's DAG bag parses it from the DAG folder."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    return bag.dags["bank_nightly"]


def fingerprint(duckdb_path: str, relations) -> dict[str, tuple[int, str]]:
    """Row count and a digest of the sorted rows of each relation."""
    con = publish.open_duckdb(duckdb_path)
    try:
        out = {}
        for name in relations:
            relation = publish._duckdb_relation(con, name)
            rows = sorted(map(repr, con.execute(f"select * from {relation}").fetchall()))
            out[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return out
    finally:
        con.close()
