"""Live mode over a real socket, the file output, replay, and the command line."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from simulator_helpers import DAY

from bankflow import schemas
from bankflow.simulator import SimulatorError, generate_day
from bankflow.simulator.live import LiveStream, delivery, replay

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    lake = tmp_path_factory.mktemp("live")
    manifest = generate_day(DAY, events=2000, seed=3, lake=lake, bad_rate=0.05)
    return lake, manifest


def _read_all(port: int) -> list[bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        chunks = []
        while True:
            data = conn.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks).split(b"\n")[:-1]


def _serve(stream: LiveStream) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def target():
        result.update(stream.serve())

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, result


def test_socket_streams_every_event_in_arrival_order_at_the_rate(landed):
    lake, manifest = landed
    rate = 1500.0
    stream = LiveStream(DAY, lake=lake, rate=rate, port=0, seed=3)
    port = stream.bind()
    thread, stats = _serve(stream)
    started = time.monotonic()
    lines = _read_all(port)
    elapsed = time.monotonic() - started
    thread.join(30)

    envelopes = [json.loads(x) for x in lines]
    assert len(envelopes) == manifest["totals"]["event_lines"] == stats["events"]
    expected = [(feed, line) for feed, line in delivery(DAY, lake)]
    got = [(e["feed"], e["value"]) for e in envelopes]
    assert got == [(f, line.decode("utf-8", "replace")) for f, line in expected]
    assert {e["feed"] for e in envelopes} <= {f.name for f in schemas.FEEDS if f.kind == "event"}
    assert all(e["value"] for e in envelopes)

    # Pacing holds the rate: never much faster; slower only under load (loose bounds).
    n = len(envelopes)
    assert elapsed >= 0.8 * n / rate
    assert stats["rate"] <= 1.1 * rate
    stamps = [e["emitted_at_ms"] for e in envelopes]
    assert stamps == sorted(stamps)
    assert stamps[-1] - stamps[0] >= 0.8 * 1000 * (n - 1) / rate


def test_bad_encoding_arrives_replaced_and_is_refused(landed):
    lake, _ = landed
    refused = 0
    for env in replay(DAY, lake):
        if "\ufffd" in env["value"]:
            with pytest.raises(schemas.Rejected) as err:
                schemas.validate(schemas.feed(env["feed"]), env["value"], DAY)
            assert err.value.reason == "bad_encoding"
            refused += 1
    assert refused > 0


def test_out_file_holds_the_same_envelopes(landed, tmp_path):
    lake, manifest = landed
    out = tmp_path / "envelopes.jsonl"
    stats = LiveStream(DAY, lake=lake, rate=0, out=out, seed=3).serve()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == stats["events"] == manifest["totals"]["event_lines"]
    assert [json.loads(x)["value"] for x in lines] == [e["value"] for e in replay(DAY, lake)]
    assert set(json.loads(lines[0])) == {"feed", "emitted_at_ms", "value"}


def test_duration_cycles_to_the_next_days(landed, tmp_path):
    lake, manifest = landed
    out = tmp_path / "cycle.jsonl"
    stats = LiveStream(DAY, lake=lake, rate=0, out=out, seed=3, events=2000, duration=4).serve()
    assert len(stats["days"]) >= 2 and stats["days"][1] == "2026-11-03"
    assert stats["events"] > manifest["totals"]["event_lines"]
    assert len(out.read_text(encoding="utf-8").splitlines()) == stats["events"]


def test_client_that_never_comes_and_bad_arguments(landed):
    lake, _ = landed
    stream = LiveStream(DAY, lake=lake, rate=0, port=0, accept_timeout=0.5, seed=3)
    stream.bind()
    with pytest.raises(SimulatorError, match="no client connected"):
        stream.serve()
    with pytest.raises(SimulatorError, match="rate"):
        LiveStream(DAY, lake=lake, rate=-1)
    with pytest.raises(SimulatorError, match="not landed"):
        list(delivery("2030-01-01", lake))
    with pytest.raises(SimulatorError, match="no lake"):
        list(delivery(DAY, lake / "missing"))


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bankflow.simulator", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )


def test_cli_generate_prints_one_line_per_day_and_errors_are_one_line(tmp_path):
    lake = tmp_path / "lake"
    ok = _cli(
        "generate", "--day", "2026-11-02", "--days", "2", "--events", "800", "--lake", str(lake)
    )
    assert ok.returncode == 0, ok.stderr
    out = ok.stdout.strip().splitlines()
    assert len(out) == 2 and out[0].startswith("2026-11-02 events=") and "bad=" in out[1]
    for args in (
        ("generate", "--day", "2026-02-30", "--lake", str(lake)),
        ("generate", "--day", "2026-11-02", "--events", "5", "--lake", str(lake)),
        ("live", "--day", "2026-11-02", "--rate", "-5", "--lake", str(lake)),
        ("generate", "--day", "2026-11-02", "--fraud-rate", "x=y", "--lake", str(lake)),
    ):
        bad = _cli(*args)
        assert bad.returncode == 2, args
        assert "Traceback" not in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr


def test_cli_live_to_a_socket(tmp_path):
    lake = tmp_path / "lake"
    generate_day(DAY, events=500, lake=lake)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bankflow.simulator",
            "live",
            "--day",
            "2026-11-02",
            "--lake",
            str(lake),
            "--port",
            "0",
            "--rate",
            "0",
        ],
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    try:
        first = proc.stderr.readline()
        assert first.startswith("live: listening on 127.0.0.1:"), first
        port = int(first.rsplit(":", 1)[1])
        lines = _read_all(port)
        assert len(lines) == 500
        assert proc.wait(60) == 0
        assert "500 events" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_same_bytes_across_processes_with_different_hash_seeds(tmp_path):
    """No set or hash order leaks into the data: two interpreters, two hash seeds."""
    digests = []
    for hash_seed in ("1", "2"):
        lake = tmp_path / f"h{hash_seed}"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "bankflow.simulator",
                "generate",
                "--day",
                "2026-11-02",
                "--days",
                "2",
                "--events",
                "1500",
                "--bad-rate",
                "0.05",
                "--lake",
                str(lake),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=300,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": hash_seed},
        )
        assert proc.returncode == 0, proc.stderr
        files = sorted(p for p in lake.rglob("*") if p.is_file())
        digests.append({str(p.relative_to(lake)): p.read_bytes() for p in files})
    assert digests[0].keys() == digests[1].keys()
    assert digests[0] == digests[1]
