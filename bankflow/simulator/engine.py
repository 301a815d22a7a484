"""Generate business days into the lake: landing files, ground truth, state.

``generate_day`` is the one entry point the bronze tests, the dbt tests, the
Airflow DAG and the benchmarks call. A day's bytes are a function of its
arguments only (seed, events, customers, fraud rates, bad rate, epoch), never
of the wall clock or of what else is in the lake:

- The epoch is the first day of a seed's history; its population comes from
  the seed alone. Without ``epoch=``, the epoch is the one recorded in the
  latest cached state before the day that has the same arguments, or else
  the day itself (so a fresh lake starts its history on the first day asked).
- Day D starts from the state at the end of D-1, cached in
  ``simulator_state/<D-1>.json.gz``. Without that file the days in between
  are regenerated from the latest cached state (or the epoch), without
  writing their landing files, so a day alone equals the same day in a range.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import time
from datetime import date, timedelta
from pathlib import Path

from bankflow import lake as lake_paths
from bankflow import schemas
from bankflow.simulator import bad, fraud
from bankflow.simulator.behaviour import Behaviour, scheduled
from bankflow.simulator.core import Clock, parse_day, rng
from bankflow.simulator.day import ENCODERS, EVENT_FEEDS, DayBuilder, dumps
from bankflow.simulator.population import Population
from bankflow.simulator.reference import load as load_reference

log = logging.getLogger("bankflow.simulator")

GENERATOR_VERSION = 2  # bump when the same arguments would give different bytes
DEFAULT_EVENTS = 200_000
DEFAULT_SEED = 42
CUSTOMERS_PER_EVENT = 0.1  # default population: one customer per ten events a day
MIN_EVENTS = 100
# Incomes in population.py fit a customer with this many events a day; busier
# customers are paid proportionally more (behaviour.scheduled).
INCOME_EVENTS_PER_CUSTOMER = 3.0


class SimulatorError(ValueError):
    """Bad arguments or a lake the simulator cannot use; the message is one line."""


def default_customers(events: int) -> int:
    return max(50, int(events * CUSTOMERS_PER_EVENT))


def fraud_rates(value: float | dict[str, float] | None) -> dict[str, float]:
    """Instances per 100,000 events per scenario, from one number or a per-scenario dict."""
    if value is None:
        value = fraud.DEFAULT_RATE
    if isinstance(value, (int, float)):
        rates = dict.fromkeys(fraud.SCENARIOS, float(value))
    else:
        unknown = set(value) - set(fraud.SCENARIOS)
        if unknown:
            raise SimulatorError(
                f"unknown fraud scenario {sorted(unknown)}; known: {', '.join(fraud.SCENARIOS)}"
            )
        rates = {s: float(value.get(s, fraud.DEFAULT_RATE)) for s in fraud.SCENARIOS}
    for s, r in rates.items():
        if r < 0:
            raise SimulatorError(f"fraud rate of {s} must not be negative, got {r}")
    return rates


def _local_lake(lake: str | os.PathLike | None) -> Path:
    root = str(lake) if lake is not None else lake_paths.root()
    if "://" in root:
        raise SimulatorError(f"the simulator writes a local lake only, not {root}")
    return Path(root)


def _as_day(day: date | str) -> date:
    if isinstance(day, date):
        return day
    try:
        return parse_day(day)
    except ValueError as exc:
        raise SimulatorError(str(exc)) from None


# --- state cache --------------------------------------------------------------------


def _state_path(lake: Path, day: date) -> Path:
    return Path(lake_paths.simulator_state_file(day, str(lake)))


def _write_state(lake: Path, day: date, meta: dict, pop: Population) -> None:
    path = _state_path(lake, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(
        {"meta": meta, "population": pop.to_dict()}, ensure_ascii=False, separators=(",", ":")
    )
    tmp = path.with_name(path.name + ".tmp")
    with gzip.GzipFile(tmp, "wb", compresslevel=1, mtime=0) as fh:
        fh.write(body.encode("utf-8"))
    tmp.replace(path)


def _read_meta(path: Path) -> dict | None:
    try:
        with gzip.open(path, "rb") as fh:
            head = fh.read(8192).decode("utf-8", "replace")
        start = head.index('{"meta":') + len('{"meta":')
        return json.JSONDecoder().raw_decode(head, start)[0]
    except (OSError, ValueError, EOFError):
        return None  # a torn or foreign file is not a usable state


def _read_state(path: Path) -> Population:
    with gzip.open(path, "rb") as fh:
        return Population(json.loads(fh.read())["population"])


def _latest_state(lake: Path, before: date, fingerprint: dict, epoch: date | None):
    """The latest cached state before ``before`` made with these arguments."""
    folder = _state_path(lake, before).parent
    if not folder.is_dir():
        return None
    days = []
    for p in folder.glob("*.json.gz"):
        try:
            d = date.fromisoformat(p.name[:10])
        except ValueError:
            continue
        if d < before:
            days.append((d, p))
    for d, p in sorted(days, reverse=True):
        meta = _read_meta(p)
        if meta is None or meta.get("fingerprint") != fingerprint:
            continue
        found = date.fromisoformat(meta["epoch"])
        if epoch is None or found == epoch:
            return d, found, p
    return None


# --- one day ----------------------------------------------------------------------------


class _Run:
    """The arguments of a run, and the state carried from one day to the next."""

    def __init__(
        self,
        *,
        events: int,
        seed: int,
        lake,
        customers: int | None,
        fraud_rate,
        bad_rate: float,
        epoch,
    ) -> None:
        if not isinstance(events, int) or events < MIN_EVENTS:
            raise SimulatorError(
                f"events must be an integer of at least {MIN_EVENTS}, got {events}"
            )
        if not 0 <= bad_rate <= 0.2:
            raise SimulatorError(f"bad rate must be between 0 and 0.2, got {bad_rate}")
        if customers is not None and customers < 10:
            raise SimulatorError(f"customers must be at least 10, got {customers}")
        self.events = events
        self.seed = int(seed)
        self.lake = _local_lake(lake)
        self.customers = customers or default_customers(events)
        self.rates = fraud_rates(fraud_rate)
        self.bad_rate = float(bad_rate)
        self.epoch = _as_day(epoch) if epoch is not None else None
        self.ref = load_reference()
        self.fingerprint = {
            "version": GENERATOR_VERSION,
            "seed": self.seed,
            "events": self.events,
            "customers": self.customers,
            "fraud_rate": self.rates,
        }
        self.pop: Population | None = None
        self.day: date | None = None  # the day self.pop is the end state of

    def start(self, day: date) -> None:
        """Load (or rebuild) the state at the start of ``day``."""
        if self.day is not None and self.day == day - timedelta(days=1):
            return
        found = _latest_state(self.lake, day, self.fingerprint, self.epoch)
        if self.epoch is None:
            self.epoch = found[1] if found else day
        if day < self.epoch:
            raise SimulatorError(f"day {day} is before the epoch {self.epoch}")
        if found is not None and found[0] >= self.epoch:
            self.day, self.pop = found[0], _read_state(found[2])
        else:
            self.day = None
            self.pop = Population.create(
                self.customers, self.ref, rng(self.seed, self.epoch, "population"), self.epoch
            )
        first = (self.day + timedelta(days=1)) if self.day else self.epoch
        d = first
        while d < day:
            started = time.monotonic()
            self.simulate(d, write=False)
            log.info("%s regenerated (state only) in %.1f s", d, time.monotonic() - started)
            d += timedelta(days=1)

    def simulate(self, day: date, write: bool) -> dict | None:
        seed, ref, pop = self.seed, self.ref, self.pop
        clock = Clock(day)
        evolved = pop.evolve(ref, rng(seed, day, "changes"), clock)
        b = DayBuilder(day, ref, pop)
        income_scale = max(1.0, self.events / self.customers / INCOME_EVENTS_PER_CUSTOMER)
        scheduled(
            b, rng(seed, day, "scheduled"), evolved["blocked"], evolved["closing"], income_scale
        )
        beh = Behaviour(b, rng(seed, day, "behaviour"), evolved["blocked"])
        planned = fraud.counts(self.rates, self.events)
        fr = fraud.Fraud(b, beh, rng(seed, day, "fraud"))
        fr.inject(planned)

        bad_rnd = rng(seed, day, "bad")
        bad_plan = bad.plan(round(self.events * self.bad_rate), bad_rnd)
        extra = sum(bad_plan.values()) - bad_plan["out_of_order"] - bad_plan["late"]
        target = self.events - extra - bad_plan["late"]
        if b.n > target:
            raise SimulatorError(
                f"{day}: {b.n} scheduled and fraud events exceed the {self.events} asked; "
                f"ask for more events or fewer customers"
            )
        beh.fill(target)
        late = beh.late(bad_plan["late"])
        b.book()
        self.day = day
        meta = {
            "format": 1,
            "day": day.isoformat(),
            "epoch": self.epoch.isoformat(),
            "fingerprint": self.fingerprint,
        }
        _write_state(self.lake, day, meta, pop)
        if not write:
            return None
        return self._write(b, fr, late, bad_plan, bad_rnd, evolved["changes"])

    def _write(self, b: DayBuilder, fr: fraud.Fraud, late, bad_plan, bad_rnd, changes) -> dict:
        day, lake = b.day, self.lake
        late_ids = {id(rec) for _, rec in late}
        labelled = {rec["event_id"] for rec, *_ in b.labels}
        inj = bad.Injector(b, bad_rnd, labelled)
        for name in EVENT_FEEDS:
            items = b.records[name]
            items.sort(key=_by_time)
            inj.load(name, [r for _, r in items if id(r) not in late_ids])
            b.records[name] = []  # the encoded lines are all that is needed from here on
        made = inj.inject(bad_plan, late)

        feeds: dict[str, dict] = {}
        bad_rows: list[dict] = []
        for f in schemas.FEEDS:
            if f.kind == "extract":
                lines = self._extract(f, b.clock)
                rows: list[dict] = []
            else:
                lines, rows = inj.lines(f.name)
            _write_lines(Path(lake_paths.landing_file(f.source, f.table, day, str(lake))), lines)
            quarantine = sum(1 for r in rows if r["expected"] != "silver")
            feeds[f.name] = {
                "kind": f.kind,
                "lines": len(lines),
                "good": len(lines) - len(rows),
                "bad": len(rows),
                "quarantine": quarantine,
                "valid": len(lines) - quarantine,
            }
            bad_rows.extend(rows)

        gt = Path(lake_paths.ground_truth_dir(day, str(lake)))
        labels = [
            {
                "event_id": rec["event_id"],
                "feed": feed,
                "scenario": scenario,
                "instance_id": instance,
                "customer_id": customer,
                "account_id": account,
                "role": role,
            }
            for rec, feed, scenario, instance, customer, account, role in b.labels
        ]
        labels.sort(key=lambda r: (r["instance_id"], r["event_id"]))
        _write_lines(gt / "fraud_labels.jsonl", [dumps(r) for r in labels])
        _write_lines(gt / "bad_records.jsonl", [dumps(r) for r in bad_rows])

        scenarios = {
            s: {
                "instances": len(fr.instances[s]),
                "labelled_events": sum(1 for r in labels if r["scenario"] == s),
            }
            for s in fraud.SCENARIOS
        }
        sources: dict[str, int] = {}
        for name, c in feeds.items():
            if c["kind"] == "event":
                src = name.split(".")[0]
                sources[src] = sources.get(src, 0) + c["lines"]
        event_lines = sum(c["lines"] for c in feeds.values() if c["kind"] == "event")
        manifest = {
            "day": day.isoformat(),
            "seed": self.seed,
            "epoch": self.epoch.isoformat(),
            "generator_version": GENERATOR_VERSION,
            "arguments": {
                "events": self.events,
                "customers": self.customers,
                "fraud_rate": self.rates,
                "bad_rate": self.bad_rate,
            },
            "population": {
                "customers": len(b.pop.customers),
                "accounts": len(b.pop.accounts),
                "open_accounts": sum(1 for a in b.pop.accounts if a["status"] != "closed"),
                "changes": changes,
            },
            "feeds": feeds,
            "sources": sources,
            "fraud": scenarios,
            "bad_records": made,
            "totals": {
                "event_lines": event_lines,
                "extract_lines": sum(c["lines"] for c in feeds.values() if c["kind"] == "extract"),
                "bad": len(bad_rows),
                "quarantine": sum(c["quarantine"] for c in feeds.values()),
                "fraud_instances": sum(s["instances"] for s in scenarios.values()),
                "labelled_events": len(labels),
            },
        }
        _write_lines(gt / "manifest.json", [json.dumps(manifest, indent=2, ensure_ascii=False)])
        return manifest

    def _extract(self, f: schemas.Feed, clock: Clock) -> list[str]:
        names = [x.name for x in f.fields][2:]
        rows = self.pop.customers if f.name == schemas.CUSTOMERS.name else self.pop.accounts
        prefix = "CUX" if f.name == schemas.CUSTOMERS.name else "ACX"
        stamp = clock.day.strftime("%Y%m%d")
        encode = ENCODERS[f.name]
        out = []
        for i, row in enumerate(rows, 1):
            rec = {"event_id": f"{prefix}-{stamp}-{i:08d}", "event_at": clock.end_of_day}
            for n in names:
                rec[n] = row[n] if n != "ledger_balance" else row["_bal"] / 100
            out.append(encode(rec))
        return out


def _by_time(item: tuple[int, dict]) -> int:
    return item[0]


def _write_lines(path: Path, lines: list) -> None:
    """Write lines (text, or raw bytes for a bad encoding) atomically, newline-terminated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        chunk: list[str] = []
        for line in lines:
            if isinstance(line, bytes):
                if chunk:
                    fh.write(("\n".join(chunk) + "\n").encode("utf-8"))
                    chunk = []
                fh.write(line + b"\n")
            else:
                chunk.append(line)
        if chunk:
            fh.write(("\n".join(chunk) + "\n").encode("utf-8"))
    tmp.replace(path)


