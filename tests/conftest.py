"""Fixtures shared by every test: a real Redis server and a scratch lake.

Both environments (batch and streaming) load this file, so it imports only
what both have: the ``bankflow`` package and the ``redis`` client.
"""

from __future__ import annotations

import pytest
import redis

from bankflow import redis_local


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on a free loopback port, for the whole session."""
    server = redis_local.start(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The session server's URL, with the database emptied for each test."""
    redis.Redis.from_url(redis_server.url).flushall()
    return redis_server.url


@pytest.fixture
def lake(tmp_path, monkeypatch):
    """An empty lake folder, set as ``BANK_LAKE_ROOT`` for the test."""
    root = tmp_path / "lake"
    root.mkdir()
    monkeypatch.setenv("BANK_LAKE_ROOT", str(root))
    return root
