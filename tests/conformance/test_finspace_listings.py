"""The five FinSpace listings (fake FinSpace, snapshot sources: one whole listing per sync run)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arrowtap.testing.finspace import FakeFinSpace

from .suite import Case, SourceSuite


@pytest.fixture
def fake() -> Iterator[FakeFinSpace]:
    with FakeFinSpace(clusters=25, environments=3, databases=4, changesets=9) as server:
        yield server


def listing_case(fake: FakeFinSpace, args: tuple[str, ...], key: str, page_size: int) -> Case:
    return Case(
        args=args,
        kwargs=dict(fake.options),
        keys=[key],
        page_kwargs={"page_size": page_size},
        sync_kwargs={"page_size": page_size},  # several pages: a kill can come mid-listing
        dask_index="environmentId",
        server_port=fake.port,
    )


class TestFinSpaceEnvironments(SourceSuite):
    source = "finspace_environments"

    @pytest.fixture
    def case(self, fake: FakeFinSpace) -> Case:
        return listing_case(fake, (), "environmentId", 1)


class TestFinSpaceClusters(SourceSuite):
    source = "finspace_clusters"

    @pytest.fixture
    def case(self, fake: FakeFinSpace) -> Case:
        return listing_case(fake, (fake.environment_id,), "clusterName", 7)


class TestFinSpaceDatabases(SourceSuite):
    source = "finspace_databases"

    @pytest.fixture
    def case(self, fake: FakeFinSpace) -> Case:
        return listing_case(fake, (fake.environment_id,), "databaseName", 3)


class TestFinSpaceChangesets(SourceSuite):
    source = "finspace_changesets"

    @pytest.fixture
    def case(self, fake: FakeFinSpace) -> Case:
        return listing_case(fake, (fake.environment_id, "db_001"), "changesetId", 4)


class TestFinSpaceClusterNodes(SourceSuite):
    source = "finspace_cluster_nodes"

    @pytest.fixture
    def case(self, fake: FakeFinSpace) -> Case:
        return listing_case(fake, (fake.environment_id, "cluster-00004"), "nodeId", 1)
