"""Read endpoints of the fake Kinetica: ``/get/records`` and ``/get/records/bycolumn``.

``/get/records`` answers with the table's type id as ``type_name`` (the official client
looks it up with ``/show/types``) and its schema as ``type_schema``. In binary encoding
a page is served straight from the stored framed rows: the response record is written
by :func:`encode_get_records` around one join of bytes, no row decoded or copied one by
one. ``/get/records/bycolumn`` answers a dynamic-schema record (:mod:`.dynamic`).
Options: ``expression``, ``sort_by`` + ``sort_order``, and (by column) ``order_by``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arrowtap.testing.kinetica.dynamic import ResultColumn, encode_result
from arrowtap.testing.kinetica.query import json_record, page, select, sort_spec
from arrowtap.testing.kinetica.reads import RecordsRequest
from arrowtap.testing.kinetica.rowcodec import array_of_framed, unframe, write_long
from arrowtap.testing.kinetica.store import KineticaFault

if TYPE_CHECKING:
    from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["ROUTES", "FramedRows", "encode_get_records", "plain_response"]

Request = dict[str, Any]
Response = dict[str, Any]


class FramedRows(list[bytes]):
    """A page of framed rows (``records_binary`` before encoding)."""


def _string(text: str) -> bytes:
    data = text.encode()
    return write_long(len(data)) + data


def _map(values: dict[str, str]) -> bytes:
    if not values:
        return b"\x00"
    items = b"".join(_string(k) + _string(v) for k, v in values.items())
    return write_long(len(values)) + items + b"\x00"


def encode_get_records(resp: Response) -> bytes:
    r"""The Avro binary of a ``get_records_response`` whose rows are :class:`FramedRows`.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.endpoints import endpoint
    >>> import fastavro, io
    >>> resp = {"table_name": "t", "type_name": "1", "type_schema": "{}",
    ...         "records_binary": FramedRows([b"\x02a"]), "records_json": [],
    ...         "total_number_of_records": 1, "has_more_records": False, "info": {}}
    >>> data = io.BytesIO(encode_get_records(resp))
    >>> schema = endpoint("/get/records").parsed_response
    >>> fastavro.schemaless_reader(data, schema, None)["records_binary"]
    [b'a']
    """
    return b"".join(
        (
            _string(resp["table_name"]),
            _string(resp["type_name"]),
            _string(resp["type_schema"]),
            array_of_framed(resp["records_binary"]),
            array_of_framed([_string(r) for r in resp["records_json"]]),
            write_long(resp["total_number_of_records"]),
            b"\x01" if resp["has_more_records"] else b"\x00",
            _map(resp.get("info", {})),
        )
    )


def plain_response(resp: Response) -> Response:
    """`resp` with :class:`FramedRows` turned into plain rows (for JSON bodies)."""
    if isinstance(resp.get("records_binary"), FramedRows):
        return {**resp, "records_binary": [unframe(f) for f in resp["records_binary"]]}
    return resp


def get_records(fake: FakeKinetica, req: Request) -> Response:
    """A page of a table's rows (filtered and sorted on request)."""
    table = fake.store.table(req["table_name"])
    encoding = req["encoding"].lower() or "binary"
    if encoding not in ("binary", "json"):
        raise KineticaFault(f"Unsupported encoding '{req['encoding']}' for /get/records")
    positions = select(
        table, req["options"].get("expression", ""), sort_spec(table, req["options"])
    )
    total = len(table) if positions is None else len(positions)
    start, stop = page(req["offset"], req["limit"], total, fake.max_get_records_size)
    chosen = range(start, stop) if positions is None else positions[start:stop]
    resp: Response = {
        "table_name": req["table_name"],
        "type_name": table.type_id,
        "type_schema": table.definition,
        "records_binary": FramedRows(),
        "records_json": [],
        "total_number_of_records": total,
        "has_more_records": stop < total,
        "info": {},
    }
    if encoding == "json":
        values = table.values()
        resp["records_json"] = [json_record(values[i]) for i in chosen]
    elif positions is None:
        resp["records_binary"] = FramedRows(table.framed[start:stop])
    else:
        resp["records_binary"] = FramedRows(table.framed[i] for i in chosen)
    expression = req["options"].get("expression", "")
    asked = (req["table_name"], expression, req["offset"], req["limit"])
    fake.read_answered(RecordsRequest(*asked, len(chosen), resp["has_more_records"]))
    return resp


def get_records_by_column(fake: FakeKinetica, req: Request) -> Response:
    """A page of some columns, column-major."""
    table = fake.store.table(req["table_name"])
    encoding = req["encoding"].lower() or "binary"
    if encoding not in ("binary", "json"):
        raise KineticaFault(f"Unsupported encoding '{req['encoding']}' for /get/records/bycolumn")
    names: list[str] = []
    for name in req["column_names"]:
        names.extend(table.ktype.names if name.strip() == "*" else [name.strip()])
    unknown = [n for n in names if n not in table.ktype.names]
    if unknown or not names:
        raise KineticaFault(f"Unknown column(s) {unknown} in table '{table.name}'")
    positions = select(
        table, req["options"].get("expression", ""), sort_spec(table, req["options"])
    )
    total = len(table) if positions is None else len(positions)
    start, stop = page(req["offset"], req["limit"], total, fake.max_get_records_size)
    values = table.values()
    rows = values[start:stop] if positions is None else [values[i] for i in positions[start:stop]]
    columns = [ResultColumn.of(table.ktype.column(n)) for n in names]
    schema, binary, text = encode_result(columns, [[r[n] for r in rows] for n in names], encoding)
    return {
        "table_name": req["table_name"],
        "response_schema_str": schema,
        "binary_encoded_response": binary,
        "json_encoded_response": text,
        "total_number_of_records": total,
        "has_more_records": stop < total,
    }


ROUTES = {"/get/records": get_records, "/get/records/bycolumn": get_records_by_column}
