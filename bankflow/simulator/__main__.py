"""Command line of the simulator: ``generate`` days into the lake, or stream one ``live``.

    python -m bankflow.simulator generate --day 2026-11-02 [--days N] [--events 200000]
        [--seed 42] [--lake PATH] [--customers N] [--fraud-rate 5 | --fraud-rate
        card_testing=10,mule_account=2] [--bad-rate 0.005] [--epoch DAY]
    python -m bankflow.simulator live --day 2026-11-02 [--events N] [--seed S] [--rate 1000]
        [--host 127.0.0.1] [--port 9999] [--duration SECONDS] [--out FILE]

Errors (a bad date, a missing lake, a negative rate) are one line on stderr
and exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bankflow.simulator import bad, generate
from bankflow.simulator.engine import DEFAULT_EVENTS, DEFAULT_SEED, SimulatorError, summary


def _fraud_rate(text: str):
    try:
        if "=" not in text:
            return float(text)
        rates = {}
        for part in text.split(","):
            name, _, value = part.partition("=")
            rates[name.strip()] = float(value)
        return rates
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a rate or a list of scenario=rate: {text!r}"
        ) from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """A usage error as one line, not the whole usage text."""
        print(f"error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m bankflow.simulator", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    def common(s: argparse.ArgumentParser) -> None:
        s.add_argument(
            "--day", required=True, help="business day YYYY-MM-DD (the first, with --days)"
        )
        s.add_argument(
            "--events",
            type=int,
            help=f"event records per day, bad records included (default {DEFAULT_EVENTS}; "
            "live: the landed day's)",
        )
        s.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default %(default)s")
        s.add_argument("--lake", help="lake root (default $BANK_LAKE_ROOT or ./lake)")
        s.add_argument(
            "--customers", type=int, help="population at the epoch (default events / 10)"
        )
        s.add_argument(
            "--fraud-rate",
            type=_fraud_rate,
            help="instances per 100,000 events, one number or scenario=rate,... (default 5 each)",
        )
        s.add_argument(
            "--bad-rate",
            type=float,
            default=bad.DEFAULT_RATE,
            help="share of event records made bad (default %(default)s)",
        )
        s.add_argument("--epoch", help="first day of the simulated history (default: see docs)")

    g = sub.add_parser("generate", help="simulate days into the landing folder")
    common(g)
    g.add_argument("--days", type=int, default=1, help="consecutive days (default 1)")

    live = sub.add_parser("live", help="stream a day's events over TCP (or to --out)")
    common(live)
    live.add_argument(
        "--rate",
        type=float,
        default=1000.0,
        help="events per second, 0 = as fast as possible (default %(default)s)",
    )
    live.add_argument("--host", default="127.0.0.1")
    live.add_argument("--port", type=int, default=9999, help="0 picks a free port")
    live.add_argument(
        "--duration",
        type=float,
        help="stream this many seconds, cycling to the next days if needed",
    )
    live.add_argument("--out", help="write the envelopes to this file instead of a socket")
    live.add_argument(
        "--accept-timeout",
        type=float,
        default=600.0,
        help="seconds to wait for the client (default %(default)s)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    kwargs = dict(
        events=args.events,
        seed=args.seed,
        lake=args.lake,
        customers=args.customers,
        fraud_rate=args.fraud_rate,
        bad_rate=args.bad_rate,
        epoch=args.epoch,
    )
    try:
        if args.command == "generate":
            kwargs["events"] = args.events or DEFAULT_EVENTS
            generate(
                args.day,
                days=args.days,
                **kwargs,
                on_day=lambda m, s: print(summary(m, s), flush=True),
            )
        else:
            from bankflow.simulator import live

            stats = live.run(
                args.day,
                rate=args.rate,
                host=args.host,
                port=args.port,
                duration=args.duration,
                out=args.out,
                accept_timeout=args.accept_timeout,
                **kwargs,
            )
            print(live.describe(stats), file=sys.stderr, flush=True)
    except (SimulatorError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
