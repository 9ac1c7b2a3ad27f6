from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from arrowtap.testing.pvarchiver import FakeArchiver

PASSWORD = "pa55-Sekr3t!wOrd"
"""The admin password of the fakes used here: a test asserts it never shows."""


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeArchiver]:
    """A fake with the admin API that tests must not change."""
    with FakeArchiver(admin=True, admin_users={"admin": PASSWORD}) as server:
        yield server


@pytest.fixture
def fresh() -> Iterator[FakeArchiver]:
    """A fake with the admin API for one test, which may change it."""
    with FakeArchiver(admin=True, admin_users={"admin": PASSWORD}) as server:
        yield server


@pytest.fixture
def raw(fake: FakeArchiver) -> Iterator[httpx.Client]:
    """A plain httpx client on the module fake's admin API (no arrowtap code involved)."""
    with httpx.Client(base_url=fake.admin_url) as client:
        yield client


class Recorder:
    """Records the requests an httpx client sends (method, URL, headers, JSON body)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def posts(self) -> list[Any]:
        return [json.loads(r.content) for r in self.requests if r.method == "POST"]

    def client(self) -> httpx.Client:
        return httpx.Client(event_hooks={"request": [self]})
