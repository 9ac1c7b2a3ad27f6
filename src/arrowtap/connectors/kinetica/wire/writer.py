"""Writing Arrow data into a Kinetica table: create it from the schema, insert in batches.

The whole input is converted to the table's wire values first
(:func:`~arrowtap.connectors.kinetica.wire.values.arrow_to_wire`), which checks every
value the server would refuse (an int8 out of range, a string longer than ``charN``,
...): a bad value is an :class:`~arrowtap.errors.InvalidArgumentError` naming column,
row and value, and nothing is sent. Then each batch of rows is encoded in one call
(:func:`~arrowtap.connectors.kinetica.wire.codec.encode_rows`) and spliced into an
``/insert/records`` request.

The server is asked for per-record errors (``return_individual_errors``); any it
reports, and any row it does not account for, raise
:class:`~arrowtap.errors.KineticaInsertError` naming the rows and the reasons, so no
row is dropped silently. Appends are not
repeated after an ambiguous failure (the rows may be in); upserts are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from arrowtap.connectors.kinetica.wire import tables
from arrowtap.connectors.kinetica.wire.client import SYSTEM, KineticaClient
from arrowtap.connectors.kinetica.wire.codec import encode_rows
from arrowtap.connectors.kinetica.wire.cursor import Cursor, avro_string
from arrowtap.connectors.kinetica.wire.envelope import encode_request
from arrowtap.connectors.kinetica.wire.schema import from_arrow_schema
from arrowtap.connectors.kinetica.wire.types import KineticaType
from arrowtap.connectors.kinetica.wire.values import arrow_to_wire
from arrowtap.errors import InvalidArgumentError, KineticaInsertError, NotFoundError

__all__ = [
    "MODES",
    "TableSpec",
    "WriteSummary",
    "check_mode",
    "table_type",
    "to_wire",
    "write",
]

MODES = ("append", "upsert")
"""``append``: rows with an existing primary key are errors; ``upsert``: they replace it."""


@dataclass
class WriteSummary:
    """What a write did.

    Attributes
    ----------
    table : str
        The table written.
    rows : int
        Rows sent.
    inserted, updated : int
        Rows the server inserted, and replaced (upserts).
    requests : int
        ``/insert/records`` calls made.
    created : bool
        Whether the table was created.
    """

    table: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    requests: int = 0
    created: bool = False

    def add(self, other: WriteSummary) -> WriteSummary:
        """The sum of this summary and `other` (e.g. of another Dask partition)."""
        return WriteSummary(
            self.table,
            self.rows + other.rows,
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.requests + other.requests,
            self.created or other.created,
        )


def _type_schema(schema: pa.Schema) -> pa.Schema:
    """`schema` with timestamps and times finer than ms typed in ms.

    pandas holds nanoseconds; the values are still checked to be whole milliseconds.
    """
    fields = []
    for f in schema:
        t = f.type
        if pa.types.is_timestamp(t) and t.unit in ("us", "ns"):
            f = f.with_type(pa.timestamp("ms", t.tz))
        elif pa.types.is_time(t) and t.unit in ("us", "ns"):
            f = f.with_type(pa.time32("ms"))
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


@dataclass(frozen=True)
class TableSpec:
    """How to create a table that does not exist (``create=True``)."""

    primary_key: Sequence[str] = ()
    shard_key: Sequence[str] = ()
    properties: Mapping[str, Sequence[str]] | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    coerce: bool = False


def table_type(
    client: KineticaClient, table: str, schema: pa.Schema, *, create: bool, spec: TableSpec
) -> tuple[KineticaType, bool]:
    """The table's type, and whether the table exists.

    An existing table's type is the server's; a missing one's follows from `schema`
    and `spec` (nothing is created yet, so the data can be checked first).

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> schema = pa.schema([("id", pa.int64()), ("t", pa.timestamp("ns", tz="UTC"))])
    >>> with FakeKinetica() as fake, KineticaClient(fake.url) as client:
    ...     ktype, exists = table_type(client, "t", schema, create=True, spec=TableSpec(["id"]))
    >>> [c.type_name for c in ktype.columns], ktype.primary_key, exists
    (['long', 'timestamp'], ('id',), False)
    """
    if tables.exists(client, table):
        return tables.describe(client, table).ktype, True
    if not create:
        raise NotFoundError(
            f"{SYSTEM}: table {table!r} does not exist (pass create=True to create it)",
            status=200,
            url=client.url,
        )
    ktype = from_arrow_schema(
        _type_schema(schema),
        primary_key=spec.primary_key,
        shard_key=spec.shard_key,
        properties=spec.properties,
        coerce=spec.coerce,
    )
    return ktype, False


def to_wire(data: pa.Table, ktype: KineticaType, *, coerce: bool = False) -> pa.RecordBatch:
    """The whole of `data` as wire values of `ktype`, every value checked.

    Columns are matched by name; a nullable column missing from `data` is all nulls.

    Raises
    ------
    InvalidArgumentError
        A column the table lacks, a missing non-nullable column, or a bad value (the
        message names column, row and value).

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn
    >>> ktype = KineticaType((KineticaColumn("a", "int", ("int8",)),
    ...                       KineticaColumn("b", "string", ("nullable",))))
    >>> to_wire(pa.table({"a": [1, 2]}), ktype).to_pylist()
    [{'a': 1, 'b': None}, {'a': 2, 'b': None}]
    """
    unknown = [n for n in data.column_names if n not in ktype.names]
    missing = [c.name for c in ktype.columns if c.name not in data.column_names]
    required = [n for n in missing if not ktype.column(n).nullable]
    if unknown or required:
        raise InvalidArgumentError(
            f"{SYSTEM}: the data does not fit the table: columns the table lacks {unknown}, "
            f"non-nullable columns missing {required}"
        )
    for name in missing:
        data = data.append_column(name, pa.nulls(data.num_rows))
    data = data.select(list(ktype.names)).combine_chunks()
    batches = data.to_batches()
    if not batches:
        batches = [pa.RecordBatch.from_pylist([], schema=data.schema)]
    if len(batches) > 1:
        batches = [pa.Table.from_batches(batches).combine_chunks().to_batches()[0]]
    return arrow_to_wire(batches[0], ktype, coerce=coerce)


def _insert_body(table: str, rows: bytes, options: Mapping[str, str]) -> bytes:
    """An ``/insert/records`` request whose ``list`` is `rows` (an encoded array)."""
    empty = encode_request(
        "/insert/records",
        {"table_name": table, "list_encoding": "binary", "options": dict(options)},
    )
    head = avro_string(table)
    assert empty[len(head)] == 0  # the empty list, replaced by the rows
    return head + rows + empty[len(head) + 1 :]


def _insert_reply(data: memoryview) -> tuple[int, int, dict[str, str]]:
    cursor = Cursor(data, what="reply from /insert/records")
    cursor.skip_strings()  # record_ids
    inserted, updated = cursor.read_long(), cursor.read_long()
    return inserted, updated, cursor.read_string_map()


def check_mode(mode: str, batch_size: int) -> None:
    """Raise :class:`InvalidArgumentError` for an unknown mode or a bad batch size.

    Examples
    --------
    >>> check_mode("upsert", 100)
    >>> try:
    ...     check_mode("merge", 100)
    ... except InvalidArgumentError as exc:
    ...     print(exc)
    Kinetica: mode must be one of ('append', 'upsert'), not 'merge'
    """
    if mode not in MODES:
        raise InvalidArgumentError(f"{SYSTEM}: mode must be one of {MODES}, not {mode!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidArgumentError(
            f"{SYSTEM}: batch_size must be a positive int, not {batch_size!r}"
        )


def write(
    client: KineticaClient,
    table: str,
    wire: pa.RecordBatch,
    ktype: KineticaType,
    *,
    mode: str = "append",
    batch_size: int = 10_000,
    summary: WriteSummary | None = None,
) -> WriteSummary:
    """Insert checked wire rows (:func:`to_wire`) into `table`, `batch_size` rows a call.

    Raises
    ------
    KineticaInsertError
        Rows the server refused or did not account for (the batches before are in).

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake, KineticaClient(fake.url) as client:
    ...     ktype = fake.create_table("t", [("k", "long", "primary_key")]).ktype
    ...     done = write(client, "t", to_wire(pa.table({"k": [1, 2, 3]}), ktype), ktype,
    ...                  batch_size=2)
    ...     try:
    ...         write(client, "t", to_wire(pa.table({"k": [4, 2]}), ktype), ktype)
    ...     except KineticaInsertError as exc:
    ...         print(exc.errors, exc.rows_written)
    {1: "Duplicate primary key value (2,) for table 't'"} 1
    >>> done.inserted, done.requests
    (3, 2)
    """
    check_mode(mode, batch_size)
    if mode == "upsert" and not ktype.primary_key:
        raise InvalidArgumentError(
            f"{SYSTEM}: upsert into {table!r} needs a primary key; the table has none"
        )
    upsert = "true" if mode == "upsert" else "false"
    options = {"update_on_existing_pk": upsert, "return_individual_errors": "true"}
    done = summary or WriteSummary(table)
    for start in range(0, wire.num_rows, batch_size):
        part = wire.slice(start, batch_size)
        body = _insert_body(table, encode_rows(part, ktype), options)
        inserted, updated, info = client.call_binary(
            "/insert/records", body, _insert_reply, table=table, idempotent=mode == "upsert"
        )
        done.requests += 1
        done.rows += part.num_rows
        done.inserted += inserted
        done.updated += updated
        _check_batch(table, start, part.num_rows, inserted + updated, info, done)
    return done


def _check_batch(
    table: str, start: int, sent: int, accounted: int, info: Mapping[str, str], done: WriteSummary
) -> None:
    bad = [int(i) for i in info.get("bad_record_indices", "").split(",") if i.strip()]
    errors = {start + i: info.get(f"error_{i}", "refused (no reason given)") for i in bad}
    if errors:
        shown = "; ".join(f"row {row}: {reason}" for row, reason in list(errors.items())[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise KineticaInsertError(
            f"{SYSTEM} /insert/records (table {table!r}): {len(errors)} rows refused: "
            f"{shown}{more}",
            errors=errors,
            rows_written=done.inserted + done.updated,
        )
    if accounted != sent:
        raise KineticaInsertError(
            f"{SYSTEM} /insert/records (table {table!r}): the server accounted for "
            f"{accounted} of the {sent} rows {start}..{start + sent - 1} without reporting errors",
            errors={},
            rows_written=done.inserted + done.updated,
        )
