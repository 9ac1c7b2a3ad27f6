"""The I/O of a Kinetica table monitor: server-side monitors, the ZMQ SUB socket, table reads.

A monitor is created per event (``/create/tablemonitor`` with ``event`` = ``insert``,
``update`` or ``delete``) and publishes on the server's ZMQ PUB port (9002 by default,
on the host of the HTTP URL) under its topic id (``kinetica.md`` §4). A monitor lives on
the server until it is cleared (``/clear/tablemonitor``), whether anyone listens or
not, so its ids are handed to a *recorder* before they exist (the ids are chosen here
with the ``monitor_id`` option): a process killed before it clears them leaves them
recorded, and the next run clears them first.

The socket connects, is watched until ZMQ reports the connection (bounded), then
subscribes to each topic and settles briefly: a subscription reaches the publisher
asynchronously, and what is published before it arrives is lost ("slow joiner").
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import pyarrow as pa
import zmq
from zmq.utils.monitor import recv_monitor_message

from arrowtap.connectors.kinetica.wire.client import SYSTEM, KineticaClient
from arrowtap.connectors.kinetica.wire.incremental import KeyOrder
from arrowtap.connectors.kinetica.wire.pages import get_records_request, read_records_page
from arrowtap.connectors.kinetica.wire.types import KineticaType
from arrowtap.errors import (
    ArrowtapError,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    TransportError,
)

__all__ = ["DEFAULT_MONITOR_PORT", "EVENTS", "MonitorConnection", "monitor_url_of", "read_sorted"]

EVENTS = ("insert", "update", "delete")
"""The events a table monitor can watch."""

DEFAULT_MONITOR_PORT = 9002
"""The server's table-monitor publishing port."""

SETTLE = 0.2
"""Seconds allowed for the subscriptions to reach the publisher after connecting."""

Message = tuple[str, list[bytes]]
Recorder = Callable[[Sequence[str]], None]


def monitor_url_of(url: str, monitor_url: str | None = None) -> str:
    """The ZMQ URL of the table monitors: `monitor_url`, or port 9002 on the server's host.

    Examples
    --------
    >>> monitor_url_of("http://kinetica.example:9191")
    'tcp://kinetica.example:9002'
    >>> monitor_url_of("http://h:9191", "tcp://h:19002")
    'tcp://h:19002'
    """
    if monitor_url is not None:
        if not isinstance(monitor_url, str) or not monitor_url.startswith("tcp://"):
            raise InvalidArgumentError(
                f"{SYSTEM}: monitor_url must be tcp://host:port, not {monitor_url!r}"
            )
        return monitor_url
    host = httpx.URL(url).host
    return f"tcp://{host}:{DEFAULT_MONITOR_PORT}"


def read_sorted(
    client: KineticaClient,
    table: str,
    ktype: KineticaType,
    order: KeyOrder,
    expression: str,
    page_size: int,
) -> Iterator[pa.RecordBatch]:
    """Wire pages of the rows of `table` matching `expression`, ascending by `order`.

    Raises
    ------
    DecodeError
        Rows not of `ktype` (the table was altered since it was described).
    """
    options = {"sort_by": order.column.name, "sort_order": "ascending"}
    if expression:
        options["expression"] = expression
    row = 0
    while True:
        body = get_records_request(table, row, page_size, options)
        page = client.call_binary(
            "/get/records",
            body,
            lambda data: read_records_page(data, ktype, table),
            table=table,
        )
        row += page.wire.num_rows
        if page.wire.num_rows:
            yield page.wire
        if not page.has_more or not page.wire.num_rows:
            return


