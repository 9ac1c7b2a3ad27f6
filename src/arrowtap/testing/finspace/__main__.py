"""Command line: serve a fake FinSpace until SIGTERM / SIGINT.

``python -m arrowtap.testing.finspace --port PORT [--clusters N]
[--throttle-rate R]`` prints exactly ``READY <url> aws_access_key_id=<key>
aws_secret_access_key=<secret> region=<region>`` once serving and exits 0 on
SIGTERM or SIGINT: requests must be signed with those test credentials
(:data:`arrowtap.testing.finspace.TEST_CREDENTIALS`; others are refused with
``UnrecognizedClientException``). The environment holding the clusters is
:func:`arrowtap.testing.finspace.environment_id` ``(0, seed)``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from arrowtap.testing._loopback import serve_until_signal, stop_on_signals
from arrowtap.testing.finspace.fake import FakeFinSpace
from arrowtap.testing.finspace.sigv4 import TEST_CREDENTIALS

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m arrowtap.testing.finspace",
        description="Serve a fake AWS FinSpace (kdb listing operations, rest-json, SigV4).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to bind (default 0 = a free one)")
    p.add_argument("--clusters", type=int, default=25, help="clusters of environment 0")
    p.add_argument("--environments", type=int, default=3, help="environments (default 3)")
    p.add_argument(
        "--throttle-rate", type=float, default=0.0, help="fraction of requests throttled"
    )
    p.add_argument("--retry-after", type=float, default=None, help="Retry-After on throttles")
    p.add_argument("--seed", type=int, default=0, help="seed of data and throttle draws")
    p.add_argument("--region", default="us-east-1", help="region of the signatures")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fake until SIGTERM or SIGINT; return the exit code.

    Examples
    --------
    >>> main(["--help"])  # doctest: +SKIP
    """
    args = _parser().parse_args(argv)
    stop = stop_on_signals()
    fake = FakeFinSpace(
        clusters=args.clusters,
        environments=args.environments,
        throttle_rate=args.throttle_rate,
        retry_after=args.retry_after,
        seed=args.seed,
        region=args.region,
        host=args.host,
        port=args.port,
    )
    with fake:
        keys = " ".join(f"{k}={v}" for k, v in TEST_CREDENTIALS.items())  # made up, for the fake
        serve_until_signal(f"READY {fake.url} {keys} region={args.region}", stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
