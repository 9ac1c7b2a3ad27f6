"""Pages of Kinetica records: the requests that ask for them, the replies that carry them.

``/get/records`` returns a page of rows as an ``array<bytes>`` of records of the table's
type; ``/execute/sql`` returns a *dynamic-schema* record, one Avro array per column
plus ``column_headers`` and ``column_datatypes`` (``kinetica.md`` §2.1). Both are read
in place from the response body: the records by the compiled codec
(:mod:`~arrowtap.connectors.kinetica.wire.codec`), the few fields around them by a
:class:`~arrowtap.connectors.kinetica.wire.cursor.Cursor`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.connectors.kinetica.wire.codec import decode_arrays, decode_rows
from arrowtap.connectors.kinetica.wire.cursor import Cursor
from arrowtap.connectors.kinetica.wire.envelope import encode_request
from arrowtap.connectors.kinetica.wire.properties import type_bases, type_property_spec
from arrowtap.connectors.kinetica.wire.types import (
    BASE_TYPES,
    KineticaColumn,
    KineticaType,
    parse_type,
)
from arrowtap.connectors.kinetica.wire.values import wire_to_arrow
from arrowtap.errors import DecodeError, InvalidArgumentError

__all__ = [
    "END_OF_SET",
    "RecordsPage",
    "SqlPage",
    "dynamic_type",
    "get_records_request",
    "read_records_page",
    "read_sql_page",
    "sql_request",
]

END_OF_SET = -9999
"""The ``limit`` that asks for as many rows as the server gives in one page."""


def get_records_request(
    table: str, offset: int, limit: int, options: Mapping[str, str] | None = None
) -> bytes:
    r"""The body of a ``/get/records`` request for binary records.

    Examples
    --------
    >>> get_records_request("t", 0, 10)
    b'\x02t\x00\x14\x0cbinary\x00'
    """
    request = {
        "table_name": table,
        "offset": offset,
        "limit": limit,
        "encoding": "binary",
        "options": dict(options or {}),
    }
    return encode_request("/get/records", request)


@dataclass(frozen=True)
class RecordsPage:
    """One page of ``/get/records``: the rows (wire types) and the paging counters."""

    wire: pa.RecordBatch
    total: int
    has_more: bool
    type_schema: str


def read_records_page(data: memoryview, ktype: KineticaType, table: str) -> RecordsPage:
    r"""Decode the ``get_records_response`` record in `data` into a page of wire values.

    Raises
    ------
    DecodeError
        A body that is not such a record, or records not of `ktype`.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.cursor import avro_string
    >>> from arrowtap.connectors.kinetica.wire.types import parse_type
    >>> schema = '{"type":"record","name":"type_name","fields":[{"name":"i","type":"int"}]}'
    >>> data = (avro_string("t") + avro_string("1") + avro_string(schema)
    ...         + b"\x02\x02\x06\x00" + b"\x00" + b"\x02" + b"\x00" + b"\x00")
    >>> page = read_records_page(memoryview(data), parse_type(schema), "t")
    >>> page.wire.to_pylist(), page.total, page.has_more
    ([{'i': 3}], 1, False)
    """
    what = f"/get/records (table {table!r})"
    cursor = Cursor(data, what=f"reply from {what}")
    cursor.read_string()  # table_name
    cursor.read_string()  # type_name: the type id
    type_schema = cursor.read_string()
    _check_layout(type_schema, tuple((c.name, c.base, c.nullable) for c in ktype.columns), what)
    wire, cursor.pos = decode_rows(data, cursor.pos, ktype, what=what)
    cursor.skip_strings()  # records_json
    total = cursor.read_long()
    has_more = cursor.read_bool()
    cursor.read_string_map()  # info
    return RecordsPage(wire, total, has_more, type_schema)


@functools.lru_cache(maxsize=64)
def _check_layout(type_schema: str, expected: tuple[tuple[str, str, bool], ...], what: str) -> None:
    """Raise unless the page's records have the columns of the type the schema was read from."""
    try:
        found = tuple((c.name, c.base, c.nullable) for c in parse_type(type_schema).columns)
    except InvalidArgumentError as exc:
        raise DecodeError(f"{SYSTEM} {what}: unusable type_schema: {exc}") from exc
    if found != expected:
        raise DecodeError(
            f"{SYSTEM} {what}: the table's type changed since it was described: "
            f"{[f[0] for f in found]} (was {[e[0] for e in expected]})"
        )


def sql_request(
    statement: str, offset: int, limit: int, options: Mapping[str, str] | None = None
) -> bytes:
    r"""The body of an ``/execute/sql`` request for a binary result.

    Examples
    --------
    >>> sql_request("SELECT 1", 0, 5)[:10]
    b'\x10SELECT 1\x00'
    """
    request = {
        "statement": statement,
        "offset": offset,
        "limit": limit,
        "encoding": "binary",
        "request_schema_str": "",
        "data": [],
        "options": dict(options or {}),
    }
    return encode_request("/execute/sql", request)