# --- the API -------------------------------------------------------------------------------


def generate_day(
    day: date | str,
    *,
    events: int = DEFAULT_EVENTS,
    seed: int = DEFAULT_SEED,
    lake: str | os.PathLike | None = None,
    customers: int | None = None,
    fraud_rate: float | dict[str, float] | None = None,
    bad_rate: float = bad.DEFAULT_RATE,
    epoch: date | str | None = None,
) -> dict:
    """Simulate one business day into ``lake`` and return its manifest."""
    return generate(
        day,
        days=1,
        events=events,
        seed=seed,
        lake=lake,
        customers=customers,
        fraud_rate=fraud_rate,
        bad_rate=bad_rate,
        epoch=epoch,
    )[0]


def generate(
    start: date | str,
    days: int = 1,
    *,
    events: int = DEFAULT_EVENTS,
    seed: int = DEFAULT_SEED,
    lake: str | os.PathLike | None = None,
    customers: int | None = None,
    fraud_rate: float | dict[str, float] | None = None,
    bad_rate: float = bad.DEFAULT_RATE,
    epoch: date | str | None = None,
    on_day=None,
) -> list[dict]:
    """Simulate ``days`` consecutive business days from ``start``; one manifest per day.

    ``on_day(manifest, seconds)`` is called after each day (the CLI prints it).
    """
    first = _as_day(start)
    if not isinstance(days, int) or days < 1:
        raise SimulatorError(f"days must be a positive integer, got {days}")
    run = _Run(
        events=events,
        seed=seed,
        lake=lake,
        customers=customers,
        fraud_rate=fraud_rate,
        bad_rate=bad_rate,
        epoch=epoch,
    )
    try:
        run.lake.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SimulatorError(f"cannot create the lake {run.lake}: {exc.strerror}") from None
    manifests = []
    for k in range(days):
        day = first + timedelta(days=k)
        started = time.monotonic()
        run.start(day)
        manifest = run.simulate(day, write=True)
        seconds = time.monotonic() - started
        log.info("%s", summary(manifest, seconds))
        if on_day is not None:
            on_day(manifest, seconds)
        manifests.append(manifest)
    return manifests


def summary(m: dict, seconds: float) -> str:
    """The one log line of a generated day."""
    src = " ".join(f"{k}={v}" for k, v in m["sources"].items())
    t = m["totals"]
    return (
        f"{m['day']} events={t['event_lines']} ({src}) extracts={t['extract_lines']} "
        f"fraud={t['fraud_instances']} instances/{t['labelled_events']} events "
        f"bad={t['bad']} (quarantine {t['quarantine']}) in {seconds:.1f} s "
        f"({t['event_lines'] / max(seconds, 1e-9):,.0f} events/s)"
    )
