"""The real-time fraud job on PyFlink: source -> parse -> key -> detect -> score -> sink.

Sources, chosen by ``JobConfig.source``:

- ``socket``: the local live transport (``python -m bankflow.simulator live``),
  read with Flink's ``SocketTextStreamFunction``. It cannot replay: events in
  flight when the job fails are lost to it (docs/streaming.md).
- ``replay``: envelope files (JSON lines), read with Flink's ``FileSource``,
  whose read position is in the checkpoint, so a restart resumes exactly.
- ``kafka`` (MSK) and ``kinesis``: production transports carrying the same
  envelopes. Their connector jars are not part of PyFlink; a Flink
  deployment supplies them through ``pipeline.jars``. Without them the job
  stops before it starts, naming the jar and the setting.

Fast settings found on this two-core machine: the Python functions run in
thread mode (embedded in the JVM, no gRPC bundles), the network buffers are
flushed every millisecond, parallelism is 1, and the Python steps form two
chains: parse with the key selector, and detect-and-score with the sink.
"""

from __future__ import annotations

import glob
import logging
import os
import site
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from streaming.parse import DeadLetter, Event, Parser

log = logging.getLogger("streaming.job")

REPO_ROOT = Path(__file__).resolve().parent.parent

KAFKA_JAR = "flink-sql-connector-kafka-4.0.0-2.0.jar"
KAFKA_CLASS = "org.apache.flink.connector.kafka.source.KafkaSource"
KINESIS_JAR = "flink-sql-connector-kinesis-5.0.0-2.0.jar"
KINESIS_CLASS = "org.apache.flink.streaming.connectors.kinesis.FlinkKinesisConsumer"


class ConnectorMissing(RuntimeError):
    """A production source was chosen but its connector jar is not on the classpath."""


@dataclass
class JobConfig:
    redis_url: str
    source: str = "socket"  # socket | replay | kafka | kinesis
    host: str = "127.0.0.1"
    port: int = 9999
    replay_path: str | None = None  # a file or folder of envelope lines
    kafka_bootstrap: str = "localhost:9092"
    kafka_topic: str = "bank.events"
    kafka_group: str = "bank-fraud-scorer"
    kinesis_stream: str = "bank-events"
    kinesis_region: str = "eu-west-1"
    jars: list[str] = field(default_factory=list)  # file:// URLs of connector jars
    day: str | None = None  # delivery day, for the future-timestamp check
    rules_path: str | None = None
    run_id: str = "local"
    checkpoint_dir: str | None = None
    checkpoint_interval_ms: int = 5000
    resume_from: str | None = None  # a retained checkpoint to start from
    restart_attempts: int = 3
    latency_warmup_s: float = 0.0  # latency of the stream's first seconds is not recorded
    # A fault drill: the parse step raises once, at this event or the first one
    # after a checkpoint has completed (tests use it to prove that a restart
    # from a checkpoint loses nothing and doubles nothing).
    drill_fail_at: int | None = None
    drill_marker: str | None = None
    drill_pause_ms: float = 0.0


def flink_configuration(cfg: JobConfig):
    from pyflink.common import Configuration

    conf = Configuration()
    settings = {
        "python.execution-mode": "thread",
        "python.pythonpath": os.pathsep.join([*site.getsitepackages(), str(REPO_ROOT)]),
        "execution.buffer-timeout.interval": "1 ms",
        "parallelism.default": "1",
        "state.backend.type": "hashmap",
        "execution.checkpointing.interval": f"{cfg.checkpoint_interval_ms} ms",
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "restart-strategy.type": "fixed-delay",
        "restart-strategy.fixed-delay.attempts": str(cfg.restart_attempts),
        "restart-strategy.fixed-delay.delay": "1 s",
        "metrics.latency.interval": "0",
    }
    if cfg.checkpoint_dir:
        settings["execution.checkpointing.dir"] = Path(cfg.checkpoint_dir).resolve().as_uri()
    if cfg.resume_from:
        settings["execution.state-recovery.path"] = cfg.resume_from
    if cfg.jars:
        settings["pipeline.jars"] = ";".join(cfg.jars)
    for k, v in settings.items():
        conf.set_string(k, v)
    return conf


def require_connector(kind: str, jars: list[str]) -> None:
    """Stop at once, naming the jar and the setting, when a connector is absent."""
    from pyflink.util.java_utils import load_java_class

    jar, cls = (KAFKA_JAR, KAFKA_CLASS) if kind == "kafka" else (KINESIS_JAR, KINESIS_CLASS)
    try:
        load_java_class(cls)
    except Exception:  # py4j wraps ClassNotFoundException
        given = f" (pipeline.jars has: {';'.join(jars)})" if jars else ""
        raise ConnectorMissing(
            f"the {kind} source needs the Flink {kind} connector jar {jar} (class {cls}), "
            f"which PyFlink does not ship and a Flink deployment supplies{given}. Give it with "
            f"the setting pipeline.jars=file:///path/to/{jar} "
            f"(python -m streaming.run --jar file:///path/to/{jar})"
        ) from None


