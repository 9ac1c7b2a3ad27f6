"""Kinetica table -> pandas: the official client (gpudb) vs arrowtap, on the same fake Kinetica.

The fake Kinetica runs in its own process (``python -m arrowtap.testing.kinetica``)
and holds one table of N rows and 7 columns (long, timestamp, double, nullable float,
int, char8, nullable string), loaded once before timing. Each side runs in a child
process of its own: (a) the official client's way -- ``GPUdb.get_records_and_decode``
page after page (its C decoder), one ``pandas.DataFrame`` of the rows, the timestamp
column converted from ms -- and (b) ``arrowtap.read_kinetica``. Both ask for pages of
the server's largest size. In each child, imports and one small read (10 rows) come
before the clock: what a process pays once (modules imported on first use, clients
built) is start-up, not the work measured. The sides run alternately ``--repeat``
times and each keeps its best time.

The last line is ``RESULT speedup=<a/b time>``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import _fakes

TABLE = "bench7"
PAGE = 20_000  # the fake's max_get_records_size
COLUMNS = [
    ["id", "long", "primary_key"],
    ["ts", "long", "timestamp"],
    ["x", "double"],
    ["y", "float", "nullable"],
    ["qty", "int"],
    ["sym", "string", "char8"],
    ["note", "string", "nullable"],
]


def data(rows: int, start: int = 0) -> object:
    """The benchmark rows as an Arrow table (deterministic)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = np.arange(start, start + rows, dtype=np.int64)
    return pa.table(
        {
            "id": ids,
            "ts": pa.array(1_700_000_000_000 + ids * 10).cast(pa.timestamp("ms", tz="UTC")),
            "x": ids * 0.5,
            "y": pa.array((ids * 0.25).astype(np.float32), mask=ids % 5 == 0),
            "qty": (ids % 1000 - 500).astype(np.int32),
            "sym": pc.binary_join_element_wise("S", pa.array(ids % 997).cast(pa.string()), ""),
            "note": pa.array([None if i % 3 else f"note number {i}" for i in ids.tolist()]),
        }
    )


def official(url: str, limit: int = PAGE) -> int:
    """The official client: get_records_and_decode pages, then a DataFrame of the rows."""
    import gpudb
    import pandas as pd

    db = gpudb.GPUdb(host=url)
    rows: list[list[object]] = []
    offset = 0
    while True:
        response = db.get_records_and_decode(table_name=TABLE, offset=offset, limit=limit)
        if not response.is_ok():
            raise RuntimeError(response["status_info"]["message"])
        records = response["records"]
        rows.extend(list(record.values()) for record in records)
        offset += len(records)
        if not response["has_more_records"] or not records or limit < PAGE:
            break
    frame = pd.DataFrame(rows, columns=[c[0] for c in COLUMNS])
    frame["ts"] = pd.to_datetime(frame["ts"], unit="ms", utc=True)
    return len(frame)


def arrowtap_read(url: str, limit: int = PAGE) -> int:
    """arrowtap: one call."""
    from arrowtap.connectors.kinetica.table import read_kinetica

    if limit < PAGE:  # a read of one page
        return len(read_kinetica(url, TABLE, where=f"id < {limit}", page_size=PAGE))
    return len(read_kinetica(url, TABLE, page_size=PAGE))


def child(side: str, url: str) -> None:
    """Run one side, print its time, rows and peak RSS as JSON."""
    import pandas  # noqa: F401  (imports are start-up, not the work measured)

    if side == "official":
        import gpudb  # noqa: F401
    else:
        import arrowtap.connectors.kinetica.table  # noqa: F401
    run = official if side == "official" else arrowtap_read
    run(url, 10)  # one small read first: lazy imports and clients are start-up
    began = time.perf_counter()
    rows = run(url)
    seconds = time.perf_counter() - began
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "rss": rss}))


def side(name: str, url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--url", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def start_fake() -> tuple[subprocess.Popen[str], str]:
    """The fake Kinetica as a process, and its URL."""
    fake, line = _fakes.start(
        _fakes.module("arrowtap.testing.kinetica", "--monitor-port", "0"), "READY http="
    )
    return fake, line.split()[1].removeprefix("http=")


def load(url: str, rows: int) -> None:
    """Create and fill the table (untimed), 100,000 rows a call."""
    from arrowtap.connectors.kinetica.write import write_kinetica

    step = 100_000
    for start in range(0, rows, step):
        write_kinetica(
            data(min(step, rows - start), start),
            url,
            TABLE,
            batch_size=step,
            primary_key=["id"],
            properties={"sym": ["char8"]},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each side")
    parser.add_argument("--child", choices=["official", "arrowtap"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url)
        return

    fake, url = start_fake()
    try:
        began = time.perf_counter()
        load(url, args.rows)
        print(f"fake Kinetica at {url}: table {TABLE} of {args.rows} rows x {len(COLUMNS)} columns")
        print(f"load (untimed): {time.perf_counter() - began:.1f} s")
        # Alternate the sides and keep each one's best run: this VM's speed drifts.
        runs: dict[str, list[dict[str, float]]] = {"official": [], "arrowtap": []}
        for _ in range(args.repeat):
            for name in runs:
                runs[name].append(side(name, url))
        a, b = (min(runs[name], key=lambda r: r["seconds"]) for name in runs)
    finally:
        _fakes.stop(fake, grace=30)
    for label, r in (("official client", a), ("arrowtap", b)):
        print(
            f"{label:>16}: {r['rows']:>9} rows in {r['seconds']:7.2f} s = "
            f"{r['rows'] / r['seconds']:>10,.0f} rows/s, peak RSS {r['rss'] / 2**20:7.0f} MiB"
        )
    if a["rows"] != b["rows"]:
        raise SystemExit(f"row counts differ: official {a['rows']}, arrowtap {b['rows']}")
    print(f"RESULT speedup={a['seconds'] / b['seconds']:.1f}")


if __name__ == "__main__":
    main()
