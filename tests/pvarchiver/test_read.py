"""arrowtap's reads against the fake archiver's ground truth."""

import datetime as dt
import json
import re

import httpx
import pandas as pd
import pyarrow as pa
import pytest

import arrowtap
from arrowtap.testing.pvarchiver import FakeArchiver

from .conftest import END, same_rows, sorted_table
from .reference import normalized, reference_samples, table_rows

DAY = 86_400 * 10**9


def truth_rows(fake: FakeArchiver, name: str, start: int, end: int, *, prior: bool = False,
               count: int | None = None) -> list[dict]:  # fmt: skip
    samples = fake.expected_samples(name, start, end, count)
    before = [s for s in samples if s["time"] < start]
    kept = [s for s in samples if start <= s["time"] <= end]
    if prior and before:
        kept.insert(0, max(before, key=lambda s: s["time"]))
    kept.sort(key=lambda s: s["time"])
    return reference_samples(json.dumps(kept).encode(), name)


def window(fake: FakeArchiver) -> tuple[int, int]:
    times = [fake.raw_samples(n)[0]["time"] for n in fake.channel_names if fake.raw_samples(n)]
    start = min(times)
    return start + DAY // 10, start + DAY // 10 + DAY // 4


def test_every_channel_reads_exactly_the_ground_truth(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    start, end = window(fake_archiver)
    for name in fake_archiver.channel_names:
        table = arrowtap.scan_archive_samples(
            fake_archiver.url, [name], start, end, unit="ns"
        ).read_all()
        assert normalized(table_rows(table)) == normalized(
            truth_rows(fake_archiver, name, start, end)
        ), name


def test_include_prior_keeps_the_sample_in_force_at_start(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    start, end = window(fake_archiver)
    start += 1  # between two samples: the server adds the one before
    name = "root:ai1"
    table = arrowtap.scan_archive_samples(
        fake_archiver.url, [name], start, end, include_prior=True, unit="ns"
    ).read_all()
    expected = truth_rows(fake_archiver, name, start, end, prior=True)
    assert normalized(table_rows(table)) == normalized(expected)
    assert table["time"][0].value < start
    plain = arrowtap.read_archive_samples(fake_archiver.url, [name], start, end, unit="ns")
    assert len(plain) == table.num_rows - 1


@pytest.mark.parametrize("count", [50, 400, 3000])
def test_decimated_reads_are_sorted_and_complete(fake_archiver, count: int) -> None:  # type: ignore[no-untyped-def]
    url = fake_archiver.url
    lo = min(fake_archiver.raw_samples(n)[0]["time"] for n in fake_archiver.channel_names)
    hi = lo + 2 * DAY
    for name in fake_archiver.channel_names:
        table = arrowtap.scan_archive_samples(url, [name], lo, hi, count, unit="ns").read_all()
        expected = truth_rows(fake_archiver, name, lo, hi, count=count)
        assert normalized(table_rows(table)) == normalized(expected), name
        times = table["time"].cast(pa.int64()).to_pylist()
        assert times == sorted(times)


def test_pandas_frame_types(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    df = arrowtap.read_archive_samples(
        fake_archiver.url, "*", pd.Timestamp(0, tz="UTC"), pd.Timestamp(END, tz="UTC")
    )
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    assert str(df["precision"].dtype) == "Int32"
    assert df["value_long"].dtype == pd.ArrowDtype(pa.list_(pa.int64()))
    longs = df[df["type"] == "long"]["value_long"].list.flatten()
    assert longs.dtype == pd.ArrowDtype(pa.int64())  # exact, never float64
    assert ((longs > 2**53) | (longs < -(2**53))).any()
    assert set(df["channel"]) == set(fake_archiver.channel_names)


def test_glob_list_and_single_names(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    url = fake_archiver.url
    assert arrowtap.find_archive_channels(url, "ROOT:*") == arrowtap.find_archive_channels(
        url, "root:*"
    )
    assert arrowtap.find_archive_channels(url, regexp="root:.*") == ["root:ai1"]
    for special in ("temp+offset", "ring/current", "beam energy", "détecteur:état"):
        assert arrowtap.find_archive_channels(url, special) == [special]
        df = arrowtap.read_archive_samples(url, [special], 0, END, unit="ns")
        assert len(df) > 0
        assert set(df["channel"]) == {special}


def test_incremental_sync_of_a_live_archive_fetches_only_new_samples(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from arrowtap.testing.pvarchiver import ChannelSpec

    clock = [1_700_000_000 * 10**9]
    hour_ago = clock[0] - 3600 * 10**9
    specs = [
        ChannelSpec(f"live:{kind}", kind=kind, start_ns=hour_ago, period_ns=10**9, count=None)
        for kind in ("double", "long", "enum", "string", "double_array")
    ]
    with FakeArchiver(specs, clock=lambda: clock[0]) as fake:
        first = arrowtap.sync_archive_samples(fake.url, "*", 0, clock[0], to=tmp_path, unit="ns")
        clock[0] += 120 * 10**9
        fake.advance(0)
        second = arrowtap.sync_archive_samples(fake.url, "*", 0, clock[0], to=tmp_path, unit="ns")
        third = arrowtap.sync_archive_samples(fake.url, "*", 0, clock[0], to=tmp_path, unit="ns")
        truth = sorted_table(
            arrowtap.scan_archive_samples(fake.url, "*", 0, clock[0], unit="ns").read_all()
        )
    assert first.rows > 0
    assert 0 < second.rows < first.rows
    assert third.rows == 0
    from .conftest import dataset

    assert same_rows(dataset(tmp_path), truth)


# Bad input: each gets a typed error naming the value.


def test_naive_datetime(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(arrowtap.InvalidArgumentError, match="2024, 1, 1"):
        arrowtap.read_archive_samples(
            fake_archiver.url, "*", dt.datetime(2024, 1, 1), END, unit="ns"
        )


def test_end_before_start(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(arrowtap.InvalidArgumentError, match="before start"):
        arrowtap.read_archive_samples(fake_archiver.url, "*", 10, 5, unit="ns")


def test_unknown_channel(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(arrowtap.ChannelNotFoundError, match="'no:such:pv'"):
        arrowtap.read_archive_samples(
            fake_archiver.url, ["root:ai1", "no:such:pv"], 0, END, unit="ns"
        )


def test_invalid_regexp(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(arrowtap.BadRequestError, match=r"'root\[:'"):
        arrowtap.find_archive_channels(fake_archiver.url, regexp="root[:")


@pytest.mark.parametrize("name", ["../admin", "ring/../admin"])
def test_path_traversal_name(fake_archiver, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(arrowtap.InvalidArgumentError, match=re.escape(repr(name))):
        arrowtap.read_archive_samples(fake_archiver.url, [name], 0, END, unit="ns")
    assert not any("admin" in p for p in fake_archiver.stats.paths)


def _mock(content_type: str, body: bytes) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": content_type}, content=body)

    return httpx.Client(transport=httpx.MockTransport(handler))


NO_RETRY = arrowtap.RetryPolicy(attempts=1)


def test_body_not_json() -> None:
    with (
        _mock("application/json", b"<html>maintenance</html>") as client,
        pytest.raises(arrowtap.DecodeError, match="'pv'"),
    ):
        arrowtap.read_archive_samples(
            "http://h", ["pv"], 0, 1, client=client, retry=NO_RETRY, unit="ns"
        )


def test_wrong_content_type() -> None:
    with (
        _mock("text/html", b"[]") as client,
        pytest.raises(arrowtap.ProtocolError, match="text/html"),
    ):
        arrowtap.read_archive_samples(
            "http://h", ["pv"], 0, 1, client=client, retry=NO_RETRY, unit="ns"
        )


def test_bad_count(fake_archiver) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(arrowtap.InvalidArgumentError, match="-3"):
        arrowtap.read_archive_samples(fake_archiver.url, "*", 0, END, count=-3, unit="ns")


def test_coarser_level_fallback_arrives_out_of_order_and_is_sorted() -> None:
    from arrowtap.testing.pvarchiver import ChannelSpec

    t0 = 1_600_000_000 * 10**9
    spec = ChannelSpec(
        "fallback:ai", kind="double", start_ns=t0, period_ns=10**9, count=2 * 86_400,
        decimation=(30, 900), retention={0: 3_600, 30: 43_200},
    )  # fmt: skip
    start, end = t0, t0 + 2 * DAY
    count = 2 * 86_400 // 30  # "perfect" period 30 s: the 30 s level, which lacks day one
    with FakeArchiver([spec]) as fake:
        sent = [s["time"] for s in fake.expected_samples("fallback:ai", start, end, count)]
        assert sent != sorted(sent)  # the server's finer segment comes first
        table = arrowtap.scan_archive_samples(
            fake.url, ["fallback:ai"], start, end, count, unit="ns"
        )
        table = table.read_all()
        expected = truth_rows(fake, "fallback:ai", start, end, count=count)
    times = table["time"].cast(pa.int64()).to_pylist()
    assert times == sorted(times)
    assert normalized(table_rows(table)) == normalized(expected)
