"""A Delta Lake table as a sync's destination: the data and its offsets in one commit.

``to="delta:PATH"`` (or ``to=DeltaSink(PATH, ...)``) makes a sync write a Delta
table. Each commit of the runner is one Delta transaction that adds the pages'
files and records, for each partition in it,

* an application transaction (``txn``) with ``appId`` ``arrowtap:<name>:<key>``
  and ``version`` the number of pages committed: the table's own record, kept in
  its checkpoints; delta-rs refuses a commit whose ``txn`` another writer
  committed since this one read the table, so two syncs never both commit a page;
* the partition's state (offset, pages, time) in the commit's metadata
  (``arrowtap.offsets``), with the states of every other partition this writer
  knows, so that the newest commit usually tells all.

The pages' files are written before the commit, as each page arrives and outside
the destination's lock (:mod:`arrowtap.io.delta_files`); the commit only records
them, one at a time.

A resumed sync reads its offsets from the table (:meth:`DeltaDestination.load`):
no checkpoint store is needed. Files written by a commit that never happened are
in no version of the table: readers never see them, ``vacuum`` removes them.

One writer at a time: a sync holds the lease of a checkpoint beside the table (or
the one given; :mod:`arrowtap.io.job`), and every commit calls the destination's
``guard`` first, which checks the lease's fencing token; the ``txn`` versions stay
as a second guard for a writer that passed its check and then lost the lease.

``mode="merge"`` keeps one row per key (the latest): each commit is a Delta
``MERGE`` on the key (a HarperDB or Kinetica primary key, ``(channel, time_ns)``
for archive samples) instead of an append.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap._redact import redact, redact_text, secret_forms
from arrowtap.errors import CheckpointNotActiveError, InvalidTypeError, SinkError
from arrowtap.io.contract import Plan
from arrowtap.io.delta_files import DataFiles, writes_files
from arrowtap.io.delta_log import (
    OFFSETS_KEY,
    SCHEMA_KEY,
    compact_delta,
    filesystem_of,
    read_log,
    schema_metadata,
    transact,
    widen,
)
from arrowtap.io.delta_types import NS_SUFFIX, delta_schema, to_delta
from arrowtap.io.offsets import PartitionState
from arrowtap.io.sink import partition_column_of

__all__ = [
    "DELTA_PREFIX",
    "OFFSETS_KEY",
    "DeltaDestination",
    "DeltaSink",
    "compact_delta",
    "delta_sink_of",
]

DELTA_PREFIX = "delta:"
"""What starts a ``to=`` that names a Delta table: ``delta:PATH``."""
_MODES = ("append", "merge")
_KEEP_LOG = {"delta.enableExpiredLogCleanup": "false"}
"""A table's log holds its offsets: a table arrowtap creates never drops old log entries."""
_ATTEMPTS = 5
"""Commits tried when others win the race for the same version (not for the same partitions)."""


