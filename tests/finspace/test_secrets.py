"""No secret key, session token or Authorization header in any message, repr or log line."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace import listings as fs
from arrowtap.connectors.finspace.listing_source import ListingSource
from arrowtap.connectors.finspace.wire.auth import resolve_auth
from arrowtap.connectors.finspace.wire.client import FinSpaceClient
from arrowtap.connectors.finspace.wire.model import service_model
from arrowtap.errors import ArrowtapError
from arrowtap.testing.finspace import EXPIRED_CREDENTIALS, SESSION_CREDENTIALS, FakeFinSpace

FAST = RetryPolicy(attempts=2, initial=0.001, maximum=0.01, jitter=0.0)
WRONG_SECRET = "Wrong/Secret+Key0000000000000000000000000"
MODELLED = sorted(n for n, s in service_model()["shapes"].items() if s.get("exception"))


class Sent:
    """An httpx client that remembers the secret headers it sent."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.client = httpx.Client(event_hooks={"request": [self.record]})

    def record(self, request: httpx.Request) -> None:
        for name in ("Authorization", "X-Amz-Security-Token"):
            if name in request.headers:
                value = request.headers[name]
                self.values.add(value)
                self.values.add(value.rsplit("Signature=", 1)[-1])


@pytest.fixture
def sent() -> Iterator[Sent]:
    recorder = Sent()
    yield recorder
    recorder.client.close()


def secrets_of(credentials: dict[str, str]) -> set[str]:
    return {credentials["aws_secret_access_key"], credentials.get("aws_session_token", "")} - {""}


def provocations(
    fake: FakeFinSpace, client: httpx.Client
) -> Iterator[tuple[str, dict[str, str], Callable[[], Any]]]:
    """(name, credentials used, call that raises) for every error a listing can meet."""
    env = fake.environment_id
    session = SESSION_CREDENTIALS

    def listing(credentials: dict[str, str], **extra: Any) -> Callable[[], Any]:
        options = fake.options | {"credentials": credentials, "client": client, "retry": FAST}
        return lambda: fs.read_finspace_clusters(env, **(options | extra))

    for code in MODELLED:
        yield code, session, lambda code=code: (fake.fail_next(code, count=2), listing(session)())
    wrong = session | {"aws_secret_access_key": WRONG_SECRET}
    yield "InvalidSignatureException", wrong, listing(wrong)
    yield "ExpiredTokenException", EXPIRED_CREDENTIALS, listing(EXPIRED_CREDENTIALS)
    bad_token = session | {"aws_session_token": "Forged/Session+Token0000000000"}
    yield "UnrecognizedClientException", bad_token, listing(bad_token)
    yield "InvalidArgumentError", session, listing(session, page_size=1000)
    yield "region", session, listing(session, region="bad region")
    closed = "http://127.0.0.1:9"
    yield "TransportError", session, listing(session, endpoint_url=closed)

    def garbage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"{oops", headers={"Content-Type": "application/json"})

    mocked = httpx.Client(transport=httpx.MockTransport(garbage))
    yield "DecodeError", session, listing(session, client=mocked)


def everything_said(error: BaseException) -> str:
    parts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        parts += [str(seen), repr(seen), repr(vars(seen)) if hasattr(seen, "__dict__") else ""]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


def test_no_secret_in_errors_or_logs(sent: Sent, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    names = []
    with FakeFinSpace(clusters=5) as fake:
        for name, credentials, call in provocations(fake, sent.client):
            with pytest.raises(ArrowtapError) as info:
                call()
            names.append(name)
            said = everything_said(info.value)
            for secret in secrets_of(credentials) | sent.values:
                assert secret not in said, (name, secret)
    assert len(names) == len(MODELLED) + 7
    assert "InvalidSignatureException" in caplog.text or sent.values  # something was logged or sent
    logged = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    for secret in secrets_of(SESSION_CREDENTIALS) | secrets_of(EXPIRED_CREDENTIALS) | sent.values:
        assert secret not in logged
    assert WRONG_SECRET not in logged


def test_invalid_signature_message_is_scrubbed_yet_useful(sent: Sent) -> None:
    wrong = SESSION_CREDENTIALS | {"aws_secret_access_key": WRONG_SECRET}
    with FakeFinSpace() as fake, pytest.raises(PermissionError) as info:
        fs.read_finspace_environments(
            **(fake.options | {"credentials": wrong, "client": sent.client})
        )
    message = str(info.value)
    assert "The Canonical String for this request should have been" in message
    assert "x-amz-security-token:[REDACTED]" in message
    assert SESSION_CREDENTIALS["aws_session_token"] not in message


def test_reprs_hold_no_secret() -> None:
    auth = resolve_auth("us-east-1", None, SESSION_CREDENTIALS)
    source = ListingSource("ListKxClusters", region="us-east-1", credentials=SESSION_CREDENTIALS)
    part = source.partition(environmentId="abc")
    client = FinSpaceClient(auth)
    try:
        shown = " ".join(map(repr, (auth, source, part, client, client.session)))
    finally:
        client.close()
    for secret in secrets_of(SESSION_CREDENTIALS):
        assert secret not in shown
    assert "us-east-1" in shown
