"""Small reads: arrowtap's public readers vs the raw request, per call, for every system.

A notebook loop or a Dask graph of many small partitions pays a call's fixed cost
over and over. For each kind of small read, ``--calls`` reads (default 200) are
timed one after the other:

- ``archive``: 3 samples of one channel from the fake archiver;
- ``kinetica``: a table of 10 rows from the fake Kinetica (``/get/records``);
- ``finspace``: one page of 10 kdb clusters from the fake FinSpace (``ListKxClusters``);
- ``harperdb``: a table page of 10 rows from the real HarperDB server (skipped, with a
  note, when node or the npm package is not installed).

Each fake (and HarperDB) runs in its own process; each side runs in a child process
of its own, its imports and one first call untimed, its calls timed in batches of 20
(the best batch kept, as ``timeit`` keeps the best run):

(a) raw: one stdlib ``urllib`` request of the same answer (SigV4-signed with
    botocore's signer for FinSpace; HarperDB's page query as arrowtap sends it),
    decoded with ``json`` or ``fastavro`` into Python objects;
(b) arrowtap to Arrow: ``scan_archive_samples``, ``scan_kinetica``,
    ``scan_finspace_clusters``, ``scan_harperdb``, read whole into a table;
(c) arrowtap to pandas: the ``read_*`` functions, a DataFrame.

Both arrowtap sides go without ``client=``: the per-call cost a user pays. They may
need more round trips than the raw request (the table's type or layout before its
rows, the end of a consistent range): each line shows the requests a call sends.

The sides run alternately ``--repeat`` times; each keeps its best time per call.
One line per kind, then ``RESULT small_call_ratio=<Arrow/raw> frame_call_ratio=<pandas/raw>
per_request_ratio=<Arrow/raw per round trip>``, each the worst kind's.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import _fakes
from _small_sides import HDB_DB, HDB_PASSWORD, HDB_TABLE, HDB_USER, KINDS, ROWS, SIDES, side_call

BATCH = 20  # calls timed together


def child(side: str, kind: str, cfg: dict[str, Any], calls: int) -> None:
    """Time ``calls`` reads of one kind by one side; print ms per call and rows as JSON."""
    import pandas  # noqa: F401  (imports are start-up, not the work measured)

    call = side_call(side, kind, cfg)
    rows = call()  # the first call (imports on first use, the first connection) is start-up
    sent = [0]
    if side != "raw":  # count the round trips of a call, at the transport the readers share
        from arrowtap._transport import StdlibTransport

        send = StdlibTransport.handle_request

        def counted(transport: StdlibTransport, request: Any) -> Any:
            sent[0] += 1
            return send(transport, request)

        StdlibTransport.handle_request = counted  # type: ignore[method-assign]
    # Timed in batches of BATCH calls, the best batch kept (as ``timeit`` does): a burst
    # of other work on the machine slows a batch, not the result.
    best = float("inf")
    for _ in range(max(calls // BATCH, 1)):
        began = time.perf_counter()
        for _ in range(BATCH):
            call()
        best = min(best, (time.perf_counter() - began) / BATCH)
    done = max(calls // BATCH, 1) * BATCH
    requests = sent[0] / done if side != "raw" else 1
    print(json.dumps({"ms": best * 1000, "rows": rows, "requests": requests}))


def run_side(side: str, kind: str, cfg: dict[str, Any], calls: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", side, "--kind", kind, "--config", json.dumps(cfg),
         "--calls", str(calls)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return dict(json.loads(out.strip().splitlines()[-1]))


# -- the servers ------------------------------------------------------------------------------


def archive_config(line: str) -> dict[str, Any]:
    url = line.split()[1].removeprefix("archive=")
    with urllib.request.urlopen(f"{url}/archive/1/channels-by-pattern/*") as reply:
        channel = json.load(reply)[0]
    quoted = urllib.parse.quote(channel, safe="")
    with urllib.request.urlopen(f"{url}/archive/1/samples/{quoted}?start=0&end={2**62}") as reply:
        times = [int(sample["time"]) for sample in json.load(reply)[:3]]
    return {"url": url, "channel": channel, "start": times[0], "end": times[-1]}


def kinetica_config(line: str) -> dict[str, Any]:
    return {"url": line.split()[1].removeprefix("http="), "table": "bench"}


def finspace_config(line: str) -> dict[str, Any]:
    from arrowtap.testing.finspace import environment_id

    return {"url": line.split()[1], "env": environment_id(0)}


def start_harperdb() -> tuple[Any, dict[str, Any]] | None:
    """The real HarperDB server with a table of ROWS rows, or None (with a note) if absent."""
    from arrowtap.testing.harperdb import HarperDBServer

    if shutil.which("node") is None:
        print("harperdb: skipped (node is not installed)")
        return None
    try:
        server = HarperDBServer(username=HDB_USER, password=HDB_PASSWORD)
    except FileNotFoundError as exc:
        print(f"harperdb: skipped ({exc})")
        return None
    server.start()
    server.operation({"operation": "create_database", "database": HDB_DB})
    server.operation(
        {"operation": "create_table", "database": HDB_DB, "table": HDB_TABLE, "primary_key": "id"}
    )
    records = [{"id": i, "x": i * 0.5, "name": f"row {i}"} for i in range(ROWS)]
    server.operation(
        {"operation": "upsert", "database": HDB_DB, "table": HDB_TABLE, "records": records}
    )
    return server, {"url": server.url}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="timed reads of each kind")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each side")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.kind, json.loads(args.config), args.calls)
        return

    servers: list[Callable[[], None]] = []
    configs: dict[str, dict[str, Any]] = {}
    try:
        if "archive" in args.kinds:
            fake, line = _fakes.start(_fakes.module("arrowtap.testing.pvarchiver"))
            servers.append(functools.partial(_fakes.stop, fake))
            configs["archive"] = archive_config(line)
        if "kinetica" in args.kinds:
            fake, line = _fakes.start(
                _fakes.module(
                    "arrowtap.testing.kinetica", "--monitor-port", "0", "--rows", str(ROWS)
                )
            )
            servers.append(functools.partial(_fakes.stop, fake))
            configs["kinetica"] = kinetica_config(line)
        if "finspace" in args.kinds:
            fake, line = _fakes.start(
                _fakes.module(
                    "arrowtap.testing.finspace", "--environments", "1", "--clusters", str(ROWS)
                )
            )
            servers.append(functools.partial(_fakes.stop, fake))
            configs["finspace"] = finspace_config(line)
        if "harperdb" in args.kinds and (started := start_harperdb()) is not None:
            servers.append(started[0].close)
            configs["harperdb"] = started[1]
        best: dict[str, dict[str, dict[str, float]]] = {kind: {} for kind in configs}
        # Alternate the sides and keep each one's best run: this VM's speed drifts.
        for _ in range(args.repeat):
            for kind, cfg in configs.items():
                for side in SIDES:
                    result = run_side(side, kind, cfg, args.calls)
                    if side not in best[kind] or result["ms"] < best[kind][side]["ms"]:
                        best[kind][side] = result
    finally:
        for stop in reversed(servers):
            stop()
    ratios: dict[str, dict[str, float]] = {"arrow": {}, "pandas": {}}
    per_request: dict[str, float] = {}
    for kind, sides in best.items():
        raw = sides["raw"]
        for side, found in ratios.items():
            if sides[side]["rows"] != raw["rows"]:
                raise SystemExit(
                    f"{kind}: {side} read {sides[side]['rows']} rows, raw {raw['rows']}"
                )
            found[kind] = sides[side]["ms"] / raw["ms"]
        # Per round trip: what a request costs arrowtap (Arrow side) against the raw one.
        per_request[kind] = ratios["arrow"][kind] / sides["arrow"]["requests"]
        print(
            f"{kind:>9}: {int(raw['rows']):>3} rows, best of {args.repeat} x {args.calls} calls: "
            f"raw {raw['ms']:5.2f} ms, arrowtap to Arrow {sides['arrow']['ms']:5.2f} ms "
            f"(x{ratios['arrow'][kind]:.2f}), to pandas {sides['pandas']['ms']:5.2f} ms "
            f"(x{ratios['pandas'][kind]:.2f}) a call; requests a call: raw 1, "
            f"arrowtap {sides['arrow']['requests']:g} (x{per_request[kind]:.2f} a request)"
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    worst = {side: max(found, key=found.__getitem__) for side, found in ratios.items()}
    print(f"worst kind: {worst['arrow']} (Arrow), {worst['pandas']} (pandas)")
    print(
        f"RESULT small_call_ratio={ratios['arrow'][worst['arrow']]:.2f} "
        f"frame_call_ratio={ratios['pandas'][worst['pandas']]:.2f} "
        f"per_request_ratio={max(per_request.values()):.2f}"
    )


if __name__ == "__main__":
    main()
