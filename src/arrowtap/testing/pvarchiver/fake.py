"""The fake Cassandra PV Archiver: archive, clock, faults and server in one object."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

from arrowtap.testing._loopback import bound_port, serve_in_thread, stop_server
from arrowtap.testing.pvarchiver.admin_routes import ADMIN_BASE_PATH
from arrowtap.testing.pvarchiver.admin_server import AdminHandler
from arrowtap.testing.pvarchiver.admin_state import THIS_SERVER_ID, AdminState
from arrowtap.testing.pvarchiver.archive import Archive
from arrowtap.testing.pvarchiver.cache import BodyCache
from arrowtap.testing.pvarchiver.channels import default_channels
from arrowtap.testing.pvarchiver.faults import Faults, FaultStats, FaultTrigger
from arrowtap.testing.pvarchiver.render import sample_to_dict
from arrowtap.testing.pvarchiver.routes import BASE_PATH
from arrowtap.testing.pvarchiver.server import ArchiveHTTPServer
from arrowtap.testing.pvarchiver.spec import ChannelSpec

__all__ = ["FakeArchiver"]


class FakeArchiver:
    """A loopback Cassandra PV Archiver: the archive-access API 1.0, and the admin API.

    Parameters
    ----------
    channels : iterable of ChannelSpec, optional
        The archive's channels; default :func:`default_channels`.
    faults : Faults, optional
        Faults to inject; default none. Changeable at runtime via :attr:`faults`.
    clock : callable, optional
        Returns the current time in ns (default :func:`time.time_ns`); live
        channels hold the samples up to it. :meth:`advance` adds to it.
    host : str
        Address to bind.
    port : int
        Port to bind; 0 picks a free one.
    cache_bytes : int
        Size limit of the cache of rendered bodies.
    admin : bool
        Also serve the administrative API (on a second port, :attr:`admin_url`).
    admin_port : int
        Port of the administrative API; 0 picks a free one.
    admin_users : mapping of str to str, optional
        Users and passwords accepted by its modifying requests; default ``admin`` / ``admin``.

    Examples
    --------
    >>> import json, urllib.request
    >>> with FakeArchiver() as fake:
    ...     with urllib.request.urlopen(fake.url + "/archive/") as resp:
    ...         json.load(resp)[0]["name"]
    'Cassandra'
    """

    def __init__(
        self,
        channels: Iterable[ChannelSpec] | None = None,
        *,
        faults: Faults | None = None,
        clock: Callable[[], int] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        cache_bytes: int = 384 * 1024 * 1024,
        admin: bool = False,
        admin_port: int = 0,
        admin_users: Mapping[str, str] | None = None,
    ) -> None:
        self.archive = Archive(default_channels() if channels is None else channels)
        self.stats = FaultStats()
        self.cache = BodyCache(cache_bytes)
        self.fault_trigger = FaultTrigger(Faults() if faults is None else faults)
        self._clock = time.time_ns if clock is None else clock
        self._offset = 0
        self._host = host
        self._port = port
        self._server: ArchiveHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.admin_state = AdminState(
            self.archive,
            dict(admin_users or {"admin": "admin"}),
            lambda: self.now_ns() // 1_000_000,
            on_change=self.cache.clear,
        )
        """The cluster's configuration as the admin API shows and changes it."""
        self._admin, self._admin_port = admin, admin_port
        self._admin_server: ArchiveHTTPServer | None = None
        self._admin_thread: threading.Thread | None = None

    # -- configuration -------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The faults injected from now on; setting it restarts the random sequence."""
        return self.fault_trigger.faults

    @faults.setter
    def faults(self, faults: Faults | None) -> None:
        self.fault_trigger = FaultTrigger(Faults() if faults is None else faults)

    def now_ns(self) -> int:
        """Return the archive's current time in ns (the clock plus :meth:`advance`)."""
        return self._clock() + self._offset

    def advance(self, ns: int) -> None:
        """Move the archive's clock forward by ``ns`` nanoseconds (live channels grow).

        Examples
        --------
        >>> fake = FakeArchiver([ChannelSpec("x", start_ns=0, count=None)], clock=lambda: 0)
        >>> fake.advance(2_000_000_000); fake.now_ns()
        2000000000
        """
        if ns < 0:
            raise ValueError(f"FakeArchiver.advance needs ns >= 0, not {ns!r}")
        self._offset += ns

    @property
    def channel_names(self) -> list[str]:
        """The channel names, in the server's (Java) order."""
        return list(self.archive.names)

    @property
    def channels(self) -> dict[str, ChannelSpec]:
        """The channel specifications by name."""
        return {name: data.spec for name, data in self.archive.channels.items()}

    # -- lifecycle -------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (only once started)."""
        return bound_port(self._server, "FakeArchiver")

    @property
    def url(self) -> str:
        """The base URL, ``http://<host>:<port>/archive-access/api/1.0`` (no trailing slash)."""
        return f"http://{self._host}:{self.port}{BASE_PATH}"

    @property
    def admin_port(self) -> int:
        """The bound port of the administrative API (only once started with ``admin=True``)."""
        if self._admin_server is None:
            raise RuntimeError("FakeArchiver serves no admin API (start it with admin=True)")
        return int(self._admin_server.server_address[1])

    @property
    def admin_url(self) -> str:
        """The admin API's base URL, ``http://<host>:<admin_port>/admin/api/1.0``."""
        return f"http://{self._host}:{self.admin_port}{ADMIN_BASE_PATH}"

    @property
    def server_id(self) -> str:
        """The ID of the (online) server the fake is, in the admin API."""
        return THIS_SERVER_ID

    def _serve(self, server: ArchiveHTTPServer, label: str) -> threading.Thread:
        return serve_in_thread(server, f"fake-pvarchiver-{label}{server.server_address[1]}")

    def start(self) -> FakeArchiver:
        """Bind and serve in daemon threads; return ``self``."""
        if self._server is not None:
            return self
        server = ArchiveHTTPServer((self._host, self._port), self)
        admin = None
        try:
            if self._admin:
                address = (self._host, self._admin_port)
                admin = ArchiveHTTPServer(address, self, handler=AdminHandler)
        except BaseException:
            server.server_close()
            raise
        self._server, self._thread = server, self._serve(server, "")
        if admin is not None:
            self._admin_server, self._admin_thread = admin, self._serve(admin, "admin-")
        return self

    def stop(self) -> None:
        """Stop serving, close the sockets and every open connection, join the threads."""
        servers = [(self._server, self._thread), (self._admin_server, self._admin_thread)]
        self._server = self._thread = self._admin_server = self._admin_thread = None
        for server, thread in servers:
            stop_server(server, thread)

    def __enter__(self) -> FakeArchiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- ground truth ----------------------------------------------------------------

    def expected_samples(
        self,
        name: str,
        start: int,
        end: int,
        count: int | None = None,
        *,
        now_ns: int | None = None,
    ) -> list[dict[str, Any]]:
        """Return what ``json.loads`` gives for the server's answer to a samples request.

        Same order as the server (including the level-fallback quirk), NaN and
        the infinities as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``.

        Parameters
        ----------
        name : str
            The exact channel name.
        start, end : int
            The requested range in ns (``0 <= start <= end``).
        count : int, optional
            The requested number of samples (decimation), ``None`` for raw.
        now_ns : int, optional
            The archive time to evaluate at; default :meth:`now_ns`.

        Raises
        ------
        KeyError
            If there is no such channel.
        ValueError
            If the parameters are ones the server rejects with a 400.
        """
        if start < 0 or end < start or (count is not None and count <= 0):
            raise ValueError(f"invalid samples request start={start} end={end} count={count}")
        now = self.now_ns() if now_ns is None else now_ns
        return [sample_to_dict(s) for s in self.archive.samples(name, start, end, count, now)]

    def raw_samples(
        self,
        name: str,
        start: int | None = None,
        end: int | None = None,
        *,
        now_ns: int | None = None,
    ) -> list[dict[str, Any]]:
        """Return the existing raw samples of a channel with ``start <= time <= end``.

        Unlike :meth:`expected_samples` there are no extra samples outside the
        range. ``None`` bounds mean the whole channel.
        """
        now = self.now_ns() if now_ns is None else now_ns
        data = self.archive.channels[name]
        lo = 0 if start is None else start
        hi = 2**63 - 1 if end is None else end
        return [sample_to_dict(s) for s in data.raw_in(lo, hi, now)]
