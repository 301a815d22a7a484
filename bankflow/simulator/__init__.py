"""A deterministic simulator of the bank's four source systems.

Core Banking, Online Banking, Mobile App and Branch Systems, one business day
at a time, from a seed:

- landing files ``landing/<source>/<table>/<day>/<table>.jsonl`` for every
  feed of ``bankflow.schemas`` (always written, possibly empty);
- ground truth apart from the events: ``ground_truth/<day>/manifest.json``,
  ``fraud_labels.jsonl`` (docs/fraud-scenarios.md) and ``bad_records.jsonl``
  (``bad.py``);
- the state at the end of the day, ``simulator_state/<day>.json.gz``;
- a live mode streaming the same events over TCP (``live.py``).

What a landing line looks like:

- compact JSON, UTF-8, keys in schema order, every field present: a null
  optional field is written as ``null``, never omitted;
- timestamps ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC; the extracts
  (customers, accounts) are stamped ``<day>T23:59:59Z``;
- money a JSON number with at most two decimals (``12.5`` is 12.50);
- ids deterministic: ``<PREFIX>-<yyyymmdd>-<n>`` for events, ``CUS-``,
  ``ACC-``, ``CRD-``, ``PYE-`` for customers, accounts, cards and payees;
- the accounts extract carries ``ledger_balance``, equal to the
  ``balance_after`` of the account's last posting up to the extract.

Volume: ``events`` counts the lines of the event feeds, bad records included
(exactly, unless a bad record of some kind could not be made); the extracts
hold the whole population, by default one customer per ten events a day at
the epoch, growing slowly. Days, epoch and the state cache: see ``engine.py``.

The Python API is ``generate_day`` and ``generate`` (below), and
``live.LiveStream``, ``live.replay`` and ``live.delivery`` for the stream;
``python -m bankflow.simulator --help`` is the command line.
"""

from bankflow.simulator.engine import (
    DEFAULT_EVENTS,
    DEFAULT_SEED,
    SimulatorError,
    generate,
    generate_day,
)

__all__ = ["DEFAULT_EVENTS", "DEFAULT_SEED", "SimulatorError", "generate", "generate_day"]
