"""A three-day history generated once per module into a scratch lake."""

from __future__ import annotations

import pytest
from simulator_helpers import DAY, EVENTS

from bankflow.simulator import generate


@pytest.fixture(scope="module")
def three_days(tmp_path_factory):
    """Three consecutive days at a high bad rate and fraud rate, in one lake."""
    lake = tmp_path_factory.mktemp("lake")
    manifests = generate(
        DAY, days=3, events=EVENTS, seed=7, lake=lake, bad_rate=0.05, fraud_rate=100
    )
    return lake, manifests
