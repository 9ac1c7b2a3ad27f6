import math
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import arrowtap
from arrowtap.connectors.pvarchiver.wire.schema import SAMPLE_SCHEMA

END = 2**62


def sorted_table(table: pa.Table) -> pa.Table:
    table = table.replace_schema_metadata(None)
    order = pc.sort_indices(table, [("channel", "ascending"), ("time", "ascending")])
    return table.take(order).combine_chunks()


def dataset(directory: Path) -> pa.Table:
    return sorted_table(pq.read_table(directory, schema=SAMPLE_SCHEMA))


def _canon(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"  # NaN != NaN; two reads of the same NaN must compare equal
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    return value


def same_rows(a: pa.Table, b: pa.Table) -> bool:
    """Row-for-row equality of two tables, schema included, NaN equal to NaN."""
    if a.schema.remove_metadata() != b.schema.remove_metadata():
        return False
    return _canon(a.to_pylist()) == _canon(b.to_pylist())


PAGE = 400
"""Samples per page of the crash tests: a few pages per channel."""


@pytest.fixture
def setup(fake_archiver):  # type: ignore[no-untyped-def]
    url = fake_archiver.url
    names = [n for n in arrowtap.find_archive_channels(url, "*") if "*" not in n and "?" not in n]
    counts = arrowtap.read_archive_samples(url, names, 0, END, unit="ns")["channel"].value_counts()
    # Three channels of a few pages each keep the number of runs bounded.
    chosen = [n for n in names if PAGE < counts.get(n, 0) <= 3 * PAGE][:3]
    assert len(chosen) == 3, counts
    truth = sorted_table(arrowtap.scan_archive_samples(url, chosen, 0, END, unit="ns").read_all())
    pages = sum(-(-int(counts[n]) // PAGE) for n in chosen)
    return url, chosen, truth, pages
