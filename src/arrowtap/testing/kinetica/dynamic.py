"""Dynamic-schema results (``/execute/sql``, ``/get/records/bycolumn``), column-major.

A result is one Avro record whose fields ``column_1 .. column_N`` are arrays of the
column values (items ``T`` or ``[T, "null"]``), followed by ``column_headers`` (the
names) and ``column_datatypes`` (Kinetica type names such as ``int8``, ``char16``,
``timestamp``), ``kinetica.md`` §2.1. The response carries the schema as JSON text and
the record as Avro binary or JSON.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import fastavro

from arrowtap.connectors.kinetica.wire.types import KineticaColumn

__all__ = ["ResultColumn", "encode_result"]


@dataclass(frozen=True)
class ResultColumn:
    """One column of a result: its header, Avro base type, nullability and Kinetica type."""

    header: str
    base: str
    nullable: bool
    datatype: str

    @classmethod
    def of(cls, column: KineticaColumn, header: str | None = None) -> ResultColumn:
        """The result column of a table column (optionally renamed)."""
        return cls(header or column.name, column.base, column.nullable, column.type_name)


def _schema(columns: Sequence[ResultColumn]) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {
            "name": f"column_{i}",
            "type": {"type": "array", "items": [c.base, "null"] if c.nullable else c.base},
        }
        for i, c in enumerate(columns, 1)
    ]
    for extra in ("column_headers", "column_datatypes"):
        fields.append({"name": extra, "type": {"type": "array", "items": "string"}})
    return {"type": "record", "name": "generic_response", "fields": fields}


def encode_result(
    columns: Sequence[ResultColumn], values: Sequence[Sequence[Any]], encoding: str
) -> tuple[str, bytes, str]:
    """Encode a result: (schema JSON, Avro binary or ``b""``, JSON text or ``""``).

    Parameters
    ----------
    columns : sequence of ResultColumn
    values : sequence of sequences
        The values of each column (column-major).
    encoding : str
        ``"binary"`` or ``"json"``.

    Examples
    --------
    >>> cols = [ResultColumn("x", "long", False, "long"),
    ...         ResultColumn("s", "string", True, "char4")]
    >>> schema, binary, text = encode_result(cols, [[1, 2], ["a", None]], "json")
    >>> json.loads(text)["column_2"], json.loads(text)["column_datatypes"]
    (['a', None], ['long', 'char4'])
    >>> binary
    b''
    """
    doc = _schema(columns)
    record: dict[str, Any] = {f"column_{i}": list(v) for i, v in enumerate(values, 1)}
    record["column_headers"] = [c.header for c in columns]
    record["column_datatypes"] = [c.datatype for c in columns]
    schema = json.dumps(doc)
    if encoding == "json":
        for i, c in enumerate(columns, 1):
            if c.base == "bytes":
                record[f"column_{i}"] = [
                    v if v is None else v.decode("latin-1") for v in record[f"column_{i}"]
                ]
        return schema, b"", json.dumps(record)
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(doc), record)
    return schema, out.getvalue(), ""
