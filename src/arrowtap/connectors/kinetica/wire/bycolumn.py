"""Some columns of a table, paged: ``/get/records/bycolumn`` (``kinetica.md`` §2.1).

A read with ``columns=`` asks the server for those columns only, so the others are
neither encoded nor sent. The answer is a *dynamic-schema* record, column-major (one
Avro array per column, then ``column_headers`` and ``column_datatypes``); it is read
in place and checked against the table's type: the columns asked, in the order
asked, with the base types the table was described with. The page it gives has the
wire types of a ``/get/records`` page of those columns, so the rest of a read
(offsets, conversion to the declared Arrow types) is the same for both.
"""

from __future__ import annotations

from collections.abc import Mapping

from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.connectors.kinetica.wire.codec import decode_arrays
from arrowtap.connectors.kinetica.wire.cursor import Cursor
from arrowtap.connectors.kinetica.wire.envelope import encode_request
from arrowtap.connectors.kinetica.wire.pages import RecordsPage, _parse_schema
from arrowtap.connectors.kinetica.wire.types import KineticaType
from arrowtap.errors import DecodeError

__all__ = ["by_column_request", "read_by_column_page"]


def by_column_request(
    table: str,
    columns: KineticaType,
    offset: int,
    limit: int,
    options: Mapping[str, str] | None = None,
) -> bytes:
    r"""The body of a ``/get/records/bycolumn`` request for a binary answer.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn
    >>> by_column_request("t", KineticaType((KineticaColumn("x", "int"),)), 0, 10)
    b'\x02t\x02\x02x\x00\x00\x14\x0cbinary\x00'
    """
    request = {
        "table_name": table,
        "column_names": list(columns.names),
        "offset": offset,
        "limit": limit,
        "encoding": "binary",
        "options": dict(options or {}),
    }
    return encode_request("/get/records/bycolumn", request)


def read_by_column_page(data: memoryview, columns: KineticaType, table: str) -> RecordsPage:
    """Decode the ``get_records_by_column_response`` in `data`: a page of `columns`.

    Raises
    ------
    DecodeError
        A body that is not such a record, or not the columns asked with the
        table's base types (the table changed since it was described).

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.client import envelope_data
    >>> from arrowtap.connectors.kinetica.wire.envelope import encode_response
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn
    >>> from arrowtap.testing.kinetica.dynamic import ResultColumn, encode_result
    >>> schema, binary, _ = encode_result([ResultColumn("x", "int", True, "int")],
    ...                                   [[3, None]], "binary")
    >>> _, _, data = envelope_data(encode_response("/get/records/bycolumn", {
    ...     "table_name": "t", "response_schema_str": schema, "binary_encoded_response": binary,
    ...     "json_encoded_response": "", "total_number_of_records": 2,
    ...     "has_more_records": False}), "demo")
    >>> asked = KineticaType((KineticaColumn("x", "int", ("nullable",)),))
    >>> page = read_by_column_page(data, asked, "t")
    >>> page.wire.to_pylist(), page.total, page.has_more
    ([{'x': 3}, {'x': None}], 2, False)
    """
    what = f"/get/records/bycolumn (table {table!r})"
    cursor = Cursor(data, what=f"reply from {what}")
    cursor.read_string()  # table_name
    schema_text = cursor.read_string()
    inner = cursor.read_view()
    cursor.read_string()  # json_encoded_response
    total, has_more = cursor.read_long(), cursor.read_bool()
    layout = _parse_schema(schema_text)
    bases = [base for base, _ in layout]
    if bases != [c.base for c in columns.columns]:
        raise DecodeError(
            f"{SYSTEM} {what}: the columns' types changed since the table was described: "
            f"{bases} (was {[c.base for c in columns.columns]})"
        )
    # Each array as the server declares it (a column it sends as nullable may hold a null).
    names = list(columns.names)
    arrays = [(name, base, nullable) for name, (base, nullable) in zip(names, layout, strict=True)]
    wire, end = decode_arrays(inner, 0, arrays, what=what)
    headers = Cursor(inner, end, what=f"result of {what}").read_strings()
    if headers != names:
        raise DecodeError(f"{SYSTEM} {what}: asked for columns {names}, got {headers}")
    return RecordsPage(wire, total, has_more, schema_text)
