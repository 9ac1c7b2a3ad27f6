"""Kinetica tables (fake Kinetica), read in the order of an increasing column."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from arrowtap.testing.kinetica import FakeKinetica

from .suite import Case, SourceSuite

COLUMNS = [
    ("seq", "long", "primary_key"),
    ("ts", "long", "timestamp"),
    ("name", "string", "nullable"),
    ("x", "double", "nullable"),
    ("n", "int", "int8", "nullable"),
]


def rows(ids: range) -> list[dict[str, Any]]:
    return [
        {
            "seq": i,
            "ts": 1_700_000_000_000 + 1000 * i,
            "name": None if i % 5 == 0 else f"r{i}",
            "x": None if i % 7 == 0 else i / 4,
            "n": None if i % 4 == 0 else i % 100 - 50,
        }
        for i in ids
    ]


def grower(fake: FakeKinetica) -> Callable[[], None]:
    """Insert 13 new rows (larger ids) each call."""
    starts = itertools.count(60, 13)

    def grow() -> None:
        start = next(starts)
        fake.insert("events", rows(range(start, start + 13)))

    return grow


def fill(fake: FakeKinetica) -> None:
    fake.create_table("events", COLUMNS)
    fake.insert("events", rows(range(60)))


class TestKinetica(SourceSuite):
    source = "kinetica"

    @pytest.fixture
    def case(self, fake_kinetica: FakeKinetica) -> Case:
        fill(fake_kinetica)
        return Case(
            args=(fake_kinetica.url, "events"),
            kwargs={"increasing_column": "seq"},
            keys=["seq"],
            page_kwargs={"page_size": 7},
            empty_kwargs={"where": "seq < 0"},
            sync_kwargs={"page_size": 7, "npartitions": 3},
            dask_kwargs={"partition_column": "seq", "npartitions": 3},
            dask_index="seq",
            grow=grower(fake_kinetica),
            server_port=fake_kinetica.port,
        )
