"""Every modelled exception, and AWS's authentication errors, become typed arrowtap errors."""

from __future__ import annotations

import json
from typing import Any

import boto3
import httpx
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace import listings as fs
from arrowtap.connectors.finspace.wire.awserror import (
    error_class,
    error_code,
    error_from_response,
)
from arrowtap.connectors.finspace.wire.model import LISTINGS, listing, service_model
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    DecodeError,
    NotFoundError,
    ProtocolError,
    ServerError,
    TransportError,
    UnavailableError,
)
from arrowtap.testing.finspace import EXPIRED_CREDENTIALS, TEST_CREDENTIALS, FakeFinSpace

from .conftest import MODELS

ONE_TRY = RetryPolicy(attempts=1)
FAST = RetryPolicy(attempts=3, initial=0.001, maximum=0.01, jitter=0.0)
MODELLED = sorted(name for name, spec in service_model()["shapes"].items() if spec.get("exception"))
EXPECTED = {
    "AccessDeniedException": AuthenticationError,
    "ConflictException": ServerError,
    "InternalServerException": UnavailableError,
    "InvalidRequestException": BadRequestError,
    "LimitExceededException": BadRequestError,
    "ResourceAlreadyExistsException": ServerError,
    "ResourceNotFoundException": NotFoundError,
    "ServiceQuotaExceededException": ServerError,
    "ThrottlingException": UnavailableError,
    "ValidationException": BadRequestError,
}


def test_every_modelled_exception_is_mapped() -> None:
    assert set(EXPECTED) == set(MODELLED)
    declared = {e for op in LISTINGS for e in listing(op).errors}
    assert declared <= set(MODELLED)


@pytest.mark.parametrize("code", MODELLED)
def test_modelled_exception_from_the_fake(fake_finspace: FakeFinSpace, code: str) -> None:
    status = service_model()["shapes"][code]["error"]["httpStatusCode"]
    fake_finspace.fail_next(code, f"Explanation of {code} from AWS")
    with pytest.raises(ServerError) as info:
        fs.read_finspace_clusters(
            fake_finspace.environment_id, retry=ONE_TRY, **fake_finspace.options
        )
    error = info.value
    assert type(error) is EXPECTED[code]
    assert error.status == status
    assert error.code == code  # type: ignore[attr-defined]
    assert error.aws_message == f"Explanation of {code} from AWS"  # type: ignore[attr-defined]
    assert error.request_id  # type: ignore[attr-defined]
    assert f"{code}: Explanation of {code} from AWS" in str(error)
    assert "ListKxClusters" in str(error)
    assert fake_finspace.url in str(error)


@pytest.mark.parametrize("code", ["InternalServerException", "ThrottlingException"])
def test_retryable_exceptions_are_retried(fake_finspace: FakeFinSpace, code: str) -> None:
    fake_finspace.fail_next(code, count=2)
    df = fs.read_finspace_environments(retry=FAST, **fake_finspace.options)
    assert len(df) == 3
    assert fake_finspace.stats.errors[code] == 2


@pytest.mark.parametrize(
    "code", ["ValidationException", "AccessDeniedException", "ResourceNotFoundException"]
)
def test_other_exceptions_are_not_retried(fake_finspace: FakeFinSpace, code: str) -> None:
    fake_finspace.fail_next(code, count=2)
    with pytest.raises(ServerError):
        fs.read_finspace_environments(retry=FAST, **fake_finspace.options)
    assert fake_finspace.stats.errors[code] == 1


def test_wrong_secret_is_an_invalid_signature(fake_finspace: FakeFinSpace) -> None:
    creds = TEST_CREDENTIALS | {"aws_secret_access_key": "not-the-secret"}
    with pytest.raises(AuthenticationError, match="InvalidSignatureException") as info:
        fs.read_finspace_environments(**(fake_finspace.options | {"credentials": creds}))
    assert info.value.status == 403
    assert "does not match the signature you provided" in str(info.value)


