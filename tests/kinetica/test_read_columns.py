"""``columns=`` on Kinetica tables: pushed to the server (``/get/records/bycolumn``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import arrowtap
import arrowtap.dask
from arrowtap.testing.kinetica import FakeKinetica

COLUMNS = [("seq", "long"), ("sym", "string", "char8", "nullable"), ("x", "double", "nullable")]


class Paths:
    """An httpx client that remembers the endpoints it posted to."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.client = httpx.Client(event_hooks={"request": [self.record]})

    def record(self, request: httpx.Request) -> None:
        self.seen.append(request.url.path)


@pytest.fixture
def fake() -> Iterator[FakeKinetica]:
    with FakeKinetica(max_get_records_size=7) as server:
        server.create_table("t", COLUMNS)
        rows = [{"seq": i, "sym": None if i % 5 == 0 else f"S{i}", "x": i / 4} for i in range(40)]
        server.insert("t", rows)
        yield server


@pytest.fixture
def paths() -> Iterator[Paths]:
    recorder = Paths()
    yield recorder
    recorder.client.close()


def test_only_the_columns_asked_travel_in_the_order_asked(fake: FakeKinetica, paths: Paths) -> None:
    whole = arrowtap.read_kinetica(fake.url, "t", page_size=6)
    frame = arrowtap.read_kinetica(fake.url, "t", columns=["x", "sym"], page_size=6,
                                   client=paths.client)  # fmt: skip
    assert list(frame.columns) == ["x", "sym"]
    assert frame.equals(whole[["x", "sym"]])
    assert "/get/records/bycolumn" in paths.seen
    assert "/get/records" not in paths.seen


def test_an_incremental_read_of_other_columns_still_resumes(
    fake: FakeKinetica, paths: Paths, tmp_path: Path
) -> None:
    # The offsets' column is fetched, not delivered.
    checkpoint = tmp_path / "offsets.sqlite"
    with arrowtap.read_kinetica(
        fake.url, "t", columns=["x"], increasing_column="seq", checkpoint=checkpoint,
        page_size=6, client=paths.client,
    ) as first:  # fmt: skip
        assert list(first.columns) == ["x"]
        assert first["x"].tolist() == [i / 4 for i in range(40)]
    fake.insert("t", [{"seq": 40, "sym": "new", "x": 99.0}])
    again = arrowtap.read_kinetica(
        fake.url, "t", columns=["x"], increasing_column="seq", checkpoint=checkpoint,
        page_size=6, client=paths.client,
    )  # fmt: skip
    assert again.data["x"].tolist() == [99.0]
    assert set(paths.seen) >= {"/get/records/bycolumn"}
    assert "/get/records" not in paths.seen


def test_a_dask_read_of_some_columns(fake: FakeKinetica) -> None:
    ddf = arrowtap.dask.read_kinetica(
        fake.url, "t", columns=["sym"], partition_column="seq", npartitions=3
    )
    computed = ddf.compute()
    assert list(computed.columns) == ["sym"]
    assert computed.index.name == "seq"
    expected = arrowtap.read_kinetica(fake.url, "t").set_index("seq")[["sym"]]
    assert computed.sort_index().equals(expected)


def test_an_unknown_column_is_named_with_those_there(fake: FakeKinetica) -> None:
    with pytest.raises(arrowtap.InvalidArgumentError, match="'nope'") as info:
        arrowtap.read_kinetica(fake.url, "t", columns=["x", "nope"])
    assert "the columns are ['seq', 'sym', 'x']" in str(info.value)
