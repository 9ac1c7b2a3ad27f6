"""Where a sync writes: a sink and a checkpoint, or a destination that keeps its own offsets.

The sync runner (:mod:`arrowtap.io.sync`) speaks to a :class:`Destination`: it
loads a partition's committed state, begins the partition (dropping what was
written past that state), writes pages and commits states. A plain
:class:`Sink` (the Parquet dataset) makes each page durable and leaves the states
to a checkpoint: :class:`CheckpointedSink` joins the two, page first, state
second. A Delta table (:mod:`arrowtap.io.delta`) is a destination by itself: a
commit is one table transaction holding the pages and the states together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import pyarrow as pa

from arrowtap.checkpoint import Checkpoint
from arrowtap.io import offsets as ledger

__all__ = ["CheckpointedSink", "Destination", "Sink"]


class Sink(Protocol):
    """Where the runner writes pages; writes must be durable and idempotent."""

    def begin(self, key: str, next_seq: int) -> None:
        """Prepare partition ``key``, discarding its pages numbered ``next_seq`` or more."""
        ...

    def write(self, key: str, seq: int, batch: pa.RecordBatch) -> int:
        """Write page ``seq`` of ``key`` durably; return the bytes written."""
        ...


@runtime_checkable
class Destination(Protocol):
    """A sink that keeps the partitions' states itself, committed with the data in one step.

    A Delta table (:class:`arrowtap.io.delta.DeltaSink`) is one: each commit is one
    table transaction holding the pages and the states. A plain :class:`Sink` gets
    its states from a checkpoint instead (:class:`CheckpointedSink`).
    """

    def held_schema(self) -> pa.Schema | None:
        """The schema (the source's types) of what it holds; ``None`` while it holds nothing."""
        ...

    def adopt(self, schema: pa.Schema) -> None:
        """Take pages of ``schema`` from now on (the run's, settled by its schema contract)."""
        ...

    def load(self, key: str) -> ledger.PartitionState:
        """The committed state of partition ``key`` (the default one if none)."""
        ...

    def begin(self, key: str, next_seq: int) -> None:
        """Prepare partition ``key`` for page ``next_seq``: nothing written past it survives."""
        ...

    def write(self, key: str, seq: int, batch: pa.RecordBatch) -> int:
        """Stage page ``seq`` of ``key``; return its size in bytes."""
        ...

    def commit(self, states: Mapping[str, ledger.PartitionState]) -> None:
        """Make the staged pages of these partitions and their states visible, at once."""
        ...


@dataclass
class CheckpointedSink:
    """A :class:`Sink` and a checkpoint: pages durable first, then the states committed."""

    sink: Sink
    checkpoint: Checkpoint

    def held_schema(self) -> pa.Schema | None:
        """The schema of the sink's newest page, if it tells."""
        of_sink = getattr(self.sink, "schema", None)
        return of_sink() if callable(of_sink) else None

    def adopt(self, schema: pa.Schema) -> None:
        """Nothing to do: each page file carries its schema."""

    def load(self, key: str) -> ledger.PartitionState:
        """The state in the checkpoint."""
        return ledger.load(self.checkpoint, key)

    def begin(self, key: str, next_seq: int) -> None:
        """Drop the pages written past the committed count."""
        self.sink.begin(key, next_seq)

    def write(self, key: str, seq: int, batch: pa.RecordBatch) -> int:
        """Write the page durably."""
        return self.sink.write(key, seq, batch)

    def commit(self, states: Mapping[str, ledger.PartitionState]) -> None:
        """Commit the states (the pages are already durable)."""
        ledger.commit(self.checkpoint, dict(states))
