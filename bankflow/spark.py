"""The SparkSession of the batch jobs, built from configuration.

Where Spark runs is configuration, never code:

- ``$BANK_SPARK_REMOTE`` (``sc://host:15002``): a Spark Connect server. The
  job's files (landing, bronze) must then be paths the server can reach.
- otherwise ``$BANK_SPARK_MASTER`` (default ``local[*]``): ``local[N]``,
  ``spark://host:7077``, ``yarn``, ``k8s://...``. Under ``spark-submit`` the
  master and resources come from the submit command and are left alone.

Locally the UI is off, shuffles are small and Spark's own logs are quiet
(WARN), so that a job's log is its own one line per step. Extra settings can
be passed as ``$BANK_SPARK_CONF`` (``key=value,key=value``).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys

# Settings every bankflow job relies on, whatever the master.
REQUIRED_CONF = {
    # Bronze timestamps are UTC; the session time zone decides how Spark
    # parses and prints them.
    "spark.sql.session.timeZone": "UTC",
}

# Settings for a single-machine run; a cluster's own defaults win there.
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    # Python workers fork from a daemon that has imported pandas, pyarrow and
    # the schemas already (bankflow/spark_daemon.py).
    "spark.python.daemon.module": "bankflow.spark_daemon",
    "spark.driver.memory": os.environ.get("BANK_SPARK_DRIVER_MEMORY", "3g"),
    "spark.sql.adaptive.enabled": "true",
    # Reading many small landing files: one task per 64 MB is plenty.
    "spark.sql.files.maxPartitionBytes": str(64 * 1024 * 1024),
    # A local run is short: the JVM's quick compiler alone gets a bronze day
    # through faster than waiting for the optimising one, which only pays
    # off on long jobs (34 s against 53 s for a 200,000-event day on two
    # cores). $BANK_SPARK_JVM_OPTIONS="" turns it off.
    "spark.driver.extraJavaOptions": os.environ.get(
        "BANK_SPARK_JVM_OPTIONS", "-XX:TieredStopAtLevel=1"
    ),
}


class SparkUnavailable(RuntimeError):
    pass


def _extra_conf() -> dict[str, str]:
    pairs = [p for p in os.environ.get("BANK_SPARK_CONF", "").split(",") if p.strip()]
    conf = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"BANK_SPARK_CONF: {pair!r} is not key=value")
        conf[key.strip()] = value.strip()
    return conf


def _under_spark_submit() -> bool:
    return "PYSPARK_GATEWAY_PORT" in os.environ or "SPARK_SUBMIT_OPTS" in os.environ


def session(app: str = "bankflow", master: str | None = None, conf: dict | None = None):
    """A SparkSession for ``app``: Spark Connect, a given master, or ``local[*]``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - the batch environment has it
        raise SparkUnavailable("pyspark is not installed: run `make setup`") from exc

    remote = os.environ.get("BANK_SPARK_REMOTE")
    builder = SparkSession.builder.appName(app)
    if remote and not master:
        builder = builder.remote(remote)
        local = False
    else:
        if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
            raise SparkUnavailable("Java 17 is required for Spark: install openjdk-17-jre-headless")
        master = master or os.environ.get("BANK_SPARK_MASTER")
        if master or not _under_spark_submit():
            builder = builder.master(master or "local[*]")
        local = (master or "local").startswith("local")
        if local:
            # Bronze validates lines in the executors' Python workers
            # (bankflow.bronze.checks); locally they are this interpreter,
            # which has bankflow and pyarrow. PySpark reads only the variable.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    settings = {**(LOCAL_CONF if local else {}), **REQUIRED_CONF, **_extra_conf(), **(conf or {})}
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in REQUIRED_CONF.items():  # an existing session may lack them
        spark.conf.set(key, value)
    if not remote:
        spark.sparkContext.setLogLevel(os.environ.get("BANK_SPARK_LOG_LEVEL", "WARN"))
    # py4j says at INFO that each of its connections closes, down to the
    # interpreter's exit, when a test runner's streams may be closed.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    return spark


def _package_zip(folder: str) -> str:
    """The installed ``bankflow`` package as a zip in ``folder``, for --py-files."""
    import zipfile
    from pathlib import Path

    package = Path(__file__).resolve().parent
    path = os.path.join(folder, "bankflow.zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(package.rglob("*.py")):
            archive.write(file, file.relative_to(package.parent).as_posix())
    return path


def ship_package(spark) -> str | None:
    """Make ``bankflow`` importable in the executors' Python of a cluster.

    Bronze judges lines with ``bankflow.schemas`` on the executors. A local
    master runs them in this interpreter, and a spark-submit with
    ``--py-files bankflow.zip`` has shipped the package already: both are
    left alone (None). Otherwise (a cluster master, Spark Connect) the package
    is zipped and added to the session; the zip's path is returned.
    """
    import contextlib
    import tempfile

    context = None
    with contextlib.suppress(Exception):  # Spark Connect has no SparkContext
        context = spark.sparkContext
    if context is not None:
        shipped = any("bankflow" in os.path.basename(p) for p in context._python_includes)
        if context.master.startswith("local") or shipped:
            return None
    path = _package_zip(tempfile.mkdtemp(prefix="bankflow-ship-"))
    if context is not None:
        context.addPyFile(path)
    else:
        spark.addArtifacts(path, pyfile=True)
    return path