# --- the steps ---------------------------------------------------------------


def source(env, cfg: JobConfig):
    """The envelope lines, from the transport the configuration names."""
    from pyflink.common import Types, WatermarkStrategy
    from pyflink.datastream import DataStream

    if cfg.source == "socket":
        # maxRetry 0: when the producer closes the connection the stream ends.
        j = env._j_stream_execution_environment.socketTextStream(cfg.host, cfg.port, "\n", 0)
        return DataStream(j).name("socket source")
    if cfg.source == "replay":
        from pyflink.datastream.connectors.file_system import FileSource, StreamFormat

        files = FileSource.for_record_stream_format(
            StreamFormat.text_line_format(), str(Path(cfg.replay_path).resolve())
        ).build()
        return env.from_source(
            files, WatermarkStrategy.no_watermarks(), "replay source", Types.STRING()
        )
    if cfg.source in ("kafka", "kinesis"):
        require_connector(cfg.source, cfg.jars)
        from pyflink.common.serialization import SimpleStringSchema

        if cfg.source == "kafka":
            from pyflink.datastream.connectors.kafka import (
                KafkaOffsetResetStrategy,
                KafkaOffsetsInitializer,
                KafkaSource,
            )

            # A first start of the group reads from the earliest retained event;
            # after that the offsets come from the checkpoint (or the group's commits).
            start = KafkaOffsetsInitializer.committed_offsets(KafkaOffsetResetStrategy.EARLIEST)
            kafka = (
                KafkaSource.builder()
                .set_bootstrap_servers(cfg.kafka_bootstrap)
                .set_topics(cfg.kafka_topic)
                .set_group_id(cfg.kafka_group)
                .set_starting_offsets(start)
                .set_value_only_deserializer(SimpleStringSchema())
                .build()
            )
            return env.from_source(kafka, WatermarkStrategy.no_watermarks(), "kafka source")
        from pyflink.datastream.connectors.kinesis import FlinkKinesisConsumer

        consumer = FlinkKinesisConsumer(
            cfg.kinesis_stream,
            SimpleStringSchema(),
            {"aws.region": cfg.kinesis_region, "flink.stream.initpos": "LATEST"},
        )
        return env.add_source(consumer, "kinesis source")
    raise ValueError(f"unknown source {cfg.source!r}: socket, replay, kafka or kinesis")


def _map_function():
    from pyflink.datastream.functions import MapFunction

    return MapFunction


class ParseEnvelope(_map_function()):
    """Envelope line -> Event, or DeadLetter with its reason (never raises)."""

    def __init__(self, cfg: JobConfig) -> None:
        self.parse = Parser(date.fromisoformat(cfg.day) if cfg.day else None)
        self.fail_at, self.marker = cfg.drill_fail_at, cfg.drill_marker
        self.pause = cfg.drill_pause_ms / 1000
        self.checkpoint_dir = cfg.checkpoint_dir or ""
        self.seen = 0

    def map(self, line: str):
        self.seen += 1
        if self.pause:
            time.sleep(self.pause)
        if self.fail_at and self.seen >= self.fail_at and not os.path.exists(self.marker):
            # Fail only once a checkpoint is complete, so the restart has one to resume from.
            if glob.glob(os.path.join(self.checkpoint_dir, "*", "chk-*", "_metadata")):
                Path(self.marker).write_text(f"failed at {self.seen}\n")
                raise RuntimeError(f"fault drill: parse fails once at event {self.seen}")
            time.sleep(0.2)  # slow down until one completes (between records, so it can)
        return self.parse(line)

    def close(self) -> None:
        if self.fail_at and self.marker and os.path.exists(self.marker):
            # How many lines the restarted job read: fewer than the stream when it
            # resumed from a checkpoint, all of them when it started over.
            with open(self.marker, "a") as f:
                f.write(f"read after restart {self.seen}\n")


def key_of(item: Event | DeadLetter) -> str:
    return item.key


def _keyed_process_function():
    from pyflink.datastream.functions import KeyedProcessFunction

    return KeyedProcessFunction


