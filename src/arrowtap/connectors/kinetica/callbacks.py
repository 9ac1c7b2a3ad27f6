"""The callback form of a Kinetica table monitor: functions called from one thread."""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import zmq

from arrowtap import _checks as checks
from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy, redact
from arrowtap.connectors.kinetica._checks import check_stream
from arrowtap.connectors.kinetica.monitor import open_stream
from arrowtap.connectors.kinetica.monitor_stream import MonitorStream
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.connectors.kinetica.wire.follow import (
    DecodeFailed,
    Deleted,
    Inserted,
    InsertedRaw,
    TableAltered,
    TableDropped,
    Updated,
)
from arrowtap.errors import InvalidArgumentError, InvalidTypeError

__all__ = ["CallbackKind", "KineticaTableMonitor"]

log = logging.getLogger("arrowtap.kinetica")


class CallbackKind(enum.StrEnum):
    """The callbacks of :class:`KineticaTableMonitor` (those of the official client)."""

    INSERT_DECODED = "insert_decoded"
    """An Arrow batch of the rows of one insert (or of rows read to fill a gap)."""
    INSERT_RAW = "insert_raw"
    """The list of row frames of one insert message, as published."""
    UPDATED = "updated"
    """The count of rows one update changed."""
    DELETED = "deleted"
    """The count of rows one delete removed."""
    TABLE_ALTERED = "table_altered"
    """The table's new Arrow schema."""
    TABLE_DROPPED = "table_dropped"
    """A message saying the table is gone (the monitor stops)."""


_DISPATCH: dict[type, tuple[CallbackKind, Callable[[Any], Any]]] = {
    Inserted: (CallbackKind.INSERT_DECODED, lambda e: e.batch),
    InsertedRaw: (CallbackKind.INSERT_RAW, lambda e: list(e.frames)),
    Updated: (CallbackKind.UPDATED, lambda e: e.count),
    Deleted: (CallbackKind.DELETED, lambda e: e.count),
    TableAltered: (CallbackKind.TABLE_ALTERED, lambda e: e.schema),
    TableDropped: (CallbackKind.TABLE_DROPPED, lambda e: e.message),
}


def _callbacks(callbacks: Mapping[CallbackKind | str, Callable[[Any], object]]) -> dict[str, Any]:
    if not isinstance(callbacks, Mapping) or not callbacks:
        error = InvalidArgumentError if isinstance(callbacks, Mapping) else InvalidTypeError
        raise error(
            f"{SYSTEM}: callbacks must be a non-empty mapping, not {checks.shown(callbacks)}"
        )
    out: dict[str, Any] = {}
    for kind, function in callbacks.items():
        try:
            out[CallbackKind(str(kind).lower())] = function
        except ValueError:
            kinds = [k.value for k in CallbackKind]
            raise InvalidArgumentError(
                f"{SYSTEM}: unknown callback kind {kind!r}: one of {kinds}"
            ) from None
        checks.function(f"the {kind!s} callback", function, takes=1, system=SYSTEM)
        if function is None:
            raise InvalidTypeError(f"{SYSTEM}: the {kind!s} callback is None, not a function")
    return out