@dataclass(frozen=True)
class SqlPage:
    """One page of ``/execute/sql``: the result, its type, and the paging state."""

    batch: pa.RecordBatch
    ktype: KineticaType | None
    total: int
    has_more: bool
    count_affected: int
    paging_table: str
    info: dict[str, str] = field(default_factory=dict)


def _item(name: str, avro: Any) -> tuple[str, bool]:
    """(base, nullable) of the items of a dynamic-schema column array."""
    items = avro.get("items") if isinstance(avro, dict) and avro.get("type") == "array" else None
    if isinstance(items, str) and items in BASE_TYPES:
        return items, False
    if (
        isinstance(items, list)
        and len(items) == 2
        and items[1] == "null"
        and items[0] in BASE_TYPES
    ):
        return items[0], True
    raise DecodeError(f"{SYSTEM} result column {name!r}: unusable Avro type {avro!r}")


def _parse_schema(text: str) -> list[tuple[str, bool]]:
    """The (base, nullable) of each result column of a dynamic schema string."""
    try:
        doc = json.loads(text)
        fields = doc["fields"]
    except (ValueError, TypeError, KeyError) as exc:
        raise DecodeError(f"{SYSTEM} result schema is not an Avro record: {text[:200]!r}") from exc
    names = [f.get("name") if isinstance(f, dict) else None for f in fields]
    if names[-2:] != ["column_headers", "column_datatypes"]:
        raise DecodeError(f"{SYSTEM} result schema lacks column_headers/column_datatypes: {names}")
    return [_item(str(f["name"]), f["type"]) for f in fields[:-2]]


def dynamic_type(
    columns: list[tuple[str, bool]], headers: list[str], datatypes: list[str]
) -> KineticaType:
    """The record type of a dynamic-schema result: names, base types and Kinetica types.

    A data type that refines the column's base type (``timestamp`` on a long, ``char16``
    on a string, ``decimal(10,2)``, ...) becomes its type property; others are dropped.
    Duplicate headers get ``_2``, ``_3``... as the official client names them.

    Examples
    --------
    >>> t = dynamic_type([("long", False), ("string", True)], ["ts", "ts"], ["timestamp", "char4"])
    >>> [(c.name, c.type_name, c.nullable) for c in t.columns]
    [('ts', 'timestamp', False), ('ts_2', 'char4', True)]
    """
    if len(headers) != len(columns) or len(datatypes) != len(columns):
        raise DecodeError(
            f"{SYSTEM} result: {len(columns)} columns, {len(headers)} headers, "
            f"{len(datatypes)} data types"
        )
    out, seen = [], set()
    for (base, nullable), header, datatype in zip(columns, headers, datatypes, strict=True):
        name, n = header or "column", 1
        while name in seen:
            n += 1
            name = f"{header}_{n}"
        seen.add(name)
        props = ["nullable"] if nullable else []
        prop = datatype.strip().lower()
        try:
            if type_property_spec(name, prop) is not None and base in type_bases(prop):
                props.insert(0, prop)
            out.append(KineticaColumn(name, base, tuple(props)))
        except InvalidArgumentError:
            out.append(KineticaColumn(name, base, ("nullable",) if nullable else ()))
    return KineticaType(tuple(out))


def read_sql_page(data: memoryview, what: str) -> SqlPage:
    """Decode the ``execute_sql_response`` record in `data`: the result as Arrow columns.

    Raises
    ------
    DecodeError
        A body that is not such a record, or a result that does not decode.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.client import envelope_data
    >>> from arrowtap.connectors.kinetica.wire.envelope import encode_response
    >>> from arrowtap.testing.kinetica.dynamic import ResultColumn, encode_result
    >>> schema, binary, _ = encode_result(
    ...     [ResultColumn("ts", "long", False, "timestamp")], [[0, 1000]], "binary")
    >>> _, _, data = envelope_data(encode_response("/execute/sql", {
    ...     "response_schema_str": schema, "binary_encoded_response": binary,
    ...     "total_number_of_records": 2}), "demo")
    >>> page = read_sql_page(data, "demo")
    >>> page.batch.schema.field("ts").type, page.batch.num_rows, page.total
    (TimestampType(timestamp[ms, tz=UTC]), 2, 2)
    """
    cursor = Cursor(data, what=f"reply from {what}")
    count_affected = cursor.read_long()
    schema_text = cursor.read_string()
    inner = cursor.read_view()
    cursor.read_string()  # json_encoded_response
    total, has_more = cursor.read_long(), cursor.read_bool()
    paging_table = cursor.read_string()
    info = cursor.read_string_map()
    if not schema_text:
        return SqlPage(
            pa.record_batch({}), None, total, has_more, count_affected, paging_table, info
        )
    columns = _parse_schema(schema_text)
    layout = [(f"column_{i}", base, nullable) for i, (base, nullable) in enumerate(columns, 1)]
    wire, end = decode_arrays(inner, 0, layout, what=what)
    tail = Cursor(inner, end, what=f"result of {what}")
    ktype = dynamic_type(columns, tail.read_strings(), tail.read_strings())
    renamed = wire.rename_columns(list(ktype.names))
    batch = wire_to_arrow(renamed, ktype)
    return SqlPage(batch, ktype, total, has_more, count_affected, paging_table, info)