@dataclass(frozen=True)
class DeltaSink:
    """Where a sync writes a Delta Lake table, and how.

    Parameters
    ----------
    path : str
        The table's directory (created on the first sync).
    mode : {"append", "merge"}
        ``"append"``: every row once. ``"merge"``: one row per ``key``, the latest.
    key : sequence of str, optional
        The columns of a row's identity for ``"merge"``; by default the source's
        (its primary key; ``channel`` and ``time`` for archive samples).
    partition_by : str, optional
        The partition column; by default the source's natural one (``channel`` for
        archive samples), none for the others.
    storage_options : mapping of str to str, optional
        For a table in object storage (``path`` ``s3://bucket/table``): deltalake's
        options (``AWS_ENDPOINT_URL``, ``AWS_REGION``, credentials...; by default
        taken from the environment). Never shown.

    Examples
    --------
    >>> DeltaSink("out/samples", mode="merge")
    DeltaSink(path='out/samples', mode='merge', key=None, partition_by=None)
    """

    path: str
    mode: str = "append"
    key: Sequence[str] | None = None
    partition_by: str | None = None
    storage_options: Mapping[str, str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", checks.path("path", self.path))
        checks.one_of("mode", self.mode, _MODES)
        if self.key is not None:
            object.__setattr__(self, "key", tuple(checks.names("key", self.key)))
        checks.optional(checks.name, "partition_by", self.partition_by)
        if self.storage_options is not None:
            if not isinstance(self.storage_options, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in self.storage_options.items()
            ):
                raise InvalidTypeError(
                    "storage_options must be a mapping of str to str (not shown)"
                )
            object.__setattr__(self, "storage_options", dict(self.storage_options))

    @property
    def options(self) -> dict[str, str] | None:
        """The storage options, as deltalake takes them."""
        return None if self.storage_options is None else dict(self.storage_options)

    @property
    def remote(self) -> bool:
        """Whether the table is in object storage (``s3://...``), not a local directory."""
        return "://" in self.path


def delta_sink_of(to: object) -> DeltaSink | None:
    """The :class:`DeltaSink` that ``to`` names (``"delta:PATH"`` or one), else ``None``.

    Examples
    --------
    >>> delta_sink_of("delta:out/t"), delta_sink_of("out/t")
    (DeltaSink(path='out/t', mode='append', key=None, partition_by=None), None)
    """
    if isinstance(to, DeltaSink):
        return to
    if isinstance(to, str) and to.startswith(DELTA_PREFIX):
        return DeltaSink(to[len(DELTA_PREFIX) :])
    return None


@dataclass
class DeltaDestination:
    """The runner's side of a Delta table: states loaded from it, pages committed to it."""

    sink: DeltaSink
    plan: Plan
    guard: Callable[[], None] | None = field(default=None, repr=False)
    """Called before each commit; raises once this writer lost the destination's lease."""
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _table: Any = field(default=None, init=False, repr=False)
    _states: dict[str, PartitionState] = field(default_factory=dict, init=False, repr=False)
    _staged: dict[str, list[pa.RecordBatch]] = field(default_factory=dict, init=False)
    """Pages kept for their commit (a merge; a partition column ``write_deltalake`` takes)."""
    _added: dict[str, list[Any]] = field(default_factory=dict, init=False, repr=False)
    """The ``add`` actions of pages written as files, waiting for their commit."""
    _files: DataFiles | None = field(default=None, init=False, repr=False)
    _held: pa.Schema | None = field(default=None, init=False, repr=False)
    source_schema: pa.Schema = field(init=False)
    schema: pa.Schema = field(init=False)
    partition_by: str | None = field(init=False)
    key: tuple[str, ...] | None = field(init=False)

    def __post_init__(self) -> None:
        from arrowtap.io.sync import output_schema  # the runner's module imports this one

        self.source_schema = output_schema(self.plan)
        self.schema = delta_schema(self.source_schema)
        self.partition_by = self.sink.partition_by or partition_column_of(self.plan)
        if self.partition_by is not None and self.partition_by not in self.schema.names:
            raise SinkError(f"{self.sink.path}: no column {self.partition_by!r} to partition by")
        self.key = self._merge_key() if self.sink.mode == "merge" else None

    def __repr__(self) -> str:
        return f"DeltaDestination({self.sink.path!r})"

    def _merge_key(self) -> tuple[str, ...]:
        declared = self.sink.key or getattr(self.plan.source, "merge_key", None)
        if not declared:
            raise SinkError(
                f"{self.sink.path}: mode='merge' needs a key and this source declares none:"
                " pass DeltaSink(..., key=[columns])"
            )
        # A nanosecond timestamp's identity is its exact value, kept beside it.
        names = [n + NS_SUFFIX if n + NS_SUFFIX in self.schema.names else n for n in declared]
        missing = [n for n in names if n not in self.schema.names]
        if missing:
            raise SinkError(f"{self.sink.path}: no key column {missing} in {self.schema.names}")
        return tuple(names)

    def app_id(self, key: str) -> str:
        """The Delta application id of partition ``key``."""
        return f"arrowtap:{self.plan.checkpoint_name}:{key}"

    def _open(self) -> Any:
        """The table, created empty with the pages' schema if missing; states loaded once."""
        if self._table is None:
            from deltalake import DeltaTable

            try:
                self._table = DeltaTable.create(
                    self.sink.path, self.schema, mode="ignore",
                    partition_by=[self.partition_by] if self.partition_by else None,
                    configuration=_KEEP_LOG, storage_options=self.sink.options,
                )  # fmt: skip
            except Exception as exc:  # deltalake raises its own exception classes
                # Another writer created it at the same moment: the table is theirs and ours.
                if not DeltaTable.is_deltatable(self.sink.path, self.sink.options):
                    raise self._failure("cannot open", exc) from None
                self._table = DeltaTable(self.sink.path, storage_options=self.sink.options)
            apps = {p.key: self.app_id(p.key) for p in self.plan.partitions}
            self._states, self._held = read_log(self._table, apps, self.sink.options)
            if self.key is None and writes_files(self.schema, self.partition_by):
                filesystem, root = filesystem_of(self._table.table_uri, self.sink.options)
                self._files = DataFiles(filesystem, root, self.partition_by)
        return self._table

    def held_schema(self) -> pa.Schema | None:
        """The source schema of the table's rows, as its newest commit recorded it."""
        with self._lock:
            self._open()
            return self._held

    def adopt(self, schema: pa.Schema) -> None:
        """Pages of ``schema`` from now on: new columns join the table at the next commit."""
        with self._lock:
            self.source_schema, self.schema = schema, delta_schema(schema)

    def load(self, key: str) -> PartitionState:
        """The committed state of ``key``: from the table's log."""
        with self._lock:
            self._open()
            return self._states.get(key, PartitionState())

    def begin(self, key: str, next_seq: int) -> None:
        """Forget the pages staged for ``key`` and not committed."""
        with self._lock:
            self._staged.pop(key, None)
            self._added.pop(key, None)

    def write(self, key: str, seq: int, batch: pa.RecordBatch) -> int:
        """Write page ``seq`` of ``key``'s files (or stage it) until its commit; its size."""
        converted = to_delta(batch, self.schema)
        with self._lock:
            self._open()
            files = self._files
        if files is None:
            with self._lock:
                self._staged.setdefault(key, []).append(converted)
            return int(converted.nbytes)
        try:  # outside the lock: the other partitions' pages are written meanwhile
            actions = files.write(pa.Table.from_batches([converted]))
        except (OSError, pa.ArrowException) as exc:
            raise self._failure("cannot write a file of", exc) from None
        with self._lock:
            self._added.setdefault(key, []).extend(actions)
        return int(converted.nbytes)

    def commit(self, states: Mapping[str, PartitionState]) -> None:
        """One Delta transaction: the staged pages of ``states``' partitions and the states."""
        from deltalake import CommitProperties, Transaction

        with self._lock:
            table = self._open()
            self._fence(table, states)
            now = time.time_ns()
            stamped = {k: replace(s, at=now) for k, s in states.items()}
            known = {**self._states, **stamped}
            offsets = json.dumps({k: s.to_json() for k, s in known.items()})
            properties = CommitProperties(
                custom_metadata={
                    OFFSETS_KEY: offsets,
                    SCHEMA_KEY: schema_metadata(self.source_schema),
                },
                app_transactions=[Transaction(self.app_id(k), s.seq) for k, s in stamped.items()],
            )
            data: pa.Table | list[Any] = (
                [a for k in states for a in self._added.pop(k, [])]
                if self._files is not None
                else pa.Table.from_batches(
                    [b for k in states for b in self._staged.pop(k, [])], self.schema
                )
            )
            for attempt in range(_ATTEMPTS):
                try:
                    if self._files is not None:
                        widen(table, self.schema)
                    transact(table, data, properties, partition_by=self.partition_by, key=self.key)
                    break
                except Exception as exc:  # deltalake's own classes, by name
                    if type(exc).__name__ != "CommitFailedError":
                        raise self._failure("cannot commit to", exc) from None
                    # Another commit won the race: if it took these partitions, this
                    # writer is done (the fence says so); else (a compaction, a
                    # partition of another task) the commit is tried again.
                    table.update_incremental()
                    self._fence(table, states)
                    if attempt == _ATTEMPTS - 1:
                        raise self._failure(f"{_ATTEMPTS} commits lost a race on", exc) from None
            self._states = known

    def _failure(self, what: str, exc: Exception) -> SinkError:
        """A :class:`SinkError` of ``exc``: its text without the storage options' secrets.

        deltalake's exceptions may quote a request (object storage): not chained.
        """
        secrets = secret_forms(*(self.sink.storage_options or {}).values())
        text = redact_text(f"{type(exc).__name__}: {exc}", secrets)
        return SinkError(f"delta sink: {what} {redact(self.sink.path)!r}: {text}")

    def _fence(self, table: Any, states: Mapping[str, PartitionState]) -> None:
        # First the lease (a sync's; the runner holds it from start to end): refused
        # once another writer took it over. Then, as a second guard, the txns: every
        # commit is made against the table this writer last saw; a txn of these
        # partitions committed since by someone else fails the commit (delta-rs), and
        # one committed before that is caught here.
        if self.guard is not None:
            self.guard()
        for key in states:
            seen = table.transaction_version(self.app_id(key)) or 0
            if seen != self._states.get(key, PartitionState()).seq:
                raise CheckpointNotActiveError(
                    f"{self.sink.path}: partition {key!r} has {seen} pages committed by another"
                    " writer since this sync began"
                )
