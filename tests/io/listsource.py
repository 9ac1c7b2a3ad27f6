"""A tiny in-memory source for the engine's tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pyarrow as pa

from arrowtap.errors import TransportError
from arrowtap.io.contract import Page, Partition

SCHEMA = pa.schema([("key", pa.string()), ("i", pa.int64())])


class ListSource:
    """Rows 0..n-1 per partition, ``page`` rows a page; the offset is the last row."""

    def __init__(
        self,
        n: int = 10,
        page: int = 3,
        fail_at: int | None = None,
        gate: threading.Event | None = None,
    ) -> None:
        self.n, self.page, self.fail_at, self.gate = n, page, fail_at, gate
        self.reads: list[tuple[str, object]] = []
        self.closed = 0

    def close(self) -> None:
        self.closed += 1

    @property
    def schema(self) -> pa.Schema:
        return SCHEMA

    def read(self, partition: Partition, offset: object = None) -> Iterator[Page]:
        self.reads.append((partition.key, offset))
        start = 0 if offset is None else int(offset) + 1  # type: ignore[call-overload]
        for lo in range(start, self.n, self.page):
            hi = min(lo + self.page, self.n)
            if self.fail_at is not None and lo <= self.fail_at < hi:
                raise TransportError(f"cut at {self.fail_at}")
            batch = pa.record_batch(
                [pa.array([partition.key] * (hi - lo)), pa.array(range(lo, hi), pa.int64())],
                schema=SCHEMA,
            )
            yield Page(batch, hi - 1)
            if self.gate is not None:
                self.gate.wait()
