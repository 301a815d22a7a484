"""`make docs` serves, on 127.0.0.1, a site that holds every model of the project."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.workflow.conftest import MAKE_VENV

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.read().decode()


def wait_for_server(port: int, proc: subprocess.Popen, seconds: float = 480) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"make docs exited with {proc.returncode}:\n{proc.stdout.read()}")
        try:
            fetch(port, "/")
            return
        except OSError:
            time.sleep(1)
    pytest.fail(f"make docs served nothing on 127.0.0.1:{port} within {seconds:.0f}s")


def test_make_docs_serves_every_model(clone: Path, clone_env):
    models = sorted(p.stem for p in (clone / "models").rglob("*.sql"))
    assert models, "the project has no models"
    port = free_port()
    proc = subprocess.Popen(
        ["make", "-s", "docs", f"PORT={port}", *MAKE_VENV],
        cwd=clone,
        env=clone_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_server(port, proc)
        assert "dbt" in fetch(port, "/").lower()
        manifest = json.loads(fetch(port, "/manifest.json"))
        static_page = fetch(port, "/static_index.html")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)

    served = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert set(models) <= served
    # The single-file page embeds the manifest: every model is on it.
    missing = [m for m in models if f'"{m}"' not in static_page]
    assert not missing, f"not on the docs page: {missing}"
    # Columns and tests come with the models; lineage reaches the exposures.
    documented = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert all(n["columns"] for n in documented if n["name"] in models)
    assert any(n["resource_type"] == "test" for n in manifest["nodes"].values())
    assert manifest["exposures"], "the project declares no exposure: lineage ends nowhere"
    for exposure in manifest["exposures"].values():
        assert exposure["depends_on"]["nodes"], f"{exposure['name']} has no lineage"
    # The server is gone with the make run.
    with pytest.raises(OSError):
        fetch(port, "/")
