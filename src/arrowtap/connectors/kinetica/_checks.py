"""Checks of the arguments Kinetica's public functions share, made before any request."""

from __future__ import annotations

import os
from typing import Any

from arrowtap.checkpoint import Checkpoint
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.errors import InvalidArgumentError, InvalidTypeError

__all__ = ["check_checkpoint", "check_positive", "check_where", "need_increasing_column"]


def check_checkpoint(checkpoint: object) -> None:
    """A checkpoint argument: ``None``, an open checkpoint, a path or a URL.

    Examples
    --------
    >>> check_checkpoint("offsets.sqlite")
    >>> check_checkpoint(3)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: checkpoint must be a Checkpoint, a path or a harperdb+http(s):// URL, not int 3
    """  # noqa: E501
    if checkpoint is not None and not isinstance(checkpoint, Checkpoint | str | os.PathLike):
        raise InvalidTypeError(
            "checkpoint must be a Checkpoint, a path or a harperdb+http(s):// URL, "
            f"not {type(checkpoint).__name__} {checkpoint!r}"
        )


def need_increasing_column(increasing_column: object, what: str) -> str:
    """The increasing column `what` needs (its offsets are values of it), checked.

    Examples
    --------
    >>> need_increasing_column("seq", "a sync")
    'seq'
    >>> need_increasing_column(None, "a sync")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: Kinetica: a sync needs increasing_column=, the column whose last value delivered is the offset (a sequence, an insertion time), not None
    """  # noqa: E501
    if increasing_column is None:
        raise InvalidArgumentError(
            f"{SYSTEM}: {what} needs increasing_column=, the column whose last value delivered "
            "is the offset (a sequence, an insertion time), not None"
        )
    if not isinstance(increasing_column, str):
        raise InvalidTypeError(
            f"{SYSTEM}: increasing_column must be a column name, not {increasing_column!r}"
        )
    return increasing_column


def check_where(where: object) -> None:
    """A filter argument: ``None`` or an expression string.

    Examples
    --------
    >>> check_where("x > 1")
    """
    if where is not None and not isinstance(where, str):
        raise InvalidTypeError(f"{SYSTEM}: where must be a filter expression str, not {where!r}")


def check_positive(name: str, value: Any) -> int:
    """A count argument (``npartitions``, ...): a positive int.

    Examples
    --------
    >>> check_positive("npartitions", 4)
    4
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTypeError(f"{SYSTEM}: {name} must be a positive int, not {value!r}")
    if value < 1:
        raise InvalidArgumentError(f"{SYSTEM}: {name} must be a positive int, not {value!r}")
    return value
