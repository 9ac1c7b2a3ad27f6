"""The fake FinSpace service: world, authentication, throttling and server in one object."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from arrowtap.connectors.finspace.wire.model import shape
from arrowtap.testing._loopback import bound_port, serve_in_thread, stop_server
from arrowtap.testing.finspace.data import World
from arrowtap.testing.finspace.routes import Reply, error_reply, resolve
from arrowtap.testing.finspace.server import FinSpaceHTTPServer
from arrowtap.testing.finspace.sigv4 import TEST_CREDENTIALS, verify

__all__ = ["FakeFinSpace", "Stats"]

_COMMON_STATUS = {
    "UnrecognizedClientException": 403,
    "InvalidSignatureException": 403,
    "ExpiredTokenException": 403,
    "MissingAuthenticationTokenException": 403,
    "ServiceUnavailableException": 503,
}
"""Statuses of AWS errors that are common to every service, hence not in the model."""


@dataclass
class Stats:
    """What the fake answered: requests, statuses, throttles, errors by code."""

    requests: int = 0
    throttled: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        """The stats as JSON (what ``GET /_fake/stats`` returns)."""
        return {
            "requests": self.requests,
            "throttled": self.throttled,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "errors": dict(self.errors),
            "operations": dict(self.operations),
        }


class FakeFinSpace:
    """A loopback AWS FinSpace answering the kdb listing operations like AWS.

    Requests must be signed (SigV4, service ``finspace``, the fake's region)
    with one of the test credentials of :mod:`arrowtap.testing.finspace.sigv4`.
    ``GET /_fake/stats`` (unsigned) returns :class:`Stats` as JSON.

    Parameters
    ----------
    clusters : int
        Clusters of :attr:`environment_id`.
    environments, databases, changesets : int
        Environments; databases per environment; changesets per database.
    throttle_rate : float
        Fraction of requests answered ``429 ThrottlingException``: of every 100
        authenticated requests, that many (rounded down, the rest carried over)
        at places drawn from ``seed``, so bursts of throttles occur too.
    retry_after : float, optional
        ``Retry-After`` seconds sent with throttles (AWS sends none).
    seed : int
        Seed of the data and of the throttle draws.
    region : str
        Region the signatures must be scoped to.
    host, port : str, int
        Address to bind; port 0 picks a free one.

    Examples
    --------
    >>> import urllib.request, json
    >>> with FakeFinSpace(clusters=3) as fake:
    ...     with urllib.request.urlopen(fake.url + "/_fake/stats") as resp:
    ...         json.load(resp)["requests"]
    0
    """

    def __init__(
        self,
        *,
        clusters: int = 25,
        environments: int = 3,
        databases: int = 4,
        changesets: int = 6,
        throttle_rate: float = 0.0,
        retry_after: float | None = None,
        seed: int = 0,
        region: str = "us-east-1",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not 0.0 <= throttle_rate <= 1.0:
            raise ValueError(f"throttle_rate must be within [0, 1], not {throttle_rate!r}")
        self.world = World(
            clusters=clusters,
            environments=environments,
            databases=databases,
            changesets=changesets,
            seed=seed,
            region=region,
        )
        self.region = region
        self.throttle_rate = throttle_rate
        self.retry_after = retry_after
        self.stats = Stats()
        self.credentials = dict(TEST_CREDENTIALS)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._forced: deque[Reply] = deque()
        self._plan: deque[bool] = deque()
        self._carry = 0.0
        self._host, self._port = host, port
        self._server: FinSpaceHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def options(self) -> dict[str, Any]:
        """``region``, ``endpoint_url`` and ``credentials`` for arrowtap's FinSpace readers.

        Examples
        --------
        >>> with FakeFinSpace() as fake:
        ...     sorted(fake.options)
        ['credentials', 'endpoint_url', 'region']
        """
        return {"region": self.region, "endpoint_url": self.url, "credentials": self.credentials}

    @property
    def environment_id(self) -> str:
        """The environment holding ``clusters`` clusters."""
        return self.world.main_environment

    # -- fault injection -----------------------------------------------------------

    def throttle_next(self, count: int = 1) -> None:
        """Answer the next ``count`` authenticated requests with ``ThrottlingException``."""
        self.fail_next("ThrottlingException", "Rate exceeded", count=count)

    def fail_next(self, code: str, message: str | None = None, *, count: int = 1) -> None:
        """Answer the next ``count`` authenticated requests with the error ``code``.

        The status is the model's for a modelled exception (e.g. 409 for
        ``ConflictException``), AWS's for its common errors (403 for
        ``UnrecognizedClientException``, ...), else 400.
        """
        try:
            status = int(shape(code)["error"]["httpStatusCode"])
        except KeyError:
            status = _COMMON_STATUS.get(code, 400)
        reply = error_reply(status, code, message or f"Injected {code}.")
        with self._lock:
            self._forced.extend([reply] * count)

    def _throttle_now(self) -> bool:
        """Draw whether to throttle: the rate exactly per 100 requests, at random places."""
        if not self.throttle_rate:
            return False
        if not self._plan:
            self._carry += self.throttle_rate * 100
            count = int(self._carry)
            self._carry -= count
            block = [True] * count + [False] * (100 - count)
            self._rng.shuffle(block)
            self._plan.extend(block)
        return self._plan.popleft()

    # -- answering -----------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str]) -> Reply:
        """Answer one request: control plane, authentication, faults, then the operation."""
        if raw_path.split("?")[0] == "/_fake/stats":
            with self._lock:
                return Reply(200, json.dumps(self.stats.as_json()).encode())
        failure = verify(method, raw_path, headers, region=self.region)
        with self._lock:
            self.stats.requests += 1
            if failure is not None:
                reply = error_reply(failure.status, failure.code, failure.message)
            elif self._forced:
                reply = self._forced.popleft()
            elif self._throttle_now():
                reply = error_reply(429, "ThrottlingException", "Rate exceeded")
            else:
                reply = None
        if reply is None:
            reply = resolve(self.world, method, raw_path)
        if reply.code == "ThrottlingException" and self.retry_after is not None:
            reply.headers["Retry-After"] = f"{self.retry_after:g}"
        with self._lock:
            self.stats.statuses[reply.status] += 1
            self.stats.throttled += reply.code == "ThrottlingException"
            if reply.code is not None:
                self.stats.errors[reply.code] += 1
            if reply.operation is not None:
                self.stats.operations[reply.operation] += 1
        return reply

    # -- lifecycle -----------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (only once started)."""
        return bound_port(self._server, "FakeFinSpace")

    @property
    def url(self) -> str:
        """The endpoint URL, ``http://127.0.0.1:<port>``: pass it as ``endpoint_url``."""
        return f"http://{self._host}:{self.port}"

    def start(self) -> FakeFinSpace:
        """Bind and serve in a daemon thread; return ``self``."""
        if self._server is not None:
            return self
        server = FinSpaceHTTPServer((self._host, self._port), self)
        self._server = server
        self._thread = serve_in_thread(server, f"fake-finspace-{server.server_address[1]}")
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and every open connection, join the thread."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        stop_server(server, thread)

    def __enter__(self) -> FakeFinSpace:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
