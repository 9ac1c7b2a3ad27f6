"""Kinetica table monitors (fake Kinetica): inserted rows back-filled, then followed."""

from __future__ import annotations

import pyarrow as pa
import pytest

from arrowtap.connectors.kinetica.table import scan_kinetica
from arrowtap.testing.kinetica import FakeKinetica

from .suite import Case, SourceSuite
from .test_kinetica import fill, grower


class TestKineticaMonitor(SourceSuite):
    source = "kinetica_monitor"

    @pytest.fixture
    def case(self, fake_kinetica: FakeKinetica) -> Case:
        fill(fake_kinetica)
        return Case(
            args=(fake_kinetica.url, "events"),
            kwargs={
                "increasing_column": "seq",
                "monitor_url": fake_kinetica.monitor_url,
                # A run returns once idle; every row is in the table before it starts.
                "stop_when_idle": 0.3,
            },
            keys=["seq"],
            sync_kwargs={"page_size": 7},
            grow=grower(fake_kinetica),
            server_port=fake_kinetica.port,
        )

    def truth(self, case: Case) -> pa.Table:
        """The table's rows: what the monitor's sync delivers when nothing more comes."""
        table: pa.Table = scan_kinetica(*case.args).read_all()
        return table
