"""The fake Kinetica's SQL subset and expression language."""

from __future__ import annotations

import io
import json
from typing import Any

import fastavro
import pytest

from arrowtap.testing.kinetica import FakeKinetica
from arrowtap.testing.kinetica.expr import ExpressionError, compile_expression
from arrowtap.testing.kinetica.sql import Delete, Select, parse_sql


def _result(data: dict[str, Any]) -> dict[str, list[Any]]:
    schema = fastavro.parse_schema(json.loads(data["response_schema_str"]))
    record = fastavro.schemaless_reader(io.BytesIO(data["binary_encoded_response"]), schema, None)
    assert isinstance(record, dict)
    return {h: record[f"column_{i}"] for i, h in enumerate(record["column_headers"], 1)}


def _sql(
    call, statement: str, offset: int = 0, limit: int = -9999, **options: str
) -> dict[str, Any]:
    status, reply = call(
        "/execute/sql",
        {"statement": statement, "offset": offset, "limit": limit, "options": options},
    )
    assert (status, reply.status) == (200, "OK"), reply.message
    return reply.data


def test_select_star_with_where_order_limit(call, people: FakeKinetica) -> None:
    data = _sql(call, "SELECT * FROM people WHERE score >= 2 ORDER BY age DESC, id LIMIT 4;")
    rows = [r for r in people.rows("people") if r["score"] >= 2]
    rows.sort(key=lambda r: r["id"])
    rows.sort(key=lambda r: (r["age"] is not None, r["age"]), reverse=True)
    result = _result(data)
    assert list(result) == ["id", "name", "age", "score"]
    assert result["id"] == [r["id"] for r in rows[:4]]
    assert data["total_number_of_records"] == 4
    assert data["info"]["count"] == "4"


def test_select_pages_with_offset_and_limit(call, people: FakeKinetica) -> None:
    ids: list[int] = []
    offset = 0
    while True:
        data = _sql(
            call,
            'SELECT "id", name AS who FROM people ORDER BY id DESC',
            offset,
            10,
            paging_table="pt_1",
        )
        assert data["paging_table"] == "pt_1"
        assert data["total_number_of_records"] == 25
        result = _result(data)
        assert list(result) == ["id", "who"]
        ids.extend(result["id"])
        offset += len(result["id"])
        if not data["has_more_records"]:
            break
    assert ids == list(range(24, -1, -1))


def test_select_json_encoding_and_types(call, people: FakeKinetica) -> None:
    _status, reply = call(
        "/execute/sql",
        {"statement": "select age from people where id < 2", "limit": -9999, "encoding": "json"},
    )
    record = json.loads(reply.data["json_encoded_response"])
    assert record["column_1"] == [None, 21]
    assert record["column_datatypes"] == ["int8"]


def test_count_and_delete(call, people: FakeKinetica) -> None:
    assert _result(_sql(call, "SELECT COUNT(*) FROM people WHERE age IS NULL"))["COUNT(*)"] == [5]
    data = _sql(call, "DELETE FROM people WHERE age IS NULL OR id > 20")
    assert data["count_affected"] == 9
    assert len(people.rows("people")) == 16


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE people SET age = 1",
        "SELECT * FROM people GROUP BY age",
        "SELECT id, COUNT(*) FROM people",
        "SELECT nope FROM people",
        "SELECT * FROM nobody",
        "SELECT * FROM people WHERE (",
        "SELECT * FROM people LIMIT x",
    ],
)
def test_unsupported_or_wrong_statements_are_errors(
    call, people: FakeKinetica, statement: str
) -> None:
    status, reply = call("/execute/sql", {"statement": statement, "limit": 10})
    assert (status, reply.status) == (400, "ERROR")
    assert reply.message


