"""The fake Kinetica's records: paging, filters, columns, inserts, upserts, updates, deletes."""

from __future__ import annotations

import io
import json
from typing import Any

import fastavro
import pytest

from arrowtap.testing.kinetica import FakeKinetica

PEOPLE = {
    "type": "record",
    "name": "type_name",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "age", "type": ["int", "null"]},
        {"name": "score", "type": "double"},
    ],
}


def _row(**values: Any) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(PEOPLE), values)
    return out.getvalue()


def _decode(rows: list[bytes]) -> list[dict[str, Any]]:
    schema = fastavro.parse_schema(PEOPLE)
    return [fastavro.schemaless_reader(io.BytesIO(r), schema, None) for r in rows]


def _get(call, **req: Any) -> dict[str, Any]:
    status, reply = call("/get/records", {"table_name": "people", **req})
    assert (status, reply.status) == (200, "OK"), reply.message
    return reply.data


def test_get_records_pages_through_every_row(call, people: FakeKinetica) -> None:
    seen: list[dict[str, Any]] = []
    offset = 0
    while True:
        data = _get(call, offset=offset, limit=7)
        assert data["total_number_of_records"] == 25
        assert data["type_name"] == people.table("people").type_id
        seen.extend(_decode(data["records_binary"]))
        offset += len(data["records_binary"])
        if not data["has_more_records"]:
            break
    assert seen == people.rows("people")
    assert offset == 25


def test_limit_end_of_set_is_capped_by_max_page() -> None:
    with FakeKinetica(max_get_records_size=10) as fake:
        fake.create_table("t", [("i", "int")])
        fake.insert("t", [{"i": i} for i in range(25)])
        import httpx

        from arrowtap.connectors.kinetica.wire.envelope import decode_response, encode_request

        for limit, expected in ((-9999, 10), (100, 10), (3, 3), (0, 0)):
            body = encode_request("/get/records", {"table_name": "t", "offset": 20, "limit": limit})
            reply = decode_response(
                "/get/records", httpx.post(fake.url + "/get/records", content=body).content
            )
            assert len(reply.data["records_binary"]) == min(expected, 5)
            assert reply.data["has_more_records"] is (min(expected, 5) < 5)


def test_offset_past_the_end_and_bad_paging(call, people: FakeKinetica) -> None:
    data = _get(call, offset=100, limit=10)
    assert (data["records_binary"], data["has_more_records"], data["total_number_of_records"]) == (
        [],
        False,
        25,
    )
    status, reply = call("/get/records", {"table_name": "people", "offset": -1, "limit": 10})
    assert (status, reply.message) == (400, "Invalid offset -1: must be >= 0")
    status, reply = call("/get/records", {"table_name": "people", "offset": 0, "limit": -5})
    assert reply.status == "ERROR"
    assert "-9999" in reply.message
    status, reply = call("/get/records", {"table_name": "nobody", "limit": 5})
    assert (status, reply.message) == (400, "Table 'nobody' does not exist")


def test_expression_and_sort(call, people: FakeKinetica) -> None:
    opts = {
        "expression": "age >= 24 and name <> 'p10'",
        "sort_by": "score",
        "sort_order": "descending",
    }
    data = _get(call, limit=100, options=opts)
    rows = _decode(data["records_binary"])
    expected = sorted(
        (
            r
            for r in people.rows("people")
            if r["age"] is not None and r["age"] >= 24 and r["name"] != "p10"
        ),
        key=lambda r: -r["score"],
    )
    assert rows == expected
    assert data["total_number_of_records"] == len(expected) > 3
    page = _get(call, offset=1, limit=2, options=opts)
    assert _decode(page["records_binary"]) == expected[1:3]
    nulls = _get(call, limit=100, options={"expression": "is_null(age)"})
    assert [r["id"] for r in _decode(nulls["records_binary"])] == [0, 5, 10, 15, 20]
    status, reply = call(
        "/get/records", {"table_name": "people", "limit": 5, "options": {"expression": "nope > 1"}}
    )
    assert status == 400
    assert "unknown column 'nope'" in reply.message


def test_json_encoded_records(call, people: FakeKinetica) -> None:
    data = _get(call, limit=2, encoding="json")
    assert data["records_binary"] == []
    assert [json.loads(r) for r in data["records_json"]] == people.rows("people")[:2]


