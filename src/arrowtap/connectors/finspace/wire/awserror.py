"""AWS error responses to the arrowtap error tree, in one place.

A rest-json error is a status, an ``x-amzn-ErrorType`` header (the code,
possibly prefixed with ``namespace#`` and followed by ``:`` and a URL) and a
body ``{"message": ...}``. The code is read as botocore's ``RestJSONParser``
reads it (see :func:`error_code`). The class follows from
the code (for modelled errors and AWS's authentication errors) or else from
the status. Every error carries the :class:`~arrowtap.errors.ServerError`
attributes ``code``, ``aws_message`` (also named ``server_message``) and
``request_id``, and its message quotes AWS's message, scrubbed of secrets.
``ThrottlingException`` and 5xx answers become
:class:`~arrowtap.errors.UnavailableError`, which the shared
:class:`~arrowtap.connectors._http.RetryPolicy` retries.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from arrowtap.connectors._http import parse_retry_after, redact
from arrowtap.connectors.finspace.wire.model import SYSTEM
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    ServerError,
    UnavailableError,
)

__all__ = ["AUTH_CODES", "error_class", "error_code", "error_from_response"]

AUTH_CODES = frozenset(
    {
        "AccessDeniedException",
        "ExpiredTokenException",
        "IncompleteSignatureException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "MissingAuthenticationTokenException",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)
"""Codes AWS answers for refused credentials or permissions (403, sometimes 400)."""

_BY_CODE: dict[str, type[ServerError]] = {
    "ValidationException": BadRequestError,
    "InvalidRequestException": BadRequestError,
    "LimitExceededException": BadRequestError,
    "ResourceNotFoundException": NotFoundError,
    "ThrottlingException": UnavailableError,
    "InternalServerException": UnavailableError,
    "ServiceUnavailableException": UnavailableError,
    "ConflictException": ServerError,
    "ResourceAlreadyExistsException": ServerError,
    "ServiceQuotaExceededException": ServerError,
} | dict.fromkeys(AUTH_CODES, AuthenticationError)


def error_class(code: str | None, status: int) -> type[ServerError]:
    """The arrowtap class of an AWS error code, else of the HTTP status.

    Examples
    --------
    >>> error_class("ExpiredTokenException", 400).__name__
    'AuthenticationError'
    >>> error_class(None, 503).__name__
    'UnavailableError'
    """
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status == 400:
        return BadRequestError
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 429 or status >= 500:
        return UnavailableError
    return ServerError


def _short_code(raw: object) -> object:
    """Cut ``namespace#Code:url`` to ``Code``: at the first ``:``, then after the last ``#``."""
    if isinstance(raw, str):
        return raw.split(":", 1)[0].rsplit("#", 1)[-1]
    return raw


def error_code(header: str | None, body: object) -> str | None:
    """The error code botocore's rest-json parser reads, or ``None`` for none.

    The rules, in botocore's order: the ``x-amzn-ErrorType`` header wins
    whenever it is present, even empty; else the body's ``code``, else its
    ``Code``, when either key is present and not null; else the body's
    ``__type`` (a null one gives ``""``). Each is cut at its first ``:`` and
    then keeps what follows its last ``#``. Where botocore then falls back to
    the status as a string, this returns ``None`` (the status is on the error
    already); a code that is not a string is turned into one.

    Parameters
    ----------
    header : str or None
        The ``x-amzn-ErrorType`` header, ``None`` if absent.
    body : object
        The body parsed as JSON (anything but a dict counts as ``{}``).

    Examples
    --------
    >>> error_code("aws.finspace#ValidationException:http://internal/", {})
    'ValidationException'
    >>> error_code(None, {"__type": "ns#ThrottlingException", "code": None})
    'ThrottlingException'
    >>> error_code(None, {}) is None
    True
    """
    fields = body if isinstance(body, dict) else {}
    # botocore's JSON base parser reads __type first; the rest-json parser then
    # overrides it from the header or from code/Code, in that order.
    code = _short_code(fields.get("__type"))
    if code is None and "__type" in fields:
        code = ""  # botocore's error starts with an empty code; a null __type leaves it so
    if header is not None:
        code = _short_code(header)
    elif "code" in fields or "Code" in fields:
        raw = fields["code"] if "code" in fields else fields["Code"]
        if raw is not None:
            code = _short_code(raw)
    return None if code is None else str(code)


def _code_and_message(response: httpx.Response) -> tuple[str | None, str | None]:
    body: object = None
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    code = error_code(response.headers.get("x-amzn-ErrorType"), body)
    fields = body if isinstance(body, dict) else {}
    message = fields.get("message") or fields.get("Message")
    return code, None if message is None else str(message)


def error_from_response(
    response: httpx.Response, what: str, scrub: Callable[[str], str]
) -> ServerError:
    """Translate an AWS error answer into an arrowtap error.

    Parameters
    ----------
    response : httpx.Response
        The answer, body read.
    what : str
        What was asked, for the message (e.g. ``"ListKxClusters of environment 'abc'"``).
    scrub : callable
        Removes secrets from text (see :meth:`AwsAuth.scrub`).

    Examples
    --------
    >>> request = httpx.Request("GET", "https://finspace.us-east-1.amazonaws.com/kx/environments")
    >>> response = httpx.Response(
    ...     404, headers={"x-amzn-ErrorType": "ResourceNotFoundException:http://internal"},
    ...     json={"message": "Environment not found"}, request=request)
    >>> error = error_from_response(response, "ListKxClusters", str)
    >>> type(error).__name__, error.code, error.aws_message
    ('NotFoundError', 'ResourceNotFoundException', 'Environment not found')
    """
    status = response.status_code
    code, message = _code_and_message(response)
    request_id = response.headers.get("x-amzn-RequestId")
    url = redact(response.request.url)
    cls = error_class(code, status)
    said = None if message is None else scrub(message)
    shown = said or "(no message)"
    text = f"{SYSTEM}: {what}: {code or 'HTTP ' + str(status)}: {shown} (HTTP {status} from {url}"
    text += f", request id {request_id})" if request_id else ")"
    if cls is UnavailableError:
        return UnavailableError(
            scrub(text),
            status=status,
            url=url,
            code=code,
            server_message=said,
            request_id=request_id,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    return cls(
        scrub(text), status=status, url=url, code=code, server_message=said, request_id=request_id
    )
