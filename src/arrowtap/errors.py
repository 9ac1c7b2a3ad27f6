"""The one exception tree of arrowtap.

Every error arrowtap raises derives from :class:`ArrowtapError`; where a builtin
fits, the error also inherits it, so ``except ValueError`` keeps working::

    ArrowtapError
    ├── InvalidArgumentError (ValueError)        a bad value passed by the caller
    │   └── InvalidTypeError (TypeError)         ... of a type the argument does not take
    ├── ProtocolError                            the server broke its protocol
    │   └── DecodeError (ValueError)             a body that does not decode
    ├── TransportError (ConnectionError)         no answer after the retry budget
    ├── ServerError                              an HTTP error status, or a refusal in a body
    │   ├── BadRequestError (ValueError)         400, e.g. an invalid regexp
    │   │   └── NotSupportedError                an operation the server's setup lacks (HarperDB)
    │   ├── AuthenticationError (PermissionError)  401 / 403
    │   ├── NotFoundError (LookupError)          404
    │   │   └── ChannelNotFoundError             an unknown archive channel
    │   ├── UnavailableError                     429 / 5xx after the retry budget
    │   └── PartialOperationError                done on the node, not on its peer (HarperDB)
    ├── CheckpointError                          the offsets store
    │   ├── CheckpointExistsError                reopened with other attributes
    │   ├── CheckpointNoSpaceError               more sections than allowed
    │   ├── CheckpointInvalidParamError (ValueError)  key or value too large
    │   ├── CheckpointNotFoundError (KeyError)   no such section
    │   ├── CheckpointNotActiveError             write without the active replica (or lease)
    │   └── DestinationHeldError                 another writer holds the lease
    └── SinkError                                the output could not be written
        ├── SchemaDriftError                     the source's columns broke the schema contract
        ├── KineticaInsertError                  rows a Kinetica insert refused
        └── HarperDBWriteError                   a HarperDB write stopped midway

A sync or read stopped by Ctrl-C or SIGTERM raises :class:`Interrupted`, a
:class:`KeyboardInterrupt` (not an :class:`ArrowtapError`: nothing failed) that
carries the summary of what was committed before the stop.

What works but is likely not what was meant is a warning (``warnings.warn``)::

    ArrowtapWarning (UserWarning)
    ├── NoMatchWarning          a channel pattern that matches no channel
    └── CheckpointAheadWarning  a start before what the checkpoint already holds

Every attribute an error carries is declared on its class and set by its
constructor: each keyword parameter is kept as the attribute of the same name.
Every error survives pickling with them (Dask sends errors from workers to the
client). Messages name the system, the endpoint and the
bad value, never a secret; no error chains a library exception that holds one
(:mod:`arrowtap.connectors._http` chains a redacted copy instead).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from arrowtap.notices import (
    ArrowtapWarning,
    CheckpointAheadWarning,
    Interrupted,
    NoMatchWarning,
)

__all__ = [
    "ArrowtapError",
    "ArrowtapWarning",
    "AuthenticationError",
    "BadRequestError",
    "ChannelNotFoundError",
    "CheckpointAheadWarning",
    "CheckpointError",
    "CheckpointExistsError",
    "CheckpointInvalidParamError",
    "CheckpointNoSpaceError",
    "CheckpointNotActiveError",
    "CheckpointNotFoundError",
    "DecodeError",
    "DestinationHeldError",
    "HarperDBWriteError",
    "Interrupted",
    "InvalidArgumentError",
    "InvalidTypeError",
    "KineticaInsertError",
    "NoMatchWarning",
    "NotFoundError",
    "NotSupportedError",
    "PartialOperationError",
    "ProtocolError",
    "SchemaDriftError",
    "ServerError",
    "SinkError",
    "TransportError",
    "UnavailableError",
]


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Make an error again from its message and attributes, past its keyword-only ``__init__``."""
    error = cls.__new__(cls, *args)
    BaseException.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ArrowtapError(Exception):
    """Root of every error raised by arrowtap.

    Examples
    --------
    >>> import pickle
    >>> error = ServerError("demo: HTTP 418", status=418, url="http://h/x")
    >>> copy = pickle.loads(pickle.dumps(error))
    >>> str(copy), copy.status
    ('demo: HTTP 418', 418)
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # The default reduce calls cls(*args), which the keyword-only attributes refuse.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class InvalidArgumentError(ArrowtapError, ValueError):
    """A value passed by the caller is not acceptable."""


class InvalidTypeError(InvalidArgumentError, TypeError):
    """A value passed by the caller is of a type the argument does not take."""


class ProtocolError(ArrowtapError):
    """The server answered in a way its protocol does not allow."""


class DecodeError(ProtocolError, ValueError):
    """A response body (or part of one) does not decode."""


class TransportError(ArrowtapError, ConnectionError):
    """The server could not be reached, or the connection broke, past the retries.

    Its ``__cause__`` is a copy of the HTTP library's exception, of the same
    class (e.g. ``httpx.ConnectError``), holding only the redacted message.

    Parameters
    ----------
    message : str
        What failed: the system, the endpoint, and the library's reason.
    url : str, optional
        The URL requested (never carries credentials).
    """

    url: str | None

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class ServerError(ArrowtapError):
    """The server answered with an HTTP error status, or refused a request in its body.

    Parameters
    ----------
    message : str
        What failed, naming the system, the endpoint and the bad value.
    status : int
        The HTTP status code.
    url : str
        The URL requested (never carries credentials).
    code : str, optional
        The server's own error code (AWS's ``ValidationException``, ...).
    server_message : str, optional
        The server's own explanation, cleaned of secrets.
    request_id : str, optional
        The id the server gave the request (AWS's ``x-amzn-RequestId``).
    """

    status: int
    url: str
    code: str | None
    server_message: str | None
    request_id: str | None

    def __init__(
        self,
        message: str,
        *,
        status: int,
        url: str,
        code: str | None = None,
        server_message: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.code = code
        self.server_message = server_message
        self.request_id = request_id

    @property
    def aws_message(self) -> str | None:
        """AWS's message (FinSpace's name for :attr:`server_message`)."""
        return self.server_message


class BadRequestError(ServerError, ValueError):
    """The server rejected the request as malformed (HTTP 400)."""


class NotSupportedError(BadRequestError):
    """The server refuses an operation its configuration does not provide.

    HarperDB 4.4+ replicates natively; ``cluster_network`` and ``purge_stream``
    exist only with legacy NATS clustering and are refused with "Clustering
    must be enabled to perform this operation."
    """


class AuthenticationError(ServerError, PermissionError):
    """The server refused the credentials (HTTP 401 or 403)."""


class NotFoundError(ServerError, LookupError):
    """The server has no such resource (HTTP 404)."""


class ChannelNotFoundError(NotFoundError):
    """The archive has no channel of that name."""


class UnavailableError(ServerError):
    """The server stayed unavailable (HTTP 429 or 5xx) past the retry budget.

    Parameters
    ----------
    message, status, url, code, server_message, request_id
        As for :class:`ServerError`.
    retry_after : float, optional
        Seconds the server asked to wait (its ``Retry-After``); the retry
        policy waits that long, capped, before the next try.
    """

    retry_after: float | None

    def __init__(
        self,
        message: str,
        *,
        status: int,
        url: str,
        code: str | None = None,
        server_message: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            status=status,
            url=url,
            code=code,
            server_message=server_message,
            request_id=request_id,
        )
        self.retry_after = retry_after


class PartialOperationError(ServerError):
    """The node did its part of an operation but the peer it had to update did not.

    HarperDB's ``add_node``, ``update_node``, ``set_node_replication`` and
    ``configure_cluster`` answer HTTP 200 with ``"Successfully added ... but
    there was an error updating target node: <reason>"`` when the peer is
    unreachable or refuses. The local node row *is* stored in
    ``system.hdb_nodes`` (replication to that peer is attempted from then on);
    ``remove_node`` undoes it.

    Parameters
    ----------
    message, status, url
        As for :class:`ServerError`.
    node : str
        The peer (its URL or name, as the server named it).
    reason : str
        What went wrong with the peer, in the server's words.
    """

    node: str
    reason: str

    def __init__(self, message: str, *, status: int, url: str, node: str, reason: str) -> None:
        super().__init__(message, status=status, url=url, server_message=reason)
        self.node = node
        self.reason = reason


class CheckpointError(ArrowtapError):
    """An operation on the checkpoint store failed."""


class CheckpointExistsError(CheckpointError):
    """A checkpoint or section exists already with other attributes."""


class CheckpointNoSpaceError(CheckpointError):
    """Creating a section would exceed the checkpoint's ``max_sections``."""


