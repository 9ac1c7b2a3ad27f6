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

# The classes are defined by group in arrowtap._errors (the root and argument errors,
# a server's, the checkpoint store's, a destination's); this module is their public
# home, and each names it as its __module__.
from arrowtap._errors.base import (
    ArrowtapError,
    InvalidArgumentError,
    InvalidTypeError,
)
from arrowtap._errors.base import _rebuild as _rebuild  # what pickled errors name
from arrowtap._errors.checkpoint import (
    CheckpointError,
    CheckpointExistsError,
    CheckpointInvalidParamError,
    CheckpointNoSpaceError,
    CheckpointNotActiveError,
    CheckpointNotFoundError,
    DestinationHeldError,
)
from arrowtap._errors.server import (
    AuthenticationError,
    BadRequestError,
    ChannelNotFoundError,
    DecodeError,
    NotFoundError,
    NotSupportedError,
    PartialOperationError,
    ProtocolError,
    ServerError,
    TransportError,
    UnavailableError,
)
from arrowtap._errors.sink import (
    HarperDBWriteError,
    KineticaInsertError,
    SchemaDriftError,
    SinkError,
)
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
