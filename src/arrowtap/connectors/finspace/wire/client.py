"""One signed rest-json GET per page, with retries and error translation.

The URL is built once per page exactly as it is signed and sent: URI labels
and query values percent-encoded as botocore encodes them (RFC 3986
unreserved characters kept), query members in model order. Each try is
signed afresh (the signature holds the time) and run under the session's
:class:`~arrowtap.connectors._http.RetryPolicy`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from arrowtap.connectors._http import (
    HttpSession,
    RetryPolicy,
    check_json_content_type,
    redact,
)
from arrowtap.connectors.finspace.wire.auth import AwsAuth
from arrowtap.connectors.finspace.wire.awserror import error_from_response
from arrowtap.connectors.finspace.wire.model import SYSTEM, Listing
from arrowtap.errors import DecodeError, ProtocolError

__all__ = ["FinSpaceClient", "request_path"]

DEFAULT_RETRY = RetryPolicy(attempts=10, initial=0.025, maximum=5.0, jitter=0.025)
"""Listings are throttled routinely and briefly: tries 25-50 ms apart at first, doubling
up to 5 s, ten in all (about 10 s of patience for one page)."""


def _encode(value: object) -> str:
    return quote(str(value), safe="-_.~")


def request_path(listing: Listing, params: Mapping[str, object]) -> str:
    """Path and query of one request of ``listing`` (``None`` values are left out).

    Examples
    --------
    >>> from arrowtap.connectors.finspace.wire.model import listing
    >>> request_path(listing("ListKxClusters"),
    ...              {"environmentId": "abc", "maxResults": 5, "nextToken": "a+b/c="})
    '/kx/environments/abc/clusters?maxResults=5&nextToken=a%2Bb%2Fc%3D'
    """
    path = listing.uri
    for member in listing.path_members:
        path = path.replace("{" + member.location_name + "}", _encode(params[member.name]))
    query = [
        f"{_encode(m.location_name)}={_encode(params[m.name])}"
        for m in listing.members
        if m.location == "querystring" and params.get(m.name) is not None
    ]
    return path + ("?" + "&".join(query) if query else "")


class FinSpaceClient:
    """Signed, retried GETs of listing pages.

    Parameters
    ----------
    auth : AwsAuth
        Region, endpoint and credentials (a signature per request; the endpoint
        URL carries no user name or password, see
        :func:`~arrowtap.connectors.finspace.wire.auth.resolve_auth`).
    client : httpx.Client, optional
        The caller's own client; not closed by :meth:`close`.
    retry : RetryPolicy, optional
        Retry budget and backoff; default :data:`DEFAULT_RETRY`.
    """

    def __init__(
        self, auth: AwsAuth, client: httpx.Client | None = None, retry: RetryPolicy | None = None
    ) -> None:
        self.auth = auth
        self.session = HttpSession(
            auth.endpoint_url, system=SYSTEM, client=client, retry=retry or DEFAULT_RETRY
        )

    def __repr__(self) -> str:
        return f"FinSpaceClient({self.auth!r})"

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        self.session.close()

    def list_page(
        self, listing: Listing, params: Mapping[str, object], what: str
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Fetch one page: its items (decoded JSON) and the next token (``None``: last page)."""
        path = request_path(listing, params)
        url = self.session.base_url + path

        def attempt() -> tuple[list[dict[str, Any]], str | None]:
            headers = self.auth.sign(listing.method, url)
            request = self.session.build(listing.method, path, headers=headers)
            response = self.session.send(request, what)
            if response.status_code >= 300:
                raise error_from_response(response, what, self.auth.scrub)
            return _page(listing, response, what)

        return self.session.call(attempt)


def _page(
    listing: Listing, response: httpx.Response, what: str
) -> tuple[list[dict[str, Any]], str | None]:
    check_json_content_type(SYSTEM, what, response)
    try:
        body = json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise DecodeError(
            f"{SYSTEM}: {what}: body from {redact(response.request.url)} is not JSON ({exc})"
        ) from exc
    if not isinstance(body, dict):
        raise ProtocolError(f"{SYSTEM}: {what}: expected a JSON object, got {type(body).__name__}")
    items = body.get(listing.result_key) or []
    token = body.get("nextToken")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ProtocolError(f"{SYSTEM}: {what}: {listing.result_key!r} is not a list of objects")
    if token is not None and (not isinstance(token, str) or not token):
        raise ProtocolError(f"{SYSTEM}: {what}: nextToken is not a non-empty string")
    return items, token
