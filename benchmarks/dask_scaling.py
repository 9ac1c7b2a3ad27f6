"""Dask scaling: ``arrowtap.dask.read_*`` on a cluster of 1 worker process, then of 2.

Two reads, each against its fake in a process of its own: 4 M archive samples
(8 channels, ``arrowtap.dask.read_archive_samples``) and a 4 M-row Kinetica table
(``arrowtap.dask.read_kinetica`` split by its key). Every answer the reads ask for
is rendered before the clock starts: an untimed first run asks for exactly the
requests the timed runs ask for, and the fake keeps each answer (the archive's
body cache, made large enough; for Kinetica, a cache of every answer (the table's
type, its key's range, its pages) that this script installs in the fake's process),
so a timed request costs the fake only its socket writes.

Each timed run starts a ``distributed.LocalCluster`` (worker processes with one
thread each, bound to 127.0.0.1, no dashboard), has each worker make a tiny Dask
read of the same kind (its imports, ``dask.dataframe``'s among them, and its first
connection are its start-up, as in a long-lived cluster),
then times the read as a user runs one on a cluster: plan, then ``persist`` and
wait until every partition is in the workers' memory (what a graph built on the
read starts from; the frames are not sent to the client). It checks the row count
after the clock stops and closes the cluster. Runs alternate
between 1 and 2 workers, ``--repeat`` times each (3 by default), and each keeps its best time.

The last line is ``RESULT scaling_archive=<t1/t2> scaling_kinetica=<t1/t2>``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import _fakes

CHANNELS = 8
PARTITIONS = 8


# -- the fakes (each in a child process: ``--serve archive|kinetica``) -----------------


def serve_archive(rows: int) -> None:
    """The fake archive of ``rows`` samples, its body cache large enough for all of them."""
    from arrowtap.testing._loopback import serve_until_signal, stop_on_signals
    from arrowtap.testing.pvarchiver import FakeArchiver
    from arrowtap.testing.pvarchiver.channels import benchmark_channels

    stop = stop_on_signals()
    # ~330 bytes of JSON a sample; the cache keeps bodies up to half its size.
    cache = max(2 * rows * 400, 64 * 2**20)
    with FakeArchiver(benchmark_channels(rows, CHANNELS), cache_bytes=cache) as fake:
        serve_until_signal(f"READY {fake.url}", stop)


def serve_kinetica(rows: int) -> None:
    """The fake Kinetica with table ``bench`` of ``rows`` rows; every answer kept.

    The table does not change while it serves, so an answer to the same request
    (path, headers, body) is the same: the first is kept and sent again.
    """
    import gc
    import threading

    from arrowtap.testing._loopback import serve_until_signal, stop_on_signals
    from arrowtap.testing.kinetica import FakeKinetica, routes, server
    from arrowtap.testing.kinetica.__main__ import BENCH_COLUMNS, bench_table

    answer = routes.answer  # what the fake's request handler calls, as ``server.answer``
    kept: dict[tuple[str, bytes], Any] = {}
    lock = threading.Lock()

    def cached(fake: Any, path: str, headers: dict[str, str], body: bytes) -> Any:
        # Every request of a read (the table's type, its key's range, its pages) is a
        # query of a table that never changes: all are kept.
        key = (path + headers.get("Content-Type", ""), body)
        with lock:
            reply = kept.get(key)
        if reply is None:
            reply = answer(fake, path, headers, body)
            if reply.status == 200:
                with lock:
                    kept[key] = reply
        return reply

    setattr(server, "answer", cached)  # noqa: B010 (the handler looks it up at each request)
    # The fake keeps the table's rows as millions of dicts, which a full collection walks
    # one by one: keep such pauses out of the timed reads. Nothing here makes cycles.
    gc.disable()
    stop = stop_on_signals()
    with FakeKinetica(host="127.0.0.1", port=0, monitor_port=0) as fake:
        fake.create_table("bench", BENCH_COLUMNS)
        fake.insert_arrow("bench", bench_table(rows))
        serve_until_signal(f"READY {fake.url}", stop)


def start_fake(kind: str, rows: int) -> tuple[subprocess.Popen[str], str]:
    """Start ``--serve kind`` as a process; it and its URL."""
    fake, line = _fakes.start([sys.executable, __file__, "--serve", kind, "--rows", str(rows)])
    return fake, line.split()[1]


# -- the reads -------------------------------------------------------------------------


def read_archive(url: str, rows: int) -> Any:
    import arrowtap.dask
    from arrowtap.testing.pvarchiver.channels import BENCHMARK_START_NS

    # The windows split the range asked for: ask for the archive's own (samples 1 ms apart).
    end = BENCHMARK_START_NS + -(-rows // CHANNELS) * 1_000_000
    return arrowtap.dask.read_archive_samples(
        url, "*", BENCHMARK_START_NS, end, unit="ns", npartitions=PARTITIONS
    )


def read_kinetica(url: str, rows: int) -> Any:
    import arrowtap.dask

    return arrowtap.dask.read_kinetica(
        url, "bench", partition_column="id", npartitions=PARTITIONS, page_size=20_000
    )


def timed(read: Callable[[str, int], Any], url: str, rows: int, workers: int) -> tuple[float, int]:
    """Seconds to plan and persist the read on ``workers`` worker processes; its rows."""
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(_warm, read.__name__, url)  # a worker's start-up, not the read
        began = time.perf_counter()
        ddf = client.persist(read(url, rows))
        distributed.wait(ddf)
        seconds = time.perf_counter() - began
        rows = int(ddf.map_partitions(len).compute().sum())
        del ddf
    return seconds, rows


def _warm(read: str, url: str) -> None:
    """A tiny Dask read in a worker: its imports, and its connection to the fake's server.

    The same code as the timed read's tasks, on a few rows: the imports a Dask
    DataFrame graph brings (``dask.dataframe`` and what it imports), which a
    long-lived worker has done once for its first graph.
    """
    import arrowtap.dask
    from arrowtap.testing.pvarchiver.channels import BENCHMARK_START_NS

    if read == "read_archive":
        start = BENCHMARK_START_NS
        tiny = arrowtap.dask.read_archive_samples(
            url, "bench:ch00", start, start + 10**7, unit="ns", npartitions=1
        )
    else:
        tiny = arrowtap.dask.read_kinetica(url, "bench", partition_column="id", divisions=[0, 9])
    tiny.compute(scheduler="sync")


def scaling(
    kind: str, read: Callable[[str, int], Any], rows: int, repeat: int
) -> tuple[float, float, int]:
    """Best seconds on 1 and on 2 workers, and the rows read, against a fresh fake."""
    fake, url = start_fake(kind, rows)
    try:
        warm = time.perf_counter()
        _, got = timed(read, url, rows, 1)  # the fake renders and keeps every answer
        if got != rows:
            raise SystemExit(f"{kind}: the read gave {got:,} rows of {rows:,}")
        warm = time.perf_counter() - warm
        print(f"{kind}: fake at {url}, warm-up read of {got:,} rows in {warm:.1f} s")
        best = {1: float("inf"), 2: float("inf")}
        for _ in range(repeat):
            for workers in (1, 2):
                seconds, n = timed(read, url, rows, workers)
                if n != got:
                    raise SystemExit(f"{kind}: {n} rows on {workers} workers, {got} before")
                print(f"{kind}: {workers} worker(s) {seconds:6.2f} s")
                best[workers] = min(best[workers], seconds)
    finally:
        _fakes.stop(fake)
    return best[1], best[2], got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_000_000, help="samples / table rows")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each cluster size")
    parser.add_argument("--only", choices=["archive", "kinetica"], help="run one read only")
    parser.add_argument("--serve", choices=["archive", "kinetica"])
    args = parser.parse_args()
    if args.serve == "archive":
        serve_archive(args.rows)
        return
    if args.serve == "kinetica":
        serve_kinetica(args.rows)
        return
    ratios = {}
    for kind, read in (("archive", read_archive), ("kinetica", read_kinetica)):
        if args.only not in (None, kind):
            continue
        t1, t2, rows = scaling(kind, read, args.rows, args.repeat)
        ratios[kind] = t1 / t2
        print(
            f"{kind:>9}: {rows:,} rows, 1 worker {t1:.2f} s ({rows / t1:,.0f} rows/s), "
            f"2 workers {t2:.2f} s ({rows / t2:,.0f} rows/s), scaling {t1 / t2:.2f}"
        )
    print("RESULT " + " ".join(f"scaling_{kind}={r:.2f}" for kind, r in ratios.items()))


if __name__ == "__main__":
    main()
