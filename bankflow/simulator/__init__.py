"""A deterministic simulator of the bank's four source systems.

Core Banking, Online Banking, Mobile App and Branch Systems, one business day
at a time, from a seed: landing files in the lake layout of
``bankflow.lake``, ground truth (fraud labels, bad records, a manifest) apart
from the events, and a live mode that streams the same events over a TCP
socket. ``python -m bankflow.simulator --help`` lists the commands.
"""

from bankflow.simulator.engine import (
    DEFAULT_EVENTS,
    DEFAULT_SEED,
    SimulatorError,
    generate,
    generate_day,
)

__all__ = ["DEFAULT_EVENTS", "DEFAULT_SEED", "SimulatorError", "generate", "generate_day"]
