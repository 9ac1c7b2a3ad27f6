"""The Kinetica client: headers, credentials, retries and the translation of every error."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.kinetica.wire.client import KineticaClient, envelope_data
from arrowtap.connectors.kinetica.wire.cursor import Cursor, avro_long, avro_string
from arrowtap.connectors.kinetica.wire.envelope import (
    decode_request,
    encode_error,
    encode_response,
)
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    DecodeError,
    InvalidArgumentError,
    NotFoundError,
    TransportError,
    UnavailableError,
)
from arrowtap.testing.kinetica import FakeKinetica

FAST = RetryPolicy(attempts=3, initial=0.0, maximum=0.0, jitter=0.0)
Handler = Callable[[httpx.Request], httpx.Response]


def mock(handler: Handler, **kwargs: object) -> KineticaClient:
    transport = httpx.MockTransport(handler)
    return KineticaClient(
        "http://kinetica.test:9191",
        client=httpx.Client(transport=transport),
        retry=FAST,
        **kwargs,  # type: ignore[arg-type]
    )


def has_table_reply(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        content=encode_response("/has/table", {"table_name": "t", "table_exists": True}),
        headers={"x-request-time-secs": "0.001"},
    )


def test_request_headers_body_and_basic_credentials() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return has_table_reply(request)

    client = mock(handler, username="ann", password="s3cret")
    assert client.call("/has/table", {"table_name": "t"}) == {
        "table_name": "t",
        "table_exists": True,
        "info": {},
    }
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "http://kinetica.test:9191/has/table"
    assert request.headers["content-type"] == "application/octet-stream"
    assert request.headers["accept"] == "application/octet-stream"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"ann:s3cret").decode()
    assert decode_request("/has/table", request.content) == {"table_name": "t", "options": {}}
    assert "s3cret" not in repr(client)


def test_bearer_token_wins_and_a_base_path_is_kept() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return has_table_reply(request)

    transport = httpx.MockTransport(handler)
    client = KineticaClient(
        "https://proxy.test/gpudb-0",
        username="ann",
        password="pw",
        token="tok-123",
        client=httpx.Client(transport=transport),
    )
    client.call("/has/table", {"table_name": "t"})
    assert seen[0].headers["authorization"] == "Bearer tok-123"
    assert str(seen[0].url) == "https://proxy.test/gpudb-0/has/table"
    assert "tok-123" not in repr(client)


def test_json_encoding() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["content-type"] == "application/json"
        assert decode_request("/has/table", request.content, encoding="json")["table_name"] == "t"
        body = encode_response(
            "/has/table", {"table_name": "t", "table_exists": False}, encoding="json"
        )
        return httpx.Response(200, content=body)

    assert (
        mock(handler, encoding="json").call("/has/table", {"table_name": "t"})["table_exists"]
        is False
    )


def test_401_is_an_authentication_error_without_the_secret_and_not_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(401, text="Unauthorized")

    client = mock(handler, username="ann", password="hunter2")
    with pytest.raises(AuthenticationError) as caught:
        client.call("/has/table", {"table_name": "t"}, table="t")
    assert caught.value.status == 401
    assert "hunter2" not in str(caught.value)
    assert "refused the credentials" in str(caught.value)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("message", "error", "text"),
    [
        ("Table 'nope' does not exist", NotFoundError, "table 'nope' does not exist"),
        ("Insufficient privileges for table 'nope'", AuthenticationError, "access denied"),
        ("Invalid expression: unexpected token at 'x'", BadRequestError, "Invalid expression"),
    ],
)
def test_error_envelopes(message: str, error: type[Exception], text: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=encode_error(message))

    with pytest.raises(error) as caught:
        mock(handler).call("/show/table", {"table_name": "nope"}, table="nope")
    assert str(caught.value).startswith("Kinetica /show/table (table 'nope'): ")
    assert text in str(caught.value)
    assert message in str(caught.value)


def test_503_and_exiting_are_retried_then_succeed() -> None:
    answers = [
        httpx.Response(503, text="busy"),
        httpx.Response(200, content=encode_error("Kinetica is exiting")),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else has_table_reply(request)

    assert mock(handler).call("/has/table", {"table_name": "t"})["table_exists"] is True
    assert not answers


def test_unavailable_past_the_budget() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, text="busy")

    with pytest.raises(UnavailableError, match="HTTP 503"):
        mock(handler).call("/has/table", {"table_name": "t"})
    assert len(calls) == FAST.attempts


def test_404_names_the_endpoint() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="no")

    with pytest.raises(NotFoundError, match="Kinetica /has/table: HTTP 404: the server has no"):
        mock(handler).call("/has/table", {"table_name": "t"})


def test_an_undecodable_body_is_retried_then_a_decode_error() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=b"\x04OK\x00")

    with pytest.raises(DecodeError, match="reply from /has/table"):
        mock(handler).call("/has/table", {"table_name": "t"})
    assert len(calls) == FAST.attempts


def test_resets_are_retried_only_when_the_call_may_run_twice() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadError("connection reset by peer")
        return has_table_reply(request)

    assert mock(handler).call("/has/table", {"table_name": "t"})["table_exists"] is True
    assert len(calls) == 2
    calls.clear()
    with pytest.raises(TransportError, match="may or may not have been applied"):
        mock(handler).call("/has/table", {"table_name": "t"}, idempotent=False)
    assert len(calls) == 1


def test_a_refused_connection_is_retried_even_when_the_call_must_not_run_twice() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("connection refused")
        if len(calls) == 2:
            return httpx.Response(502, text="bad gateway")
        return has_table_reply(request)

    client = mock(handler)
    assert client.call("/has/table", {"table_name": "t"}, idempotent=False)["table_exists"]
    assert len(calls) == 3


def test_arguments_are_checked() -> None:
    with pytest.raises(InvalidArgumentError, match="encoding"):
        KineticaClient("http://h:9191", encoding="snappy")
    with pytest.raises(InvalidArgumentError, match="url"):
        KineticaClient("ftp://h:9191")
    with pytest.raises(InvalidArgumentError, match="password must be a str"):
        KineticaClient("http://h:9191", username="a", password=5)  # type: ignore[arg-type]


def test_envelope_and_cursor() -> None:
    status, message, data = envelope_data(encode_error("boom"), "demo")
    assert (status, message, bytes(data)) == ("ERROR", "boom", b"")
    cursor = Cursor(avro_long(-5) + avro_string("é") + b"\x02\x02a\x02b\x00\x01", what="demo")
    assert (cursor.read_long(), cursor.read_string(), cursor.read_string_map()) == (
        -5,
        "é",
        {"a": "b"},
    )
    assert cursor.read_bool() is True
    for bad in (b"\x80", b"\x06ab", b"\x02\xff", b"\xff" * 11):
        with pytest.raises(DecodeError, match="Kinetica demo: "):
            Cursor(bad, what="demo").read_string()


def test_wrong_password_against_the_fake() -> None:
    with FakeKinetica(username="ann", password="right") as fake:
        fake.create_table("t", [("x", "double")])
        with (
            KineticaClient(fake.url, username="ann", password="wrong") as client,
            pytest.raises(AuthenticationError) as caught,
        ):
            client.call("/has/table", {"table_name": "t"}, table="t")
        assert "wrong" not in str(caught.value)
        with KineticaClient(fake.url, username="ann", password="right") as client:
            assert client.call("/has/table", {"table_name": "t"})["table_exists"]


def test_json_encoding_against_the_fake(people: FakeKinetica) -> None:
    with KineticaClient(people.url, encoding="json") as client:
        reply = client.call("/show/table", {"table_name": "people"}, table="people")
        assert reply["table_names"] == ["people"]
        with pytest.raises(NotFoundError, match="table 'nope' does not exist"):
            client.call("/show/table", {"table_name": "nope"}, table="nope")