def test_unknown_key_is_unrecognized(fake_finspace: FakeFinSpace) -> None:
    creds = {"aws_access_key_id": "AKIDUNKNOWN", "aws_secret_access_key": "not-a-secret"}
    with pytest.raises(AuthenticationError, match=r"UnrecognizedClientException.*is invalid"):
        fs.read_finspace_environments(**(fake_finspace.options | {"credentials": creds}))


def test_expired_token(fake_finspace: FakeFinSpace) -> None:
    with pytest.raises(AuthenticationError, match=r"ExpiredTokenException.*expired") as info:
        fs.read_finspace_environments(
            **(fake_finspace.options | {"credentials": EXPIRED_CREDENTIALS})
        )
    assert info.value.code == "ExpiredTokenException"  # type: ignore[attr-defined]


def test_server_side_validation(fake_finspace: FakeFinSpace) -> None:
    # The model sets no upper bound on ListKxEnvironments' maxResults; the service has one
    # (arrowtap refuses only what is out of an int32 or below 0).
    fake_finspace.fail_next("ValidationException", "1 validation error detected: maxResults")
    with pytest.raises(BadRequestError, match="validation error"):
        fs.read_finspace_environments(page_size=1000, **fake_finspace.options)


def mock(handler: httpx.MockTransport) -> dict[str, object]:
    return {
        "region": "us-east-1",
        "credentials": TEST_CREDENTIALS,
        "client": httpx.Client(transport=handler),
        "retry": FAST,
    }


def test_code_from_the_body_when_no_header() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"__type": "com.amazonaws.finspace#ValidationException", "Message": "bad"}
        )

    with pytest.raises(BadRequestError, match="ValidationException: bad") as info:
        fs.read_finspace_environments(**mock(httpx.MockTransport(answer)))  # type: ignore[arg-type]
    assert info.value.code == "ValidationException"  # type: ignore[attr-defined]


def test_unknown_code_falls_back_to_the_status() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(418, content=b"<html>teapot</html>")

    with pytest.raises(ServerError, match=r"HTTP 418: \(no message\)"):
        fs.read_finspace_environments(**mock(httpx.MockTransport(answer)))  # type: ignore[arg-type]
    assert error_class("SomethingNew", 403) is AuthenticationError
    assert error_class("SomethingNew", 409) is ServerError


def test_bodies_that_break_the_protocol_are_retried_then_raised() -> None:
    bodies = iter([b"not json", b"[1]", b'{"environments": [1]}', b'{"nextToken": ""}'])
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(
            200, content=next(bodies), headers={"Content-Type": "application/json"}
        )

    with pytest.raises(ProtocolError):
        fs.read_finspace_environments(**mock(httpx.MockTransport(answer)))  # type: ignore[arg-type]
    assert calls == 3
    with pytest.raises(DecodeError):
        fs.read_finspace_environments(
            **mock(  # type: ignore[arg-type]
                httpx.MockTransport(
                    lambda r: httpx.Response(
                        200,
                        content=json.dumps({"environments": [{"status": 5}]}).encode(),
                        headers={"Content-Type": "application/json"},
                    )
                )
            )
        )


def test_repeated_token_is_a_protocol_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"environments": [], "nextToken": "same"})

    with pytest.raises(ProtocolError, match="nextToken repeats"):
        fs.read_finspace_environments(**mock(httpx.MockTransport(answer)))  # type: ignore[arg-type]


def test_unreachable_endpoint_is_a_transport_error() -> None:
    with FakeFinSpace() as fake:
        options = fake.options
    with pytest.raises(TransportError, match="ListKxEnvironments"):
        fs.read_finspace_environments(retry=FAST, **options)


def test_error_from_response_without_request_id() -> None:
    request = httpx.Request("GET", "https://finspace.us-east-1.amazonaws.com/kx/environments")
    response = httpx.Response(503, request=request, headers={"Retry-After": "2"})
    error = error_from_response(response, "ListKxEnvironments()", str)
    assert isinstance(error, UnavailableError)
    assert error.retry_after == 2.0  # type: ignore[attr-defined]
    assert str(error).endswith(
        "(HTTP 503 from https://finspace.us-east-1.amazonaws.com/kx/environments)"
    )