class MonitorConnection:
    """The server-side monitors of one table and the SUB socket that follows them.

    Parameters
    ----------
    client : KineticaClient
        Calls to the server (not closed here).
    table : str
        The table.
    events : sequence of str
        Some of :data:`EVENTS`.
    monitor_url : str
        ``tcp://host:port`` of the server's monitor PUB socket.
    context : zmq.Context, optional
        Your ZMQ context (not terminated here); a private one by default.
    connect_timeout : float
        Seconds to wait for the ZMQ connection.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake, KineticaClient(fake.url) as client:
    ...     _ = fake.create_table("t", [("id", "long")])
    ...     conn = MonitorConnection(client, "t", ["insert"], fake.monitor_url)
    ...     conn.open(lambda ids: None)
    ...     fake.wait_subscribed(*conn.topics)
    ...     fake.insert("t", [{"id": 1}])
    ...     [(event, len(frames)) for event, frames in conn.receive(5.0)]
    ...     conn.close()
    ...     fake.monitors
    True
    [('insert', 1)]
    {}
    """

    def __init__(
        self,
        client: KineticaClient,
        table: str,
        events: Sequence[str],
        monitor_url: str,
        *,
        context: zmq.Context[Any] | None = None,
        connect_timeout: float = 10.0,
    ) -> None:
        self.client, self.table, self.monitor_url = client, table, monitor_url
        self.events = tuple(events)
        self.connect_timeout = connect_timeout
        self.topics: dict[str, str] = {}
        self._context, self._own_context = context, context is None
        self._socket: zmq.Socket[Any] | None = None

    def clear(self, topic_ids: Sequence[str]) -> None:
        """Clear monitors by id; those that do not exist any more are fine."""
        for topic in topic_ids:
            # One already gone was cleared before, or dropped with its table.
            with contextlib.suppress(BadRequestError, NotFoundError):
                self.client.call("/clear/tablemonitor", {"topic_id": topic, "options": {}})

    def open(self, record: Recorder, previous: Sequence[str] = ()) -> None:
        """Clear the `previous` monitors, create new ones, connect and subscribe.

        `record` gets the ids before the monitors exist, and again if the server
        chose other ones.
        """
        self.clear(previous)
        wanted = {event: uuid.uuid4().hex for event in self.events}
        record(list(wanted.values()))
        try:
            for event, topic in wanted.items():
                reply = self.client.call(
                    "/create/tablemonitor",
                    {"table_name": self.table, "options": {"event": event, "monitor_id": topic}},
                    table=self.table,
                )
                self.topics[str(reply["topic_id"])] = event
            if set(self.topics) != set(wanted.values()):
                record([*self.topics, *wanted.values()])
            self._subscribe()
        except BaseException:
            self.clear([*self.topics, *(t for t in wanted.values() if t not in self.topics)])
            self.topics.clear()
            self._close_socket()
            raise

    def _subscribe(self) -> None:
        if self._context is None:
            self._context = zmq.Context()
        sock = self._context.socket(zmq.SUB)
        self._socket = sock
        sock.setsockopt(zmq.LINGER, 0)
        watch = sock.get_monitor_socket(zmq.EVENT_CONNECTED)
        try:
            sock.connect(self.monitor_url)
            if not watch.poll(int(self.connect_timeout * 1000)):
                raise TransportError(
                    f"{SYSTEM} table monitor of {self.table!r}: no ZMQ connection to "
                    f"{self.monitor_url} within {self.connect_timeout} s; {self._hint()}"
                )
            recv_monitor_message(watch)
        finally:
            sock.disable_monitor()
            watch.close(linger=0)
        for topic in self.topics:
            sock.setsockopt_string(zmq.SUBSCRIBE, topic)
        time.sleep(SETTLE)

    def _hint(self) -> str:
        """What to pass as ``monitor_url=``: where the server says it publishes, if it says."""
        try:
            reply = self.client.call("/show/system/properties", {"options": {}})
            port = str(reply["property_map"]["conf.set_monitor_port"])
        except (ArrowtapError, KeyError, TypeError):  # a server that does not say
            return "pass monitor_url='tcp://host:port' (the server's conf.set_monitor_port)"
        host = self.monitor_url.removeprefix("tcp://").rsplit(":", 1)[0]  # the server's
        advertised = f"tcp://{host}:{port}"
        if advertised == self.monitor_url:
            return f"the server advertises {advertised} (conf.set_monitor_port): is it reachable?"
        return (
            f"the server advertises port {port} (conf.set_monitor_port): "
            f"pass monitor_url={advertised!r}"
        )

    def receive(self, timeout: float, limit: int = 256) -> list[Message]:
        """The messages that arrive within `timeout` seconds: all those waiting, up to `limit`."""
        if self._socket is None:
            raise InvalidArgumentError(f"{SYSTEM} table monitor of {self.table!r} is not open")
        sock, out = self._socket, list[Message]()
        if not sock.poll(max(0, int(timeout * 1000))):
            return []
        while len(out) < limit and sock.poll(0):
            frames = sock.recv_multipart()
            event = self.topics.get(frames[0].decode("utf-8", "replace"))
            if event is not None:
                out.append((event, frames[1:]))
        return out

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None
        if self._own_context and self._context is not None:
            self._context.term()
            self._context = None

    def close(self, record: Recorder | None = None) -> None:
        """Clear the monitors (then tell `record` none is left) and close the socket."""
        try:
            self.clear(list(self.topics))
            self.topics.clear()
            if record is not None:
                record([])
        finally:
            self._close_socket()
