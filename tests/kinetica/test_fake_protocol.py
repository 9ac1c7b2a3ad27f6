"""The fake Kinetica's transport: envelopes, encodings, headers, status codes, authentication."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from arrowtap.connectors.kinetica.wire.endpoints import ENDPOINTS, avro_type, endpoint
from arrowtap.connectors.kinetica.wire.envelope import (
    decode_request,
    decode_response,
    encode_error,
    encode_request,
    encode_response,
)
from arrowtap.errors import DecodeError, InvalidArgumentError
from arrowtap.testing.kinetica import FakeKinetica


def test_every_endpoint_round_trips_a_request_in_both_encodings() -> None:
    for path, ep in ENDPOINTS.items():
        for encoding in ("binary", "json"):
            back = decode_request(
                path, encode_request(path, {}, encoding=encoding), encoding=encoding
            )
            assert tuple(back) == ep.request_fields
            assert back["options"] == {}


def test_responses_keep_values_and_bytes_in_both_encodings() -> None:
    resp = {"table_name": "t", "binary_encoded_response": b"\x00\xff\x80", "has_more_records": True}
    for encoding in ("binary", "json"):
        body = encode_response("/get/records/bycolumn", resp, encoding=encoding)
        reply = decode_response("/get/records/bycolumn", body, encoding=encoding)
        assert reply.status == "OK"
        assert reply.data_type == "get_records_by_column_response"
        assert reply.data["binary_encoded_response"] == b"\x00\xff\x80"
        assert reply.data["has_more_records"] is True
        assert reply.data["total_number_of_records"] == 0


def test_json_request_follows_schema_field_order() -> None:
    body = encode_request("/get/records", {"limit": 5, "table_name": "t"}, encoding="json")
    assert list(json.loads(body)) == ["table_name", "offset", "limit", "encoding", "options"]


def test_error_envelope_has_no_data() -> None:
    for encoding in ("binary", "json"):
        reply = decode_response(
            "/show/table", encode_error("boom", encoding=encoding), encoding=encoding
        )
        assert (reply.status, reply.message, reply.data_type, reply.data) == (
            "ERROR",
            "boom",
            "none",
            {},
        )


def test_decode_response_ignores_bytes_appended_by_newer_servers() -> None:
    import io

    import fastavro

    from arrowtap.connectors.kinetica.wire.endpoints import GPUDB_RESPONSE

    inner = decode_response("/has/table", encode_response("/has/table", {"table_name": "t"}))
    out = io.BytesIO()
    data = io.BytesIO()
    fastavro.schemaless_writer(data, endpoint("/has/table").parsed_response, inner.data)
    envelope = {
        "status": "OK",
        "message": "",
        "data_type": "has_table_response",
        "data": data.getvalue() + b"\x06extra",
        "data_str": "",
    }
    fastavro.schemaless_writer(out, GPUDB_RESPONSE, envelope)
    assert decode_response("/has/table", out.getvalue()).data["table_name"] == "t"


@pytest.mark.parametrize(
    "body", [b"", b"\x04OK", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", b"not json"]
)
def test_undecodable_bodies_raise_decode_error(body: bytes) -> None:
    encoding = "json" if body == b"not json" else "binary"
    with pytest.raises(DecodeError, match="/has/table"):
        decode_response("/has/table", body, encoding=encoding)


def test_unknown_endpoint_and_notation_are_invalid_arguments() -> None:
    with pytest.raises(InvalidArgumentError, match="/nope"):
        encode_request("/nope", {})
    with pytest.raises(InvalidArgumentError, match="decimal"):
        avro_type("decimal")
    with pytest.raises(InvalidArgumentError, match="xml"):
        encode_request("/has/table", {}, encoding="xml")


def test_every_reply_has_request_time_header_and_content_type(
    fake: FakeKinetica, http: httpx.Client
) -> None:
    for path, mime in (("/has/table", "application/octet-stream"), ("/nope", "application/json")):
        body = encode_request(
            "/has/table", {"table_name": "x"}, encoding="json" if "json" in mime else "binary"
        )
        resp = http.post(fake.url + path, content=body, headers={"Content-type": mime})
        assert float(resp.headers["x-request-time-secs"]) >= 0
        assert resp.headers["content-type"] == mime


def test_unknown_endpoint_is_404_with_error_envelope(
    fake: FakeKinetica, http: httpx.Client
) -> None:
    resp = http.post(fake.url + "/no/such/endpoint", content=b"\x00")
    assert resp.status_code == 404
    reply = decode_response("/has/table", resp.content)
    assert reply.status == "ERROR"
    assert "/no/such/endpoint" in reply.message


def test_only_post_is_accepted(fake: FakeKinetica, http: httpx.Client) -> None:
    resp = http.get(fake.url + "/show/system/status")
    assert resp.status_code == 405
    assert resp.headers["allow"] == "POST"


def test_undecodable_request_is_400_error(fake: FakeKinetica, http: httpx.Client) -> None:
    resp = http.post(fake.url + "/has/table", content=b"\xff")
    assert resp.status_code == 400
    reply = decode_response("/has/table", resp.content)
    assert reply.status == "ERROR"
    assert reply.message.startswith("Unable to parse request")


def test_json_bodies_get_json_replies(call, fake: FakeKinetica) -> None:
    fake.create_table("t", [("x", "bytes")])
    fake.insert("t", [{"x": b"\x00\xfe"}])
    status, reply = call(
        "/get/records", {"table_name": "t", "limit": 10, "encoding": "binary"}, encoding="json"
    )
    assert status == 200
    assert reply.data["records_binary"] == [b"\x04\x00\xfe"]
    status, reply = call("/show/table", {"table_name": "nope"}, encoding="json")
    assert (status, reply.status, reply.message) == (400, "ERROR", "Table 'nope' does not exist")


def test_system_properties_name_the_fake_itself(call, fake: FakeKinetica) -> None:
    status, reply = call("/show/system/properties", {})
    props = reply.data["property_map"]
    assert status == 200
    assert props["conf.worker_http_server_urls"] == fake.url
    assert props["conf.number_of_hosts"] == "1"
    assert props["conf.host0_public_urls"] == "http://127.0.0.1"
    assert props["version.gpudb_core_version"].startswith("7.2.")
    status, reply = call("/show/system/status", {})
    assert json.loads(reply.data["status_map"]["system"])["status"] == "running"


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_basic_auth_required_when_configured(call) -> None:
    with FakeKinetica(username="ann", password="pw") as fake:
        status, _ = call("/show/system/status", {}, server=fake)
        assert status == 401
        status, reply = call("/show/system/status", {}, server=fake, headers=_basic("ann", "bad"))
        assert (status, reply.status) == (401, "ERROR")
        status, reply = call("/show/system/status", {}, server=fake, headers=_basic("ann", "pw"))
        assert (status, reply.status) == (200, "OK")
        assert fake.statuses[401] == 2


def test_bearer_token_auth(call) -> None:
    with FakeKinetica(token="tok-123") as fake:
        ok = {"Authorization": "Bearer tok-123"}
        assert call("/show/system/status", {}, server=fake, headers=ok)[0] == 200
        bad = {"Authorization": "Bearer tok-124"}
        assert call("/show/system/status", {}, server=fake, headers=bad)[0] == 401
        assert call("/show/system/status", {}, server=fake, headers=_basic("a", "b"))[0] == 401


def test_credentials_stay_out_of_reprs() -> None:
    fake = FakeKinetica(username="ann", password="hunter2", token="tok-secret")
    assert "hunter2" not in repr(fake.credentials)
    assert "tok-secret" not in repr(fake.credentials)
    assert "hunter2" not in repr(fake)