def test_get_records_by_column(call, people: FakeKinetica) -> None:
    status, reply = call(
        "/get/records/bycolumn",
        {
            "table_name": "people",
            "column_names": ["name", "age"],
            "offset": 2,
            "limit": 3,
            "options": {"order_by": "id desc"},
        },
    )
    data = reply.data
    schema = json.loads(data["response_schema_str"])
    assert [f["name"] for f in schema["fields"]] == [
        "column_1",
        "column_2",
        "column_headers",
        "column_datatypes",
    ]
    assert schema["fields"][1]["type"]["items"] == ["int", "null"]
    record = fastavro.schemaless_reader(
        io.BytesIO(data["binary_encoded_response"]), fastavro.parse_schema(schema), None
    )
    assert record["column_headers"] == ["name", "age"]
    assert record["column_datatypes"] == ["char16", "int8"]
    assert record["column_1"] == ["p22", "p21", "p20"]
    assert record["column_2"] == [21, 20, None]
    assert (data["total_number_of_records"], data["has_more_records"]) == (25, True)
    status, reply = call(
        "/get/records/bycolumn", {"table_name": "people", "column_names": ["zzz"], "limit": 3}
    )
    assert status == 400
    assert "zzz" in reply.message


def _insert(call, rows: list[bytes], **options: str) -> tuple[int, Any]:
    return call(
        "/insert/records",
        {"table_name": "people", "list": rows, "list_encoding": "binary", "options": options},
    )


def test_insert_binary_rows(call, people: FakeKinetica) -> None:
    status, reply = _insert(
        call,
        [_row(id=100, name="a", age=None, score=1.0), _row(id=101, name="b", age=3, score=2.0)],
        return_record_ids="true",
    )
    assert (status, reply.data["count_inserted"], reply.data["count_updated"]) == (200, 2, 0)
    assert len(reply.data["record_ids"]) == 2
    assert people.rows("people")[-2:] == [
        {"id": 100, "name": "a", "age": None, "score": 1.0},
        {"id": 101, "name": "b", "age": 3, "score": 2.0},
    ]


def test_insert_json_rows(call, people: FakeKinetica) -> None:
    rows = [json.dumps({"id": 200, "name": "j", "age": None, "score": 0.5})]
    status, reply = call(
        "/insert/records", {"table_name": "people", "list_str": rows, "list_encoding": "json"}
    )
    assert (status, reply.data["count_inserted"]) == (200, 1)
    assert people.rows("people")[-1]["name"] == "j"


@pytest.mark.parametrize(
    ("values", "column"),
    [({"age": 300}, "age"), ({"name": "x" * 17}, "name"), ({"name": "é" * 9}, "name")],
)
def test_values_are_checked_against_the_column_type(
    call, people: FakeKinetica, values: dict[str, Any], column: str
) -> None:
    row = {"id": 300, "name": "ok", "age": 1, "score": 0.0, **values}
    status, reply = _insert(call, [_row(**row)])
    assert (status, reply.status) == (400, "ERROR")
    assert f"column '{column}'" in reply.message
    assert "record 0" in reply.message
    assert len(people.rows("people")) == 25


def test_malformed_binary_row_is_refused(call, people: FakeKinetica) -> None:
    status, reply = _insert(call, [_row(id=1000, name="a", age=1, score=0.0) + b"\x00"])
    assert status == 400
    assert "past its last column" in reply.message
    status, reply = _insert(call, [b"\x02"])
    assert status == 400
    assert "does not decode" in reply.message


def test_duplicate_primary_keys(call, people: FakeKinetica) -> None:
    dup = _row(id=3, name="dup", age=1, score=9.0)
    status, reply = _insert(call, [dup])
    assert status == 400
    assert "Duplicate primary key" in reply.message
    status, reply = _insert(
        call, [dup, _row(id=500, name="new", age=1, score=1.0)], ignore_existing_pk="true"
    )
    assert (reply.data["count_inserted"], reply.data["count_updated"]) == (1, 0)
    status, reply = _insert(call, [dup], update_on_existing_pk="true")
    assert (reply.data["count_inserted"], reply.data["count_updated"]) == (0, 1)
    rows = people.rows("people")
    assert rows[3]["name"] == "dup"
    assert len(rows) == 26
    twice = [_row(id=600, name="a", age=1, score=1.0), _row(id=600, name="b", age=1, score=1.0)]
    status, reply = _insert(call, twice)
    assert status == 400
    assert "record 1" in reply.message


