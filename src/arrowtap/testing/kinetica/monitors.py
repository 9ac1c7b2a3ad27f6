"""Table monitors of the fake Kinetica: the registry and the ZMQ publisher.

A monitor (``/create/tablemonitor``) watches one table for one event, ``insert``,
``update`` or ``delete``, under a topic id of 32 hex digits (fixed length, so no topic
is a prefix of another under ZMQ's prefix subscriptions). Every table operation is
published on the PUB socket as one multipart message per monitor (``kinetica.md`` §4.2):
``[topic, row1, row2, ...]`` for an insert (each row the Avro binary of the table
type) and ``[topic, {count}]`` for an update or delete (a record with one ``long``
field ``count``). A monitor lives until ``/clear/tablemonitor`` or until its table is
dropped. ZMQ PUB drops messages for a subscriber past the high-water mark (``hwm``);
the fake can also drop a fraction of them on purpose (:mod:`.faults`).

The socket is an XPUB, which a SUB cannot tell from a PUB but which hears the
subscriptions: :meth:`Publisher.wait_subscribed` lets a test wait until a subscriber's
topic has arrived instead of sleeping past ZMQ's "slow joiner" window.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import zmq

from arrowtap.testing.kinetica.rowcodec import write_long

__all__ = ["COUNT_SCHEMA", "EVENTS", "Monitor", "Publisher"]

EVENTS = ("insert", "update", "delete")
"""The monitor events."""

COUNT_SCHEMA = json.dumps(
    {"type": "record", "name": "type_name", "fields": [{"name": "count", "type": "long"}]}
)
"""The schema of update and delete notifications (and of those monitors' ``type_schema``)."""


@dataclass
class Monitor:
    """One table monitor.

    Attributes
    ----------
    topic_id, table_name, event : str
        The ZMQ topic, the table (as created) and the event.
    type_schema : str
        What ``/create/tablemonitor`` answered: the table type (insert) or
        :data:`COUNT_SCHEMA`.
    options : dict of str to str
        The creation options.
    published : int
        Messages handed to the socket on this topic (those the fault injection drops
        are not counted; those ZMQ drops past a subscriber's HWM are).
    """

    topic_id: str
    table_name: str
    event: str
    type_schema: str
    options: dict[str, str] = field(default_factory=dict)
    published: int = 0


class Publisher:
    """The PUB socket of a fake and the monitors publishing on it.

    Parameters
    ----------
    host : str
        Address to bind.
    port : int
        Port to bind; 0 picks a free one.
    hwm : int
        The socket's send high-water mark (messages queued per subscriber). ZMQ takes
        it when the socket binds, so it cannot change afterwards.
    seed : int
        Seed of the topic ids.
    drop : callable returning bool, optional
        Asked before each message; ``True`` drops it (fault injection).

    Examples
    --------
    >>> pub = Publisher("127.0.0.1", 0)
    >>> pub.url.startswith("tcp://127.0.0.1:")
    True
    >>> pub.close()
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        hwm: int = 1000,
        seed: int = 0,
        drop: Callable[[], bool] | None = None,
    ) -> None:
        self.monitors: dict[str, Monitor] = {}
        self._rng = random.Random(seed)
        self._drop = drop or (lambda: False)
        self._lock = threading.Lock()
        self._context = zmq.Context()
        self._socket = self._context.socket(zmq.XPUB)
        self._subscribed: set[bytes] = set()
        self._socket.setsockopt(zmq.SNDHWM, hwm)
        self._socket.setsockopt(zmq.LINGER, 0)
        if port:
            self._socket.bind(f"tcp://{host}:{port}")
        else:
            port = self._socket.bind_to_random_port(f"tcp://{host}")
        self.host, self.port = host, port

    @property
    def url(self) -> str:
        """``tcp://host:port`` of the PUB socket."""
        return f"tcp://{self.host}:{self.port}"

    def add(
        self, table_name: str, event: str, type_schema: str, options: dict[str, str]
    ) -> Monitor:
        """Register a monitor under a new topic id (or the ``monitor_id`` option)."""
        with self._lock:
            topic = options.get("monitor_id") or f"{self._rng.getrandbits(128):032x}"
            monitor = Monitor(topic, table_name, event, type_schema, dict(options))
            self.monitors[topic] = monitor
            return monitor

    def remove(self, topic_id: str) -> Monitor | None:
        """Forget a monitor; return it (``None`` if unknown)."""
        with self._lock:
            return self.monitors.pop(topic_id, None)

    def remove_table(self, table_name: str) -> list[Monitor]:
        """Forget every monitor of a table (it was dropped)."""
        with self._lock:
            gone = [m for m in self.monitors.values() if m.table_name == table_name]
            for m in gone:
                del self.monitors[m.topic_id]
            return gone

    def rename_table(self, old: str, new: str) -> None:
        """Keep a renamed table's monitors."""
        with self._lock:
            for m in self.monitors.values():
                if m.table_name == old:
                    m.table_name = new

    def _drain(self) -> None:
        """Read the pending (un)subscriptions (lock held)."""
        while self._socket.poll(0, zmq.POLLIN):
            note = self._socket.recv(zmq.NOBLOCK)
            if note[:1] == b"\x01":
                self._subscribed.add(note[1:])
            elif note[:1] == b"\x00":
                self._subscribed.discard(note[1:])

    def subscribed(self, topic_id: str) -> bool:
        """Whether some subscriber listens to `topic_id` (or to a prefix of it)."""
        with self._lock:
            self._drain()
            topic = topic_id.encode()
            return any(topic.startswith(s) for s in self._subscribed)

    def wait_subscribed(self, topic_id: str, timeout: float = 10.0) -> bool:
        """Wait until some subscriber listens to `topic_id`; ``False`` after `timeout` s."""
        deadline = time.monotonic() + timeout
        while not self.subscribed(topic_id):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def _send(self, table_name: str, event: str, frames: Sequence[bytes]) -> None:
        with self._lock:
            self._drain()
            for m in list(self.monitors.values()):
                if m.table_name != table_name or m.event != event or self._drop():
                    continue
                # Past a subscriber's HWM the socket drops the message silently.
                self._socket.send_multipart([m.topic_id.encode(), *frames], zmq.NOBLOCK)
                m.published += 1

    def inserted(self, table_name: str, rows: Sequence[bytes]) -> None:
        """Publish one insert notification: the rows, one frame each."""
        if rows:
            self._send(table_name, "insert", rows)

    def counted(self, table_name: str, event: str, count: int) -> None:
        """Publish one update or delete notification with its count."""
        if count:
            self._send(table_name, event, [write_long(count)])

    def close(self) -> None:
        """Close the socket and the context."""
        with self._lock:
            self._socket.close(linger=0)
            self._context.term()
