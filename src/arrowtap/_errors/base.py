"""The root of the exception tree, and the errors of a bad argument.

Also the two helpers every error module uses: :func:`exported` (the public
home of a class) and the pickling of keyword-only attributes.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["PUBLIC_MODULE", "ArrowtapError", "InvalidArgumentError", "InvalidTypeError", "exported"]

PUBLIC_MODULE = "arrowtap.errors"
"""The module users import every error from, and that the errors name as theirs."""

_T = TypeVar("_T")


def exported(obj: _T) -> _T:
    """Give ``obj`` :data:`PUBLIC_MODULE` as its ``__module__``; returns it unchanged otherwise.

    Tracebacks, pickles and the reference then name the public path, whatever
    private module defines the object.

    Examples
    --------
    >>> @exported
    ... class DemoError(ArrowtapError):
    ...     pass
    >>> DemoError.__module__
    'arrowtap.errors'
    """
    obj.__module__ = PUBLIC_MODULE
    return obj


@exported
def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Make an error again from its message and attributes, past its keyword-only ``__init__``."""
    error = cls.__new__(cls, *args)
    BaseException.__init__(error, *args)
    error.__dict__.update(state)
    return error


@exported
class ArrowtapError(Exception):
    """Root of every error raised by arrowtap.

    Examples
    --------
    >>> import pickle
    >>> error = ServerError("demo: HTTP 418", status=418, url="http://h/x")
    >>> copy = pickle.loads(pickle.dumps(error))
    >>> str(copy), copy.status
    ('demo: HTTP 418', 418)
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # The default reduce calls cls(*args), which the keyword-only attributes refuse.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


@exported
class InvalidArgumentError(ArrowtapError, ValueError):
    """A value passed by the caller is not acceptable."""


@exported
class InvalidTypeError(InvalidArgumentError, TypeError):
    """A value passed by the caller is of a type the argument does not take."""