def test_injected_common_errors_get_aws_statuses(fake_finspace: FakeFinSpace) -> None:
    fake_finspace.fail_next("ExpiredTokenException", "The security token is expired")
    with pytest.raises(AuthenticationError) as info:
        fs.read_finspace_environments(**fake_finspace.options)
    assert info.value.status == 403
    fake_finspace.fail_next("ServiceUnavailableException", count=2)
    assert len(fs.read_finspace_environments(retry=FAST, **fake_finspace.options)) == 3


NS = "com.amazonaws.finspace#"
URL = ":http://internal.amazon.com/coral/com.amazonaws.finspace/"
SPELLINGS = {
    "bare": "ValidationException",
    "namespace": NS + "ValidationException",
    "url": "ValidationException" + URL,
    "namespace+url": NS + "ValidationException" + URL,
    # The cut at ":" comes first, so a "#" inside the URL is not the namespace's.
    "url with #": NS + "ValidationException:http://x/#frag",
}
BODIES = {
    f"body {key} {name}": {key: value}
    for key in ("code", "Code", "__type")
    for name, value in SPELLINGS.items()
}
SHAPES: dict[str, tuple[int, dict[str, str], bytes]] = {
    **{
        f"header {name}": (400, {"x-amzn-ErrorType": value}, b"{}")
        for name, value in SPELLINGS.items()
    },
    **{name: (400, {}, json.dumps(body).encode()) for name, body in BODIES.items()},
    "header beats body": (
        404,
        {"x-amzn-ErrorType": "ResourceNotFoundException" + URL},
        b'{"code": "ValidationException", "__type": "ns#ThrottlingException"}',
    ),
    "empty header beats body": (400, {"x-amzn-ErrorType": ""}, b'{"code": "Validation"}'),
    "code beats Code and __type": (400, {}, b'{"Code": "A", "code": "ns#B:u", "__type": "C"}'),
    "Code beats __type": (400, {}, b'{"Code": "ns#A:u", "__type": "C"}'),
    "null code gives __type": (400, {}, b'{"code": null, "__type": "ns#C:u"}'),
    "null code and Code": (400, {}, b'{"code": null, "Code": "A", "__type": "ns#C"}'),
    "empty code": (400, {}, b'{"code": "", "__type": "C"}'),
    "null __type": (400, {}, b'{"__type": null}'),
    "message only": (409, {}, b'{"message": "m"}'),
    "no body": (503, {}, b""),
    "not json": (418, {}, b"<html>teapot</html>"),
}


class _Raw:
    """The raw-stream side of a botocore response, holding a fixed body."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> list[bytes]:
        return [self.body]


def botocore_code(status: int, headers: dict[str, str], body: bytes) -> Any:
    """The ``Error.Code`` boto3's FinSpace client reports for this answer."""
    api = boto3.session.Session().client(
        "finspace",
        region_name="us-east-1",
        endpoint_url="https://finspace.invalid",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="not-a-secret",
        config=Config(retries={"total_max_attempts": 1}),
    )
    api.meta.events.register(
        "before-send.finspace.ListKxEnvironments",
        lambda request, **_: AWSResponse(request.url, status, headers, _Raw(body)),
    )
    with pytest.raises(ClientError) as info:
        api.list_kx_environments()
    return info.value.response["Error"]["Code"]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_code_is_the_code_botocore_reads(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", str(MODELS))
    status, headers, body = SHAPES[shape]
    request = httpx.Request("GET", "https://finspace.us-east-1.amazonaws.com/kx/environments")
    response = httpx.Response(status, headers=headers, content=body, request=request)
    ours = error_from_response(response, "ListKxEnvironments()", str).code  # type: ignore[attr-defined]
    # Where botocore finds no code it reports the status; arrowtap keeps None.
    assert (str(status) if ours is None else ours) == botocore_code(status, headers, body)


def test_error_code_ignores_bodies_that_are_not_objects() -> None:
    assert error_code(None, [{"code": "X"}]) is None
    assert error_code(None, {"code": 7}) == "7"
