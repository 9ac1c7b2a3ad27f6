"""Archive samples -> pandas: the official client's way vs arrowtap, on the same fake archive.

The fake archiver runs in its own process serving N raw samples over several
channels. Each side runs in a child process of its own (so peak RSS is its
own): (a) the official Python client's way -- stdlib urllib, a new connection
per request, ``json.load`` of the whole body, then one pandas DataFrame from
the list of dicts with ``value`` unpacked -- and (b) ``arrowtap.read_archive_samples``.
Both fetch every channel over the whole range once untimed first, so the fake's
response cache is warm and its rendering is not counted against either side;
then the sides run alternately ``--repeat`` times and each keeps its best time
(peak RSS is that run's).

The last line is ``RESULT speedup=<a/b time> rss_ratio=<b/a peak RSS>``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from typing import Any

START, END = 0, 2**62


def official(url: str, names: list[str]) -> int:
    """The official client: urllib per request, json.load, DataFrame of dicts."""
    import pandas as pd

    samples: list[dict[str, Any]] = []
    for name in names:
        request = urllib.request.Request(
            f"{url}/archive/1/samples/{urllib.parse.quote(name, safe='')}?start={START}&end={END}",
            headers={"Accept": "application/json", "Accept-Encoding": "gzip"},
        )
        with urllib.request.urlopen(request) as response:
            if not response.headers["Content-Type"].startswith("application/json"):
                raise RuntimeError("not JSON")
            body = response
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.GzipFile(fileobj=response)
            for sample in json.load(body):
                sample["channel"] = name
                samples.append(sample)
    frame = pd.DataFrame(samples)
    frame["value"] = frame["value"].map(lambda v: v[0] if len(v) == 1 else v)
    return len(frame)


def arrowtap_read(url: str, names: list[str]) -> int:
    """arrowtap: one call."""
    import arrowtap

    return len(arrowtap.read_archive_samples(url, names, START, END))


def child(side: str, url: str, names: list[str]) -> None:
    """Run one side, print its time, rows and peak RSS as JSON."""
    run = official if side == "official" else arrowtap_read
    # Imports are start-up, not the work measured: load each side's modules first.
    import pandas  # noqa: F401

    if side == "arrowtap":
        import arrowtap.connectors.pvarchiver.samples  # noqa: F401
    began = time.perf_counter()
    rows = run(url, names)
    seconds = time.perf_counter() - began
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "rss": rss}))


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
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each side")
    parser.add_argument("--child", choices=["official", "arrowtap"])
    parser.add_argument("--url")
    parser.add_argument("--names")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, json.loads(args.names))
        return

    fake = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "arrowtap.testing.pvarchiver",
            "--port",
            "0",
            "--samples",
            str(args.samples),
            "--channels",
            str(args.channels),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert fake.stdout is not None
        line = fake.stdout.readline()
        if not line.startswith("READY archive="):
            raise SystemExit(f"fake archiver did not start: {line!r}")
        url = line.strip().removeprefix("READY archive=")
        import arrowtap

        names = arrowtap.find_archive_channels(url, "*")
        print(f"fake archiver: {args.samples} samples over {len(names)} channels at {url}")
        warm = time.perf_counter()
        side("official", url, names)
        side("arrowtap", url, names)
        print(f"warm-up (server renders and caches): {time.perf_counter() - warm:.1f} s")
        # Alternate the sides and keep each one's best run: this VM's speed drifts.
        runs: dict[str, list[dict[str, float]]] = {"official": [], "arrowtap": []}
        for _ in range(args.repeat):
            for name in runs:
                runs[name].append(side(name, url, names))
        a, b = (min(runs[name], key=lambda r: r["seconds"]) for name in runs)
    finally:
        fake.terminate()
        fake.wait(10)
    for label, r in (("official client", a), ("arrowtap", b)):
        print(
            f"{label:>16}: {r['rows']:>9} samples in {r['seconds']:7.2f} s = "
            f"{r['rows'] / r['seconds']:>10,.0f} samples/s, peak RSS {r['rss'] / 2**20:7.0f} MiB"
        )
    if a["rows"] != b["rows"]:
        raise SystemExit(f"row counts differ: official {a['rows']}, arrowtap {b['rows']}")
    print(f"RESULT speedup={a['seconds'] / b['seconds']:.1f} rss_ratio={b['rss'] / a['rss']:.2f}")


if __name__ == "__main__":
    main()
