"""The archiver's channels (admin API of the fake archiver; a snapshot source)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.admin_state import THIS_SERVER_ID

from .suite import Case, SourceSuite

NOW_NS = 1_700_000_000 * 10**9


@pytest.fixture
def fake() -> Iterator[FakeArchiver]:
    # A clock standing still: the online server's status is the same in every read.
    with FakeArchiver(admin=True, clock=lambda: NOW_NS) as server:
        yield server


class TestArchiveChannels(SourceSuite):
    source = "archive_channels"

    @pytest.fixture
    def case(self, fake: FakeArchiver) -> Case:
        return Case(
            args=(fake.admin_url,), kwargs={}, keys=["channel"], server_port=fake.admin_port
        )


class TestArchiveChannelsOfOneServer(SourceSuite):
    source = "archive_channels"

    @pytest.fixture
    def case(self, fake: FakeArchiver) -> Case:
        return Case(
            args=(fake.admin_url, THIS_SERVER_ID),
            kwargs={"columns": ["channel", "state", "retention", "total_samples_written"]},
            keys=["channel"],
            server_port=fake.admin_port,
        )
