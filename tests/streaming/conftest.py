"""Helpers of the streaming tests: a one-client line server, as the live transport is."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest


class LineServer:
    """Serve ``lines`` to the first client, stamping ``emitted_at_ms`` as each is sent.

    ``on_line`` (index -> None) runs before line ``index`` is sent, so a test can
    act at a known point of the stream (stop Redis, for instance).
    """

    def __init__(self, lines: list[str], pace_s: float = 0.0, on_line=None) -> None:
        self.lines, self.pace_s, self.on_line = lines, pace_s, on_line or (lambda i: None)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            self.sock.settimeout(120)
            conn, _ = self.sock.accept()
            with conn:
                for i, line in enumerate(self.lines):
                    self.on_line(i)
                    try:
                        env = json.loads(line)
                        env["emitted_at_ms"] = int(time.time() * 1000)
                        line = json.dumps(env)
                    except (ValueError, TypeError):
                        pass  # a bad envelope goes out as it is
                    conn.sendall(line.encode() + b"\n")
                    self.sent += 1
                    if self.pace_s:
                        time.sleep(self.pace_s)
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc
        finally:
            self.sock.close()

    def join(self) -> None:
        self.thread.join(30)
        if self.error:
            raise self.error


@pytest.fixture
def serve():
    servers: list[LineServer] = []

    def start(lines, pace_s=0.0, on_line=None) -> LineServer:
        servers.append(LineServer(lines, pace_s, on_line))
        return servers[-1]

    yield start
    for s in servers:
        s.sock.close()
