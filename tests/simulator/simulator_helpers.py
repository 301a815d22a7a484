"""Helpers the simulator tests share: the test day and readers of a landed day."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from bankflow import lake as lake_paths
from bankflow import schemas

DAY = date(2026, 11, 2)  # a Monday
EVENTS = 3000


def landing_lines(lake: Path, feed: schemas.Feed, day: date) -> list[bytes]:
    path = Path(lake_paths.landing_file(feed.source, feed.table, day, str(lake)))
    data = path.read_bytes()
    return data.split(b"\n")[:-1] if data else []


def ground_truth(lake: Path, day: date, name: str):
    path = Path(lake_paths.ground_truth_dir(day, str(lake))) / name
    if name.endswith(".json"):
        return json.loads(path.read_text())
    return [json.loads(line) for line in path.read_text().splitlines()]
