"""A Delta table's log as a sync reads and writes it: commits, states, compaction.

See :mod:`arrowtap.io.delta` for what a commit holds. deltalake is imported on
first use (it is the ``delta`` extra).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap.errors import CheckpointError, SinkError
from arrowtap.io.offsets import PartitionState

__all__ = [
    "OFFSETS_KEY",
    "SCHEMA_KEY",
    "LogState",
    "compact_delta",
    "filesystem_of",
    "latest_per_key",
    "read_log",
    "schema_metadata",
    "transact",
    "widen",
]

OFFSETS_KEY = "arrowtap.offsets"
"""Key of a commit's metadata holding the partitions' states (JSON)."""
SCHEMA_KEY = "arrowtap.schema"
"""Key of a commit's metadata holding the source schema of the rows (Arrow IPC, base64)."""


def transact(
    table: Any,
    data: pa.Table | list[Any],
    properties: Any,
    *,
    partition_by: str | None,
    key: Sequence[str] | None,
) -> None:
    """Commit ``data`` with ``properties``, in one transaction.

    ``data`` is either files already written (their ``add`` actions,
    :mod:`arrowtap.io.delta_files`) or rows, appended (or merged on ``key``).
    """
    from deltalake import write_deltalake

    partitions = [partition_by] if partition_by else None
    if isinstance(data, pa.Table) and data.num_rows == 0:
        data = []  # the states alone: a commit without files
    if isinstance(data, list):
        table.create_write_transaction(
            data, mode="append", schema=table.schema(), partition_by=partitions,
            commit_properties=properties,
        )  # fmt: skip
    elif key is None:
        write_deltalake(table, data, mode="append", partition_by=partitions,
                        schema_mode="merge", commit_properties=properties)  # fmt: skip
    else:
        data = latest_per_key(data, key)
        on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in key)
        merger = table.merge(data, on, source_alias="s", target_alias="t", merge_schema=True,
                             commit_properties=properties)  # fmt: skip
        merger.when_matched_update_all().when_not_matched_insert_all().execute()
    table.update_incremental()


def widen(table: Any, schema: pa.Schema) -> None:
    """Add the columns of ``schema`` that ``table`` lacks, in a commit of their own.

    Files committed by their ``add`` actions do not change the table's schema (as
    ``write_deltalake(schema_mode="merge")`` does): a new column joins it first.
    """
    from deltalake import Schema

    held = {f.name for f in table.schema().fields}
    new = [f for f in schema if f.name not in held]
    if new:
        table.alter.add_columns(Schema.from_arrow(pa.schema(new)).fields)
        table.update_incremental()


def latest_per_key(data: pa.Table, key: Sequence[str]) -> pa.Table:
    """The last row of each key in ``data`` (a MERGE takes one source row per key)."""
    index = pa.array(range(data.num_rows), pa.int64())
    last = data.append_column("__row", index).group_by(list(key)).aggregate([("__row", "max")])
    return data.take(last["__row_max"].combine_chunks().sort())


class LogState(NamedTuple):
    """What a table's log tells a sync: its partitions' states, the source schema it holds."""

    states: dict[str, PartitionState]
    schema: pa.Schema | None


