"""Syncing archive samples into Parquet and Delta vs reading them and writing one Parquet file.

The fake archiver runs in its own process serving N raw samples over several
channels. Each side runs in a child process of its own and writes into a fresh
directory: (a) the baseline, ``read_archive_samples`` then ``DataFrame.to_parquet``
of the whole frame (no offsets, no resume, nothing exactly once); (b)
``sync_archive_samples(to=DIR)``, a Parquet dataset with its checkpoint; (c)
``sync_archive_samples(to="delta:DIR")``, a Delta table with the offsets in its
commits. Every side reads every channel once untimed first (the fake renders and
caches its answers), then the sides run alternately ``--repeat`` times and each
keeps its best time.

The last line is ``RESULT parquet_overhead=<b/a time> delta_overhead=<c/a time>``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _fakes

START, END = 0, 2**62
SIDES = ("baseline", "parquet", "delta")


def run_side(side: str, url: str, names: list[str], out: Path) -> int:
    """One side's work; the rows it wrote."""
    import arrowtap

    if side == "baseline":
        frame = arrowtap.read_archive_samples(url, names, START, END, unit="ns")
        frame.to_parquet(out / "samples.parquet")
        return len(frame)
    to = str(out / "dataset") if side == "parquet" else f"delta:{out / 'table'}"
    return arrowtap.sync_archive_samples(url, names, START, END, unit="ns", to=to).rows


def child(side: str, url: str, names: list[str]) -> None:
    """Run one side into a fresh directory; print its time and rows as JSON."""
    import deltalake  # noqa: F401
    import pandas  # noqa: F401

    import arrowtap.connectors.pvarchiver.samples_sync  # noqa: F401 - start-up, not work

    with tempfile.TemporaryDirectory(prefix=f"arrowtap-bench-{side}-") as out:
        began = time.perf_counter()
        rows = run_side(side, url, names, Path(out))
        seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "rows": rows}))


def side(name: str, url: str, names: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--url", url, "--names", json.dumps(names)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each side")
    parser.add_argument("--child", choices=SIDES)
    parser.add_argument("--url")
    parser.add_argument("--names")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, json.loads(args.names))
        return

    options = ["--samples", str(args.samples), "--channels", str(args.channels)]
    command = _fakes.module("arrowtap.testing.pvarchiver", *options)
    fake, line = _fakes.start(command, "READY archive=")
    try:
        url = line.removeprefix("READY archive=")
        import arrowtap

        names = arrowtap.find_archive_channels(url, "*")
        print(f"fake archiver: {args.samples} samples over {len(names)} channels at {url}")
        side("baseline", url, names)  # the fake renders and caches every answer
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in SIDES}
        for _ in range(args.repeat):  # alternating: the machine's speed drifts
            for name in SIDES:
                runs[name].append(side(name, url, names))
        best = {name: min(runs[name], key=lambda r: r["seconds"]) for name in SIDES}
    finally:
        _fakes.stop(fake)
    for name, r in best.items():
        print(f"{name:>9}: {r['rows']:>9} samples in {r['seconds']:6.2f} s")
    if len({r["rows"] for r in best.values()}) != 1:
        raise SystemExit(f"row counts differ: {best}")
    base = best["baseline"]["seconds"]
    parquet, delta = best["parquet"]["seconds"] / base, best["delta"]["seconds"] / base
    print(f"RESULT parquet_overhead={parquet:.2f} delta_overhead={delta:.2f}")


if __name__ == "__main__":
    main()