class CheckpointInvalidParamError(CheckpointError, ValueError):
    """A section id or value exceeds the checkpoint's limits."""


class CheckpointNotFoundError(CheckpointError, KeyError):
    """No section with that id exists."""

    def __str__(self) -> str:
        # KeyError quotes its argument; a message reads better unquoted.
        return str(self.args[0]) if self.args else ""


class CheckpointNotActiveError(CheckpointError):
    """A write reached a checkpoint whose active replica is another handle.

    Also a commit of a writer that lost its lease (:mod:`arrowtap.checkpoint.lease`):
    another writer took the destination over, and this one's fencing token is stale.
    """


class DestinationHeldError(CheckpointError):
    """Another writer holds the lease of a destination: one sync at a time writes it.

    A sync takes exclusive ownership of its checkpoint's partitions (a lease in
    the checkpoint store, see :mod:`arrowtap.checkpoint.lease`); a second one
    fails at once with this error, or after ``wait`` seconds.

    Parameters
    ----------
    message : str
        The checkpoint, and the holder.
    host : str
        The host name of the holder.
    pid : int
        Its process id on that host.
    since : datetime.datetime
        When it took the lease (UTC).
    expires : datetime.datetime
        When the lease ends unless the holder renews it (UTC).
    """

    host: str
    pid: int
    since: dt.datetime
    expires: dt.datetime

    def __init__(
        self, message: str, *, host: str, pid: int, since: dt.datetime, expires: dt.datetime
    ) -> None:
        super().__init__(message)
        self.host = host
        self.pid = pid
        self.since = since
        self.expires = expires


