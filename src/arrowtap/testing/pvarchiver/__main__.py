"""Command line: serve a fake archive until SIGTERM / SIGINT.

``python -m arrowtap.testing.pvarchiver --port 9812 [--admin-port 4812] [--samples N]
[--channels K] [--live] [--fault-rate R] [--fault-kinds 503 reset ...]`` prints one line
``READY archive=<base url>`` (``READY archive=<base url> admin=<admin base url>
login=admin:admin`` with ``--admin-port``: the administrative API's test login, which
its modifying requests need) once serving and exits 0 on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import cast

from arrowtap.testing._loopback import serve_until_signal, stop_on_signals
from arrowtap.testing.pvarchiver.channels import benchmark_channels, default_channels
from arrowtap.testing.pvarchiver.fake import FakeArchiver
from arrowtap.testing.pvarchiver.faults import FAULT_KINDS, FaultKind, Faults

__all__ = ["main"]


def _kinds(text: str) -> tuple[FaultKind, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad or not kinds:
        raise argparse.ArgumentTypeError(f"unknown fault kind {text!r}; use {FAULT_KINDS}")
    return cast(tuple[FaultKind, ...], kinds)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m arrowtap.testing.pvarchiver",
        description="Serve a fake Cassandra PV Archiver (archive-access and admin API 1.0).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to bind (default 0 = a free one)")
    p.add_argument(
        "--admin-port",
        type=int,
        default=None,
        help="also serve the administrative API on this port (0 = a free one; default: not)",
    )
    p.add_argument(
        "--samples",
        type=int,
        default=None,
        help="serve N raw samples in total over --channels numeric channels "
        "(default: the default test channels)",
    )
    p.add_argument("--channels", type=int, default=8, help="channels for --samples (default 8)")
    p.add_argument("--live", action="store_true", help="channels grow with the wall clock")
    p.add_argument("--fault-rate", type=float, default=0.0, help="fault probability per request")
    p.add_argument(
        "--fault-kinds",
        nargs="+",
        type=_kinds,
        default=[("503",)],
        metavar="KIND",
        help=f"fault kinds to draw from (space or comma separated): {', '.join(FAULT_KINDS)} "
        "(default 503)",
    )
    p.add_argument("--retry-after", type=float, default=1.0, help="Retry-After seconds")
    p.add_argument("--slow-delay", type=float, default=0.5, help="delay of slow faults (s)")
    p.add_argument("--fault-seed", type=int, default=0, help="seed of the fault draws")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fake until SIGTERM or SIGINT; return the exit code.

    Examples
    --------
    >>> main(["--help"])  # doctest: +SKIP
    """
    args = _parser().parse_args(argv)
    if args.samples is not None:
        channels = benchmark_channels(args.samples, args.channels, live=args.live)
    else:
        channels = default_channels(live=args.live)
    faults = Faults(
        rate=args.fault_rate,
        kinds=tuple(k for group in args.fault_kinds for k in group),
        retry_after=args.retry_after,
        slow_delay=args.slow_delay,
        seed=args.fault_seed,
    )
    stop = stop_on_signals()
    admin = args.admin_port is not None
    with FakeArchiver(
        channels,
        faults=faults,
        host=args.host,
        port=args.port,
        admin=admin,
        admin_port=args.admin_port or 0,
    ) as fake:
        ready = f"READY archive={fake.url}"
        if admin:  # the fake's own test login (FakeArchiver's default admin_users)
            ready = f"{ready} admin={fake.admin_url} login=admin:admin"
        serve_until_signal(ready, stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
