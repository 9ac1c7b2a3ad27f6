"""Fixtures for the Kinetica tests: a fake Kinetica in a thread, always stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from arrowtap.connectors.kinetica.wire.envelope import Reply, decode_response, encode_request
from arrowtap.testing.kinetica import FakeKinetica

Call = Callable[..., tuple[int, Reply]]


@pytest.fixture
def fake() -> Iterator[FakeKinetica]:
    """A fake Kinetica without authentication or faults, stopped after the test."""
    with FakeKinetica() as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain HTTP client, closed after the test."""
    with httpx.Client(timeout=30.0) as client:
        yield client


@pytest.fixture
def call(fake: FakeKinetica, http: httpx.Client) -> Call:
    """POST one request to the fake: ``call(path, request, encoding=..., headers=...)``.

    Returns the HTTP status and the decoded :class:`Reply`.
    """

    def post(
        path: str,
        request: dict[str, Any],
        *,
        encoding: str = "binary",
        headers: dict[str, str] | None = None,
        server: FakeKinetica | None = None,
    ) -> tuple[int, Reply]:
        mime = "application/json" if encoding == "json" else "application/octet-stream"
        target = server or fake
        resp = http.post(
            target.url + path,
            content=encode_request(path, request, encoding=encoding),
            headers={"Content-type": mime, "Accept": mime, **(headers or {})},
        )
        return resp.status_code, decode_response(path, resp.content, encoding=encoding)

    return post


@pytest.fixture
def people(fake: FakeKinetica) -> FakeKinetica:
    """The fake with a table ``people`` of 25 rows (id primary key, name, age, score)."""
    fake.create_table(
        "people",
        [
            ("id", "long", "primary_key"),
            ("name", "string", "char16"),
            ("age", "int", "int8", "nullable"),
            ("score", "double"),
        ],
    )
    fake.insert(
        "people",
        [
            {
                "id": i,
                "name": f"p{i:02d}",
                "age": None if i % 5 == 0 else 20 + i % 7,
                "score": i / 4,
            }
            for i in range(25)
        ],
    )
    return fake
