"""The fake Kinetica's types and tables: create, show, has, alter, clear."""

from __future__ import annotations

import json

from arrowtap.connectors.kinetica.wire.types import parse_type
from arrowtap.testing.kinetica import FakeKinetica

DEFINITION = json.dumps(
    {
        "type": "record",
        "name": "type_name",
        "fields": [
            {"name": "ts", "type": "long"},
            {"name": "s", "type": ["string", "null"]},
            {"name": "i", "type": "int"},
        ],
    }
)
PROPS = {"ts": ["timestamp", "primary_key"], "s": ["char16", "nullable"], "i": ["int8"]}


def _create(call, name: str = "t") -> str:
    status, reply = call(
        "/create/type", {"type_definition": DEFINITION, "label": "lbl", "properties": PROPS}
    )
    assert (status, reply.status) == (200, "OK"), reply.message
    type_id = reply.data["type_id"]
    status, reply = call("/create/table", {"table_name": name, "type_id": type_id})
    assert (status, reply.status) == (200, "OK"), reply.message
    qualified = name if "." in name else f"ki_home.{name}"
    assert reply.data["info"]["qualified_table_name"] == qualified
    return str(type_id)


def test_identical_types_share_an_id_and_show_types_finds_it(call) -> None:
    req = {"type_definition": DEFINITION, "label": "", "properties": PROPS}
    first = call("/create/type", req)[1].data
    second = call("/create/type", req)[1].data
    other = call("/create/type", {**req, "properties": {"s": ["nullable"]}})[1].data
    assert first["type_id"] == second["type_id"] != ""
    assert other["type_id"] not in ("", first["type_id"])
    shown = call("/show/types", {"type_id": first["type_id"]})[1].data
    assert shown["type_ids"] == [first["type_id"]]
    assert (
        parse_type(shown["type_schemas"][0], shown["properties"][0]).column("i").type_name == "int8"
    )


def test_invalid_type_definitions_are_errors(call) -> None:
    bad = DEFINITION.replace('["string", "null"]', '["null", "string"]')
    status, reply = call("/create/type", {"type_definition": bad, "properties": {}})
    assert (status, reply.status) == (400, "ERROR")
    assert "null second" in reply.message
    status, reply = call(
        "/create/type", {"type_definition": DEFINITION, "properties": {"i": ["char4"]}}
    )
    assert "char4" in reply.message


def test_create_show_and_has_table(call) -> None:
    type_id = _create(call)
    assert call("/has/table", {"table_name": "t"})[1].data["table_exists"] is True
    assert call("/has/table", {"table_name": "ki_home.t"})[1].data["table_exists"] is True
    assert call("/has/table", {"table_name": "u"})[1].data["table_exists"] is False
    shown = call("/show/table", {"table_name": "t"})[1].data
    assert shown["table_names"] == ["t"]
    assert shown["type_ids"] == [type_id]
    assert shown["type_labels"] == ["lbl"]
    assert shown["properties"][0]["ts"] == ["data", "timestamp", "primary_key"]
    assert shown["additional_info"][0]["schema_name"] == "ki_home"
    assert shown["sizes"] == [0]
    assert shown["total_size"] == 0
    ktype = parse_type(shown["type_schemas"][0], shown["properties"][0])
    assert ktype.primary_key == ("ts",)


def test_create_table_twice_and_unknown_type(call) -> None:
    type_id = _create(call)
    status, reply = call("/create/table", {"table_name": "t", "type_id": type_id})
    assert (status, reply.message) == (400, "Table 't' already exists")
    ok = call(
        "/create/table",
        {"table_name": "t", "type_id": type_id, "options": {"no_error_if_exists": "true"}},
    )
    assert ok[1].status == "OK"
    status, reply = call("/create/table", {"table_name": "u", "type_id": "42"})
    assert reply.message == "Type '42' does not exist"


def test_show_table_all_schema_and_missing(call, people: FakeKinetica) -> None:
    _create(call, "other.t2")
    everything = call("/show/table", {"table_name": ""})[1].data
    assert sorted(everything["table_names"]) == ["other.t2", "people"]
    assert dict(zip(everything["table_names"], everything["sizes"], strict=True))["people"] == 25
    assert call("/show/table", {"table_name": "other"})[1].data["table_names"] == ["other.t2"]
    status, reply = call("/show/table", {"table_name": "gone"})
    assert (status, reply.status, reply.message) == (400, "ERROR", "Table 'gone' does not exist")
    quiet = call(
        "/show/table", {"table_name": "gone", "options": {"no_error_if_not_exists": "true"}}
    )
    assert quiet[1].data["table_names"] == []


def test_clear_table_drops_it(call, people: FakeKinetica) -> None:
    assert call("/clear/table", {"table_name": "people"})[1].status == "OK"
    assert call("/has/table", {"table_name": "people"})[1].data["table_exists"] is False
    status, reply = call("/clear/table", {"table_name": "people"})
    assert (status, reply.message) == (400, "Table 'people' does not exist")
    quiet = call(
        "/clear/table", {"table_name": "people", "options": {"no_error_if_not_exists": "true"}}
    )
    assert quiet[1].status == "OK"


def test_alter_table_add_and_delete_column_keep_rows(call, people: FakeKinetica) -> None:
    before = people.rows("people")
    status, reply = call(
        "/alter/table",
        {
            "table_name": "people",
            "action": "add_column",
            "value": "city",
            "options": {"column_type": "char8", "column_properties": "nullable"},
        },
    )
    assert (status, reply.status) == (200, "OK"), reply.message
    ktype = parse_type(reply.data["type_definition"], reply.data["properties"])
    assert ktype.column("city").type_name == "char8"
    assert ktype.column("city").nullable
    rows = people.rows("people")
    assert rows == [{**r, "city": None} for r in before]
    got = call("/get/records", {"table_name": "people", "limit": 1})[1].data
    assert got["type_name"] == reply.data["type_id"] == people.table("people").type_id
    call(
        "/alter/table",
        {
            "table_name": "people",
            "action": "add_column",
            "value": "n",
            "options": {"column_type": "int", "column_default_value": "7"},
        },
    )
    assert {r["n"] for r in people.rows("people")} == {7}
    call("/alter/table", {"table_name": "people", "action": "delete_column", "value": "score"})
    assert "score" not in people.rows("people")[0]
    status, reply = call(
        "/alter/table", {"table_name": "people", "action": "add_column", "value": "id"}
    )
    assert reply.message == "Column 'id' already exists in table 'people'"


def test_alter_table_rename(call, people: FakeKinetica) -> None:
    call("/alter/table", {"table_name": "people", "action": "rename_table", "value": "folk"})
    assert call("/has/table", {"table_name": "people"})[1].data["table_exists"] is False
    assert len(people.rows("folk")) == 25