class KineticaTableMonitor:
    """Call functions on a Kinetica table's events, from one background thread.

    The callback form of :func:`arrowtap.monitor_kinetica`, with the callback kinds of the
    official ``GPUdbTableMonitor.Client``: ``callbacks`` maps
    :class:`CallbackKind` members (or their names) to functions of one argument.
    Which monitors are created follows from them: an insert monitor for
    ``INSERT_DECODED`` / ``INSERT_RAW``, an update monitor for ``UPDATED``, a delete
    monitor for ``DELETED``. Every callback runs on the monitor's one thread, in the
    order of the events (no locking needed between callbacks). An exception in a
    callback stops the monitor (its server-side monitors are cleared) and is raised
    again by :meth:`stop` or when the ``with`` block ends. With a checkpoint, an
    event counts as delivered once its callback has returned.

    Parameters
    ----------
    url : str
        The server.
    table : str
        The table.
    callbacks : mapping of CallbackKind or str to callable
        What to call per event kind.
    inactivity_timeout, decode_failure_mode, checkpoint, increasing_column,
    tie_breaker, monitor_url, page_size, username, password, token, client, retry,
    zmq_context
        As for :func:`arrowtap.monitor_kinetica`. A message that does not decode and is
        skipped is logged (logger ``arrowtap.kinetica``).

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> counts = []
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long")])
    ...     monitor = KineticaTableMonitor(
    ...         fake.url, "t", {CallbackKind.INSERT_DECODED: lambda b: counts.append(b.num_rows)},
    ...         increasing_column="id", monitor_url=fake.monitor_url)
    ...     with monitor:
    ...         fake.insert("t", [{"id": 1}, {"id": 2}])
    ...         monitor.wait_delivered(lambda: sum(counts) == 2, timeout=10)
    True
    >>> counts
    [2]
    """

    def __init__(
        self,
        url: str,
        table: str,
        callbacks: Mapping[CallbackKind | str, Callable[[Any], object]],
        *,
        inactivity_timeout: float = 60.0,
        decode_failure_mode: str = "skip",
        checkpoint: CheckpointLike | None = None,
        increasing_column: str | None = None,
        tie_breaker: str | None = None,
        monitor_url: str | None = None,
        page_size: int = 50_000,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        zmq_context: zmq.Context[Any] | None = None,
    ) -> None:
        self.url, self.table = url, table
        self.callbacks = _callbacks(callbacks)
        kinds = set(self.callbacks)
        events = [
            event
            for event, wanted in (
                ("insert", {CallbackKind.INSERT_DECODED, CallbackKind.INSERT_RAW}),
                ("update", {CallbackKind.UPDATED}),
                ("delete", {CallbackKind.DELETED}),
            )
            if kinds & wanted
        ]
        if not events:
            raise InvalidArgumentError(
                f"{SYSTEM}: a table monitor needs an insert, update or delete callback"
            )
        self._settings: dict[str, Any] = {
            "events": events,
            "checkpoint": checkpoint,
            "increasing_column": increasing_column,
            "tie_breaker": tie_breaker,
            "inactivity_timeout": inactivity_timeout,
            "decode_failure_mode": decode_failure_mode,
            "stop_when_idle": None,
            "monitor_url": monitor_url,
            "page_size": page_size,
            "credentials": {
                "username": username,
                "password": password,
                "token": token,
                "client": client,
                "retry": retry,
            },
            "zmq_context": zmq_context,
        }
        check_stream(url, table, **self._settings)  # all of them now, before start()
        self._stream: MonitorStream | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._delivered = threading.Condition()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"KineticaTableMonitor({redact(self.url)!r}, {self.table!r}, {state})"

    @property
    def running(self) -> bool:
        """Whether the monitor thread is running."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def topics(self) -> list[str]:
        """The topic ids of the server-side monitors (empty before :meth:`start`)."""
        return self._stream.topics if self._stream is not None else []

    def start(self) -> KineticaTableMonitor:
        """Create the monitors, subscribe (here, so errors raise here), start the thread."""
        if self._thread is not None:
            raise InvalidArgumentError(f"{SYSTEM}: the table monitor was started already")
        raw = CallbackKind.INSERT_RAW in self.callbacks
        self._stream = open_stream(self.url, self.table, raw=raw, **self._settings)
        self._thread = threading.Thread(
            target=self._run, name=f"arrowtap-kinetica-monitor-{self.table}", daemon=True
        )
        self._thread.start()
        return self

    def _run(self) -> None:
        stream = self._stream
        assert stream is not None
        try:
            for event in stream:
                if isinstance(event, DecodeFailed):
                    log.warning(
                        "%s table monitor of %r: skipped: %s", SYSTEM, self.table, event.error
                    )
                kind, argument = _DISPATCH.get(type(event), (None, None))
                if kind is not None and argument is not None and kind in self.callbacks:
                    self.callbacks[kind](argument(event))
                stream.commit()
                with self._delivered:
                    self._delivered.notify_all()
        except BaseException as exc:
            self._error = exc
        finally:
            try:
                stream.close()
            except BaseException as exc:
                self._error = self._error or exc
            with self._delivered:
                self._delivered.notify_all()

    def wait_delivered(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Wait until `condition()` holds after a callback (or the thread ends); say if it does."""
        with self._delivered:
            return (
                self._delivered.wait_for(lambda: condition() or not self.running, timeout=timeout)
                and condition()
            )

    def stop(self) -> None:
        """Stop the thread, clear the monitors; raise what stopped it early, if anything."""
        if self._stream is not None:
            self._stream.interrupt()
        if self._thread is not None:
            self._thread.join()
        error, self._error = self._error, None
        if error is not None:
            raise error

    def __enter__(self) -> KineticaTableMonitor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
