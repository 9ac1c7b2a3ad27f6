"""A protocol-faithful fake Cassandra PV Archiver (archive-access API 1.0, port 9812).

With ``admin=True`` it also serves the administrative API (port 4812 on a
real server) on a second port, :attr:`FakeArchiver.admin_url`, whose channel
configuration is the archive's and whose commands change it; see
:mod:`arrowtap.testing.pvarchiver.admin_routes` for the server quirks kept.

It serves synthetic, deterministic channels over loopback HTTP/1.1 exactly as
the real server answers (routes, URL decoding, glob / Java-regexp search, raw and
decimated samples incl. level choice and fallback, JsonV1 rendering, gzip,
``prettyPrint``), can inject faults, and tells the ground truth so tests can
compare what a client decoded with what was sent.

Known deliberate quirk, as in the real server: when a request with ``count``
combines decimation levels (older data expired from the chosen level), the
finer/newer segment is emitted *before* the coarser/older one, so the sample
array is not globally sorted by time. Clients must sort.

Examples
--------
>>> import json, urllib.request
>>> spec = ChannelSpec("root:ai1", start_ns=0, count=5)
>>> with FakeArchiver([spec]) as fake:
...     url = fake.url + "/archive/1/samples/root:ai1?start=0&end=2000000000"
...     with urllib.request.urlopen(url) as resp:
...         [s["time"] for s in json.load(resp)]
[0, 1000000000, 2000000000]

Faults are drawn per request from a seeded generator and counted:

>>> with FakeArchiver([spec], faults=Faults.permanent("503", retry_after=0.05)) as fake:
...     try:
...         urllib.request.urlopen(fake.url + "/archive/")
...     except urllib.error.HTTPError as exc:
...         print(exc.code, exc.headers["Retry-After"], fake.stats.faults["503"])
503 0.05 1

The admin API:

>>> with FakeArchiver([spec], admin=True) as fake:
...     with urllib.request.urlopen(fake.admin_url + "/channels/all/by-name/root~3Aai1") as r:
...         json.load(r)["decimationLevelToRetentionPeriod"]
{'0': '0'}
"""

from __future__ import annotations

from arrowtap.testing.pvarchiver.channels import (
    BENCHMARK_START_NS,
    DEFAULT_END_NS,
    benchmark_channels,
    default_channels,
)
from arrowtap.testing.pvarchiver.decimation import choose_level
from arrowtap.testing.pvarchiver.fake import FakeArchiver
from arrowtap.testing.pvarchiver.faults import FAULT_KINDS, FaultKind, Faults, FaultStats
from arrowtap.testing.pvarchiver.render import render_compact, render_pretty, sample_to_dict
from arrowtap.testing.pvarchiver.spec import KINDS, ChannelSpec, EnumMeta, Kind, NumericMeta, Sample

__all__ = [
    "BENCHMARK_START_NS",
    "DEFAULT_END_NS",
    "FAULT_KINDS",
    "KINDS",
    "ChannelSpec",
    "EnumMeta",
    "FakeArchiver",
    "FaultKind",
    "FaultStats",
    "Faults",
    "Kind",
    "NumericMeta",
    "Sample",
    "benchmark_channels",
    "choose_level",
    "default_channels",
    "render_compact",
    "render_pretty",
    "sample_to_dict",
]
