"""Live mode: a landed day's events streamed in arrival order over TCP.

This is the local stand-in for Kinesis or MSK. The stream serves one client
(PyFlink's socket source connects as a client), one line per event:

    {"feed": "core_banking.postings", "emitted_at_ms": 1793615400123, "value": "<landing line>"}

``value`` is the landing line as text (a line with invalid UTF-8 is decoded
with replacement characters, which ``schemas.validate`` refuses as
``bad_encoding``); ``emitted_at_ms`` is the wall clock when the line was
written, so a consumer can measure its latency from it. Only event feeds are
streamed, never the daily extracts. Arrival order interleaves the feeds by
``event_at`` while keeping each file's own delivery order, so duplicates,
late and out-of-order lines arrive where the files put them.

``replay`` yields the same envelopes from the landed files without a socket
(the file-replay source and plain-Python baseline of the fraud scorer).
"""

from __future__ import annotations

import contextlib
import heapq
import json
import re
import socket
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from bankflow import lake as lake_paths
from bankflow import schemas
from bankflow.simulator.engine import SimulatorError, _as_day, _local_lake, generate_day

_EVENT_AT = re.compile(rb'"event_at":"([^"]*)"')
FLUSH_AHEAD_S = 0.002  # sleep (and flush) only when this far ahead of the schedule


def _landed(day: date, lake: Path) -> bool:
    return (Path(lake_paths.ground_truth_dir(day, str(lake))) / "manifest.json").exists()


def _feed_lines(feed: schemas.Feed, path: Path) -> Iterator[tuple[bytes, int, str, bytes]]:
    """A landing file's lines in delivery order, keyed by their event_at."""
    key = b""
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh):
            line = raw.rstrip(b"\n")
            if not line:
                continue
            m = _EVENT_AT.search(line)
            if m is not None:
                key = m.group(1)
            yield key, n, feed.name, line  # a line without event_at keeps its predecessor's key


def delivery(day: date | str, lake: str | Path | None = None) -> Iterator[tuple[str, bytes]]:
    """``(feed, raw line)`` of a landed day, in arrival order."""
    d = _as_day(day)
    root = _local_lake(lake)
    if not root.is_dir():
        raise SimulatorError(f"no lake at {root}")
    if not _landed(d, root):
        raise SimulatorError(f"day {d} is not landed in {root} (no manifest); generate it first")
    iterators = []
    for f in schemas.FEEDS:
        if f.kind != "event":
            continue
        path = Path(lake_paths.landing_file(f.source, f.table, d, str(root)))
        if not path.exists():
            raise SimulatorError(f"landing file missing: {path}")
        iterators.append(_feed_lines(f, path))
    for _, _, feed, line in heapq.merge(*iterators):
        yield feed, line


