"""The Avro records of the Kinetica REST endpoints arrowtap speaks, parsed once.

Every Kinetica call is ``POST <base url><endpoint>`` whose body is one Avro record (the
endpoint's *request*) and whose reply is a ``gpudb_response`` envelope carrying the
endpoint's *response* record (protocol notes, ``kinetica.md`` §1-2, §4.1). Avro binary is
positional, so the field order below is exactly the official client's (7.2.3.x); the test
suite compares every record with the schema strings the ``gpudb`` package ships.

Fields are written in a compact notation: ``name:type`` with ``type`` one of ``string``,
``long``, ``int``, ``boolean``, ``double``, ``bytes``, ``map<T>``, ``array<T>``, or
``T?`` for the union ``[T, "null"]``. Each field gets an Avro default (empty string,
zero, false, empty map or array, null), so a request or response dict may leave out the
fields it does not need (``options`` and ``info`` most often).

Encoding and decoding (binary and JSON) are in :mod:`~arrowtap.connectors.kinetica.wire.envelope`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import fastavro

from arrowtap.errors import InvalidArgumentError

__all__ = ["ENDPOINTS", "GPUDB_RESPONSE", "Endpoint", "avro_type", "endpoint"]

_OPTIONS = "options:map<string>"
_INFO = "info:map<string>"

# (endpoint, record base name, request fields, response fields); options/info appended.
_SPECS: tuple[tuple[str, str, str, str], ...] = (
    ("/show/system/status", "show_system_status", "", "status_map:map<string>"),
    ("/show/system/properties", "show_system_properties", "", "property_map:map<string>"),
    ("/has/table", "has_table", "table_name:string", "table_name:string table_exists:boolean"),
    (
        "/show/table",
        "show_table",
        "table_name:string",
        "table_name:string table_names:array<string> table_descriptions:array<array<string>>"
        " type_ids:array<string> type_schemas:array<string> type_labels:array<string>"
        " properties:array<map<array<string>>> additional_info:array<map<string>>"
        " sizes:array<long> full_sizes:array<long> join_sizes:array<double>"
        " total_size:long total_full_size:long",
    ),
    (
        "/show/types",
        "show_types",
        "type_id:string label:string",
        "type_ids:array<string> type_schemas:array<string> labels:array<string>"
        " properties:array<map<array<string>>>",
    ),
    (
        "/create/type",
        "create_type",
        "type_definition:string label:string properties:map<array<string>>",
        "type_id:string type_definition:string label:string properties:map<array<string>>",
    ),
    (
        "/create/table",
        "create_table",
        "table_name:string type_id:string",
        "table_name:string type_id:string is_collection:boolean",
    ),
    (
        "/alter/table",
        "alter_table",
        "table_name:string action:string value:string",
        "table_name:string action:string value:string type_id:string type_definition:string"
        " properties:map<array<string>> label:string",
    ),
    ("/clear/table", "clear_table", "table_name:string authorization:string", "table_name:string"),
    (
        "/get/records",
        "get_records",
        "table_name:string offset:long limit:long encoding:string",
        "table_name:string type_name:string type_schema:string records_binary:array<bytes>"
        " records_json:array<string> total_number_of_records:long has_more_records:boolean",
    ),
    (
        "/get/records/bycolumn",
        "get_records_by_column",
        "table_name:string column_names:array<string> offset:long limit:long encoding:string",
        "table_name:string response_schema_str:string binary_encoded_response:bytes"
        " json_encoded_response:string total_number_of_records:long has_more_records:boolean",
    ),
    (
        "/insert/records",
        "insert_records",
        "table_name:string list:array<bytes> list_str:array<string> list_encoding:string",
        "record_ids:array<string> count_inserted:int count_updated:int",
    ),
    (
        "/execute/sql",
        "execute_sql",
        "statement:string offset:long limit:long encoding:string request_schema_str:string"
        " data:array<bytes>",
        "count_affected:long response_schema_str:string binary_encoded_response:bytes"
        " json_encoded_response:string total_number_of_records:long has_more_records:boolean"
        " paging_table:string",
    ),
    (
        "/delete/records",
        "delete_records",
        "table_name:string expressions:array<string>",
        "count_deleted:long counts_deleted:array<long>",
    ),
    (
        "/update/records",
        "update_records",
        "table_name:string expressions:array<string> new_values_maps:array<map<string?>>"
        " records_to_insert:array<bytes> records_to_insert_str:array<string>"
        " record_encoding:string",
        "count_updated:long counts_updated:array<long> count_inserted:long"
        " counts_inserted:array<long>",
    ),
    (
        "/create/tablemonitor",
        "create_table_monitor",
        "table_name:string",
        "topic_id:string table_name:string type_schema:string",
    ),
    ("/clear/tablemonitor", "clear_table_monitor", "topic_id:string", "topic_id:string"),
    (
        "/alter/tablemonitor",
        "alter_table_monitor",
        "topic_id:string monitor_updates_map:map<string>",
        "topic_id:string",
    ),
    (
        "/show/tablemonitors",
        "show_table_monitors",
        "monitor_ids:array<string>",
        "monitor_ids:array<string> table_names:array<string> events:array<string>"
        " increasing_columns:array<string> filter_expressions:array<string>"
        " join_table_names:array<string> join_column_names:array<string>"
        " join_expressions:array<string> refresh_method:array<string>"
        " refresh_period:array<string> refresh_start_time:array<string>"
        " datasink_names:array<string> max_consecutive_failures:array<int>"
        " failed_notifications_table_names:array<string> statuses:array<string>"
        " additional_info:array<map<string>>",
    ),
    ("/admin/show/shards", "admin_show_shards", "", "version:long rank:array<int> tom:array<int>"),
)

_DEFAULTS: dict[str, Any] = {
    "string": "",
    "bytes": "",
    "long": 0,
    "int": 0,
    "double": 0.0,
    "boolean": False,
}


def avro_type(notation: str) -> Any:
    """The Avro type of a field type in the compact notation of this module.

    Examples
    --------
    >>> avro_type("array<map<string?>>")
    {'type': 'array', 'items': {'type': 'map', 'values': ['string', 'null']}}
    """
    if notation.endswith("?"):
        return [avro_type(notation[:-1]), "null"]
    for kind, key in (("map", "values"), ("array", "items")):
        if notation.startswith(kind + "<") and notation.endswith(">"):
            return {"type": kind, key: avro_type(notation[len(kind) + 1 : -1])}
    if notation in _DEFAULTS:
        return notation
    raise InvalidArgumentError(f"Kinetica endpoint schema: unknown field type {notation!r}")


def _record(name: str, fields: str, last: str) -> dict[str, Any]:
    out = []
    for item in [*fields.split(), last]:
        field_name, _, notation = item.partition(":")
        avro = avro_type(notation)
        if isinstance(avro, list):
            default: Any = None
        elif isinstance(avro, dict):
            default = {} if avro["type"] == "map" else []
        else:
            default = _DEFAULTS[avro]
        out.append({"name": field_name, "type": avro, "default": default})
    return {"type": "record", "name": name, "fields": out}


@dataclass(frozen=True)
class Endpoint:
    """One Kinetica endpoint: its path and its request and response records.

    Attributes
    ----------
    path : str
        The endpoint path, e.g. ``/get/records``.
    request, response : dict
        The Avro record schemas (JSON form, with defaults), e.g. record
        ``get_records_request`` / ``get_records_response``.
    parsed_request, parsed_response : dict
        The same, parsed by :func:`fastavro.parse_schema`.

    Examples
    --------
    >>> ep = endpoint("/has/table")
    >>> ep.response_name, ep.response_fields
    ('has_table_response', ('table_name', 'table_exists', 'info'))
    """

    path: str
    request: dict[str, Any]
    response: dict[str, Any]
    parsed_request: Any
    parsed_response: Any

    @property
    def request_name(self) -> str:
        """The request record name (e.g. ``has_table_request``)."""
        return str(self.request["name"])

    @property
    def response_name(self) -> str:
        """The response record name, sent as ``data_type`` in the envelope."""
        return str(self.response["name"])

    @property
    def request_fields(self) -> tuple[str, ...]:
        """The request field names, in wire order."""
        return tuple(f["name"] for f in self.request["fields"])

    @property
    def response_fields(self) -> tuple[str, ...]:
        """The response field names, in wire order."""
        return tuple(f["name"] for f in self.response["fields"])


def _build(path: str, base: str, request: str, response: str) -> Endpoint:
    req = _record(f"{base}_request", request, _OPTIONS)
    rsp = _record(f"{base}_response", response, _INFO)
    return Endpoint(path, req, rsp, fastavro.parse_schema(req), fastavro.parse_schema(rsp))


ENDPOINTS: dict[str, Endpoint] = {spec[0]: _build(*spec) for spec in _SPECS}
"""Every endpoint this module knows, by path."""

_ENVELOPE = {
    "type": "record",
    "name": "gpudb_response",
    "fields": [
        {"name": "status", "type": "string"},
        {"name": "message", "type": "string"},
        {"name": "data_type", "type": "string"},
        {"name": "data", "type": "bytes"},
        {"name": "data_str", "type": "string"},
    ],
}
GPUDB_RESPONSE: Any = fastavro.parse_schema(_ENVELOPE)
"""The parsed ``gpudb_response`` envelope every reply is wrapped in."""


def endpoint(path: str) -> Endpoint:
    """The :class:`Endpoint` at `path`.

    Raises
    ------
    InvalidArgumentError
        If arrowtap does not know the endpoint.

    Examples
    --------
    >>> endpoint("/get/records").request_fields
    ('table_name', 'offset', 'limit', 'encoding', 'options')
    >>> try:
    ...     endpoint("/no/such")
    ... except InvalidArgumentError as exc:
    ...     print(exc)
    Kinetica endpoint '/no/such' is not known to arrowtap
    """
    try:
        return ENDPOINTS[path]
    except KeyError:
        raise InvalidArgumentError(f"Kinetica endpoint {path!r} is not known to arrowtap") from None
