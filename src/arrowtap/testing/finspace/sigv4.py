"""SigV4 verification as AWS does it, recomputed with botocore's signer.

The fake knows a few test credentials (:data:`TEST_CREDENTIALS` and the
others below). For each request it parses the ``Authorization`` header,
checks the credential scope, the clock skew (5 minutes) and the session
token, then rebuilds the canonical request from what arrived (the signed
headers only, the path as sent, the query re-encoded canonically) and
compares signatures. Failures are answered with AWS's codes and messages,
including the canonical request echoed in ``InvalidSignatureException``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote

__all__ = [
    "EXPIRED_CREDENTIALS",
    "SESSION_CREDENTIALS",
    "TEST_CREDENTIALS",
    "AuthFailure",
    "TestKey",
    "verify",
]


@dataclass(frozen=True)
class TestKey:
    """A credential the fake accepts (or knows as expired)."""

    access_key: str
    secret_key: str
    token: str | None = None
    expired: bool = False

    def as_mapping(self) -> dict[str, str]:
        """The boto3-style mapping ``credentials=`` takes."""
        found = {"aws_access_key_id": self.access_key, "aws_secret_access_key": self.secret_key}
        if self.token:
            found["aws_session_token"] = self.token
        return found


_PLAIN = TestKey("AKIDARROWTAPTEST0001", "arrowtap/test+SECRET/key0000000000000000")
_SESSION = TestKey(
    "ASIAARROWTAPTEST0002",
    "arrowtap/test+SESSION/secret00000000000000",
    "arrowtap-test-session-token/IQoJb3JpZ2luX2VjEXAMPLE+TOKEN==",
)
_EXPIRED = TestKey(
    "ASIAARROWTAPTEST0003",
    "arrowtap/test+EXPIRED/secret00000000000000",
    "arrowtap-test-expired-token/IQoJb3JpZ2luX2VjEXPIRED+TOKEN==",
    expired=True,
)
KEYS: Mapping[str, TestKey] = {k.access_key: k for k in (_PLAIN, _SESSION, _EXPIRED)}
TEST_CREDENTIALS = _PLAIN.as_mapping()
"""Long-term test credentials the fake accepts (``credentials=TEST_CREDENTIALS``)."""
SESSION_CREDENTIALS = _SESSION.as_mapping()
"""Temporary test credentials (with a session token) the fake accepts."""
EXPIRED_CREDENTIALS = _EXPIRED.as_mapping()
"""Temporary test credentials whose token the fake calls expired."""

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<cred>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<sig>[0-9a-f]{64})$"
)
_SKEW = dt.timedelta(minutes=5)
_STAMP = "%Y%m%dT%H%M%SZ"
_INVALID_TOKEN = "The security token included in the request is invalid."
_EXPIRED_TOKEN = "The security token included in the request is expired"
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation "
    "for details."
)


@dataclass(frozen=True)
class AuthFailure:
    """Why a request is refused: status, ``x-amzn-ErrorType`` code and message."""

    status: int
    code: str
    message: str


def _canonical_query(query: str) -> str:
    pairs = []
    for part in query.split("&") if query else ():
        key, _, value = part.partition("=")
        pairs.append(f"{quote(unquote(key), safe='-_.~')}={quote(unquote(value), safe='-_.~')}")
    return "&".join(pairs)


def _invalid(message: str) -> AuthFailure:
    return AuthFailure(403, "InvalidSignatureException", message)


def _check_scope(
    scope: list[str], amz_date: str, region: str, service: str, now: dt.datetime
) -> AuthFailure | None:
    try:
        when = dt.datetime.strptime(amz_date, _STAMP).replace(tzinfo=dt.UTC)
    except ValueError:
        return AuthFailure(
            400,
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    if abs(now - when) > _SKEW:
        return _invalid(
            f"Signature expired: {amz_date} is now earlier than {(now - _SKEW).strftime(_STAMP)} "
            f"({now.strftime(_STAMP)} - 5 min.)"
        )
    if scope[1] != amz_date[:8] or scope[4] != "aws4_request":
        return _invalid("Credential scope does not match the date of X-Amz-Date.")
    if scope[2] != region:
        return _invalid("Credential should be scoped to a valid region. ")
    if scope[3] != service:
        return _invalid(f"Credential should be scoped to correct service: '{service}'. ")
    return None


def verify(
    method: str,
    raw_path: str,
    headers: Mapping[str, str],
    *,
    region: str,
    service: str = "finspace",
    now: dt.datetime | None = None,
) -> AuthFailure | None:
    """Check a request's SigV4 signature; ``None`` when it is valid.

    Parameters
    ----------
    method : str
        The HTTP method.
    raw_path : str
        Path and query exactly as received.
    headers : mapping
        The request headers.
    region, service : str
        What the credential scope must name.
    now : datetime, optional
        The server's clock (aware); default the current time.

    Examples
    --------
    >>> verify("GET", "/kx/environments", {"Host": "127.0.0.1"}, region="us-east-1").code
    'MissingAuthenticationTokenException'
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    lower = {k.lower(): v for k, v in headers.items()}
    header = lower.get("authorization")
    if not header:
        return AuthFailure(
            403, "MissingAuthenticationTokenException", "Missing Authentication Token"
        )
    match = _AUTH.match(header.strip())
    if match is None:
        return AuthFailure(
            400,
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
            "parameters; the header is not a valid AWS4-HMAC-SHA256 authorization.",
        )
    scope = match["cred"].split("/")
    key = KEYS.get(scope[0])
    token = lower.get("x-amz-security-token")
    if key is None or len(scope) != 5 or (token or None) != key.token:
        return AuthFailure(403, "UnrecognizedClientException", _INVALID_TOKEN)
    if key.expired:
        return AuthFailure(403, "ExpiredTokenException", _EXPIRED_TOKEN)
    amz_date = lower.get("x-amz-date", "")
    failure = _check_scope(scope, amz_date, region, service, now or dt.datetime.now(dt.UTC))
    if failure is not None:
        return failure
    signed = match["signed"].split(";")
    if "host" not in signed:
        return _invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    path, _, query = raw_path.partition("?")
    url = f"http://{lower.get('host', '')}{path}" + (f"?{_canonical_query(query)}" if query else "")
    request = AWSRequest(method=method, url=url, headers={h: lower.get(h, "") for h in signed})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(key.access_key, key.secret_key, key.token), service, region)
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    if hmac.compare_digest(signer.signature(string_to_sign, request), match["sig"]):
        return None
    return _invalid(
        f"{_MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical}'\n\n"
        f"The String-to-Sign should have been\n'{string_to_sign}'\n"
    )
