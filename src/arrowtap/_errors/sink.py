"""Errors of a destination: a batch that could not be written, or a schema that drifted."""

from __future__ import annotations

from collections.abc import Mapping

from arrowtap._errors.base import ArrowtapError, exported

__all__ = ["HarperDBWriteError", "KineticaInsertError", "SchemaDriftError", "SinkError"]


@exported
class SinkError(ArrowtapError):
    """A batch could not be written to its destination."""


@exported
class SchemaDriftError(SinkError):
    """The source's columns no longer match the destination's, and the contract refuses it.

    Raised before anything of the run is written (see :mod:`arrowtap.io.drift`).

    Parameters
    ----------
    message : str
        The contract, the column and both types.
    column : str
        The column that differs.
    before : str or None
        Its type in the destination (``None``: a new column).
    after : str or None
        Its type at the source (``None``: gone at the source).
    """

    column: str
    before: str | None
    after: str | None

    def __init__(self, message: str, *, column: str, before: str | None, after: str | None) -> None:
        super().__init__(message)
        self.column = column
        self.before = before
        self.after = after


@exported
class KineticaInsertError(SinkError):
    """The Kinetica server refused some rows of an insert.

    Parameters
    ----------
    message : str
        The table, the rows and the server's reasons.
    errors : mapping of int to str
        Row (0-based, in the input) -> the server's reason (kept as a dict).
    rows_written : int
        Rows inserted or updated before and alongside the refused ones.
    """

    errors: dict[int, str]
    rows_written: int

    def __init__(self, message: str, *, errors: Mapping[int, str], rows_written: int) -> None:
        super().__init__(message)
        self.errors = dict(errors)
        self.rows_written = rows_written


@exported
class HarperDBWriteError(SinkError):
    """A HarperDB write stopped midway; the batches before it are in the table.

    Parameters
    ----------
    message : str
        What failed, and what was written before.
    batches_written, rows_written : int
        What the server confirmed before the failure.
    """

    batches_written: int
    rows_written: int

    def __init__(self, message: str, *, batches_written: int, rows_written: int) -> None:
        super().__init__(message)
        self.batches_written = batches_written
        self.rows_written = rows_written
