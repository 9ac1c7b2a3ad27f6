"""The fake Kinetica: store, monitors, faults, credentials and both servers in one object."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import pyarrow as pa

from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
from arrowtap.testing._loopback import bound_port, serve_in_thread, stop_server
from arrowtap.testing.kinetica.auth import Credentials
from arrowtap.testing.kinetica.bulk import encode_framed
from arrowtap.testing.kinetica.faults import Faults
from arrowtap.testing.kinetica.monitors import Monitor, Publisher
from arrowtap.testing.kinetica.reads import Gate, RecordsRequest
from arrowtap.testing.kinetica.server import KineticaHTTPServer
from arrowtap.testing.kinetica.store import Store
from arrowtap.testing.kinetica.table import Table

__all__ = ["FakeKinetica"]

ColumnSpec = KineticaColumn | Sequence[str]


def _ktype(columns: KineticaType | Sequence[ColumnSpec]) -> KineticaType:
    if isinstance(columns, KineticaType):
        return columns
    cols = [
        c if isinstance(c, KineticaColumn) else KineticaColumn(c[0], c[1], tuple(c[2:]))
        for c in columns
    ]
    return KineticaType(tuple(cols))


class FakeKinetica:
    """A loopback Kinetica speaking the REST protocol and publishing table monitors on ZMQ.

    Parameters
    ----------
    username, password : str, optional
        Require HTTP Basic credentials.
    token : str, optional
        Require ``Authorization: Bearer <token>`` (either credential passes when both
        are set).
    host : str
        Address of both servers.
    port, monitor_port : int
        HTTP and ZMQ PUB ports; 0 picks free ones.
    max_get_records_size : int
        The most rows one page returns (``limit=-9999`` or a larger limit).
    version : str
        The server version claimed (the official client compares major.minor).
    pub_hwm : int
        ZMQ send high-water mark of the PUB socket: messages queued per subscriber
        before PUB drops them (a slow subscriber loses messages past it).
    unavailable_rate, reset_rate, delay, zmq_drop_rate : float
        Faults, see :class:`~arrowtap.testing.kinetica.faults.Faults`; change them
        later through :attr:`faults`.
    seed : int
        Seed of the fault draws and of the monitor topic ids.

    Examples
    --------
    >>> import urllib.request
    >>> from arrowtap.connectors.kinetica.wire.envelope import decode_response, encode_request
    >>> with FakeKinetica() as fake:
    ...     t = fake.create_table("t", [("id", "long", "primary_key"), ("s", "string", "char8")])
    ...     fake.insert("t", [{"id": 1, "s": "a"}, {"id": 2, "s": "b"}])
    ...     req = urllib.request.Request(fake.url + "/has/table",
    ...                                  encode_request("/has/table", {"table_name": "t"}))
    ...     with urllib.request.urlopen(req) as resp:
    ...         decode_response("/has/table", resp.read()).data["table_exists"]
    ...     fake.rows("t")
    True
    [{'id': 1, 's': 'a'}, {'id': 2, 's': 'b'}]
    """

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        monitor_port: int = 0,
        max_get_records_size: int = 20000,
        version: str = "7.2.3.13",
        pub_hwm: int = 1000,
        unavailable_rate: float = 0.0,
        reset_rate: float = 0.0,
        delay: float = 0.0,
        zmq_drop_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.credentials = Credentials(username, password, token)
        self.faults = Faults(
            unavailable_rate=unavailable_rate,
            reset_rate=reset_rate,
            delay=delay,
            zmq_drop_rate=zmq_drop_rate,
            seed=seed,
        )
        self.store = Store()
        self.max_get_records_size = max_get_records_size
        self.version = version
        self.requests: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.reads: list[RecordsRequest] = []
        """Every ``/get/records`` request answered, in order (tests tell partitions apart)."""
        self.gate = Gate()
        """Holds ``/get/records`` requests back while closed (see :class:`Gate`)."""
        self._counter_lock = threading.Lock()
        self._host, self._port, self._monitor_port = host, port, monitor_port
        self._pub_hwm, self._seed = pub_hwm, seed
        self._server: KineticaHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._publisher: Publisher | None = None

    def __repr__(self) -> str:
        state = f"url={self.url!r}" if self._server is not None else "stopped"
        return f"FakeKinetica({state}, tables={sorted(self.store.tables)})"

    # -- direct set-up and inspection (no HTTP) ------------------------------------

    def create_table(
        self,
        name: str,
        columns: KineticaType | Sequence[ColumnSpec],
        *,
        options: Mapping[str, str] | None = None,
    ) -> Table:
        """Create a table: `columns` a type, or ``(name, base, *properties)`` tuples."""
        with self.store.lock:
            entry = self.store.add_ktype(_ktype(columns))
            return self.store.create_table(name, entry.type_id, dict(options or {}))

    def insert(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append rows given as wire values (as :meth:`rows` returns them); no checks."""
        with self.store.lock:
            table = self.store.table(name)
            values = [dict(r) for r in rows]
            encoded = [table.codec.encode(v) for v in values]
            table.append(encoded, values)
            self.publisher.inserted(table.name, encoded)

    def insert_arrow(self, name: str, data: pa.Table | pa.RecordBatch) -> int:
        """Append the rows of an Arrow table fast (vectorised encoding); return how many.

        The columns are converted to the table's wire values with
        :func:`~arrowtap.connectors.kinetica.wire.values.arrow_to_wire` (which checks them);
        no monitor is notified and keys are not checked.
        """
        with self.store.lock:
            table = self.store.table(name)
            framed = encode_framed(data, table.ktype)
            table.append_framed(framed)
            return len(framed)

    def rows(self, name: str) -> list[dict[str, Any]]:
        """A copy of a table's rows as wire values (int, float, str, bytes or None)."""
        with self.store.lock:
            return [dict(r) for r in self.store.table(name).values()]

    def table(self, name: str) -> Table:
        """The :class:`~arrowtap.testing.kinetica.table.Table` called `name`."""
        with self.store.lock:
            return self.store.table(name)

    @property
    def monitors(self) -> dict[str, Monitor]:
        """The live table monitors by topic id (a copy)."""
        return dict(self.publisher.monitors) if self._publisher is not None else {}

    def wait_subscribed(self, *topic_ids: str, timeout: float = 10.0) -> bool:
        """Wait until the topics (default: every live monitor's) have a ZMQ subscriber.

        Returns ``False`` if `timeout` seconds pass first. Use it instead of sleeping
        after a subscriber connects: messages published before its subscription has
        reached the server are lost (ZMQ's "slow joiner").
        """
        deadline = time.monotonic() + timeout
        for topic in topic_ids or tuple(self.monitors):
            left = deadline - time.monotonic()
            if not self.publisher.wait_subscribed(topic, max(left, 0.0)):
                return False
        return True

    def count(self, path: str, status: int) -> None:
        """Count one answered request (the HTTP layer calls this)."""
        with self._counter_lock:
            self.requests[path] += 1
            self.statuses[status] += 1

    def read_answered(self, request: RecordsRequest) -> None:
        """Keep one answered ``/get/records`` request (its route calls this)."""
        with self._counter_lock:
            self.reads.append(request)
        self.gate.answered(request)

    # -- lifecycle -----------------------------------------------------------------

    @property
    def publisher(self) -> Publisher:
        """The ZMQ publisher (only once started)."""
        if self._publisher is None:
            raise RuntimeError("FakeKinetica is not started")
        return self._publisher

    @property
    def port(self) -> int:
        """The HTTP port (only once started)."""
        return bound_port(self._server, "FakeKinetica")

    @property
    def url(self) -> str:
        """``http://host:port``: pass it as ``GPUdb(host=...)``."""
        return f"http://{self._host}:{self.port}"

    @property
    def monitor_port(self) -> int:
        """The ZMQ PUB port: pass it as the table monitor's ``monitor_port``."""
        return self.publisher.port

    @property
    def monitor_url(self) -> str:
        """``tcp://host:port`` of the ZMQ PUB socket."""
        return self.publisher.url

    @property
    def pub_hwm(self) -> int:
        """The PUB socket's send high-water mark (fixed once started: ZMQ takes it at bind)."""
        return self._pub_hwm

    def start(self) -> FakeKinetica:
        """Bind both sockets and serve HTTP in a daemon thread; return ``self``."""
        if self._server is not None:
            return self
        self._publisher = Publisher(
            self._host,
            self._monitor_port,
            hwm=self._pub_hwm,
            seed=self._seed,
            drop=self.faults.drop_message,
        )
        try:
            server = KineticaHTTPServer((self._host, self._port), self)
        except BaseException:
            self._publisher.close()
            self._publisher = None
            raise
        self._server = server
        self._thread = serve_in_thread(server, f"fake-kinetica-{server.server_address[1]}")
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and the PUB socket."""
        server, thread, publisher = self._server, self._thread, self._publisher
        self._server = self._thread = None
        self.gate.open()  # a held request would keep its handler thread alive
        try:
            stop_server(server, thread)
        finally:
            if publisher is not None:
                publisher.close()

    def __enter__(self) -> FakeKinetica:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
