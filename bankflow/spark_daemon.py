"""Spark's Python worker daemon, with bronze's imports made once before it forks.

Each Python worker Spark starts is forked from this daemon. PySpark's own
daemon imports pandas and pyarrow in every worker after the fork, at two
seconds or more each on the two-core machine; made here, the forked workers
inherit them. ``bankflow.spark`` names this module in
``spark.python.daemon.module`` for a local master.
"""

import pandas  # noqa: F401  (imported for the forked workers)
import pyarrow  # noqa: F401
import pyspark.worker  # noqa: F401
from pyspark import daemon

import bankflow.schemas  # noqa: F401

if __name__ == "__main__":
    daemon.manager()
