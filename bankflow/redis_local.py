"""A real local Redis server for development, demos and tests.

Production reads ``$BANK_REDIS_URL`` (managed Redis or Valkey). Locally this
module starts ``redis-server`` (Debian's package, which has TLS built in) as
a child process in a folder of its own, with an ACL user and, where asked,
TLS 1.3 only. ``make`` targets and the test fixtures use it; nothing else
starts Redis.

    python -m bankflow.redis_local start [--tls] [--port N] [--dir .run/redis]
    python -m bankflow.redis_local stop [--dir .run/redis]

``start`` prints the URL to reach the server and writes it to ``<dir>/url``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bankflow.lake import REPO_ROOT

DEFAULT_DIR = REPO_ROOT / ".run" / "redis"
USER = "bankflow"


class RedisUnavailable(RuntimeError):
    pass


def server_binary() -> str:
    """``redis-server`` or ``valkey-server`` from PATH, else a clear error."""
    for name in ("redis-server", "valkey-server"):
        path = shutil.which(name)
        if path:
            return path
    raise RedisUnavailable(
        "no redis-server on PATH: install Debian's redis-server (make setup does) "
        "or point BANK_REDIS_URL at a running server"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "server.crt", folder / "server.key"
    if not cert.exists():
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
    return cert, key


@dataclass
class LocalRedis:
    """One running server: its process, folder and URL."""

    folder: Path
    port: int
    url: str
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        pid_file = self.folder / "redis.pid"
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        elif pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
        pid_file.unlink(missing_ok=True)
        (self.folder / "url").unlink(missing_ok=True)


def start(
    folder: Path = DEFAULT_DIR, port: int | None = None, tls: bool = False, detach: bool = False
) -> LocalRedis:
    """Start a server in ``folder`` and wait until it answers PING."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    password = secrets.token_urlsafe(18)
    conf = [
        f"dir {folder}",
        "bind 127.0.0.1",
        "protected-mode yes",
        "save ''",
        "appendonly no",
        f"pidfile {folder / 'redis.pid'}",
        f"logfile {folder / 'redis.log'}",
        # The default user is off: every client names itself.
        "user default off",
        f"user {USER} on >{password} ~* &* +@all",
    ]
    if tls:
        cert, key = _self_signed(folder)
        conf += [
            "port 0",
            f"tls-port {port}",
            f"tls-cert-file {cert}",
            f"tls-key-file {key}",
            f"tls-ca-cert-file {cert}",
            "tls-auth-clients no",
            "tls-protocols TLSv1.3",
        ]
        url = f"rediss://{USER}:{password}@127.0.0.1:{port}/0?ssl_ca_certs={cert}"
    else:
        conf.append(f"port {port}")
        url = f"redis://{USER}:{password}@127.0.0.1:{port}/0"
    (folder / "redis.conf").write_text("\n".join(conf) + "\n")
    if detach:
        conf.append("daemonize yes")
        (folder / "redis.conf").write_text("\n".join(conf) + "\n")
    process = subprocess.Popen(
        [server_binary(), str(folder / "redis.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = LocalRedis(folder, port, url, None if detach else process)
    _wait_ready(server, process, detach)
    (folder / "url").write_text(url + "\n")
    return server


def _wait_ready(server: LocalRedis, process: subprocess.Popen, detach: bool) -> None:
    import redis  # the client lives in both environments, not in the package's deps

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if not detach and process.poll() is not None:
            log = (
                (server.folder / "redis.log").read_text()
                if (server.folder / "redis.log").exists()
                else ""
            )
            raise RedisUnavailable(f"redis-server exited at start:\n{log[-2000:]}")
        try:
            redis.Redis.from_url(server.url, socket_timeout=1).ping()
            return
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            time.sleep(0.05)
    raise RedisUnavailable(f"redis-server on port {server.port} did not answer in 15 s")


def running(folder: Path = DEFAULT_DIR) -> LocalRedis | None:
    """The server started in ``folder`` by an earlier ``start``, if it still runs."""
    folder = Path(folder).resolve()
    url_file = folder / "url"
    if not url_file.exists():
        return None
    import redis

    url = url_file.read_text().strip()
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except (redis.RedisError, OSError):
        return None  # a stale url file: the server is gone
    return LocalRedis(folder, port, url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bankflow.redis_local", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=("start", "stop", "url"))
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--port", type=int)
    parser.add_argument("--tls", action="store_true", help="serve TLS 1.3 only")
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            server = running(args.dir) or start(args.dir, args.port, args.tls, detach=True)
            print(server.url)
        elif args.command == "stop":
            server = running(args.dir)
            if server:
                server.stop()
        else:
            server = running(args.dir)
            if not server:
                print(f"no local Redis running in {args.dir}", file=sys.stderr)
                return 1
            print(server.url)
    except RedisUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
