"""Ranges of a column that split a table or a query among Dask partitions.

A Dask read splits the values of a column between their smallest and largest into
ranges of about equal width, or at the bounds the user gives; each range is one
Dask partition with known divisions. A Dask sync splits the increasing column at
*cuts* into ranges open at both ends, ``(-inf, c1), [c1, c2), ... [ck, +inf)``, so
that every row, including those inserted later, lies in exactly one; the cuts are
chosen on the first run and kept in the checkpoint (:func:`stored_cuts`), so the
partition keys, and the offsets kept under them, stay the same from run to run (a
key spells the cuts as Python does, and JSON gives back the very same numbers). The
ranges before the last are closed: once read to their end they are complete.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.connectors.kinetica.wire.incremental import to_wire
from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
from arrowtap.connectors.kinetica.wire.values import wire_to_arrow
from arrowtap.errors import CheckpointError, InvalidArgumentError
from arrowtap.io import offsets
from arrowtap.io.frames import to_pandas
from arrowtap.io.inputs import to_ns

__all__ = ["check_split", "index_values", "split", "stored_cuts", "user_bounds"]


def check_split(npartitions: object, divisions: object) -> None:
    """Exactly one of ``npartitions`` (a positive int) and ``divisions``.

    Examples
    --------
    >>> check_split(4, None)
    """
    if (npartitions is None) == (divisions is None):
        raise InvalidArgumentError(
            f"{SYSTEM}: give exactly one of npartitions and divisions, not "
            f"npartitions={npartitions!r}, divisions={divisions!r}"
        )
    if npartitions is not None and (
        isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1
    ):
        raise InvalidArgumentError(f"npartitions must be a positive int, got {npartitions!r}")


def split(lo: Any, hi: Any, n: int, col: KineticaColumn) -> list[Any]:
    """`n` ranges of about equal width from `lo` to `hi` (wire values), as up to n + 1 bounds.

    Examples
    --------
    >>> split(0, 24, 3, KineticaColumn("id", "long"))
    [0, 8, 16, 24]
    """
    if col.base in ("int", "long"):
        bounds = [lo + (hi - lo) * i // n for i in range(n)] + [hi]
    elif col.base in ("float", "double"):
        bounds = [lo + (hi - lo) * i / n for i in range(n)] + [hi]
    else:
        raise InvalidArgumentError(
            f"{SYSTEM}: npartitions needs a numeric or timestamp partition column; "
            f"give divisions= for {col.name!r} ({col.type_name})"
        )
    return sorted(set(bounds)) if hi > lo else [lo, hi]


def user_bounds(col: KineticaColumn, divisions: Sequence[Any]) -> list[Any]:
    """The user's ``divisions`` as wire values of `col`, checked ascending.

    Examples
    --------
    >>> stamp = KineticaColumn("t", "long", ("timestamp",))
    >>> user_bounds(stamp, ["1970-01-01T00:00:01Z", 5 * 10**9])  # an integer bound is ns
    [1000, 5000]
    """
    if isinstance(divisions, str) or not isinstance(divisions, Sequence):
        raise InvalidArgumentError(
            f"{SYSTEM}: divisions must be a list of bounds, not {divisions!r}"
        )
    bounds = []
    for value in divisions:
        if col.kind == "timestamp" and isinstance(value, str | int) and not isinstance(value, bool):
            # An integer bound is in ns, as the Dask divisions of the column's values are.
            value = pd.Timestamp(to_ns(value, "division", unit="ns"), tz="UTC")
        bounds.append(to_wire(col, value))
    if len(bounds) < 2 or any(a >= b for a, b in itertools.pairwise(bounds)):
        raise InvalidArgumentError(
            f"{SYSTEM}: divisions must be at least two ascending values, not {list(divisions)!r}"
        )
    return bounds


def index_values(col: KineticaColumn, bounds: list[Any]) -> list[Any]:
    """Wire bounds of `col` as the values of a pandas index of it (Dask's divisions).

    Examples
    --------
    >>> index_values(KineticaColumn("t", "long", ("timestamp",)), [0, 1000])[1]
    Timestamp('1970-01-01 00:00:01+0000', tz='UTC')
    """
    plain = KineticaColumn(col.name, col.base, tuple(p for p in col.properties if p != "nullable"))
    batch = wire_to_arrow({col.name: bounds}, KineticaType((plain,)))
    return list(to_pandas(batch)[col.name].tolist())


def stored_cuts(
    checkpoint: CheckpointLike,
    name: str,
    key: str,
    choose: Callable[[], list[Any] | None],
) -> list[Any] | None:
    """The cuts kept in section `key` of the checkpoint, or those `choose` picks, then kept.

    `choose` returns ``None`` when there is nothing to split yet (an empty table):
    nothing is kept then, and the next run chooses again.

    Examples
    --------
    >>> import tempfile
    >>> where = tempfile.mkdtemp() + "/o.db"
    >>> stored_cuts(where, "demo", "t#plan", lambda: [10, 20])
    [10, 20]
    >>> stored_cuts(where, "demo", "t#plan", lambda: [99])  # kept from the first run
    [10, 20]
    """
    with offsets.opened(checkpoint, name) as store:
        kept = store.read_json(key)
        if kept is not None:
            if not isinstance(kept, dict) or not isinstance(kept.get("cuts"), list):
                raise CheckpointError(
                    f"checkpoint section {key!r} does not hold a range plan ({{'cuts': [...]}}); "
                    "was it written by another program?"
                )
            return list(kept["cuts"])
        cuts = choose()
        if cuts is not None:
            offsets.record(store, {key: {"cuts": cuts}})
        return cuts
