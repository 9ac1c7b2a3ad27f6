"""Reading Kinetica tables against the fake: pages, filters, schema, errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import httpx
import pandas as pd
import pyarrow as pa
import pytest

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica.table import read_kinetica, scan_kinetica
from arrowtap.connectors.kinetica.table_source import TableSource
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    DecodeError,
    InvalidArgumentError,
    InvalidTypeError,
    NotFoundError,
)
from arrowtap.testing.kinetica import FakeKinetica

FAST = RetryPolicy(attempts=3, initial=0.0, maximum=0.0, jitter=0.0)


def test_read_whole_table_in_pages(people: FakeKinetica) -> None:
    reader = scan_kinetica(people.url, "people", page_size=10)
    assert reader.schema.names == ["id", "name", "age", "score"]
    assert reader.schema.field("age").type == pa.int8()
    assert [b.num_rows for b in reader] == [10, 10, 5]
    df = read_kinetica(people.url, "people", page_size=7)
    assert df["id"].tolist() == list(range(25))
    assert str(df["age"].dtype) == "Int8"
    assert df["age"].isna().sum() == 5
    expected = people.rows("people")
    assert df["name"].tolist() == [r["name"] for r in expected]
    assert df["score"].tolist() == [r["score"] for r in expected]


def test_pages_the_server_caps(people: FakeKinetica) -> None:
    people.max_get_records_size = 4
    reader = scan_kinetica(people.url, "people", page_size=10)
    assert [b.num_rows for b in reader] == [4] * 6 + [1]


def test_columns_and_where(people: FakeKinetica) -> None:
    df = read_kinetica(
        people.url, "people", columns=["score", "id"], where="id >= 20 and score < 6"
    )
    assert list(df.columns) == ["score", "id"]
    assert df["id"].tolist() == [20, 21, 22, 23]


def test_empty_result_keeps_the_schema(people: FakeKinetica) -> None:
    df = read_kinetica(people.url, "people", where="id < 0")
    assert len(df) == 0
    assert str(df["age"].dtype) == "Int8"
    assert str(df["name"].dtype) == "string"


def test_unknown_table_and_column(fake: FakeKinetica) -> None:
    with pytest.raises(NotFoundError, match="table 'nope' does not exist"):
        read_kinetica(fake.url, "nope")
    fake.create_table("t", [("x", "double")])
    with pytest.raises(InvalidArgumentError, match="no column 'y'"):
        read_kinetica(fake.url, "t", columns=["y"])


def test_a_bad_filter_is_the_servers_message(people: FakeKinetica) -> None:
    with pytest.raises(
        BadRequestError, match="Kinetica /get/records \\(table 'people'\\): Invalid"
    ):
        read_kinetica(people.url, "people", where="id >>> 3")


def test_wrong_password() -> None:
    with FakeKinetica(username="ann", password="right") as fake:
        fake.create_table("t", [("x", "double")])
        with pytest.raises(AuthenticationError) as caught:
            read_kinetica(fake.url, "t", username="ann", password="wrong")
        assert "wrong" not in str(caught.value)
        assert read_kinetica(fake.url, "t", username="ann", password="right").empty


def test_a_page_that_does_not_decode(people: FakeKinetica) -> None:
    """A corrupt page is fetched again; one that stays corrupt is a DecodeError."""
    real = httpx.HTTPTransport()
    corrupt = {"left": 1}

    def handler(request: httpx.Request) -> httpx.Response:
        response = real.handle_request(request)
        body = response.read()
        if request.url.path == "/get/records" and corrupt["left"]:
            corrupt["left"] -= 1
            body = body.replace(b"p03", b"p\xff3")  # no longer UTF-8
        return httpx.Response(response.status_code, content=body)

    with real, httpx.Client(transport=httpx.MockTransport(handler)) as client:
        df = read_kinetica(people.url, "people", client=client, retry=FAST)
        assert len(df) == 25
        corrupt["left"] = FAST.attempts
        with pytest.raises(DecodeError, match="row 3, column 'name': string is not valid UTF-8"):
            read_kinetica(people.url, "people", client=client, retry=FAST)


def test_retries_unavailable_and_resets(people: FakeKinetica) -> None:
    people.faults.force("unavailable")
    people.faults.force("reset")
    people.faults.force("exiting")
    patient = RetryPolicy(attempts=4, initial=0.0, maximum=0.0, jitter=0.0)
    df = read_kinetica(people.url, "people", page_size=10, retry=patient)
    assert df["id"].tolist() == list(range(25))


def test_a_changed_table_type_is_noticed(people: FakeKinetica) -> None:
    with TableSource(people.url, "people") as source:
        assert source.schema.names[0] == "id"
    people.create_table("other", [("id", "long"), ("more", "double")])
    with (
        TableSource(people.url, "other", table_type=source.ktype) as stale,
        pytest.raises(DecodeError, match="type changed since it was described"),
    ):
        list(stale.read(stale.partition()))


def test_the_source_pickles_without_its_client(people: FakeKinetica) -> None:
    source = TableSource(people.url, "people", password="secret", page_size=5)
    schema = source.schema
    copy = pickle.loads(pickle.dumps(source))
    assert copy.schema.equals(schema)
    assert "secret" not in repr(copy)
    rows = sum(p.batch.num_rows for p in copy.read(copy.partition("id < 12")))
    assert rows == 12
    source.close()
    copy.close()


def test_plain_offsets_are_row_numbers(people: FakeKinetica) -> None:
    with TableSource(people.url, "people", page_size=10) as source:
        part = source.partition()
        offsets = [page.offset for page in source.read(part)]
        assert offsets == [{"row": 10}, {"row": 20}, {"row": 25}]
        rest = [page.batch for page in source.read(part, {"row": 20})]
        assert pa.Table.from_batches(rest).column("id").to_pylist() == list(range(20, 25))
        with pytest.raises(InvalidArgumentError, match="'row'"):
            list(source.read(part, {"value": 3}))


def test_arguments_are_checked(people: FakeKinetica, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="page_size"):
        read_kinetica(people.url, "people", page_size=0)
    with pytest.raises(InvalidArgumentError, match="tie_breaker needs an increasing_column"):
        read_kinetica(people.url, "people", tie_breaker="id")
    before = sum(people.requests.values())
    with pytest.raises(InvalidArgumentError, match="needs increasing_column"):
        read_kinetica(people.url, "people", checkpoint=tmp_path / "never-used.db")
    with pytest.raises(InvalidTypeError, match=r"checkpoint must be .* not int 3"):
        scan_kinetica(people.url, "people", checkpoint=3, increasing_column="id")  # type: ignore[call-overload]
    with pytest.raises(InvalidTypeError, match="where must be a filter expression str"):
        read_kinetica(people.url, "people", where=["id > 3"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="positional"):
        read_kinetica(people.url, "people", ["id"])  # type: ignore[misc]
    assert sum(people.requests.values()) == before  # refused before any request
    assert not (tmp_path / "never-used.db").exists()
    with pytest.raises(InvalidArgumentError, match="no column 'score_nope'"):
        read_kinetica(people.url, "people", increasing_column="score_nope")
    people.create_table("blobs", [("b", "bytes"), ("u", "string", "uuid")])
    for column in ("b", "u"):
        with pytest.raises(InvalidArgumentError, match="cannot be the increasing column"):
            read_kinetica(people.url, "blobs", increasing_column=column)


def test_frames_dtypes(fake: FakeKinetica) -> None:
    fake.create_table(
        "t", [("ts", "long", "timestamp"), ("d", "string", "date"), ("b", "int", "boolean")]
    )
    fake.insert("t", [{"ts": 1_700_000_000_123, "d": "2024-02-29", "b": 1}])
    df = read_kinetica(fake.url, "t")
    assert df["ts"].iloc[0] == pd.Timestamp("2023-11-14T22:13:20.123Z")
    assert str(df["ts"].dtype) == "datetime64[ms, UTC]"
    assert str(df["b"].dtype) == "boolean"
