"""Authentication of the fake Kinetica: HTTP Basic and/or a bearer token.

The official client sends ``Authorization: Basic base64(user:password)`` when given a
username, or ``Authorization: Bearer <token>`` when given an OAuth token (the token
wins), ``kinetica.md`` §1.2. A fake that requires neither accepts any request; one that
requires credentials answers a missing or wrong header with HTTP 401, reason
``Unauthorized``, which the official client raises as
``GPUdbUnauthorizedAccessException("Unauthorized access: 'Unauthorized'")`` without
retrying (§1.4). Secrets are compared in constant time and never logged.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass, field

__all__ = ["Credentials"]


@dataclass(frozen=True)
class Credentials:
    """What a fake accepts.

    Parameters
    ----------
    username, password : str, optional
        Basic credentials; required when `username` is given.
    token : str, optional
        A bearer token; required when given (either it or the Basic credentials pass
        when both are set).

    Examples
    --------
    >>> creds = Credentials("ann", "s3cret")
    >>> creds.accepts({"Authorization": "Basic " + base64.b64encode(b"ann:s3cret").decode()})
    True
    >>> creds.accepts({}), Credentials().accepts({})
    (False, True)
    >>> "s3cret" in repr(creds)
    False
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    @property
    def required(self) -> bool:
        """Whether requests must authenticate."""
        return self.username is not None or self.token is not None

    def accepts(self, headers: dict[str, str]) -> bool:
        """Whether the request headers carry acceptable credentials."""
        if not self.required:
            return True
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() == "bearer" and self.token is not None:
            return hmac.compare_digest(rest.strip().encode(), self.token.encode())
        if scheme.lower() == "basic" and self.username is not None:
            try:
                user, _, pw = base64.b64decode(rest.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            expected = f"{self.username}:{self.password or ''}".encode()
            return hmac.compare_digest(f"{user}:{pw}".encode(), expected)
        return False