class SinkError(ArrowtapError):
    """A batch could not be written to its destination."""


class SchemaDriftError(SinkError):
    """The source's columns no longer match the destination's, and the contract refuses it.

    Raised before anything of the run is written (see :mod:`arrowtap.io.drift`).

    Parameters
    ----------
    message : str
        The contract, the column and both types.
    column : str
        The column that differs.
    before : str or None
        Its type in the destination (``None``: a new column).
    after : str or None
        Its type at the source (``None``: gone at the source).
    """

    column: str
    before: str | None
    after: str | None

    def __init__(self, message: str, *, column: str, before: str | None, after: str | None) -> None:
        super().__init__(message)
        self.column = column
        self.before = before
        self.after = after


class KineticaInsertError(SinkError):
    """The Kinetica server refused some rows of an insert.

    Parameters
    ----------
    message : str
        The table, the rows and the server's reasons.
    errors : mapping of int to str
        Row (0-based, in the input) -> the server's reason (kept as a dict).
    rows_written : int
        Rows inserted or updated before and alongside the refused ones.
    """

    errors: dict[int, str]
    rows_written: int

    def __init__(self, message: str, *, errors: Mapping[int, str], rows_written: int) -> None:
        super().__init__(message)
        self.errors = dict(errors)
        self.rows_written = rows_written


class HarperDBWriteError(SinkError):
    """A HarperDB write stopped midway; the batches before it are in the table.

    Parameters
    ----------
    message : str
        What failed, and what was written before.
    batches_written, rows_written : int
        What the server confirmed before the failure.
    """

    batches_written: int
    rows_written: int

    def __init__(self, message: str, *, batches_written: int, rows_written: int) -> None:
        super().__init__(message)
        self.batches_written = batches_written
        self.rows_written = rows_written
