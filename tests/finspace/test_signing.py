"""The SigV4 signatures of bodyless requests are exactly botocore's, for any request."""

from __future__ import annotations

import string
from typing import Any
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowtap.connectors.finspace.wire import signing
from arrowtap.connectors.finspace.wire.signing import sign_get, signing_key


def botocore_authorization(
    method: str, url: str, headers: dict[str, str], credentials: Credentials, region: str
) -> str:
    """The Authorization header botocore's signer computes, step by step."""
    request = AWSRequest(method=method, url=url, headers=headers)
    request.context["timestamp"] = headers["X-Amz-Date"]
    signer = SigV4Auth(credentials, "finspace", region)
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    signed = signer.signed_headers(signer.headers_to_sign(request))
    return (
        f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )


def encoded(text: str) -> str:
    return quote(text, safe="-_.~")  # as the client encodes labels and query values


texts = st.text(alphabet=string.printable + "éü€/", min_size=1, max_size=12)
segments = st.one_of(texts.map(encoded), st.sampled_from([".", "..", "", "a b", "%2F"]))
queries = st.lists(st.tuples(texts.map(encoded), texts.map(encoded)), max_size=4)
secrets = st.text(alphabet=string.ascii_letters + string.digits + "+/", min_size=1, max_size=40)
timestamps = st.builds(
    "{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z".format,
    st.integers(1990, 2099), st.integers(1, 12), st.integers(1, 28),
    st.integers(0, 23), st.integers(0, 59), st.integers(0, 59),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https"]),
    host=st.sampled_from(["127.0.0.1:8080", "finspace.us-east-1.amazonaws.com", "[::1]:9"]),
    path=st.lists(segments, max_size=5),
    query=queries,
    timestamp=timestamps,
    secret=secrets,
    token=st.one_of(st.none(), st.text(alphabet=string.printable, min_size=1, max_size=30)),
    region=st.sampled_from(["us-east-1", "eu-west-1", "cn-north-1"]),
    method=st.sampled_from(["GET", "get", "DELETE"]),
)
def test_same_as_botocore(
    scheme: str,
    host: str,
    path: list[str],
    query: list[tuple[str, str]],
    timestamp: str,
    secret: str,
    token: str | None,
    region: str,
    method: str,
) -> None:
    url = f"{scheme}://{host}/" + "/".join(path)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query)
    headers = {"Host": host, "X-Amz-Date": timestamp}
    if token is not None:
        headers["X-Amz-Security-Token"] = token
    expected = botocore_authorization(
        method, url, dict(headers), Credentials("AKIDEXAMPLE", secret, token), region
    )
    got = sign_get(
        method, url, headers, access_key="AKIDEXAMPLE", secret_key=secret, region=region,
        service="finspace",
    )  # fmt: skip
    assert got == expected


def test_headers_botocore_leaves_out_and_a_given_payload_hash() -> None:
    headers = {
        "Host": "h", "X-Amz-Date": "20240102T030405Z", "User-Agent": "x", "x-amz-meta": " a  b ",
        "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD",
    }  # fmt: skip
    credentials = Credentials("AKID", "secret-key")
    url = "https://h/a/./b/../c?z=1&a=2&a=1"
    expected = botocore_authorization("GET", url, dict(headers), credentials, "us-east-1")
    kwargs: dict[str, Any] = {"access_key": "AKID", "secret_key": "secret-key"}
    assert sign_get("GET", url, headers, region="us-east-1", service="finspace", **kwargs) == (
        expected
    )


def test_signing_keys_are_remembered_by_digest_and_bounded() -> None:
    signing._KEYS.clear()
    first = signing_key("secret-one", "20240101", "us-east-1", "finspace")
    assert signing_key("secret-one", "20240101", "us-east-1", "finspace") is first
    assert signing_key("secret-two", "20240101", "us-east-1", "finspace") != first
    assert signing_key("secret-one", "20240102", "us-east-1", "finspace") != first
    assert all("secret" not in repr(key) for key in signing._KEYS)  # no secret kept
    for day in range(1, 2 * signing._MAX_KEYS):
        signing_key("secret-one", f"2025{day:04d}", "us-east-1", "finspace")
    assert len(signing._KEYS) <= signing._MAX_KEYS