def test_individual_errors_insert_the_good_rows(call, people: FakeKinetica) -> None:
    rows = [
        _row(id=700, name="ok", age=1, score=1.0),
        _row(id=701, name="bad", age=1000, score=1.0),
        _row(id=1, name="dup", age=1, score=1.0),
    ]
    status, reply = _insert(call, rows, return_individual_errors="true")
    assert (status, reply.status, reply.data["count_inserted"]) == (200, "OK", 1)
    info = reply.data["info"]
    assert info["bad_record_indices"] == "1,2"
    assert "column 'age'" in info["error_1"]
    assert "Duplicate" in info["error_2"]
    assert people.rows("people")[-1]["id"] == 700


def test_dry_run_inserts_nothing(call, people: FakeKinetica) -> None:
    _status, reply = _insert(call, [_row(id=800, name="a", age=1, score=1.0)], dry_run="true")
    assert reply.data["count_inserted"] == 1
    assert len(people.rows("people")) == 25


def test_delete_records_counts_per_expression(call, people: FakeKinetica) -> None:
    status, reply = call(
        "/delete/records", {"table_name": "people", "expressions": ["id < 3", "id in (10, 11, 99)"]}
    )
    assert (reply.data["count_deleted"], reply.data["counts_deleted"]) == (5, [3, 2])
    assert {r["id"] for r in people.rows("people")}.isdisjoint({0, 1, 2, 10, 11})
    status, reply = call("/delete/records", {"table_name": "people", "expressions": []})
    assert status == 400
    status, reply = call(
        "/delete/records", {"table_name": "people", "options": {"delete_all_records": "true"}}
    )
    assert reply.data["count_deleted"] == 20
    assert people.rows("people") == []


def test_update_records_constants_and_expressions(call, people: FakeKinetica) -> None:
    status, reply = call(
        "/update/records",
        {
            "table_name": "people",
            "expressions": ["id between 1 and 3"],
            "new_values_maps": [{"name": "upd", "age": None}],
        },
    )
    assert (status, reply.data["count_updated"], reply.data["counts_updated"]) == (200, 3, [3])
    assert [r["name"] for r in people.rows("people")[:5]] == ["p00", "upd", "upd", "upd", "p04"]
    assert people.rows("people")[1]["age"] is None
    status, reply = call(
        "/update/records",
        {
            "table_name": "people",
            "expressions": ["id = 4"],
            "new_values_maps": [{"score": "score * 10"}],
            "options": {"use_expressions_in_new_values_maps": "true"},
        },
    )
    assert people.rows("people")[4]["score"] == 10.0


def test_update_checks_values_and_keys_and_inserts_unmatched(call, people: FakeKinetica) -> None:
    status, reply = call(
        "/update/records",
        {"table_name": "people", "expressions": ["id = 1"], "new_values_maps": [{"age": "200"}]},
    )
    assert status == 400
    assert "column 'age'" in reply.message
    status, reply = call(
        "/update/records",
        {"table_name": "people", "expressions": ["id = 1"], "new_values_maps": [{"id": "2"}]},
    )
    assert status == 400
    assert "primary key" in reply.message
    status, reply = call(
        "/update/records",
        {
            "table_name": "people",
            "expressions": ["id = 999"],
            "new_values_maps": [{"name": "x"}],
            "records_to_insert": [_row(id=999, name="ins", age=None, score=0.0)],
            "record_encoding": "binary",
        },
    )
    assert (reply.data["count_updated"], reply.data["count_inserted"]) == (0, 1)
    assert people.rows("people")[-1]["name"] == "ins"


