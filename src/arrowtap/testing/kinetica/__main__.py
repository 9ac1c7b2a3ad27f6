"""Command line: serve a fake Kinetica until SIGTERM / SIGINT.

``python -m arrowtap.testing.kinetica --port PORT --monitor-port PORT`` (0 = a free
port) prints exactly ``READY http=<url> zmq=<url> login=<user>:<password>`` (``login=none``
without ``--username``: it accepts any request) once serving and exits 0 on SIGTERM or
SIGINT. Give ``zmq=`` to ``monitor_kinetica(monitor_url=...)``. ``--rows N`` preloads
a table ``bench`` of N rows (columns ``id`` long primary key, ``ts`` timestamp, ``x``
double, ``sym`` char8, ``note`` nullable string) for benchmarks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from arrowtap.testing._loopback import serve_until_signal, stop_on_signals
from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["BENCH_COLUMNS", "bench_table", "main"]

BENCH_COLUMNS = (
    ("id", "long", "primary_key"),
    ("ts", "long", "timestamp"),
    ("x", "double"),
    ("sym", "string", "char8"),
    ("note", "string", "nullable"),
)
"""The columns of the ``bench`` table ``--rows`` creates."""


def bench_table(rows: int) -> pa.Table:
    """The Arrow table of ``--rows``: deterministic synthetic values.

    Examples
    --------
    >>> bench_table(3).column("sym").to_pylist()
    ['S0', 'S1', 'S2']
    """
    import pyarrow.compute as pc

    ids = np.arange(rows, dtype=np.int64)
    sym = pc.binary_join_element_wise("S", pa.array(ids % 100).cast(pa.string()), "")
    note = pa.array(["note" if i % 3 == 0 else None for i in range(rows)], type=pa.string())
    return pa.table(
        {
            "id": ids,
            "ts": pa.array(1_700_000_000_000 + ids * 1000).cast(pa.timestamp("ms", tz="UTC")),
            "x": ids * 0.5,
            "sym": sym,
            "note": note,
        }
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m arrowtap.testing.kinetica",
        description="Serve a fake Kinetica (REST, Avro/JSON) with table monitors on ZMQ.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="HTTP port (default 0 = a free one)")
    p.add_argument("--monitor-port", type=int, default=0, help="ZMQ PUB port (0 = a free one)")
    p.add_argument("--username", default=None, help="require Basic auth with this user")
    p.add_argument("--password", default=None, help="the password of --username")
    p.add_argument("--max-get-records-size", type=int, default=20000, help="largest page")
    p.add_argument("--unavailable-rate", type=float, default=0.0, help="fraction answered 503")
    p.add_argument("--reset-rate", type=float, default=0.0, help="fraction reset")
    p.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    p.add_argument("--zmq-drop-rate", type=float, default=0.0, help="fraction of monitor drops")
    p.add_argument("--pub-hwm", type=int, default=1000, help="ZMQ PUB send high-water mark")
    p.add_argument("--rows", type=int, default=0, help="preload table 'bench' with N rows")
    p.add_argument("--seed", type=int, default=0, help="seed of faults and topic ids")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fake until SIGTERM or SIGINT; return the exit code.

    Examples
    --------
    >>> main(["--help"])  # doctest: +SKIP
    """
    args = _parser().parse_args(argv)
    stop = stop_on_signals()
    fake = FakeKinetica(
        username=args.username,
        password=args.password,
        host=args.host,
        port=args.port,
        monitor_port=args.monitor_port,
        max_get_records_size=args.max_get_records_size,
        unavailable_rate=args.unavailable_rate,
        reset_rate=args.reset_rate,
        delay=args.delay,
        zmq_drop_rate=args.zmq_drop_rate,
        pub_hwm=args.pub_hwm,
        seed=args.seed,
    )
    with fake:
        if args.rows:
            fake.create_table("bench", BENCH_COLUMNS)
            fake.insert_arrow("bench", bench_table(args.rows))
        login = f"{args.username}:{args.password or ''}" if args.username else "none"
        ready = f"READY http={fake.url} zmq={fake.monitor_url} login={login}"
        serve_until_signal(ready, stop)  # test credentials, made up for the fake
    return 0


if __name__ == "__main__":
    sys.exit(main())
