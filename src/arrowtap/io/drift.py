"""Schema contracts: what a sync does when the source's columns no longer match the destination's.

A source declares its schema at each run (a HarperDB table gains an attribute, a
Kinetica table is altered); the destination has the schema of what it holds. Before
the first page is written, :func:`settle` compares them under the sync's
``schema_contract`` (dlt's words):

* ``"evolve"`` (default): a new column is added to the destination (nullable);
* ``"freeze"``: any new or retyped column raises :class:`~arrowtap.errors.SchemaDriftError`
  naming it and both types, before anything is written;
* ``"discard_value"``: a new column's values are dropped (the column is not written);
* ``"discard_row"``: a row holding a value in a new column is dropped.

Under every contract a column the source no longer has is written as nulls, and a
column whose type the destination can hold without loss (``int32`` into ``int64``)
is cast to the destination's type. Any other change of type is drift that only
``discard_value`` (nulls instead of the values) and ``discard_row`` (the rows with a
value dropped) accept. Every drift found is reported in the run's summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from arrowtap import _checks as checks
from arrowtap.errors import SchemaDriftError

__all__ = ["CONTRACTS", "Drift", "Settled", "check_contract", "settle"]

CONTRACTS = ("evolve", "freeze", "discard_value", "discard_row")
"""The schema contracts a sync takes."""


@dataclass(frozen=True)
class Drift:
    """One column that differs: new (``before`` is None), gone (``after`` None), or retyped.

    Examples
    --------
    >>> str(Drift("v", pa.int32(), pa.string(), "discarded"))
    "column 'v' changed type from int32 to string: discarded"
    """

    column: str
    before: pa.DataType | None
    after: pa.DataType | None
    outcome: str

    def __str__(self) -> str:
        if self.before is None:
            what = f"new column {self.column!r} ({self.after})"
        elif self.after is None:
            what = f"column {self.column!r} ({self.before}) is gone at the source"
        else:
            what = f"column {self.column!r} changed type from {self.before} to {self.after}"
        return f"{what}: {self.outcome}"


@dataclass(frozen=True)
class Settled:
    """What a run writes: its schema, how each page gets there, the drift found."""

    schema: pa.Schema
    convert: Callable[[pa.RecordBatch], pa.RecordBatch]
    drift: tuple[Drift, ...]


def check_contract(value: object) -> str:
    """``schema_contract``, checked.

    Examples
    --------
    >>> check_contract("freeze")
    'freeze'
    """
    return checks.one_of("schema_contract", value, CONTRACTS)


def _lossless(before: pa.DataType, after: pa.DataType) -> bool:
    """Whether every value of ``after`` has one in ``before`` (a cast that loses nothing)."""
    if before == after:
        return True
    widening = {
        pa.int8(): (pa.int16(), pa.int32(), pa.int64()),
        pa.int16(): (pa.int32(), pa.int64()),
        pa.int32(): (pa.int64(),),
        pa.float32(): (pa.float64(),),
        pa.string(): (pa.large_string(),),
        pa.large_string(): (pa.string(),),
    }
    return before in widening.get(after, ())


def settle(existing: pa.Schema | None, incoming: pa.Schema, contract: str) -> Settled:
    """The schema a run writes into a destination holding ``existing`` (None: empty).

    Raises
    ------
    SchemaDriftError
        Under ``"freeze"``, for any new or retyped column; under ``"evolve"``, for a
        retyped column the destination cannot hold.

    Examples
    --------
    >>> old = pa.schema([("id", pa.int64()), ("v", pa.string())])
    >>> new = pa.schema([("id", pa.int32()), ("v", pa.string()), ("w", pa.float64())])
    >>> settled = settle(old, new, "discard_value")
    >>> settled.schema.names, [str(d) for d in settled.drift]
    (['id', 'v'], ["new column 'w' (double): values discarded"])
    >>> settled.convert(pa.record_batch({"id": pa.array([1], pa.int32()), "v": ["a"],
    ...                                   "w": [0.5]})).to_pydict()
    {'id': [1], 'v': ['a']}
    """
    if existing is None:
        return Settled(incoming, lambda batch: batch, ())
    drift: list[Drift] = []
    fields: list[pa.Field] = []
    nulled: set[str] = set()
    row_filters: list[str] = []
    for field in existing:  # the destination's columns keep their place and type
        index = incoming.get_field_index(field.name)
        if index < 0:
            drift.append(Drift(field.name, field.type, None, "written as nulls"))
        elif not _lossless(field.type, incoming.field(index).type):
            after = incoming.field(index).type
            if contract in ("evolve", "freeze"):
                raise SchemaDriftError(
                    f"schema_contract={contract!r}: column {field.name!r} changed type from"
                    f" {field.type} to {after}; nothing was written",
                    column=field.name, before=str(field.type), after=str(after),
                )  # fmt: skip
            nulled.add(field.name)
            if contract == "discard_row":
                row_filters.append(field.name)
            drift.append(Drift(field.name, field.type, after, _discarded(contract)))
        fields.append(field.with_nullable(True) if index < 0 or field.name in nulled else field)
    for field in incoming:
        if existing.get_field_index(field.name) >= 0:
            continue
        if contract == "freeze":
            raise SchemaDriftError(
                f"schema_contract='freeze': new column {field.name!r} ({field.type}) at the"
                " source; nothing was written",
                column=field.name, before=None, after=str(field.type),
            )  # fmt: skip
        if contract == "evolve":
            fields.append(field.with_nullable(True))
            drift.append(Drift(field.name, None, field.type, "added"))
        else:
            if contract == "discard_row":
                row_filters.append(field.name)
            drift.append(Drift(field.name, None, field.type, _discarded(contract)))
    schema = pa.schema(fields, metadata=incoming.metadata)
    if not drift and [(f.name, f.type) for f in schema] == [(f.name, f.type) for f in incoming]:
        return Settled(incoming, lambda batch: batch, ())  # the usual run: nothing to convert
    return Settled(schema, _converter(schema, nulled, row_filters), tuple(drift))


def _discarded(contract: str) -> str:
    return "rows with a value discarded" if contract == "discard_row" else "values discarded"


def _converter(
    schema: pa.Schema, nulled: set[str], row_filters: list[str]
) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    """A page of the source's schema as a page of ``schema``."""

    def convert(batch: pa.RecordBatch) -> pa.RecordBatch:
        if row_filters:
            keep = None
            for name in row_filters:
                empty = pc.is_null(batch.column(name))
                keep = empty if keep is None else pc.and_(keep, empty)
            batch = batch.filter(keep)
        columns = []
        for field in schema:
            index = batch.schema.get_field_index(field.name)
            if index < 0 or field.name in nulled:
                columns.append(pa.nulls(batch.num_rows, field.type))
            else:
                columns.append(batch.column(index).cast(field.type))
        return pa.RecordBatch.from_arrays(columns, schema=schema)

    return convert
