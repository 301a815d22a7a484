"""A paced producer for the benchmark: a landed day's envelopes, one line per send.

The simulator's live mode (``bankflow.simulator.live``) is the local
transport; it writes in blocks of up to 512 lines whenever it runs behind its
schedule, and stamps each line when it is queued, so on a loaded machine its
own buffering shows up in the scorer's latency. For the benchmark this
producer sends the same envelopes (the simulator's ``replay``, same order),
each stamped with ``emitted_at_ms`` at the moment it is sent, so the figures
measure the scorer, not the producer.

    python -m streaming.producer --day D [--lake L] [--rate R] [--duration S] [--port 0]
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time

from bankflow.simulator.live import replay


def serve(
    day: str,
    lake: str | None,
    rate: float,
    duration: float | None,
    host: str = "127.0.0.1",
    port: int = 0,
    accept_timeout: float = 300,
) -> dict:
    server = socket.create_server((host, port))
    print(f"live: listening on {host}:{server.getsockname()[1]}", file=sys.stderr, flush=True)
    server.settimeout(accept_timeout)
    try:
        conn, _ = server.accept()
    finally:
        server.close()
    sent, start = 0, time.monotonic()
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for env in replay(day, lake, clock=lambda: 0):
                ahead = (start + sent / rate if rate else 0) - time.monotonic()
                if ahead > 0.0005:
                    time.sleep(ahead)
                env["emitted_at_ms"] = int(time.time() * 1000)
                conn.sendall(json.dumps(env, ensure_ascii=False).encode() + b"\n")
                sent += 1
                if duration and time.monotonic() - start >= duration:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        conn.shutdown(socket.SHUT_WR)
    seconds = time.monotonic() - start
    return {"events": sent, "seconds": seconds, "day": day, "target": f"{host}:{port}"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m streaming.producer", description=__doc__.split("\n")[0]
    )
    p.add_argument("--day", required=True)
    p.add_argument("--lake")
    p.add_argument("--rate", type=float, default=1000.0)
    p.add_argument("--duration", type=float)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--accept-timeout", type=float, default=300)
    args = p.parse_args(argv)
    s = serve(
        args.day,
        args.lake,
        args.rate,
        args.duration,
        port=args.port,
        accept_timeout=args.accept_timeout,
    )
    # The same closing line as the simulator's live mode, so one reader parses both.
    print(
        f"live: {s['events']} events of {s['day']} to {s['target']} in {s['seconds']:.1f} s, "
        f"{s['events'] / max(s['seconds'], 1e-9):,.0f} events/s",
        file=sys.stderr,
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
