"""Write endpoints of the fake Kinetica: insert, delete and update records.

Inserts take binary rows (``list``, each the Avro binary of the table type) or JSON
rows (``list_str``). Each row is decoded and checked against the column properties
(:mod:`.validate`); array values are kept in their documented JSON form
(:mod:`.arrays`). A row whose primary key exists (in the table or earlier in the
batch) replaces it with ``update_on_existing_pk=true``, is skipped silently with
``ignore_existing_pk=true``, and is an error otherwise. Errors reject the whole batch,
unless ``return_individual_errors`` or ``allow_partial_batch`` is true: then the good
rows are inserted and ``info`` has ``bad_record_indices`` ("i,j,...") and one
``error_<i>`` per bad row. ``dry_run`` checks without inserting; ``return_record_ids``
fills ``record_ids``. Monitors get the inserted rows, and the count of updated or
deleted ones.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from arrowtap.connectors.kinetica.wire.codec import decode_list
from arrowtap.errors import DecodeError
from arrowtap.testing.kinetica.expr import Row, both
from arrowtap.testing.kinetica.query import compile_for
from arrowtap.testing.kinetica.routes_tables import flag
from arrowtap.testing.kinetica.store import KineticaFault
from arrowtap.testing.kinetica.table import Table
from arrowtap.testing.kinetica.validate import constant

if TYPE_CHECKING:
    from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["ROUTES", "decode_rows"]

Request = dict[str, Any]
Response = dict[str, Any]


def _from_json(table: Table, text: str) -> tuple[bytes, Row]:
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("a JSON record must be an object")
    values: Row = {}
    for col in table.ktype.columns:
        if col.name not in doc and not col.nullable:
            raise ValueError(f"missing value for column '{col.name}'")
        value = doc.get(col.name)
        if col.base == "bytes" and isinstance(value, str):
            value = value.encode("latin-1")
        values[col.name] = value
    return table.codec.encode(values), values


def decode_rows(
    table: Table, rows: list[bytes], texts: list[str], encoding: str
) -> list[tuple[bytes, Row] | str]:
    """Each row as (Avro bytes, values), or the message saying why it is refused."""
    out: list[tuple[bytes, Row] | str] = []
    if encoding == "json":
        for text in texts:
            try:
                out.append(_from_json(table, text))
            except (ValueError, TypeError, OverflowError) as exc:
                out.append(f"Invalid JSON record for table '{table.name}': {exc}")
    else:
        try:  # the whole list in one compiled call; row by row only to name bad records
            out.extend(zip(rows, decode_list(rows, table.ktype).to_pylist(), strict=True))
        except DecodeError:
            for row in rows:
                try:
                    out.append((row, table.codec.decode(row)))
                except ValueError as exc:
                    out.append(f"Invalid binary record for table '{table.name}': {exc}")
    for i, item in enumerate(out):
        if isinstance(item, str):
            continue
        if (problem := table.check(item[1])) is not None:
            out[i] = problem
        elif table.normalise is not None:  # a server keeps arrays, not the text sent
            values = table.normalise(item[1])
            out[i] = (table.codec.encode(values), values)
    return out


def insert_records(fake: FakeKinetica, req: Request) -> Response:
    """Insert (or upsert) rows."""
    table = fake.store.table(req["table_name"])
    opts = req["options"]
    encoding = req["list_encoding"].lower() or "binary"
    if encoding not in ("binary", "json"):
        raise KineticaFault(f"Unsupported list_encoding '{req['list_encoding']}'")
    decoded = decode_rows(table, req["list"], req["list_str"], encoding)
    upsert, ignore = flag(opts, "update_on_existing_pk"), flag(opts, "ignore_existing_pk")
    errors: dict[int, str] = {}
    new: dict[Any, tuple[bytes, Row]] = {}  # key (or index) -> row, in order
    replaced: dict[int, tuple[bytes, Row]] = {}
    for i, item in enumerate(decoded):
        if isinstance(item, str):
            errors[i] = item
            continue
        key = table.key(item[1]) if table.key_columns else i
        existing = table.find_key(item[1])
        if (existing is not None or (table.key_columns and key in new)) and not upsert:
            if not ignore:
                errors[i] = f"Duplicate primary key value {key} for table '{table.name}'"
        elif existing is not None:
            replaced[existing] = item
        else:
            new[key] = item
    partial = flag(opts, "return_individual_errors") or flag(opts, "allow_partial_batch")
    if errors and not partial:
        first = min(errors)
        raise KineticaFault(f"Insertion of record {first} failed: {errors[first]}")
    info: dict[str, str] = {}
    if errors:
        info["bad_record_indices"] = ",".join(str(i) for i in sorted(errors))
        info.update({f"error_{i}": msg for i, msg in errors.items()})
    if flag(opts, "dry_run"):
        return {"count_inserted": len(new), "count_updated": len(replaced), "info": info}
    rows = [r for r, _ in new.values()]
    table.append(rows, [v for _, v in new.values()])
    for position, (row, values) in replaced.items():
        table.replace(position, row, values)
    fake.publisher.inserted(table.name, rows)
    fake.publisher.counted(table.name, "update", len(replaced))
    ids = [table.next_record_id() for _ in rows] if flag(opts, "return_record_ids") else []
    return {
        "record_ids": ids,
        "count_inserted": len(rows),
        "count_updated": len(replaced),
        "info": info,
    }


def delete_records(fake: FakeKinetica, req: Request) -> Response:
    """Delete the rows matching each expression (and ``global_expression``)."""
    table = fake.store.table(req["table_name"])
    opts = req["options"]
    if flag(opts, "delete_all_records"):
        expressions = ["true"]
    elif not req["expressions"]:
        raise KineticaFault("No expressions given to /delete/records (or delete_all_records)")
    else:
        expressions = req["expressions"]
    glob = compile_for(table, opts.get("global_expression", ""), what="global_expression")
    counts = []
    for text in expressions:
        keep = compile_for(table, text)
        counts.append(table.delete(table.select(both(keep, glob))))
    fake.publisher.counted(table.name, "delete", sum(counts))
    return {"count_deleted": sum(counts), "counts_deleted": counts}


def _new_values(
    table: Table, changes: dict[str, str | None], expressions: bool
) -> list[tuple[str, Any]]:
    """(column, constant or compiled expression) of one new-values map."""
    out: list[tuple[str, Any]] = []
    for name, text in changes.items():
        if name not in table.ktype.names:
            raise KineticaFault(f"Unknown column '{name}' in new_values_maps of '{table.name}'")
        col = table.ktype.column(name)
        if expressions and text is not None:
            out.append((name, compile_for(table, text, what="new value")))
            continue
        try:
            value = constant(col, text)
        except ValueError as exc:
            raise KineticaFault(f"Invalid new value for column '{name}': {exc}") from None
        out.append((name, lambda r, v=value: v))
    return out


def update_records(fake: FakeKinetica, req: Request) -> Response:
    """Set new values in the rows matching each expression; insert where none match."""
    table = fake.store.table(req["table_name"])
    opts = req["options"]
    exprs, maps = req["expressions"], req["new_values_maps"]
    if len(exprs) != len(maps):
        raise KineticaFault("expressions and new_values_maps differ in length")
    glob = compile_for(table, opts.get("global_expression", ""), what="global_expression")
    use_expr = flag(opts, "use_expressions_in_new_values_maps")
    inserts = decode_rows(
        table,
        req["records_to_insert"],
        req["records_to_insert_str"],
        req["record_encoding"] or "binary",
    )
    values = table.values()
    changes: dict[int, Row] = {}
    counts, inserted_counts, to_insert = [], [], []
    for i, (text, new_values) in enumerate(zip(exprs, maps, strict=True)):
        keep, setters = compile_for(table, text), _new_values(table, new_values, use_expr)
        hits = table.select(both(keep, glob))
        for p in hits:
            row = dict(changes.get(p, values[p]))
            row.update({name: fn(values[p]) for name, fn in setters})
            if (problem := table.check(row)) is not None:
                raise KineticaFault(problem)
            changes[p] = row if table.normalise is None else table.normalise(row)
        counts.append(len(hits))
        extra = inserts[i] if not hits and i < len(inserts) else None
        if isinstance(extra, str):
            raise KineticaFault(extra)
        inserted_counts.append(0 if extra is None else 1)
        if extra is not None:
            to_insert.append(extra)
    if table.key_columns and any(table.key(r) != table.key(values[p]) for p, r in changes.items()):
        keys = [table.key(changes.get(p, r)) for p, r in enumerate(values)]
        if len(set(keys)) != len(keys):
            raise KineticaFault(f"Update would duplicate a primary key of table '{table.name}'")
    for position, row in changes.items():
        table.replace(position, table.codec.encode(row), row)
    table.append([r for r, _ in to_insert], [v for _, v in to_insert])
    fake.publisher.counted(table.name, "update", len(changes))
    fake.publisher.inserted(table.name, [r for r, _ in to_insert])
    return {
        "count_updated": len(changes),
        "counts_updated": counts,
        "count_inserted": len(to_insert),
        "counts_inserted": inserted_counts,
    }


ROUTES = {
    "/insert/records": insert_records,
    "/delete/records": delete_records,
    "/update/records": update_records,
}