def test_parse_sql_shapes() -> None:
    assert parse_sql("delete from s.t where x = 1") == Delete("s.t", "x = 1")
    select = parse_sql("SELECT COUNT(*) AS n, t.x y, SUM(DISTINCT z) FROM t GROUP BY x LIMIT 3")
    assert isinstance(select, Select)
    assert [(i.alias, i.aggregate) for i in select.items] == [
        ("n", "count"),
        ("y", None),
        (None, "sum"),
    ]
    assert select.items[0].argument is None
    assert select.text[slice(*select.items[2].argument)] == "z"


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("x = 1 or y = 'b'", {"x": 0, "y": "b"}, True),
        ("not (x > 1) && y != 'a'", {"x": 1, "y": "b"}, True),
        ("x between 1 and 3", {"x": 3, "y": ""}, True),
        ("x not between 1 and 3", {"x": None, "y": ""}, False),
        ("y like 'a%c'", {"x": 0, "y": "abbc"}, True),
        ("y not like 'a_c'", {"x": 0, "y": "abc"}, False),
        ("x not in (1, 2)", {"x": 3, "y": ""}, True),
        ("x is not null and -x < 0", {"x": 2, "y": ""}, True),
        ("x % 2 = 1", {"x": 7, "y": ""}, True),
        ("upper(y) == 'AB' and length(y) = 2 and abs(x) = 4", {"x": -4, "y": "ab"}, True),
        ('y = "q"', {"x": 0, "y": "q"}, True),
        ("x > 1", {"x": None, "y": ""}, False),
        ("x = true", {"x": 1, "y": ""}, True),
        ("t.x = 5 and X = 5", {"x": 5, "y": ""}, True),
    ],
)
def test_expressions(text: str, row: dict[str, Any], expected: bool) -> None:
    assert bool(compile_expression(text, ["x", "y"])(row)) is expected


@pytest.mark.parametrize(
    "text", ["x >", "x = 'open", "f(x)", "x in 1", "zz = 1", "x = 1 1", "x not 3"]
)
def test_bad_expressions(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(text, ["x"])


def test_a_subquery_in_from_is_filtered_ordered_and_cut(call, people: FakeKinetica) -> None:
    inner = "SELECT id, age AS years FROM people WHERE id < 20 ORDER BY id DESC"
    data = _sql(call, f"SELECT * FROM ({inner}) AS q WHERE years IS NOT NULL ORDER BY years, id")
    expected = [r for r in people.rows("people") if r["id"] < 20 and r["age"] is not None]
    expected.sort(key=lambda r: (r["age"], r["id"]))
    result = _result(data)
    assert list(result) == ["id", "years"]
    assert result["id"] == [r["id"] for r in expected]
    schema = json.loads(data["response_schema_str"])
    assert schema["fields"][1]["type"]["items"] == ["int", "null"]  # nullability kept
    count = _result(_sql(call, f"SELECT COUNT(*) FROM ({inner}) q WHERE id >= 15"))
    assert count == {"COUNT(*)": [5]}
    nested = _sql(call, f"SELECT id FROM (SELECT * FROM ({inner}) a LIMIT 3) b")
    assert _result(nested)["id"] == [19, 18, 17]


def test_a_paging_table_keeps_the_result_until_cleared(call, people: FakeKinetica) -> None:
    first = _result(_sql(call, "SELECT id FROM people", 0, 10, paging_table="pt_2"))
    people.insert("people", [{"id": 99, "name": "x", "age": 1, "score": 0.0}])
    rest = _sql(call, "SELECT id FROM people", 10, 100, paging_table="pt_2")
    assert first["id"] + _result(rest)["id"] == list(range(25))  # not 99: the kept result
    assert rest["total_number_of_records"] == 25
    assert set(people.store.results) == {"pt_2"}
    status, reply = call(
        "/clear/table",
        {"table_name": "pt_2", "authorization": "", "options": {"no_error_if_not_exists": "true"}},
    )
    assert (status, reply.status) == (200, "OK")
    assert people.store.results == {}
    again = _sql(call, "SELECT id FROM people", 0, 100, paging_table="pt_2")
    assert again["total_number_of_records"] == 26


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM (DELETE FROM people) q",
        "SELECT * FROM (SELECT id FROM people) AS",
        "SELECT * FROM people p q",
        "SELECT * FROM (SELECT id FROM people",
    ],
)
def test_unsupported_from_clauses_are_refused(call, people: FakeKinetica, statement: str) -> None:
    _, reply = call(
        "/execute/sql", {"statement": statement, "offset": 0, "limit": 10, "options": {}}
    )
    assert reply.status == "ERROR"
    assert "SQL error" in reply.message
