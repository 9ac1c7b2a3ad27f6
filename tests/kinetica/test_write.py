"""Writing Kinetica tables against the fake: create, append, upsert, and nothing half-written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica.table import read_kinetica
from arrowtap.connectors.kinetica.wire.client import KineticaClient
from arrowtap.connectors.kinetica.wire.writer import to_wire, write
from arrowtap.connectors.kinetica.write import write_kinetica
from arrowtap.errors import (
    AuthenticationError,
    InvalidArgumentError,
    InvalidTypeError,
    KineticaInsertError,
    NotFoundError,
    TransportError,
)
from arrowtap.testing.kinetica import FakeKinetica

FAST = RetryPolicy(attempts=3, initial=0.0, maximum=0.0, jitter=0.0)


def frame(n: int, start: int = 0) -> pd.DataFrame:
    ids = range(start, start + n)
    return pd.DataFrame(
        {
            "id": list(ids),
            "ts": pd.to_datetime([1_700_000_000_000 + i for i in ids], unit="ms", utc=True),
            "sym": [f"S{i % 7}" for i in ids],
            "qty": pd.array([None if i % 4 == 0 else i for i in ids], dtype="Int8"),
        }
    )


def test_create_append_and_read_back(fake: FakeKinetica) -> None:
    df = frame(25)
    summary = write_kinetica(
        df, fake.url, "trades", batch_size=10, primary_key=["id"], properties={"sym": ["char4"]}
    )
    assert (summary.rows, summary.inserted, summary.requests, summary.created) == (25, 25, 3, True)
    table = fake.table("trades")
    assert [c.type_name for c in table.ktype.columns] == ["long", "timestamp", "char4", "int8"]
    assert table.ktype.primary_key == ("id",)
    back = read_kinetica(fake.url, "trades")
    pd.testing.assert_frame_equal(
        back, df.astype({"ts": "datetime64[ms, UTC]", "sym": "string[pyarrow]", "id": "Int64"})
    )
    more = write_kinetica(frame(5, 25), fake.url, "trades")
    assert (more.inserted, more.created) == (5, False)
    assert len(fake.rows("trades")) == 30


def test_arrow_inputs(fake: FakeKinetica) -> None:
    table = pa.table({"k": pa.array([1, 2, 3], pa.int32()), "v": ["a", None, "c"]})
    write_kinetica(table, fake.url, "t")
    write_kinetica(table.to_batches()[0], fake.url, "t")
    write_kinetica(
        pa.RecordBatchReader.from_batches(table.schema, table.to_batches()), fake.url, "t"
    )
    assert [r["k"] for r in fake.rows("t")] == [1, 2, 3] * 3
    with pytest.raises(InvalidArgumentError, match="not list"):
        write_kinetica([1, 2], fake.url, "t")


def test_upsert_replaces_rows_with_the_same_key(fake: FakeKinetica) -> None:
    write_kinetica(frame(10), fake.url, "t", primary_key=["id"])
    changed = frame(10).assign(sym="ZZ")
    summary = write_kinetica(changed.iloc[5:], fake.url, "t", mode="upsert")
    assert (summary.inserted, summary.updated) == (0, 5)
    assert [r["sym"] for r in fake.rows("t")] == [f"S{i}" for i in range(5)] + ["ZZ"] * 5


def test_duplicate_keys_when_appending_name_the_rows(fake: FakeKinetica) -> None:
    write_kinetica(frame(10), fake.url, "t", primary_key=["id"])
    with pytest.raises(KineticaInsertError) as caught:
        write_kinetica(frame(6, 8), fake.url, "t", batch_size=4)
    error = caught.value
    assert sorted(error.errors) == [0, 1]
    assert "row 0: Duplicate primary key" in str(error)
    assert error.rows_written == 2  # rows 2 and 3 of the same batch went in
    assert len(fake.rows("t")) == 12


def test_upsert_needs_a_primary_key(fake: FakeKinetica) -> None:
    write_kinetica(frame(3), fake.url, "t")
    with pytest.raises(InvalidArgumentError, match="needs a primary key"):
        write_kinetica(frame(3), fake.url, "t", mode="upsert")


@pytest.mark.parametrize(
    ("data", "properties", "message"),
    [
        (
            pd.DataFrame({"id": [1, 2, 3], "small": [1, 300, 2]}),
            {"small": ["int8"]},
            "Kinetica column 'small' (int8): row 1: 300 is out of range -128 .. 127",
        ),
        (
            pd.DataFrame({"id": [1, 2, 3], "code": ["ab", "abcd", "abcde"]}),
            {"code": ["char4"]},
            "Kinetica column 'code' (char4): row 2: 'abcde' is 5 bytes, longer than char4 allows",
        ),
    ],
)
def test_a_bad_value_writes_nothing(
    fake: FakeKinetica, data: pd.DataFrame, properties: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        write_kinetica(data, fake.url, "t", batch_size=1, properties=properties)
    assert str(caught.value) == message
    assert fake.store.find_table("t") is None  # not even created
    fake.create_table(
        "t",
        [
            ("id", "long"),
            *[(n, "int" if n == "small" else "string", p[0]) for n, p in properties.items()],
        ],
    )
    with pytest.raises(InvalidArgumentError, match=r"row [12]"):
        write_kinetica(data, fake.url, "t", batch_size=1)
    assert fake.rows("t") == []
    assert fake.requests["/insert/records"] == 0


def test_a_column_whose_type_cannot_map(fake: FakeKinetica) -> None:
    data = pa.table({"m": pa.array([[("a", 1)]], pa.map_(pa.string(), pa.int32()))})
    with pytest.raises(InvalidArgumentError, match="Kinetica column 'm': Arrow type map"):
        write_kinetica(data, fake.url, "t")
    assert fake.store.find_table("t") is None


def test_columns_must_fit_an_existing_table(fake: FakeKinetica) -> None:
    fake.create_table("t", [("a", "long"), ("b", "string", "nullable"), ("c", "double")])
    write_kinetica(pd.DataFrame({"c": [1.5], "a": [1]}), fake.url, "t")
    assert fake.rows("t") == [{"a": 1, "b": None, "c": 1.5}]
    with pytest.raises(
        InvalidArgumentError, match=r"lacks \['z'\], non-nullable columns missing \['c'\]"
    ):
        write_kinetica(pd.DataFrame({"a": [1], "z": [2]}), fake.url, "t")


def test_missing_table_without_create(fake: FakeKinetica) -> None:
    with pytest.raises(NotFoundError, match="'nope' does not exist"):
        write_kinetica(frame(1), fake.url, "nope", create=False)


def test_naive_timestamps_and_sub_millisecond_values(fake: FakeKinetica) -> None:
    naive = pd.DataFrame({"t": [dt.datetime(2024, 1, 1, 12)]})
    write_kinetica(naive, fake.url, "a")  # a naive time is a Kinetica datetime
    assert fake.table("a").ktype.column("t").type_name == "datetime"
    assert fake.rows("a") == [{"t": "2024-01-01 12:00:00.000"}]
    fake.create_table("b", [("t", "long", "timestamp")])
    with pytest.raises(InvalidArgumentError, match="localise them"):
        write_kinetica(naive, fake.url, "b")
    fine = pd.DataFrame({"t": pd.to_datetime(["2024-01-01T00:00:00.000001Z"])})
    with pytest.raises(InvalidArgumentError, match="not a whole millisecond"):
        write_kinetica(fine, fake.url, "b")
    write_kinetica(fine, fake.url, "b", coerce=True)
    assert fake.rows("b") == [{"t": 1704067200000}]


def test_appends_are_not_repeated_after_an_ambiguous_failure(fake: FakeKinetica) -> None:
    write_kinetica(frame(1), fake.url, "t", primary_key=["id"])
    ktype = fake.table("t").ktype
    with KineticaClient(fake.url, retry=FAST) as client:
        fake.faults.force("unavailable")  # a 503: surely not applied, retried
        write(client, "t", to_wire(pa.Table.from_pandas(frame(2, 1)), ktype), ktype)
        fake.faults.force("reset")  # maybe applied: not repeated
        wire = to_wire(pa.Table.from_pandas(frame(2, 3)), ktype)
        with pytest.raises(TransportError, match="may or may not have been applied"):
            write(client, "t", wire, ktype)
        assert len(fake.rows("t")) == 3
        fake.faults.force("reset")  # an upsert may run twice: repeated
        assert write(client, "t", wire, ktype, mode="upsert").inserted == 2
    assert len(fake.rows("t")) == 5


def test_write_with_credentials() -> None:
    with FakeKinetica(token="tok") as fake:
        with pytest.raises(AuthenticationError):
            write_kinetica(frame(1), fake.url, "t", token="bad")
        write_kinetica(frame(1), fake.url, "t", token="tok")
        assert len(fake.rows("t")) == 1


def test_dask_partitions_are_written_by_the_workers(fake: FakeKinetica) -> None:
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(frame(40), npartitions=4)
    summary = write_kinetica(ddf, fake.url, "t", batch_size=7, primary_key=["id"])
    assert (summary.rows, summary.inserted, summary.created) == (40, 40, True)
    assert sorted(r["id"] for r in fake.rows("t")) == list(range(40))
    bad = dd.from_pandas(frame(8, 100).assign(qty=pd.array([1] * 8, dtype="Int64")), npartitions=2)
    bad = bad.assign(qty=bad["qty"] * 300)
    with pytest.raises(InvalidArgumentError, match="column 'qty'") as caught:
        write_kinetica(bad, fake.url, "t")
    assert any("Dask partition" in note for note in caught.value.__notes__)


def test_lists_that_are_all_empty_fit_any_array(fake: FakeKinetica) -> None:
    fake.create_table("t", [("id", "long"), ("a", "string", "array(int)", "nullable")])
    empty = pa.table({"id": [1, 2], "a": pa.array([[], None], pa.list_(pa.null()))})
    assert write_kinetica(empty, fake.url, "t").inserted == 2
    write_kinetica(pd.DataFrame({"id": [3], "a": [[]]}), fake.url, "t")  # list<null> too
    assert [r["a"] for r in fake.rows("t")] == ["[]", None, "[]"]
    with pytest.raises(InvalidArgumentError, match=r"does not say the column's type; give it"):
        write_kinetica(empty, fake.url, "new")  # nothing says which array to create
    write_kinetica(empty, fake.url, "new", properties={"a": ["array(long)"]})
    assert fake.table("new").ktype.column("a").type_name == "array(long)"
    assert read_kinetica(fake.url, "new")["a"].tolist()[0] == []


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"data": [1, 2]}, InvalidTypeError, "data must be a pandas or Dask DataFrame"),
        ({"data": pd.DataFrame({"m": [1, "x"]})}, InvalidArgumentError, "data: "),
        ({"url": 9191}, InvalidTypeError, "url must be a URL .*, not int"),
        ({"url": "kinetica:9191"}, InvalidArgumentError, "url must be http://host"),
        ({"url": "http://h:99999"}, InvalidArgumentError, "has no valid port"),
        ({"table": ""}, InvalidArgumentError, "table must be a non-empty str"),
        ({"table": None}, InvalidTypeError, "table must be a str, not NoneType"),
        ({"mode": "merge"}, InvalidArgumentError, r"mode must be one of \('append', 'upsert'\)"),
        ({"mode": ["append"]}, InvalidTypeError, "mode must be one of"),
        ({"create": 1}, InvalidTypeError, "create must be a bool, not int 1"),
        ({"batch_size": 0}, InvalidArgumentError, "batch_size must be a positive int"),
        ({"batch_size": 2.5}, InvalidTypeError, "batch_size must be a positive int, not float"),
        ({"batch_size": 2**63}, InvalidArgumentError, "batch_size must be a positive int"),
        ({"primary_key": "id"}, InvalidTypeError, "primary_key must be a list of names, not str"),
        ({"shard_key": [1]}, InvalidTypeError, "each of shard_key must be a name"),
        ({"properties": {"id": "char4"}}, InvalidTypeError, r"properties\['id'\] must be a list"),
        ({"properties": ["char4"]}, InvalidTypeError, "properties must be a mapping"),
        ({"table_options": {"ttl": 5}}, InvalidTypeError, r"table_options\['ttl'\] must be a str"),
        ({"coerce": "yes"}, InvalidTypeError, "coerce must be a bool"),
        ({"password": b"pw"}, InvalidTypeError, "password must be a str or None, not bytes$"),
        ({"token": "naïve"}, InvalidArgumentError, "token must be visible ASCII characters"),
        ({"client": "c"}, InvalidTypeError, "client must be an httpx.Client or None"),
        ({"retry": 3}, InvalidTypeError, "retry must be a RetryPolicy or None, not int 3"),
    ],
)
def test_arguments_are_checked_before_any_request(
    fake: FakeKinetica, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    call: dict[str, Any] = {"data": frame(2), "url": fake.url, "table": "t"} | arguments
    with pytest.raises(error, match=message) as caught:
        write_kinetica(**call)
    assert type(caught.value) is error
    assert sum(fake.requests.values()) == 0
