import httpx
import pytest

from arrowtap.connectors._http import HttpSession, RetryPolicy, parse_retry_after, redact
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    DecodeError,
    NotFoundError,
    ProtocolError,
    TransportError,
    UnavailableError,
)

JSON = {"Content-Type": "application/json;charset=UTF-8"}


def session(handler, attempts: int = 4) -> tuple[HttpSession, list[float]]:
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=attempts, initial=0.01, maximum=0.02, jitter=0.0)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    s = HttpSession("http://archiver:9812/api", system="test", client=client, retry=policy)
    original = policy.retrying

    def retrying(sleep=None):  # record the waits instead of sleeping
        return original(sleep=sleeps.append)

    object.__setattr__(policy, "retrying", retrying)
    return s, sleeps


def test_retry_after_is_honoured_then_success() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "2"})
        if len(calls) == 2:
            return httpx.Response(503, headers={"Retry-After": "0.5"})
        return httpx.Response(200, headers=JSON, content=b'["a"]')

    s, sleeps = session(handler)
    assert s.get_json("/x") == ["a"]
    assert sleeps == [2.0, 0.5]


def test_connection_errors_are_retried_with_backoff() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, headers=JSON, content=b"[]")

    s, sleeps = session(handler)
    assert s.get_json("/x") == []
    assert len(sleeps) == 2
    assert all(0 < w <= 0.02 for w in sleeps)


def test_permanent_failure_raises_typed_error_after_the_budget() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    s, _ = session(handler, attempts=3)
    with pytest.raises(UnavailableError, match="HTTP 503") as info:
        s.get_json("/x")
    assert info.value.status == 503
    assert len(calls) == 3


def test_permanent_connection_failure_is_a_transport_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset", request=request)

    s, _ = session(handler, attempts=2)
    with pytest.raises(TransportError, match="reset"):
        s.get_json("/x")


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, BadRequestError), (403, AuthenticationError), (404, NotFoundError)],
)
def test_client_errors_are_not_retried(status: int, error: type[Exception]) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(status)

    s, _ = session(handler)
    with pytest.raises(error):
        s.get_json("/x")
    assert len(calls) == 1


def test_wrong_content_type_is_a_protocol_error_naming_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>")

    s, _ = session(handler, attempts=2)
    with pytest.raises(ProtocolError, match="text/html"):
        s.get_json("/x")


def test_body_not_json_is_a_decode_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=JSON, content=b"<html>oops")

    s, _ = session(handler, attempts=2)
    with pytest.raises(DecodeError, match="not JSON"):
        s.get_json("/x")


def test_secrets_never_reach_messages_or_reprs() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    s = HttpSession("http://admin:hunter2@host:4812/api", system="t", client=client)
    with pytest.raises(NotFoundError) as info:
        s.get_json("/x")
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in info.value.url
    assert "hunter2" not in repr(s)
    assert redact("http://u:p@h/x") == "http://h/x"


def test_users_client_is_not_closed() -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    with HttpSession("http://h", system="t", client=client):
        pass
    assert not client.is_closed
    client.close()


@pytest.mark.parametrize(
    ("header", "expected"), [("3", 3.0), ("0.25", 0.25), (None, None), ("soon", None)]
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_resume_restarts_after_the_last_item_and_resets_the_budget() -> None:
    policy = RetryPolicy(attempts=2, initial=0.0, jitter=0.0)
    opened: list[int] = []
    faults = {2, 4}

    def pages(offset: int | None):
        start = 0 if offset is None else offset + 1
        opened.append(start)
        for i in range(start, 6):
            if i in faults:
                faults.discard(i)
                raise TransportError("cut")
            yield i

    got = list(policy.resume(pages, None, lambda i: i, sleep=lambda s: None))
    assert got == [0, 1, 2, 3, 4, 5]
    assert opened == [0, 2, 4]
