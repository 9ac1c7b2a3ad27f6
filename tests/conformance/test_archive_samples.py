"""Archive samples (fake archiver, live channels on a clock the test moves)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.channels import DEFAULT_END_NS, default_channels

from .suite import Case, SourceSuite

CHANNELS = ["root:ai1", "beam energy", "wave:double", "msg:text", "temp+offset"]


@pytest.fixture
def fake() -> Iterator[FakeArchiver]:
    specs = [s for s in default_channels(live=True, now_ns=DEFAULT_END_NS) if s.name in CHANNELS]
    with FakeArchiver(specs, clock=lambda: DEFAULT_END_NS) as fake:
        yield fake


class TestArchiveSamples(SourceSuite):
    source = "archive_samples"

    @pytest.fixture
    def case(self, fake: FakeArchiver) -> Case:
        return Case(
            args=(fake.url, CHANNELS),
            kwargs={"start": DEFAULT_END_NS - 1200 * 10**9, "unit": "ns"},
            keys=["channel", "time"],
            page_kwargs={"page_size": 97},
            empty_kwargs={"start": DEFAULT_END_NS + 10**9},
            dask_kwargs={"npartitions": 3},
            dask_index="time",
            grow=lambda: fake.advance(30 * 10**9),
            server_port=fake.port,
        )
