"""The one exception tree of arrowtap.

Every error arrowtap raises derives from :class:`ArrowtapError`; where a builtin
fits, the error also inherits it, so ``except ValueError`` keeps working::

    ArrowtapError
    ├── InvalidArgumentError (ValueError)        a bad value passed by the caller
    │   └── InvalidTypeError (TypeError)         ... of a type the argument does not take
    ├── ProtocolError                            the server broke its protocol
    │   └── DecodeError (ValueError)             a body that does not decode
    ├── TransportError (ConnectionError)         no answer after the retry budget
    ├── ServerError                              an HTTP error status
    │   ├── BadRequestError (ValueError)         400, e.g. an invalid regexp
    │   ├── AuthenticationError (PermissionError)  401 / 403
    │   ├── NotFoundError (LookupError)          404
    │   │   └── ChannelNotFoundError             an unknown archive channel
    │   └── UnavailableError                     429 / 5xx after the retry budget
    ├── CheckpointError                          the offsets store
    │   ├── CheckpointExistsError                reopened with other attributes
    │   ├── CheckpointNoSpaceError               more sections than allowed
    │   ├── CheckpointInvalidParamError (ValueError)  key or value too large
    │   ├── CheckpointNotFoundError (KeyError)   no such section
    │   └── CheckpointNotActiveError             write without the active replica
    └── SinkError                                the output could not be written

A sync or read stopped by Ctrl-C or SIGTERM raises :class:`Interrupted`, a
:class:`KeyboardInterrupt` (not an :class:`ArrowtapError`: nothing failed) that
carries the summary of what was committed before the stop.

Messages name the system, the endpoint and the bad value, never a secret.
"""

from __future__ import annotations

__all__ = [
    "ArrowtapError",
    "AuthenticationError",
    "BadRequestError",
    "ChannelNotFoundError",
    "CheckpointError",
    "CheckpointExistsError",
    "CheckpointInvalidParamError",
    "CheckpointNoSpaceError",
    "CheckpointNotActiveError",
    "CheckpointNotFoundError",
    "DecodeError",
    "Interrupted",
    "InvalidArgumentError",
    "InvalidTypeError",
    "NotFoundError",
    "ProtocolError",
    "ServerError",
    "SinkError",
    "TransportError",
    "UnavailableError",
]


class ArrowtapError(Exception):
    """Root of every error raised by arrowtap."""


class InvalidArgumentError(ArrowtapError, ValueError):
    """A value passed by the caller is not acceptable."""


class InvalidTypeError(InvalidArgumentError, TypeError):
    """A value passed by the caller is of a type the argument does not take."""


class ProtocolError(ArrowtapError):
    """The server answered in a way its protocol does not allow."""


class DecodeError(ProtocolError, ValueError):
    """A response body (or part of one) does not decode."""


class TransportError(ArrowtapError, ConnectionError):
    """The server could not be reached, or the connection broke, past the retries."""


class ServerError(ArrowtapError):
    """The server answered with an HTTP error status.

    Parameters
    ----------
    message : str
        What failed, naming the system, the endpoint and the bad value.
    status : int
        The HTTP status code.
    url : str
        The URL requested (never carries credentials).
    """

    def __init__(self, message: str, *, status: int, url: str) -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class BadRequestError(ServerError, ValueError):
    """The server rejected the request as malformed (HTTP 400)."""


class AuthenticationError(ServerError, PermissionError):
    """The server refused the credentials (HTTP 401 or 403)."""


class NotFoundError(ServerError, LookupError):
    """The server has no such resource (HTTP 404)."""


class ChannelNotFoundError(NotFoundError):
    """The archive has no channel of that name."""


class UnavailableError(ServerError):
    """The server stayed unavailable (HTTP 429 or 5xx) past the retry budget."""


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
    """A write reached a checkpoint whose active replica is another handle."""


class SinkError(ArrowtapError):
    """A batch could not be written to its destination."""


class Interrupted(KeyboardInterrupt):
    """A sync or read stopped between pages by Ctrl-C or SIGTERM.

    Parameters
    ----------
    summary : object
        What was committed before the stop (a :class:`~arrowtap.SyncSummary`).
    signal : int
        The signal that stopped it (``signal.SIGINT`` or ``signal.SIGTERM``).
    """

    def __init__(self, summary: object = None, signal: int = 2) -> None:
        super().__init__(f"stopped by signal {signal}; committed: {summary}")
        self.summary = summary
        self.signal = signal
