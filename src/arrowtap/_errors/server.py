"""Errors of the exchange with a server: a broken protocol, no connection, a refusal.

:class:`ServerError` is an HTTP error status or a refusal in a body; its
subclasses sort them by status (see the tree in :mod:`arrowtap.errors`).
"""

from __future__ import annotations

from arrowtap._errors.base import ArrowtapError, exported

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ChannelNotFoundError",
    "DecodeError",
    "NotFoundError",
    "NotSupportedError",
    "PartialOperationError",
    "ProtocolError",
    "ServerError",
    "TransportError",
    "UnavailableError",
]


@exported
class ProtocolError(ArrowtapError):
    """The server answered in a way its protocol does not allow."""


@exported
class DecodeError(ProtocolError, ValueError):
    """A response body (or part of one) does not decode."""


@exported
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


@exported
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


@exported
class BadRequestError(ServerError, ValueError):
    """The server rejected the request as malformed (HTTP 400)."""


@exported
class NotSupportedError(BadRequestError):
    """The server refuses an operation its configuration does not provide.

    HarperDB 4.4+ replicates natively; ``cluster_network`` and ``purge_stream``
    exist only with legacy NATS clustering and are refused with "Clustering
    must be enabled to perform this operation."
    """


@exported
class AuthenticationError(ServerError, PermissionError):
    """The server refused the credentials (HTTP 401 or 403)."""


@exported
class NotFoundError(ServerError, LookupError):
    """The server has no such resource (HTTP 404)."""


@exported
class ChannelNotFoundError(NotFoundError):
    """The archive has no channel of that name."""


@exported
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


@exported
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