def value_text(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("utf-8", errors="replace")


def envelope(feed: str, line: bytes, emitted_at_ms: int) -> str:
    """One line of the stream (without the newline)."""
    return json.dumps(
        {"feed": feed, "emitted_at_ms": emitted_at_ms, "value": value_text(line)},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def replay(day: date | str, lake: str | Path | None = None, clock=time.time) -> Iterator[dict]:
    """The envelopes of a landed day as dicts, stamped by ``clock`` as they are yielded."""
    for feed, line in delivery(day, lake):
        yield {"feed": feed, "emitted_at_ms": int(clock() * 1000), "value": value_text(line)}


class LiveStream:
    """Serve landed (or freshly generated) days to one TCP client, or to a file.

    ``bind()`` opens the listening socket and returns its port (``port=0``
    picks a free one); ``serve()`` waits for the client, streams and returns
    the figures of the run. Days are generated first when they are not
    landed (or were landed with another seed or event count).
    """

    def __init__(
        self,
        day: date | str,
        *,
        rate: float = 1000.0,
        host: str = "127.0.0.1",
        port: int = 0,
        duration: float | None = None,
        out: str | Path | None = None,
        accept_timeout: float = 600.0,
        lake: str | Path | None = None,
        events: int | None = None,
        seed: int = 42,
        **generation,
    ) -> None:
        if rate is None or rate < 0:
            raise SimulatorError(f"rate must be 0 (as fast as possible) or positive, got {rate}")
        if duration is not None and duration <= 0:
            raise SimulatorError(f"duration must be positive, got {duration}")
        if not 0 <= port <= 65535:
            raise SimulatorError(f"port must be 0..65535, got {port}")
        self.day = _as_day(day)
        self.rate = float(rate)
        self.host, self.port = host, port
        self.duration = duration
        self.out = Path(out) if out else None
        self.accept_timeout = accept_timeout
        self.lake = _local_lake(lake)
        self.events, self.seed, self.generation = events, seed, generation
        self._server: socket.socket | None = None

    def bind(self) -> int:
        if self.out is not None:
            return 0
        try:
            self._server = socket.create_server((self.host, self.port))
        except OSError as exc:
            raise SimulatorError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror}"
            ) from None
        self.port = self._server.getsockname()[1]
        return self.port

    def _ensure(self, day: date) -> None:
        manifest = Path(lake_paths.ground_truth_dir(day, str(self.lake))) / "manifest.json"
        if manifest.exists():
            m = json.loads(manifest.read_text())
            if m["seed"] == self.seed and self.events in (None, m["arguments"]["events"]):
                return
        kwargs = dict(self.generation)
        if self.events is not None:
            kwargs["events"] = self.events
        generate_day(day, seed=self.seed, lake=self.lake, **kwargs)

    def _days(self) -> Iterator[tuple[date, Iterator[tuple[str, bytes]]]]:
        day = self.day
        while True:
            self._ensure(day)
            yield day, delivery(day, self.lake)
            if self.duration is None:
                return
            day += timedelta(days=1)

    def serve(self) -> dict:
        if self.out is None and self._server is None:
            self.bind()
        conn = None
        sink = None
        try:
            self._ensure(self.day)  # before accepting, so the client is not kept waiting
            if self.out is not None:
                self.out.parent.mkdir(parents=True, exist_ok=True)
                sink = open(self.out, "wb")  # noqa: SIM115 - closed in finally
                write = sink.write
            else:
                self._server.settimeout(self.accept_timeout)
                try:
                    conn, _ = self._server.accept()
                except TimeoutError:
                    raise SimulatorError(
                        f"no client connected to {self.host}:{self.port} "
                        f"within {self.accept_timeout:g} s"
                    ) from None
                conn.settimeout(None)
                write = conn.sendall
            return self._stream(write)
        finally:
            if conn is not None:
                with contextlib.suppress(OSError):  # the client may be gone already
                    conn.shutdown(socket.SHUT_WR)
                conn.close()
            if sink is not None:
                sink.close()
            if self._server is not None:
                self._server.close()
                self._server = None

    def _stream(self, write) -> dict:
        rate, duration = self.rate, self.duration
        by_feed: dict[str, int] = {}
        days: list[str] = []
        buf: list[str] = []
        sent = 0
        closed_by_client = False
        start = time.monotonic()
        wall = time.time

        def flush() -> None:
            if buf:
                write(("\n".join(buf) + "\n").encode("utf-8"))
                buf.clear()

        try:
            for day, lines in self._days():
                days.append(day.isoformat())
                for feed, line in lines:
                    if rate > 0:
                        ahead = start + sent / rate - time.monotonic()
                        if ahead > FLUSH_AHEAD_S:
                            flush()
                            time.sleep(ahead)
                    buf.append(envelope(feed, line, int(wall() * 1000)))
                    sent += 1
                    by_feed[feed] = by_feed.get(feed, 0) + 1
                    if len(buf) >= 512:
                        flush()
                    if duration is not None and time.monotonic() - start >= duration:
                        break
                else:
                    continue
                break
            flush()
        except (BrokenPipeError, ConnectionResetError):
            closed_by_client = True
        seconds = time.monotonic() - start
        return {
            "events": sent,
            "seconds": round(seconds, 3),
            "rate": round(sent / seconds, 1) if seconds > 0 else None,
            "requested_rate": rate,
            "days": days,
            "by_feed": by_feed,
            "closed_by_client": closed_by_client,
            "target": str(self.out) if self.out else f"{self.host}:{self.port}",
        }


def describe(stats: dict) -> str:
    asked = (
        "as fast as possible"
        if not stats["requested_rate"]
        else (f"asked {stats['requested_rate']:g}/s")
    )
    end = " (client closed the connection)" if stats["closed_by_client"] else ""
    return (
        f"live: {stats['events']} events of {', '.join(stats['days']) or 'no day'} to "
        f"{stats['target']} in {stats['seconds']:.1f} s, {stats['rate'] or 0:,.0f} events/s "
        f"({asked}){end}"
    )


def run(day: date | str, **kwargs) -> dict:
    """The CLI's live mode: bind, say where on stderr, serve, return the figures."""
    stream = LiveStream(day, **kwargs)
    port = stream.bind()
    if stream.out is None:
        print(f"live: listening on {stream.host}:{port}", file=sys.stderr, flush=True)
    return stream.serve()
