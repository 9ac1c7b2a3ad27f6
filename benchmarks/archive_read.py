"""Archive samples -> pandas: the official client's way vs arrowtap, on the same fake archive.

The fake archiver runs in its own process serving N raw samples over several
channels. Each side runs in a child process of its own (so peak RSS is its
own): (a) the official Python client's way -- stdlib urllib, a new connection
per request, ``json.load`` of the whole body, then one pandas DataFrame from
the list of dicts with ``value`` unpacked -- and (b) ``arrowtap.read_archive_samples``.
Both fetch every channel over the whole range once untimed first, so the fake's
response cache is warm and its rendering is not counted against either side;
then the sides run alternately ``--repeat`` times and each keeps its best time
(peak RSS is that run's). In each child, imports and one empty read of one
channel come before the clock: what a process pays once (modules imported on
first use, clients built) is start-up, not the work measured.

Two more sides time the decoders alone, on the same bodies already in memory
(read from files before the clock): (c) arrowtap's decoder, the channels decoded
by as many threads as the machine has cores (it runs without the GIL, as in a
read), and (d) pyarrow's JSON reader (``pyarrow.json.read_json``, its own
threads) on the same samples as NDJSON, one file per channel. pyarrow's reader
rejects a column that holds both numbers and strings, so the archiver's
``"NaN"``/``"Infinity"``/``"-Infinity"`` limits are written ``null`` there (a
shorter body, in its favour).

The last line is ``RESULT speedup=<a/b time> rss_ratio=<b/a peak RSS>
decode_vs_pyarrow=<d/c time>``.
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

import _fakes

START, END = 0, 2**62


def official(url: str, names: list[str], end: int = END) -> int:
    """The official client: urllib per request, json.load, DataFrame of dicts."""
    import pandas as pd

    samples: list[dict[str, Any]] = []
    for name in names:
        request = urllib.request.Request(
            f"{url}/archive/1/samples/{urllib.parse.quote(name, safe='')}?start={START}&end={end}",
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
    if len(frame):
        frame["value"] = frame["value"].map(lambda v: v[0] if len(v) == 1 else v)
    return len(frame)


def arrowtap_read(url: str, names: list[str], until: int = END) -> int:
    """arrowtap: one call."""
    import pandas as pd

    import arrowtap

    start, end = (pd.Timestamp(ns, unit="ns", tz="UTC") for ns in (START, until))
    return len(arrowtap.read_archive_samples(url, names, start, end))


def decode_alone(bodies: list[tuple[str, bytes]]) -> int:
    """arrowtap's decoder on bodies in memory, channels in parallel threads."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from arrowtap.connectors.pvarchiver.wire.decode import decode_samples

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        tables = list(pool.map(lambda item: decode_samples(item[1], item[0]), bodies))
    return sum(table.num_rows for table in tables)


def pyarrow_json(bodies: list[tuple[str, bytes]]) -> int:
    """pyarrow's JSON reader on the same samples as NDJSON, one body per channel."""
    import io

    import pyarrow.json

    return sum(pyarrow.json.read_json(io.BytesIO(body)).num_rows for _, body in bodies)


def child(side: str, url: str, names: list[str], folder: str) -> None:
    """Run one side, print its time, rows and peak RSS as JSON."""
    # Imports are start-up, not the work measured: load each side's modules first.
    import pandas  # noqa: F401
    import pyarrow.json  # noqa: F401

    if side in ("arrowtap", "decode"):
        import arrowtap.connectors.pvarchiver.samples  # noqa: F401
    bodies: list[tuple[str, bytes]] = []
    if side in ("decode", "pyarrow"):  # the bodies in memory before the clock
        suffix = "json" if side == "decode" else "ndjson"
        for i, name in enumerate(names):
            with open(f"{folder}/{i}.{suffix}", "rb") as file:
                bodies.append((name, file.read()))
    if side == "official":  # one empty read first: lazy imports and clients are start-up
        official(url, names[:1], 0)
    elif side == "arrowtap":
        arrowtap_read(url, names[:1], 0)
    began = time.perf_counter()
    if side == "official":
        rows = official(url, names)
    elif side == "arrowtap":
        rows = arrowtap_read(url, names)
    else:
        rows = (decode_alone if side == "decode" else pyarrow_json)(bodies)
    seconds = time.perf_counter() - began
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "rss": rss}))


