"""The fake Kinetica's SQL on SQLite, read through the public reader and held to pandas.

Each statement runs through ``arrowtap.read_kinetica_sql`` against the fake, and the
answer is compared with the same computation done by pandas on the rows the fake holds.
"""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Callable
from typing import Any

import fastavro
import pandas as pd
import pytest

import arrowtap
import arrowtap.dask
from arrowtap.errors import BadRequestError
from arrowtap.testing.kinetica import FakeKinetica

SYMS = ["AA", "BB", "CC", "DD"]  # DD has no row in "symbols"
GROUPED = (
    "SELECT sym, COUNT(*) AS n, SUM(qty) AS total, AVG(px) AS mean, MIN(px) AS low,"
    " MAX(side) AS top FROM trades GROUP BY sym"
)


@pytest.fixture
def market(fake: FakeKinetica) -> FakeKinetica:
    """Tables ``trades`` (60 rows, some ``side`` null) and ``symbols`` (3 rows)."""
    fake.create_table(
        "trades",
        [
            ("id", "long", "primary_key"),
            ("sym", "string", "char8"),
            ("qty", "int"),
            ("side", "int", "int8", "nullable"),
            ("px", "double"),
            ("ts", "long", "timestamp"),
        ],
    )
    fake.create_table(
        "symbols",
        [("sym", "string", "char8", "primary_key"), ("sector", "string", "char16"), ("lot", "int")],
    )
    rng = random.Random(20240229)
    fake.insert(
        "trades",
        [
            {
                "id": i,
                "sym": rng.choice(SYMS),
                "qty": rng.randint(1, 100),
                "side": None if i % 7 == 0 else rng.choice([-1, 1]),
                "px": round(rng.uniform(1, 50), 2),
                "ts": 1_700_000_000_000 + 1000 * i + rng.randint(0, 999),
            }
            for i in range(60)
        ],
    )
    fake.insert(
        "symbols",
        [
            {"sym": "AA", "sector": "tech", "lot": 100},
            {"sym": "BB", "sector": "energy", "lot": 10},
            {"sym": "CC", "sector": "tech", "lot": 1},
        ],
    )
    return fake


def _table(fake: FakeKinetica, name: str) -> pd.DataFrame:
    return pd.DataFrame(fake.rows(name))


def _values(column: pd.Series) -> list[Any]:
    return [None if pd.isna(v) else v for v in column.tolist()]