class DetectAndScore(_keyed_process_function()):
    """Every detector of the rule set over the key's state: a Score, or a DeadLetter.

    The key's state is one pickled dict (see detectors.py), trimmed by the
    detectors to the rules' horizon and expired by Flink when a key is quiet.
    """

    def __init__(self, cfg: JobConfig) -> None:
        self.cfg = cfg

    def open(self, runtime_context) -> None:
        import redis
        from pyflink.common import Time, Types
        from pyflink.datastream.state import StateTtlConfig, ValueStateDescriptor

        from streaming.baselines import BaselineStore
        from streaming.detectors import Scorer, load_rules

        rules = load_rules(self.cfg.rules_path)
        self.scorer = Scorer(rules)
        self.baselines = BaselineStore(
            redis.Redis.from_url(self.cfg.redis_url, socket_timeout=2),
            rules["baseline"]["refresh_s"],
            rules["baseline"]["cache_size"],
        )
        descriptor = ValueStateDescriptor("key_state", Types.PICKLED_BYTE_ARRAY())
        # A key silent for longer than the horizon has nothing left to remember.
        ttl = StateTtlConfig.new_builder(Time.seconds(int(rules["state"]["horizon_s"]))).build()
        descriptor.enable_time_to_live(ttl)
        self.state = runtime_context.get_state(descriptor)

    def process_element(self, item, ctx):
        if isinstance(item, DeadLetter):
            yield item
            return
        state = self.state.value() or {}
        verdict = self.scorer.score(item, state, self.baselines.for_event(item))
        self.state.update(state)
        if isinstance(verdict, DeadLetter) or item.scored:  # else a feed for state only
            yield verdict


class WriteToRedis(_map_function()):
    """The sink: each verdict written to Redis, its latency measured once it is readable.

    A Python map chained to the step before it (same thread, no hand-over), so
    the sink is its own step at almost no cost.
    """

    def __init__(self, cfg: JobConfig) -> None:
        self.cfg = cfg

    def open(self, runtime_context) -> None:
        from streaming.sink import RedisSink

        if not logging.getLogger().handlers:  # the JVM's embedded interpreter logs to stderr
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        self.sink = RedisSink(
            self.cfg.redis_url, self.cfg.run_id, warmup_s=self.cfg.latency_warmup_s
        )
        metrics = runtime_context.get_metrics_group()
        self.counters = {n: metrics.counter(n) for n in ("scored", "alerts", "deadletters")}
        self.latency_metric = metrics.distribution("latency_ms")
        self.started = time.monotonic()

    def map(self, verdict) -> bool:
        ms = self.sink.write(verdict)
        if isinstance(verdict, DeadLetter):
            self.counters["deadletters"].inc()
            return False
        self.counters["scored"].inc()
        self.counters["alerts"].inc(int(verdict.alert))
        if ms is not None:
            self.latency_metric.update(int(ms))
        return verdict.alert

    def close(self) -> None:
        if getattr(self, "sink", None) is None:
            return
        s = self.sink.latency.summary()
        log.info(
            "sink: in %d scored, %d alerts, %d dead letters, p50 %.1f ms, "
            "p99 %.1f ms, max %.1f ms, %d redis retries, %.1f s",
            self.counters["scored"].get_count(),
            self.counters["alerts"].get_count(),
            self.counters["deadletters"].get_count(),
            s["p50_ms"],
            s["p99_ms"],
            s["max_ms"],
            self.sink.retries,
            time.monotonic() - self.started,
        )
        self.sink.close()


def discarding_sink():
    from pyflink.datastream.connectors import Sink
    from pyflink.java_gateway import get_gateway

    return Sink(get_gateway().jvm.org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink())


def build(env, cfg: JobConfig) -> None:
    """The pipeline, as it reads: source -> parse -> key -> detect and score -> sink."""
    from pyflink.common import Types

    lines = source(env, cfg)
    events = lines.map(ParseEnvelope(cfg), output_type=Types.PICKLED_BYTE_ARRAY()).name("parse")
    keyed = events.key_by(key_of, key_type=Types.STRING())
    verdicts = keyed.process(DetectAndScore(cfg), output_type=Types.PICKLED_BYTE_ARRAY()).name(
        "detect and score"
    )
    written = verdicts.map(WriteToRedis(cfg), output_type=Types.BOOLEAN()).name("redis sink")
    # The Redis writes happen in the step above; the graph still needs an end.
    written.sink_to(discarding_sink()).name("end")


def run(cfg: JobConfig) -> float:
    """Build and run the job until its source ends; the seconds it ran."""
    from pyflink.datastream import StreamExecutionEnvironment

    env = StreamExecutionEnvironment.get_execution_environment(flink_configuration(cfg))
    env.set_parallelism(1)
    if cfg.jars:
        env.add_jars(*cfg.jars)
    build(env, cfg)
    started = time.monotonic()
    env.execute(f"bank-fraud-scorer-{cfg.run_id}")
    return time.monotonic() - started