def side(name: str, url: str, names: list[str], folder: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", name, "--url", url, "--folder", folder]
    out = subprocess.run(
        [*command, "--names", json.dumps(names)], check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def save_bodies(url: str, names: list[str], folder: str) -> None:
    """Each channel's body as it is (``i.json``) and as NDJSON for pyarrow (``i.ndjson``)."""
    import msgspec

    samples = msgspec.json.Decoder(list[msgspec.Raw])
    for i, name in enumerate(names):
        path = urllib.parse.quote(name, safe="")
        with urllib.request.urlopen(f"{url}/archive/1/samples/{path}?start={START}&end={END}") as r:
            body = r.read()
        with open(f"{folder}/{i}.json", "wb") as file:
            file.write(body)
        ndjson = b"\n".join(samples.decode(body)) + b"\n"
        for marker in (b'"NaN"', b'"Infinity"', b'"-Infinity"'):
            ndjson = ndjson.replace(marker, b"null")
        with open(f"{folder}/{i}.ndjson", "wb") as file:
            file.write(ndjson)


SIDES = ("official", "arrowtap", "decode", "pyarrow")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each side")
    parser.add_argument("--child", choices=SIDES)
    parser.add_argument("--url")
    parser.add_argument("--names")
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, json.loads(args.names), args.folder)
        return

    options = ["--samples", str(args.samples), "--channels", str(args.channels)]
    command = _fakes.module("arrowtap.testing.pvarchiver", *options)
    fake, line = _fakes.start(command, "READY archive=")
    try:
        url = line.removeprefix("READY archive=")
        import tempfile

        import arrowtap

        names = arrowtap.find_archive_channels(url, "*")
        print(f"fake archiver: {args.samples} samples over {len(names)} channels at {url}")
        with tempfile.TemporaryDirectory() as folder:
            warm = time.perf_counter()
            save_bodies(url, names, folder)
            side("official", url, names, folder)
            side("arrowtap", url, names, folder)
            print(f"warm-up (server renders and caches): {time.perf_counter() - warm:.1f} s")
            # Alternate the sides and keep each one's best run: this VM's speed drifts.
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in SIDES}
            for _ in range(args.repeat):
                for name in runs:
                    runs[name].append(side(name, url, names, folder))
        a, b, c, d = (min(runs[name], key=lambda r: r["seconds"]) for name in SIDES)
    finally:
        _fakes.stop(fake)
    for label, r in (("official client", a), ("arrowtap", b)):
        print(
            f"{label:>16}: {r['rows']:>9} samples in {r['seconds']:7.2f} s = "
            f"{r['rows'] / r['seconds']:>10,.0f} samples/s, peak RSS {r['rss'] / 2**20:7.0f} MiB"
        )
    for label, r in (("arrowtap decode", c), ("pyarrow.json", d)):
        print(f"{label:>16}: {r['rows']:>9} samples in {r['seconds']:7.2f} s, bodies in memory")
    if len({a["rows"], b["rows"], c["rows"], d["rows"]}) != 1:
        raise SystemExit(f"row counts differ: {[r['rows'] for r in (a, b, c, d)]}")
    print(
        f"RESULT speedup={a['seconds'] / b['seconds']:.1f} rss_ratio={b['rss'] / a['rss']:.2f} "
        f"decode_vs_pyarrow={d['seconds'] / c['seconds']:.1f}"
    )


if __name__ == "__main__":
    main()