def _assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same columns, same rows in the same order; floats compared approximately."""
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for name in expected.columns:
        mine, theirs = _values(got[name]), _values(expected[name])
        if any(isinstance(v, float) for v in theirs):
            assert mine == pytest.approx(theirs), name
        else:
            assert mine == theirs, name


def _grouped(trades: pd.DataFrame) -> pd.DataFrame:
    return (
        trades.groupby("sym")
        .agg(
            n=("id", "size"),
            total=("qty", "sum"),
            mean=("px", "mean"),
            low=("px", "min"),
            top=("side", "max"),
        )
        .reset_index()
    )


def test_group_by_with_every_aggregate(market: FakeKinetica) -> None:
    got = arrowtap.read_kinetica_sql(market.url, GROUPED + " ORDER BY sym")
    _assert_same(got, _grouped(_table(market, "trades")))


def test_group_by_without_order_by_is_stable_and_pages_alike(market: FakeKinetica) -> None:
    whole = arrowtap.read_kinetica_sql(market.url, GROUPED)
    paged = arrowtap.read_kinetica_sql(market.url, GROUPED, page_size=3)
    pd.testing.assert_frame_equal(whole, paged)
    pd.testing.assert_frame_equal(whole, arrowtap.read_kinetica_sql(market.url, GROUPED))
    assert sorted(whole["sym"]) == sorted(SYMS)
    assert market.store.results == {}  # every paging table cleared


def test_having_and_order_by_an_aggregate(market: FakeKinetica) -> None:
    got = arrowtap.read_kinetica_sql(
        market.url,
        "SELECT sym, COUNT(*) AS n, SUM(px) AS spent FROM trades WHERE side IS NOT NULL"
        " GROUP BY sym HAVING COUNT(*) >= 12 ORDER BY COUNT(*) DESC, sym",
    )
    trades = _table(market, "trades")
    expected = (
        trades[trades["side"].notna()]
        .groupby("sym")
        .agg(n=("id", "size"), spent=("px", "sum"))
        .reset_index()
    )
    expected = expected[expected["n"] >= 12].sort_values(["n", "sym"], ascending=[False, True])
    assert len(expected) >= 2  # the data makes the statement mean something
    _assert_same(got, expected)


@pytest.mark.parametrize(
    ("where", "mask"),
    [
        (
            "(sym IN ('AA', 'CC') AND qty BETWEEN 20 AND 70) OR (side = -1 AND px > 40)",
            lambda t: (
                (t["sym"].isin(["AA", "CC"]) & t["qty"].between(20, 70))
                | ((t["side"] == -1) & (t["px"] > 40))
            ),
        ),
        (
            "sym NOT IN ('BB') AND px NOT BETWEEN 10 AND 40 OR side IS NULL",
            lambda t: (~t["sym"].isin(["BB"]) & ~t["px"].between(10, 40)) | t["side"].isna(),
        ),
    ],
)
def test_where_with_and_or_in_between(
    market: FakeKinetica, where: str, mask: Callable[[pd.DataFrame], pd.Series]
) -> None:
    got = arrowtap.read_kinetica_sql(
        market.url, f"SELECT id, sym, qty, px FROM trades WHERE {where}"
    )
    trades = _table(market, "trades")
    expected = trades[mask(trades)][["id", "sym", "qty", "px"]]
    assert 0 < len(expected) < len(trades)
    _assert_same(got, expected)  # without ORDER BY: in the table's order


def test_order_by_several_keys_with_limit_and_offset(market: FakeKinetica) -> None:
    got = arrowtap.read_kinetica_sql(
        market.url, "SELECT id, sym, px FROM trades ORDER BY sym DESC, px, id LIMIT 7 OFFSET 3"
    )
    trades = _table(market, "trades")
    ordered = trades.sort_values(["sym", "px", "id"], ascending=[False, True, True])
    _assert_same(got, ordered[["id", "sym", "px"]].iloc[3:10])


def test_order_by_puts_nulls_first_and_limit_cuts(market: FakeKinetica) -> None:
    got = arrowtap.read_kinetica_sql(market.url, "SELECT id, side FROM trades ORDER BY side, id")
    trades = _table(market, "trades")
    expected = trades.sort_values(["side", "id"], na_position="first")[["id", "side"]]
    _assert_same(got, expected)
    first = arrowtap.read_kinetica_sql(market.url, "SELECT id FROM trades LIMIT 5")
    assert first["id"].tolist() == trades["id"].tolist()[:5]


def test_join_on_one_key(market: FakeKinetica) -> None:
    got = arrowtap.read_kinetica_sql(
        market.url,
        "SELECT t.id, t.sym, s.sector, t.qty * s.lot AS shares FROM trades t"
        " JOIN symbols s ON t.sym = s.sym WHERE s.sector = 'tech' ORDER BY t.id",
    )
    joined = _table(market, "trades").merge(_table(market, "symbols"), on="sym")
    joined = joined[joined["sector"] == "tech"].sort_values("id")
    joined["shares"] = joined["qty"] * joined["lot"]
    assert set(joined["sym"]) == {"AA", "CC"}
    _assert_same(got, joined[["id", "sym", "sector", "shares"]])


def test_group_by_over_a_join(market: FakeKinetica) -> None:
    got = arrowtap.read_kinetica_sql(
        market.url,
        "SELECT s.sector, COUNT(*) AS n, SUM(t.qty) AS q, AVG(t.px) AS a FROM trades t"
        " JOIN symbols s ON t.sym = s.sym GROUP BY s.sector ORDER BY s.sector",
    )
    joined = _table(market, "trades").merge(_table(market, "symbols"), on="sym")
    expected = (
        joined.groupby("sector").agg(n=("id", "size"), q=("qty", "sum"), a=("px", "mean"))
    ).reset_index()
    _assert_same(got, expected)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT sym AS s, COUNT(*) AS n FROM trades GROUP BY s ORDER BY s",
        "SELECT sym, COUNT(*) AS n FROM trades GROUP BY 1 ORDER BY 1",
        "SELECT LOWER(sym) AS s, COUNT(*) AS n FROM trades GROUP BY LOWER(sym) ORDER BY 1",
        "SELECT trades.sym, COUNT(qty) AS n FROM trades GROUP BY sym ORDER BY trades.sym",
    ],
)
def test_grouped_by_alias_position_or_expression(market: FakeKinetica, statement: str) -> None:
    got = arrowtap.read_kinetica_sql(market.url, statement)
    counts = _table(market, "trades").groupby("sym").size()
    assert got.iloc[:, 0].str.upper().tolist() == counts.index.tolist()
    assert got["n"].tolist() == counts.tolist()


def test_an_aggregate_as_a_window_function_groups_nothing(market: FakeKinetica) -> None:
    got = arrowtap.read_kinetica_sql(
        market.url, "SELECT id, SUM(qty) OVER (PARTITION BY sym) AS q FROM trades ORDER BY id"
    )
    trades = _table(market, "trades")
    assert got["q"].tolist() == trades.groupby("sym")["qty"].transform("sum").tolist()


def test_result_types_follow_kinetica(market: FakeKinetica, call: Any) -> None:
    statement = (
        "SELECT sym, COUNT(*) AS n, SUM(qty) AS q, SUM(px) AS p, AVG(qty) AS a,"
        " MIN(side) AS lo, MAX(ts) AS last, MAX(qty) - MIN(qty) AS spread FROM trades GROUP BY sym"
    )
    status, reply = call("/execute/sql", {"statement": statement, "limit": -9999})
    assert (status, reply.status) == (200, "OK"), reply.message
    frame = arrowtap.read_kinetica_sql(market.url, statement)
    dtypes = {name: str(dtype) for name, dtype in frame.dtypes.items()}
    assert dtypes | {"sym": "-"} == {
        "sym": "-",
        "n": "Int64",
        "q": "Int64",
        "p": "double[pyarrow]",
        "a": "double[pyarrow]",
        "lo": "Int8",
        "last": "datetime64[ms, UTC]",
        "spread": "Int64",
    }
    schema = json.loads(reply.data["response_schema_str"])
    nullable = [isinstance(f["type"]["items"], list) for f in schema["fields"][:-2]]
    assert nullable == [False, False, True, True, True, True, True, False]
    datatypes = ["char8", "long", "long", "double", "double", "int8", "timestamp", "long"]
    record = fastavro.schemaless_reader(
        io.BytesIO(reply.data["binary_encoded_response"]), fastavro.parse_schema(schema), None
    )
    assert isinstance(record, dict)
    assert record["column_datatypes"] == datatypes


def test_a_derived_table_keeps_aggregate_types_when_empty(market: FakeKinetica) -> None:
    empty = arrowtap.read_kinetica_sql(
        market.url,
        "SELECT * FROM (SELECT sym, COUNT(*) AS n, MAX(ts) AS last FROM trades GROUP BY sym)"
        " AS g WHERE n < 0",
    )
    assert empty.empty
    assert [str(t) for t in empty.dtypes.iloc[1:]] == ["Int64", "datetime64[ms, UTC]"]


def test_a_dask_read_of_a_grouped_query(market: FakeKinetica) -> None:
    statement = "SELECT side, COUNT(*) AS n, SUM(qty) AS q FROM trades GROUP BY side"
    ddf = arrowtap.dask.read_kinetica_sql(
        market.url, statement, partition_column="side", npartitions=2
    )
    got = ddf.compute().reset_index()  # rows of a null side are in no partition
    trades = _table(market, "trades")
    expected = (
        trades[trades["side"].notna()]
        .groupby("side")
        .agg(n=("id", "size"), q=("qty", "sum"))
        .reset_index()
    )
    expected["side"] = expected["side"].astype(int)
    _assert_same(got.sort_values("side"), expected)


def test_nan_and_null_survive_a_query(fake: FakeKinetica) -> None:
    fake.create_table("m", [("id", "long"), ("x", "double", "nullable")])
    fake.insert("m", [{"id": 0, "x": math.nan}, {"id": 1, "x": None}, {"id": 2, "x": 1.5}])
    got = arrowtap.read_kinetica_sql(fake.url, "SELECT x, id FROM m")
    values = got["x"].to_numpy(dtype=float, na_value=-1.0)
    assert (math.isnan(values[0]), values[1], values[2]) == (True, -1.0, 1.5)


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("SELECT sym, qty FROM trades GROUP BY sym", "'qty' is neither grouped"),
        ("SELECT sym, COUNT(*) FROM trades", "'sym' is neither grouped"),
        ("SELECT * FROM trades GROUP BY sym", r"'\*' selects columns"),
        ('SELECT "nope" FROM trades', "no such column"),  # not SQLite's string literal
        ("SELECT sym FROM trades WHERE", "syntax error|incomplete input"),
        ("SELECT * FROM nowhere", "Table 'nowhere' does not exist"),
        ("UPDATE trades SET qty = 1", "unsupported SQL statement"),
        ("SELECT 1; SELECT 2", "SQL error"),
    ],
)
def test_bad_statements_are_the_servers_errors(
    market: FakeKinetica, statement: str, message: str
) -> None:
    with pytest.raises(BadRequestError, match=message):
        arrowtap.read_kinetica_sql(market.url, statement)


def test_the_official_client_reads_the_same_grouped_answer(market: FakeKinetica) -> None:
    gpudb = pytest.importorskip("gpudb")
    db = gpudb.GPUdb(host=market.url)
    columns: dict[str, list[Any]] = {}
    offset = 0
    while True:  # small pages: each call runs the statement again, in the same order
        resp = db.execute_sql_and_decode(GROUPED, offset=offset, limit=2)
        assert resp.is_ok(), resp["status_info"]["message"]
        for name, values in resp["records"].items():
            columns.setdefault(name, []).extend(values)
        offset += len(resp["records"]["sym"])
        if not resp["has_more_records"]:
            break
    assert resp["total_number_of_records"] == len(SYMS)
    theirs = pd.DataFrame(columns)
    _assert_same(theirs, arrowtap.read_kinetica_sql(market.url, GROUPED))
    _assert_same(theirs.sort_values("sym"), _grouped(_table(market, "trades")))
