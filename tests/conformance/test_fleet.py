"""The fleet view (fake FinSpace and fake archiver admin API; a snapshot source of many parts)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arrowtap.testing.finspace import FakeFinSpace
from arrowtap.testing.pvarchiver import FakeArchiver

from .suite import Case, SourceSuite


@pytest.fixture
def finspace() -> Iterator[FakeFinSpace]:
    with FakeFinSpace(clusters=9, environments=3) as server:
        yield server


@pytest.fixture
def archiver() -> Iterator[FakeArchiver]:
    # A clock standing still: the online server's last online time is the same in every read.
    with FakeArchiver(admin=True, clock=lambda: 1_700_000_000 * 10**9) as server:
        yield server


class TestFleet(SourceSuite):
    source = "fleet"

    @pytest.fixture
    def case(self, finspace: FakeFinSpace, archiver: FakeArchiver) -> Case:
        return Case(
            args=(),
            kwargs={
                "finspace": sorted(finspace.world.environments)[:2],
                "finspace_options": dict(finspace.options),
                "pvarchiver": {"beamline": archiver.admin_url},
            },
            # Cluster names repeat across environments: the details (which hold the
            # environment) tell their rows apart.
            keys=["system", "cluster", "node", "details"],
            server_port=archiver.admin_port,
        )
