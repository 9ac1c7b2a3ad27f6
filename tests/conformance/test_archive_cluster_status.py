"""The archiver cluster's servers (admin API of the fake archiver; a snapshot source)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arrowtap.testing.pvarchiver import FakeArchiver

from .suite import Case, SourceSuite

NOW_NS = 1_700_000_000 * 10**9


@pytest.fixture
def fake() -> Iterator[FakeArchiver]:
    # A clock standing still: the online server's last online time is the same in every read.
    with FakeArchiver(admin=True, clock=lambda: NOW_NS) as server:
        yield server


class TestArchiveClusterStatus(SourceSuite):
    source = "archive_cluster_status"

    @pytest.fixture
    def case(self, fake: FakeArchiver) -> Case:
        return Case(
            args=(fake.admin_url,), kwargs={}, keys=["server_id"], server_port=fake.admin_port
        )
