"""Kinetica SQL results (fake Kinetica): a snapshot source, paged through paging tables."""

from __future__ import annotations

import pytest

from arrowtap.testing.kinetica import FakeKinetica

from .suite import Case, SourceSuite
from .test_kinetica import fill


class TestKineticaSql(SourceSuite):
    source = "kinetica_sql"

    @pytest.fixture
    def case(self, fake_kinetica: FakeKinetica) -> Case:
        fill(fake_kinetica)
        return Case(
            args=(fake_kinetica.url, "SELECT seq, name AS label, x, n FROM events WHERE seq >= 3"),
            kwargs={},
            keys=["seq"],
            page_kwargs={"page_size": 7},
            sync_kwargs={"page_size": 7},
            dask_kwargs={"partition_column": "seq", "npartitions": 3},
            dask_index="seq",
            server_port=fake_kinetica.port,
            # The paging tables the server keeps results in, left until cleared.
            server_objects=lambda: len(fake_kinetica.store.results),
        )
