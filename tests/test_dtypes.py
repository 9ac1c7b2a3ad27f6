"""``read_<source>`` and ``arrowtap.dask.read_<source>``: the same dtypes and values.

For every type the connectors map (every Kinetica column type and property the type
mapping knows, the archive sample schema, HarperDB's declared and dynamic types,
FinSpace's listings with their enums), with nulls and NaN among the values, under
either setting of Dask's ``dataframe.convert-string``: the Dask frame's ``meta``,
every partition (empty ones included) and the computed frame have the pandas read's
dtypes, and the values are the same, a null apart from a NaN.
"""

from __future__ import annotations

import math
import struct
import uuid
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import arrowtap
import arrowtap.dask
import dask
from arrowtap.connectors.kinetica.wire.types import ARRAY_ITEMS, CHAR_LENGTHS
from arrowtap.io.frames import empty_frame, to_pandas
from arrowtap.testing.finspace import FakeFinSpace
from arrowtap.testing.harperdb import HarperDBServer
from arrowtap.testing.kinetica import FakeKinetica
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.channels import DEFAULT_END_NS

NAN = math.nan


@pytest.fixture(params=[True, False], ids=["convert-string", "no-convert-string"])
def convert_string(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Dask's global string conversion on, then off, around the whole test."""
    with dask.config.set({"dataframe.convert-string": request.param}):
        yield request.param


def agree(frame: pd.DataFrame, ddf: Any, keys: list[str], index: str | None = None) -> None:
    """The Dask frame has `frame`'s dtypes in meta and every partition, and its values."""
    expected = frame.drop(columns=[index]) if index else frame
    pd.testing.assert_series_equal(ddf.dtypes, expected.dtypes)
    if index:
        assert ddf.index.dtype == frame[index].dtype
    parts = [ddf.partitions[i].compute() for i in range(ddf.npartitions)]
    assert sorted({len(p) > 0 for p in parts}) == [False, True], "an empty and a full one"
    for part in parts:
        pd.testing.assert_series_equal(part.dtypes, expected.dtypes)
        if index:
            assert part.index.dtype == frame[index].dtype
    computed = ddf.compute()
    if index:
        computed = computed.reset_index()[list(frame.columns)]
    pd.testing.assert_frame_equal(
        computed.sort_values(keys, ignore_index=True),
        frame.sort_values(keys, ignore_index=True),
    )


def no_object_columns(frame: pd.DataFrame) -> None:
    """No column Dask's string conversion would touch (``object`` or ``str``)."""
    loose = {n: str(t) for n, t in frame.dtypes.items() if str(t) in ("object", "str")}
    assert loose == {}


# -- Kinetica: every column type and property ---------------------------------------------

KINETICA = [
    ("id", "long", "primary_key"),
    ("i", "int", "nullable"),
    ("i8", "int", "int8", "nullable"),
    ("i16", "int", "int16", "nullable", "dict"),
    ("l", "long", "nullable"),
    ("f", "float", "nullable"),
    ("d", "double", "nullable"),
    ("s", "string", "nullable", "text_search"),
    *((f"char{n}", "string", f"char{n}", "nullable") for n in CHAR_LENGTHS),
    ("ip", "string", "ipv4", "nullable"),
    ("u", "string", "uuid", "nullable"),
    ("day", "string", "date", "nullable"),
    ("clock", "string", "time", "nullable"),
    ("moment", "string", "datetime", "nullable"),
    ("ts", "long", "timestamp", "nullable"),
    ("dec", "string", "decimal", "nullable"),
    ("dec52", "string", "decimal(5,2)", "nullable"),
    ("blob", "bytes", "nullable"),
    ("shape", "string", "wkt", "nullable"),
    ("wkb", "bytes", "wkt", "nullable"),
    ("doc", "string", "json", "nullable"),
    ("flag", "int", "boolean", "nullable"),
    ("big", "string", "ulong", "nullable"),
    ("vec", "bytes", "vector(3)", "nullable"),
    *((f"a_{t}", "string", f"array({t})", "nullable") for t in ARRAY_ITEMS),
    ("a_bound", "string", "array(int,4)", "nullable"),
    ("plain", "string", "store_only"),
]
ITEMS = {
    "boolean": "[true,false]",
    "int": "[1,-2]",
    "long": "[9007199254740993]",
    "ulong": "[18446744073709551615]",
    "float": "[1.5,-0.25]",
    "double": "[0.1,2.0]",
    "string": '["ABC","DEF",""]',
}


def kinetica_value(name: str, i: int) -> Any:
    """The wire value of column `name` in row `i`: nulls in rows 4k, NaN in floats at 3."""
    if i % 4 == 0 and name not in ("id", "plain"):
        return None
    floats = {"f": i / 2, "d": i / 8}
    if name in floats:
        return NAN if i % 7 == 3 else floats[name]
    if name.startswith("char"):
        return "abcdefgh"[: min(int(name[4:]), 1 + i % 8)]
    if name.startswith("a_"):
        return "[]" if i % 5 == 1 else ITEMS.get(name[2:], "[3,4]")
    return {
        "id": i,
        "i": -(2**31) + i,
        "i8": i - 100,
        "i16": 30_000 + i,
        "l": 2**62 + i,
        "s": f"é{i}",
        "ip": f"10.0.{i}.1",
        "u": str(uuid.UUID(int=i * 2**100 + 7)),
        "day": f"2024-02-{1 + i % 28:02d}",
        "clock": f"12:{i % 60:02d}:56.789",
        "moment": f"2900-12-31 23:59:{i % 60:02d}.999",
        "ts": 1_700_000_000_000 + i,
        "dec": f"{i}.1234",
        "dec52": f"-{i}.25",
        "blob": bytes([255, i, 0]),  # not UTF-8: Dask must not make it a string
        "shape": f"POINT({i} 1)",
        "wkb": b"\x01\x01\x00\x00\x00" + bytes(16),
        "doc": f'{{"i": {i}, "x": [null]}}',
        "flag": i % 2,
        "big": str(2**64 - 1 - i),
        "vec": struct.pack("<3f", i, NAN, -1.0),
        "plain": f"p{i}",
    }[name]


@pytest.fixture
def kinetica(fake_kinetica: FakeKinetica) -> FakeKinetica:
    fake_kinetica.create_table("all_types", KINETICA)
    names = [c[0] for c in KINETICA]
    fake_kinetica.insert("all_types", [{n: kinetica_value(n, i) for n in names} for i in range(40)])
    return fake_kinetica


def test_kinetica_table(kinetica: FakeKinetica, convert_string: bool) -> None:
    frame = arrowtap.read_kinetica(kinetica.url, "all_types")
    no_object_columns(frame)
    assert str(frame["d"].dtype) == "double[pyarrow]"
    nan = frame["d"].to_numpy(dtype=float, na_value=0.0)
    assert (frame["d"].isna().sum(), math.isnan(nan[3]), sum(map(math.isnan, nan))) == (10, True, 5)
    assert frame["a_string"].iloc[1] == []
    assert frame["blob"].iloc[1] == b"\xff\x01\x00"
    # The last range ([100, 200]) holds no row: an empty partition.
    ddf = arrowtap.dask.read_kinetica(
        kinetica.url, "all_types", partition_column="id", divisions=[0, 17, 100, 200]
    )
    agree(frame, ddf, ["id"], index="id")


def test_kinetica_frames_write_back_unchanged(kinetica: FakeKinetica) -> None:
    frame = arrowtap.read_kinetica(kinetica.url, "all_types")
    summary = arrowtap.write_kinetica(frame, kinetica.url, "all_types", mode="upsert")
    assert (summary.updated, summary.inserted) == (40, 0)
    pd.testing.assert_frame_equal(arrowtap.read_kinetica(kinetica.url, "all_types"), frame)


def test_kinetica_query(kinetica: FakeKinetica, convert_string: bool) -> None:
    sql = "SELECT * FROM all_types"
    frame = arrowtap.read_kinetica_sql(kinetica.url, sql)
    no_object_columns(frame)
    table = arrowtap.read_kinetica(kinetica.url, "all_types")
    pd.testing.assert_series_equal(frame.dtypes, table.dtypes)  # a result maps as a table
    ddf = arrowtap.dask.read_kinetica_sql(
        kinetica.url, sql, partition_column="id", divisions=[0, 17, 100, 200]
    )
    agree(frame, ddf, ["id"], index="id")


# -- archive samples: NaN and null metadata -------------------------------------------------


def test_archive_samples(fake_archiver: FakeArchiver, convert_string: bool) -> None:
    channels = ["root:ai1", "temp+offset", "beam energy", "détecteur:état", "wave:double"]
    channels += ["wave:long", "msg:text"]
    start, end = DEFAULT_END_NS - 1800 * 10**9, DEFAULT_END_NS + 1800 * 10**9
    frame = arrowtap.read_archive_samples(fake_archiver.url, channels, start, end, unit="ns")
    no_object_columns(frame)
    scanned = arrowtap.scan_archive_samples(
        fake_archiver.url, channels, start, end, unit="ns"
    ).read_all()
    for name in ("warn_low", "alarm_low", "display_low"):  # the server's NaN, and nulls
        column = scanned.column(name)
        nan = pa.compute.sum(pa.compute.is_nan(column)).as_py()
        assert frame[name].dtype == pd.ArrowDtype(pa.float64())
        assert frame[name].isna().sum() == column.null_count > 0
        assert sum(map(math.isnan, frame[name].to_numpy(dtype=float, na_value=0.0))) == nan
    # The value a plot uses: float64, null where a sample has none (a waveform, an enum,
    # a string), and a NaN the server sent kept apart from a null.
    assert frame["value"].dtype == pd.ArrowDtype(pa.float64())
    values = scanned.column("value")
    assert frame["value"].isna().sum() == values.null_count > 0
    assert pa.compute.sum(pa.compute.is_nan(values)).as_py() > 0
    # The windows after the last sample are empty partitions.
    ddf = arrowtap.dask.read_archive_samples(
        fake_archiver.url, channels, start, end, npartitions=4, unit="ns"
    )
    agree(frame, ddf, ["channel", "time"], index="time")


# -- FinSpace listings: enums as categories ---------------------------------------------------


def test_finspace_listings(fake_finspace: FakeFinSpace, convert_string: bool) -> None:
    options = fake_finspace.options
    envs = sorted(fake_finspace.world.environments)
    kind = "GP"  # only the main environment has clusters of it: the others, empty partitions
    frames = [arrowtap.read_finspace_clusters(env, kind, **options) for env in envs]
    frame = pd.concat(frames, ignore_index=True)
    no_object_columns(frame)
    assert str(frame["status"].dtype) == "category"
    ddf = arrowtap.dask.read_finspace_clusters(envs, kind, **options)
    computed = ddf.compute()
    assert computed.index.name == "environmentId"
    agree(frame, ddf.reset_index(drop=True), ["clusterName"])
    nodes = arrowtap.read_finspace_databases(envs[0], **options)
    dask_nodes = arrowtap.dask.read_finspace_databases(envs[:1], **options).compute()
    pd.testing.assert_frame_equal(dask_nodes.reset_index(drop=True), nodes)


# -- HarperDB (the real server): declared and dynamic types -----------------------------------

DECLARED = [
    {"name": "id", "type": "String"},
    *({"name": kind.lower(), "type": kind} for kind in ("Int", "Long", "Float", "BigInt")),
    *({"name": kind.lower(), "type": kind} for kind in ("Boolean", "Date", "Bytes", "Any")),
    *(
        {"name": f"list_{kind.lower()}", "type": "array", "elements": {"type": kind}}
        for kind in ("Int", "Long", "Float", "String", "Boolean", "Date")
    ),
    {"name": "__createdtime__", "type": "Float", "indexed": True},
    {"name": "__updatedtime__", "type": "Float", "indexed": True},
]


def harperdb_record(i: int) -> dict[str, Any]:
    """Every declared attribute, absent in rows 3k; a dynamic one of changing type."""
    record: dict[str, Any] = {"id": f"k{i:03d}", "dynamic": [i, "text", {"a": [i, None]}][i % 3]}
    if i % 3:
        record |= {"int": -i, "long": 2**40 + i, "float": i / 8, "bigint": 2**53 + 2 * i}
        record |= {"boolean": i % 2 == 0, "date": f"2024-01-01T00:00:{i % 60:02d}.125Z"}
        record |= {"bytes": "YWJj", "any": [{"x": i}, "s", None][i % 3]}
        record |= {"list_int": [i, -1], "list_long": [2**40], "list_float": [0.5, i / 4]}
        record |= {
            "list_string": ["a", ""],
            "list_boolean": [True],
            "list_date": [f"2024-0{1 + i % 9}-01T00:00:00Z"],
        }
    return record


@pytest.fixture(scope="module")
def harperdb(harperdb_server: HarperDBServer) -> Iterator[tuple[str, dict[str, Any]]]:
    """A database with a table of declared types and a dynamic one, each upserted twice."""
    database = f"dt_{uuid.uuid4().hex[:10]}"
    server = harperdb_server
    server.operation({"operation": "create_database", "database": database})
    base = {"database": database, "primary_key": "id"}
    server.operation(
        {"operation": "create_table", "table": "declared", "attributes": DECLARED} | base
    )
    server.operation({"operation": "create_table", "table": "dynamic"} | base)
    for table in ("declared", "dynamic"):
        for ids in (range(0, 12), range(12, 20)):  # two updated times: empty ranges between
            records = [harperdb_record(i) for i in ids]
            body = {"operation": "upsert", "database": database, "table": table, "records": records}
            server.operation(body)
    yield database, {"username": server.username, "password": server.password}
    if server.running:
        server.operation({"operation": "drop_database", "database": database})


@pytest.mark.parametrize("table", ["declared", "dynamic"])
def test_harperdb_tables(
    harperdb_server: HarperDBServer,
    harperdb: tuple[str, dict[str, Any]],
    table: str,
    convert_string: bool,
) -> None:
    database, creds = harperdb
    args = (harperdb_server.url, database, table)
    frame = arrowtap.read_harperdb(*args, **creds)
    no_object_columns(frame)
    if table == "declared":
        dtypes = {name: str(dtype) for name, dtype in frame.dtypes.items()}
        assert dtypes["float"] == "double[pyarrow]"
        assert dtypes["bytes"] == "binary[pyarrow]"
        assert dtypes["bigint"] == "decimal128(38, 0)[pyarrow]"
    ddf = arrowtap.dask.read_harperdb(*args, npartitions=4, **creds)
    agree(frame, ddf, ["id"])


def test_harperdb_declared_by_the_caller(
    harperdb_server: HarperDBServer, harperdb: tuple[str, dict[str, Any]], convert_string: bool
) -> None:
    database, creds = harperdb
    args = (harperdb_server.url, database, "dynamic")
    schema = {"id": pa.string(), "dynamic": pa.json_(), "float": pa.float32()}
    frame = arrowtap.read_harperdb(*args, schema=schema, columns=list(schema), **creds)
    assert str(frame["float"].dtype) == "float[pyarrow]"
    ddf = arrowtap.dask.read_harperdb(
        *args, schema=schema, columns=list(schema), npartitions=4, **creds
    )
    agree(frame, ddf, ["id"])


# -- the conversion itself --------------------------------------------------------------------


def test_every_arrow_type_has_one_dtype_and_empty_frames_share_it() -> None:
    values = pa.table(
        {
            "f64": pa.array([1.5, None, NAN]),
            "f32": pa.array([1.5, None, NAN], pa.float32()),
            "i": pa.array([1, None, 3], pa.int16()),
            "b": pa.array([True, None, False]),
            "s": pa.array(["a", None, "c"], pa.large_string()),
            "j": pa.array(['{"a":1}', None, "2"], pa.json_()),
            "u": pa.array([uuid.UUID(int=255).bytes, None, bytes(16)], pa.uuid()),
            "bin": pa.array([b"\xff", None, b""]),
            "day": pa.array([0, None, 1], pa.date32()),
            "clock": pa.array([0, None, 1], pa.time32("ms")),
            "dec": pa.array([1, None, 2], pa.decimal128(5, 2)),
            "ts": pa.array([0, None, 1], pa.timestamp("ms", tz="UTC")),
            "list": pa.array([[1.0], None, []]),
            "null": pa.nulls(3),
        }
    )
    frame = to_pandas(values)
    no_object_columns(frame)
    pd.testing.assert_series_equal(empty_frame(values.schema).dtypes, frame.dtypes)
    assert frame["f64"].isna().tolist() == [False, True, False]  # null and NaN apart
    assert frame["f32"].isna().tolist() == [False, True, False]
    assert frame["u"].tolist()[0] == "00000000-0000-0000-0000-0000000000ff"
    exact = ["f64", "f32", "bin", "day", "clock", "dec", "list"]  # back to Arrow exactly
    back = pa.Table.from_pandas(frame[exact]).replace_schema_metadata()
    assert back.schema == values.select(exact).schema
    assert back.column("f64").is_null().to_pylist() == [False, True, False]
    assert back.column("f64").to_pylist()[0] == 1.5
    assert math.isnan(back["f64"][2].as_py())
    assert back.drop_columns(["f64", "f32"]).equals(values.select(exact[2:]))
