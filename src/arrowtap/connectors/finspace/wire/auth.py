"""Where requests go and how they are signed: region, endpoint, credentials, SigV4.

Credentials come from botocore's standard chain (environment, shared files,
``AWS_PROFILE``, SSO, container and instance roles) unless given; refreshable
credentials are frozen anew for every request, so a long listing survives a
role's rotation. Requests are signed by :mod:`.signing`: the SigV4 strings of
botocore's signer, made without its request objects and logged nowhere
(botocore's ``add_auth`` logs the canonical request, and with it the session
token, at DEBUG level). Nothing here shows a secret: :class:`AwsAuth` has no
secret in its repr, and :meth:`AwsAuth.scrub` takes the secrets out of any text
about to become an error message.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx

from arrowtap.connectors._http import parse_url, redact
from arrowtap.connectors.finspace.wire.model import SYSTEM, service_model
from arrowtap.connectors.finspace.wire.signing import sign_get
from arrowtap.errors import InvalidArgumentError

__all__ = ["AwsAuth", "CredentialsLike", "resolve_auth"]

CredentialsLike = Any
"""``None``, a botocore or boto3 session, a botocore ``Credentials``, or a mapping."""

_REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_SECRET_PATTERNS = (
    re.compile(r"(?i)(x-amz-security-token[:=])[^\s&'\"]+"),
    re.compile(r"(Signature=)[0-9a-fA-F]+"),
)


def _botocore() -> Any:
    try:
        import botocore.credentials
        import botocore.session
        import botocore.utils  # the path normalisation of the signatures (.signing)
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "arrowtap's FinSpace connector signs requests with botocore: "
            "pip install 'arrowtap[aws]'"
        ) from exc
    return botocore


def default_endpoint(region: str) -> str:
    """The public endpoint of FinSpace in ``region``.

    Examples
    --------
    >>> default_endpoint("eu-west-1")
    'https://finspace.eu-west-1.amazonaws.com'
    """
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{service_model()['metadata']['endpointPrefix']}.{region}.{suffix}"


@functools.lru_cache(maxsize=64)
def _host_header(endpoint_url: str) -> str:
    """The ``Host`` header botocore signs: lower-case host, port unless the default.

    Parsed once per endpoint (a URL without credentials, :func:`resolve_auth`).
    """
    url = httpx.URL(endpoint_url)
    host = url.host if ":" not in url.host else f"[{url.host}]"
    default = {"http": 80, "https": 443}.get(url.scheme)
    return host if url.port in (None, default) else f"{host}:{url.port}"


class AwsAuth:
    """Region, endpoint and credentials of FinSpace requests; signs them with SigV4.

    Parameters
    ----------
    region : str
        The AWS region, e.g. ``us-east-1``.
    endpoint_url : str
        The service endpoint (no trailing slash).
    credentials : botocore.credentials.Credentials
        Frozen per request, so refreshable credentials refresh.
    """

    def __init__(self, region: str, endpoint_url: str, credentials: Any) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self._credentials = credentials
        self._host = _host_header(endpoint_url)
        self._secrets: set[str] = set()  # every secret signed with, for scrub()

    def __repr__(self) -> str:
        return f"AwsAuth(region={self.region!r}, endpoint_url={redact(self.endpoint_url)!r})"

    def sign(self, method: str, url: str) -> dict[str, str]:
        """The headers that authenticate ``method url`` (no body): host, date, token, signature."""
        frozen = self._credentials.get_frozen_credentials()
        # A secret of a few characters would blank out ordinary words in scrub().
        self._secrets.update(s for s in (frozen.secret_key, frozen.token) if s and len(s) >= 4)
        timestamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        headers = {"Host": self._host, "X-Amz-Date": timestamp}
        if frozen.token:
            headers["X-Amz-Security-Token"] = frozen.token
        headers["Authorization"] = sign_get(
            method, url, headers, access_key=frozen.access_key, secret_key=frozen.secret_key,
            region=self.region, service=SYSTEM,
        )  # fmt: skip
        return headers

    def scrub(self, text: str) -> str:
        """``text`` without the secret key, the session token or a signature.

        AWS echoes the canonical request in an ``InvalidSignatureException``,
        security token header included; this keeps it out of messages. The
        secrets are those requests were signed with (no credential refresh here).
        """
        for secret in tuple(self._secrets):  # a snapshot: other threads may be signing
            text = text.replace(secret, "[REDACTED]")
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub(r"\1[REDACTED]", text)
        return text


def _credentials_of(credentials: CredentialsLike, botocore: Any) -> tuple[Any, Any]:
    """Return ``(credentials or None, session or None)`` from what the caller gave."""
    if credentials is None:
        session = botocore.session.Session()
        return session.get_credentials(), session
    if isinstance(credentials, Mapping):
        unknown = set(credentials) - {
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
        }
        needed = ("aws_access_key_id", "aws_secret_access_key")
        if unknown or not all(credentials.get(name) for name in needed):
            raise InvalidArgumentError(
                f"{SYSTEM}: a credentials mapping takes aws_access_key_id, "
                f"aws_secret_access_key and aws_session_token; got keys {sorted(credentials)}"
            )
        made = botocore.credentials.Credentials(
            credentials["aws_access_key_id"],
            credentials.get("aws_secret_access_key"),
            credentials.get("aws_session_token"),
        )
        return made, None
    if hasattr(credentials, "get_frozen_credentials"):
        return credentials, None
    if hasattr(credentials, "get_credentials"):  # a botocore or boto3 session
        return credentials.get_credentials(), credentials
    raise InvalidArgumentError(
        f"{SYSTEM}: credentials must be None, a botocore/boto3 session, botocore "
        f"Credentials or a mapping, not {type(credentials).__name__}"
    )


def _session_region(session: Any) -> str | None:
    if session is None:
        return None
    if hasattr(session, "get_config_variable"):
        region = session.get_config_variable("region")
    else:
        region = getattr(session, "region_name", None)
    return str(region) if region else None


def resolve_auth(
    region: str | None, endpoint_url: str | None, credentials: CredentialsLike
) -> AwsAuth:
    """Resolve region, endpoint and credentials once, at the boundary.

    Raises
    ------
    InvalidArgumentError
        No credentials or no region could be found, or one given is malformed.

    Examples
    --------
    >>> auth = resolve_auth("us-east-1", None, {"aws_access_key_id": "AKID",
    ...                                         "aws_secret_access_key": "s3cr3t"})
    >>> auth
    AwsAuth(region='us-east-1', endpoint_url='https://finspace.us-east-1.amazonaws.com')
    """
    botocore = _botocore()
    creds, session = _credentials_of(credentials, botocore)
    if creds is None:
        raise InvalidArgumentError(
            f"{SYSTEM}: no AWS credentials found (environment, shared credentials and config "
            "files, SSO, container or instance role); pass credentials="
        )
    region = region or _session_region(session)
    if session is None and region is None:
        region = _session_region(botocore.session.Session())
    if not region:
        raise InvalidArgumentError(
            f"{SYSTEM}: no AWS region: pass region= or set AWS_DEFAULT_REGION or a profile's region"
        )
    if not isinstance(region, str) or not _REGION.match(region):
        raise InvalidArgumentError(f"{SYSTEM}: invalid region {region!r}")
    endpoint = endpoint_url or default_endpoint(region)
    parsed = parse_url(endpoint)[0] if isinstance(endpoint, str) else None
    if parsed is None:
        raise InvalidArgumentError(f"{SYSTEM}: endpoint_url is not a valid URL")
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.query:
        raise InvalidArgumentError(
            f"{SYSTEM}: endpoint_url must be http(s)://host[:port][/path], got {redact(endpoint)!r}"
        )
    if parsed.userinfo:
        raise InvalidArgumentError(
            f"{SYSTEM}: endpoint_url must not carry a user name or password: {redact(endpoint)!r}"
        )
    return AwsAuth(region, endpoint.rstrip("/"), creds)
