import math
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

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
