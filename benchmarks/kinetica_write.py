"""pandas -> Kinetica table: the official client (gpudb) vs arrowtap, on the same fake Kinetica.

The fake Kinetica runs in its own process (``python -m arrowtap.testing.kinetica``).
Each side runs in a child process of its own and writes the same DataFrame of N rows
and 7 columns (long, timestamp, double, nullable float, int, char8, nullable string),
built before timing, into a new table, 10,000 rows a request: (a) the official
client's way -- ``GPUdbTable(_type=..., name=..., db=...)`` creates the table, the
frame becomes a list of rows (timestamps as ms), ``GPUdbTable.insert_records`` sends
them batch by batch -- and (b) ``arrowtap.write_kinetica(frame, ..., create=True)``,
which also checks every value first. Each run drops its table afterwards (untimed).
The time includes the fake server's own work on the inserts (it decodes and checks
every row in Python, about 10 us a row), the same for both; the table has no primary key,
whose checks would add as much again. The
sides run alternately ``--repeat`` times and each keeps its best time.

The last line is ``RESULT speedup=<a/b time>``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import uuid

from kinetica_read import COLUMNS, data, start_fake

BATCH = 10_000
# No primary key: the fake's per-row key checks would dominate both sides' times.
TYPE = [[c for c in column if c != "primary_key"] for column in COLUMNS]


def frame(rows: int) -> object:
    """The DataFrame both sides write: timestamps datetime64[ms, UTC], nulls as None / NaN."""
    return data(rows).to_pandas()  # type: ignore[attr-defined]


def official(url: str, df: object, table: str) -> int:
    """The official client: create the table, rows as lists, insert_records per batch."""
    import gpudb
    import pandas as pd

    assert isinstance(df, pd.DataFrame)
    db = gpudb.GPUdb(host=url)
    target = gpudb.GPUdbTable(_type=TYPE, name=table, db=db)
    ms = (df["ts"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
    rows = df.assign(ts=ms).astype(object)
    rows = rows.where(rows.notna(), None).values.tolist()
    for start in range(0, len(rows), BATCH):
        target.insert_records(rows[start : start + BATCH])
    return int(target.size())


def arrowtap_write(url: str, df: object, table: str) -> int:
    """arrowtap: one call."""
    from arrowtap.connectors.kinetica.write import write_kinetica

    summary = write_kinetica(df, url, table, batch_size=BATCH, properties={"sym": ["char8"]})
    return summary.inserted


def drop(url: str, table: str) -> None:
    from arrowtap.connectors.kinetica.wire import tables
    from arrowtap.connectors.kinetica.wire.client import KineticaClient

    with KineticaClient(url) as client:
        tables.drop(client, table)


def child(side: str, url: str, rows: int) -> None:
    """Run one side, print its time, rows and peak RSS as JSON."""
    import pandas  # noqa: F401  (imports are start-up, not the work measured)

    if side == "official":
        import gpudb  # noqa: F401
    else:
        import arrowtap.connectors.kinetica.table  # noqa: F401
    df = frame(rows)
    table = f"bench_{side}_{uuid.uuid4().hex[:8]}"
    run = official if side == "official" else arrowtap_write
    began = time.perf_counter()
    written = run(url, df, table)
    seconds = time.perf_counter() - began
    drop(url, table)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "rows": written, "rss": rss}))


def side(name: str, url: str, rows: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--url", url, "--rows", str(rows)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each side")
    parser.add_argument("--child", choices=["official", "arrowtap"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.rows)
        return

    fake, url = start_fake()
    try:
        print(f"fake Kinetica at {url}: {args.rows} rows x {len(COLUMNS)} columns per write")
        # Alternate the sides and keep each one's best run: this VM's speed drifts.
        runs: dict[str, list[dict[str, float]]] = {"official": [], "arrowtap": []}
        for _ in range(args.repeat):
            for name in runs:
                runs[name].append(side(name, url, args.rows))
        a, b = (min(runs[name], key=lambda r: r["seconds"]) for name in runs)
    finally:
        fake.terminate()
        fake.wait(30)
    for label, r in (("official client", a), ("arrowtap", b)):
        print(
            f"{label:>16}: {r['rows']:>9} rows in {r['seconds']:7.2f} s = "
            f"{r['rows'] / r['seconds']:>10,.0f} rows/s, peak RSS {r['rss'] / 2**20:7.0f} MiB"
        )
    if a["rows"] != b["rows"] or a["rows"] != args.rows:
        raise SystemExit(f"rows written differ: official {a['rows']}, arrowtap {b['rows']}")
    print(f"RESULT speedup={a['seconds'] / b['seconds']:.1f}")


if __name__ == "__main__":
    main()