@pytest.mark.parametrize(
    ("base", "prop", "good", "bad"),
    [
        ("int", "boolean", [0, 1], [2, -1]),
        ("int", "int16", [-32768, 32767], [32768]),
        ("long", "timestamp", [-30610224000000, 29379542399999], [29379542400000]),
        ("string", "date", ["2024-02-29", "1000-01-01"], ["2023-02-29", "999-01-01", "2024-1-1"]),
        ("string", "time", ["23:59:59.999", "00:00:00"], ["24:00:00", "1:2:3"]),
        ("string", "datetime", ["2024-02-29 12:00:00.5", "2024-02-29"], ["2024-02-29T12:00:00"]),
        (
            "string",
            "decimal(5,2)",
            ["999.99", "-0.01", "0E-10", "1E+2"],
            ["1000", "0.001", "x", "NaN"],
        ),
        ("string", "ulong", ["0", "18446744073709551615"], ["18446744073709551616", "-1"]),
        ("string", "uuid", ["0123abcd-0000-4000-8000-00000000000f"], ["0123abcd-0000-4000-8000"]),
        ("string", "ipv4", ["10.0.0.255"], ["10.0.0.256", "10.0.0"]),
        ("string", "json", ['{"a": [1]}'], ["{a: 1}"]),
        ("bytes", "vector(2)", [bytes(8)], [bytes(4)]),
        ("string", "array(string)", ['["a", "b"]', "[A,B,]", "[]"], ["A,B", "[1]", '{"a": 1}']),
        ("string", "array(int)", ["[1, -2]", "[]"], ["[1.5]", "[2147483648]", "[a]", "[true]"]),
        ("string", "array(ulong)", ["[18446744073709551615]"], ["[-1]"]),
        ("string", "array(double)", ["[1, 2.5]"], ["[NaN]", '["1"]']),
        ("string", "array(boolean)", ["[true, false]"], ["[1]", "[True]"]),
    ],
)
def test_column_value_checks(base: str, prop: str, good: list[Any], bad: list[Any]) -> None:
    from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
    from arrowtap.testing.kinetica.validate import row_checker

    check = row_checker(KineticaType((KineticaColumn("c", base, (prop,)),)))
    assert [check({"c": v}) for v in good] == [None] * len(good)
    for value in bad:
        problem = check({"c": value})
        assert problem is not None
        assert "column 'c'" in problem


def test_filtered_pages_see_rows_changed_between_calls(call, people: FakeKinetica) -> None:
    opts = {"expression": "score >= 5", "sort_by": "id"}
    first = _get(call, limit=100, options=opts)
    assert first["total_number_of_records"] == 5
    people.insert("people", [{"id": 99, "name": "late", "age": None, "score": 7.0}])
    call("/delete/records", {"table_name": "people", "expressions": ["id = 20"]})
    again = _get(call, limit=100, options=opts)
    assert [r["id"] for r in _decode(again["records_binary"])] == [21, 22, 23, 24, 99]


def test_array_values_are_kept_in_their_documented_form(call, fake: FakeKinetica) -> None:
    columns = [("id", "long", "primary_key"), ("s", "string", "array(string)", "nullable")]
    fake.create_table("arrays", [*columns, ("i", "string", "array(int)")])
    texts = ["[ABC,DEF,]", '["x, y", "é"]', "[]"]  # gpudb's unquoted form, JSON, empty
    rows = [json.dumps({"id": n, "s": text, "i": "[1, 2]"}) for n, text in enumerate(texts)]
    rows.append(json.dumps({"id": 9, "s": None, "i": "[]"}))
    request = {"table_name": "arrays", "list_str": rows, "list_encoding": "json"}
    assert call("/insert/records", request)[0] == 200
    stored = [(r["s"], r["i"]) for r in fake.rows("arrays")]
    assert stored == [
        ('["ABC","DEF",""]', "[1,2]"),
        ('["x, y","é"]', "[1,2]"),
        ("[]", "[1,2]"),
        (None, "[]"),
    ]
    update = {"table_name": "arrays", "expressions": ["id = 9"], "new_values_maps": [{"s": "[Z]"}]}
    assert call("/update/records", update)[0] == 200
    assert fake.rows("arrays")[-1]["s"] == '["Z"]'
    bad = [json.dumps({"id": 10, "s": "[]", "i": "[1, x]"})]
    status, reply = call("/insert/records", request | {"list_str": bad})
    assert status == 400
    assert "column 'i' (array(int))" in reply.message