def read_log(
    table: Any, app_ids: Mapping[str, str], storage_options: Mapping[str, str] | None = None
) -> LogState:
    """The states that ``table`` records of the partitions ``app_ids`` (key: application id).

    A partition's application transaction tells how many pages it has committed;
    the newest commit whose metadata holds a state with that count tells its offset.
    The newest commit that recorded a schema tells the source schema of the table's
    rows. The commits are read newest first, by version number: one file usually
    tells all.
    """
    wanted = {key: table.transaction_version(app) or 0 for key, app in app_ids.items()}
    missing = {k for k, seq in wanted.items() if seq > 0}
    found: dict[str, PartitionState] = {}
    schema: pa.Schema | None = None
    filesystem, root = filesystem_of(table.table_uri, storage_options)
    log = f"{root}/_delta_log"
    for version in range(table.version(), 0, -1):  # version 0: the empty table's creation
        info = _commit_info(filesystem, f"{log}/{version:020d}.json")
        if info is None:
            break  # gone: so are the older ones
        if schema is None and SCHEMA_KEY in info:
            schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(info[SCHEMA_KEY])))
        held = json.loads(info[OFFSETS_KEY]) if OFFSETS_KEY in info else {}
        for key, state in held.items():
            if key in missing and state.get("seq") == wanted[key]:
                found[key] = PartitionState(
                    state["offset"], state["seq"], state.get("at"), state.get("start")
                )
                missing.discard(key)
        if not missing and schema is not None:
            break
    if missing:
        raise CheckpointError(
            f"{table.table_uri}: the table records pages of partitions {sorted(missing)} but no"
            f" commit in its log holds their offsets (was the log cleaned up?)"
        )
    return LogState(found, schema)


def schema_metadata(schema: pa.Schema) -> str:
    """``schema`` as the text a commit's metadata records (:data:`SCHEMA_KEY`)."""
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def filesystem_of(uri: str, options: Mapping[str, str] | None) -> tuple[Any, str]:
    """A pyarrow file system and the path of the table ``uri`` in it."""
    from pyarrow import fs

    opts = {k.upper(): v for k, v in (options or {}).items()}
    if uri.startswith("s3://") and opts:
        endpoint = opts.get("AWS_ENDPOINT_URL", "")
        filesystem = fs.S3FileSystem(
            access_key=opts.get("AWS_ACCESS_KEY_ID"),
            secret_key=opts.get("AWS_SECRET_ACCESS_KEY"),
            session_token=opts.get("AWS_SESSION_TOKEN"),
            region=opts.get("AWS_REGION") or opts.get("AWS_DEFAULT_REGION"),
            endpoint_override=endpoint.split("://", 1)[-1] or None,
            scheme="http" if endpoint.startswith("http://") else "https",
        )
        return filesystem, uri.removeprefix("s3://").rstrip("/")
    filesystem, path = fs.FileSystem.from_uri(uri)
    return filesystem, path.rstrip("/")


def _commit_info(filesystem: Any, path: str) -> dict[str, Any] | None:
    """The ``commitInfo`` of a commit file (empty if it has none); ``None`` if it is gone."""
    try:
        with filesystem.open_input_stream(path) as stream:
            lines = stream.read().decode().splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        info = json.loads(line).get("commitInfo") if line.strip() else None
        if info is not None:
            return dict(info)
    return {}


def compact_delta(path: str, target_size: int, *, retention_hours: int = 168) -> dict[str, Any]:
    """Merge a Delta table's small files (``optimize``), then remove old unused ones (``vacuum``).

    Safe beside a running sync: compaction changes no row and commits like any other
    writer; ``vacuum`` removes only files no version of the last ``retention_hours``
    uses (default a week, Delta's default).

    Examples
    --------
    >>> import tempfile, deltalake, pyarrow as pa
    >>> path = tempfile.mkdtemp()
    >>> for i in range(3):
    ...     deltalake.write_deltalake(path, pa.table({"i": [i]}), mode="append")
    >>> compact_delta(path, 1 << 20)["numFilesRemoved"]
    3
    """
    from deltalake import DeltaTable

    checks.path("path", path)
    size = checks.positive_int("target_size", target_size, maximum=2**40)
    hours = checks.integer("retention_hours", retention_hours, minimum=0, maximum=100 * 365 * 24)
    try:
        table = DeltaTable(path)
        metrics: dict[str, Any] = table.optimize.compact(target_size=size)
        table.vacuum(retention_hours=hours, dry_run=False, enforce_retention_duration=False)
    except Exception as exc:
        raise SinkError(f"delta sink: cannot compact {path!r}: {exc}") from exc
    return metrics
