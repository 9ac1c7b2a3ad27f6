"""SigV4 signatures of bodyless requests: the strings botocore's signer makes, made directly.

A listing page is a GET without a body. Its signature (AWS's "Signature Version 4")
covers a canonical request: the method, the path (normalised, then percent-encoded once
more, as for every service but S3), the query pairs sorted, the signed headers (here
``host``, ``x-amz-date`` and, for temporary credentials, ``x-amz-security-token``) and
the hash of the empty payload. botocore's ``SigV4Auth`` builds a request object and
header maps for each signature, which costs a good part of a small request;
:func:`sign_get` computes the same strings from the URL and the headers alone.

The signing key (four HMACs over the secret, the date, the region and the service)
holds for a day: it is derived once per day, key, region and service, as AWS's
guidance allows, and remembered under a digest of the secret, never the secret.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

__all__ = ["EMPTY_SHA256", "sign_get", "signing_key"]

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
"""The payload hash of a request without a body."""

_UNSIGNED = frozenset(("expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"))
"""Headers botocore leaves out of a signature (its ``SIGNED_HEADERS_BLACKLIST``)."""

_KEYS: dict[tuple[bytes, str, str, str], bytes] = {}
_MAX_KEYS = 64


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The SigV4 signing key of `secret` for a day (``YYYYMMDD``), region and service.

    Examples
    --------
    >>> signing_key("s3cr3t", "20240101", "us-east-1", "finspace").hex()[:16]
    '4c91fb1fed8884d7'
    """
    digest = hashlib.sha256(secret.encode()).digest()
    cached = _KEYS.get((digest, date, region, service))
    if cached is None:
        cached = f"AWS4{secret}".encode()
        for part in (date, region, service, "aws4_request"):
            cached = hmac.digest(cached, part.encode(), "sha256")
        if len(_KEYS) >= _MAX_KEYS:  # keys of past days and rotated credentials
            _KEYS.clear()
        _KEYS[(digest, date, region, service)] = cached
    return cached


@functools.lru_cache(maxsize=256)
def _canonical_path(path: str) -> str:
    # botocore's own normalisation (dot segments, the empty path), then quoted again.
    from botocore.utils import normalize_url_path

    return quote(normalize_url_path(path), safe="/~")


def _canonical_query(query: str) -> str:
    pairs = sorted(pair.partition("=")[::2] for pair in query.split("&")) if query else []
    return "&".join(f"{key}={value}" for key, value in pairs)


def sign_get(
    method: str,
    url: str,
    headers: Mapping[str, str],
    *,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
) -> str:
    """The ``Authorization`` header of a bodyless request, as botocore's ``SigV4Auth`` signs it.

    Parameters
    ----------
    method : str
        The HTTP method.
    url : str
        The full URL, its path and query already percent-encoded as sent.
    headers : mapping of str to str
        The headers to sign, ``Host`` and ``X-Amz-Date`` (``YYYYMMDDTHHMMSSZ``) among them.
    access_key, secret_key : str
        The credentials.
    region, service : str
        The signature's scope.

    Examples
    --------
    >>> headers = {"Host": "example.com", "X-Amz-Date": "20240101T000000Z"}
    >>> auth = sign_get("GET", "https://example.com/kx/environments?maxResults=5", headers,
    ...                 access_key="AKID", secret_key="s3cr3t", region="us-east-1",
    ...                 service="finspace")
    >>> auth.split(", ")[:2]
    ['AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/finspace/aws4_request', 'SignedHeaders=host;x-amz-date']
    """  # noqa: E501
    timestamp = headers["X-Amz-Date"]
    signed: dict[str, str] = {}
    payload = EMPTY_SHA256
    for name, value in headers.items():
        lower = name.lower()
        if lower == "x-amz-content-sha256":
            payload = value
        if lower not in _UNSIGNED:  # values trimmed; names that differ in case only, joined
            trimmed = " ".join(value.split())
            signed[lower] = f"{signed[lower]},{trimmed}" if lower in signed else trimmed
    names = sorted(signed)
    parts = urlsplit(url)
    canonical = "\n".join(
        (
            method.upper(),
            _canonical_path(parts.path),
            _canonical_query(parts.query),
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            payload,
        )
    )
    scope = f"{timestamp[:8]}/{region}/{service}/aws4_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n{digest}"
    key = signing_key(secret_key, timestamp[:8], region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
