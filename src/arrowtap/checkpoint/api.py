"""The checkpoint (offsets store) API shared by every backend.

A checkpoint is a named table of *sections* (key -> bytes) with fixed creation
attributes, after the SA Forum checkpoint service: reopening with other
attributes is a conflict, too many sections is "no space", an oversize key or
value is "invalid parameter". Backends implement the ``_``-prefixed hooks of
:class:`Checkpoint`, which does the argument checks (from
:mod:`~arrowtap.checkpoint.attributes`), the locking and the closed state. A
handle that holds a lease (:mod:`~arrowtap.checkpoint.lease`) has every write
and delete checked against it.
"""

from __future__ import annotations

import abc
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Self, overload

from arrowtap import _checks as checks
from arrowtap.checkpoint import _lease_rules as rules
from arrowtap.checkpoint.attributes import (
    CheckpointAttributes,
    WriteMode,
    _checked_sections,
    _short,
    decode_json,
    encode_json,
)
from arrowtap.errors import (
    CheckpointError,
    CheckpointNoSpaceError,
    CheckpointNotActiveError,
    CheckpointNotFoundError,
)

if TYPE_CHECKING:
    from arrowtap.checkpoint.lease import Lease

__all__ = [
    "Checkpoint",
    "CheckpointAttributes",
    "WriteMode",
    "decode_json",
    "encode_json",
]


class Checkpoint(abc.ABC):
    """A named table of sections in a checkpoint store; open with :func:`open_checkpoint`.

    A handle is thread-safe and a context manager; :meth:`close` is idempotent
    and any operation after it raises :class:`~arrowtap.errors.CheckpointError`.
    """

    name: str
    attributes: CheckpointAttributes

    def __init__(self, name: str, location: str) -> None:
        self.name = checks.name("checkpoint name", name)
        self._location = location
        self._lock = threading.RLock()
        self._closed = False
        self._clock: Callable[[], float] = time.time
        self._lease: Lease | None = None  # held by this handle; close() releases it
        self._lease_fence: rules.Fence | None = None  # checks the writes (own or adopted)

    # -- hooks a backend implements (called with the lock held, handle open) --
    @abc.abstractmethod
    def _put(self, sections: dict[str, bytes], guard: rules.Decide | None) -> None:
        """Replace ``sections`` atomically; fence; apply ``guard`` to the lease in the same step."""

    @abc.abstractmethod
    def _fetch(self, keys: list[str]) -> dict[str, bytes]:
        """Return the values of those ``keys`` that exist, from one snapshot."""

    @abc.abstractmethod
    def _list_keys(self) -> list[str]:
        """Return all keys, sorted."""

    @abc.abstractmethod
    def _remove(self, key: str, guard: rules.Decide | None) -> None:
        """Delete ``key`` if present; fence; apply ``guard`` to the lease in the same step."""

    @abc.abstractmethod
    def _lease_update(self, decide: rules.Decide) -> rules.LeaseRecord | None:
        """Store what ``decide`` makes of the lease record, atomically; the record stored."""

    @abc.abstractmethod
    def _claim(self) -> None:
        """Record this handle as the active replica."""

    @abc.abstractmethod
    def _holds_claim(self) -> bool:
        """Tell whether this handle is the recorded active replica."""

    @abc.abstractmethod
    def _release(self) -> None:
        """Release the backend's resources (once)."""

    def _check_space(self, existing: int, new: int) -> None:
        if new and existing + new > self.attributes.max_sections:
            raise CheckpointNoSpaceError(
                f"checkpoint {self.name!r} at {self._location}: {new} new section(s) on top of "
                f"{existing} exceed max_sections={self.attributes.max_sections}"
            )

    def _not_active(self) -> CheckpointNotActiveError:
        return CheckpointNotActiveError(
            f"checkpoint {self.name!r} at {self._location}: this handle is not the active replica"
            f" ({self.attributes.write_mode.value}); call activate() first"
        )

    def _ensure_open(self) -> None:
        if self._closed:
            raise CheckpointError(f"checkpoint {self.name!r} at {self._location} is closed")

    @property
    def _fenced(self) -> bool:
        return self.attributes.write_mode is not WriteMode.ALL_REPLICAS

    @property
    def _what(self) -> str:
        return f"checkpoint {self.name!r} at {self._location}"

    def _guard(self, exclusive: bool = False) -> rules.Decide | None:
        if self._lease_fence is not None:
            return rules.fenced(self._what, self._lease_fence)
        return rules.exclusive(self._what, self._clock()) if exclusive else None

    def _swap_lease(self, decide: rules.Decide) -> rules.LeaseRecord | None:
        with self._lock:
            self._ensure_open()
            return self._lease_update(decide)

    # -- public API --
    @property
    def location(self) -> str:
        """Where the checkpoint lives (a path or a URL without credentials).

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db") as ckpt:
        ...     ckpt.location == f"{tmp}/o.db"
        True
        """
        return self._location

    @overload
    def write(self, key_or_sections: str, data: bytes, *, exclusive: bool = False) -> None: ...
    @overload
    def write(
        self, key_or_sections: Mapping[str, bytes], data: None = None, *, exclusive: bool = False
    ) -> None: ...
    def write(
        self,
        key_or_sections: str | Mapping[str, bytes],
        data: bytes | None = None,
        *,
        exclusive: bool = False,
    ) -> None:
        """Replace one section, or many atomically (all or nothing).

        A section is created when absent and fully replaced (it may shrink).
        A handle holding a lease writes only while it still holds it
        (:class:`~arrowtap.errors.CheckpointNotActiveError` once taken over).

        Parameters
        ----------
        key_or_sections : str or Mapping[str, bytes]
            A key (then ``data`` is its value), or a mapping of keys to values.
        data : bytes, optional
            The value when ``key_or_sections`` is a key.
        exclusive : bool
            On a handle without a lease: write only while no other writer holds
            the lease (else :class:`~arrowtap.errors.DestinationHeldError`), as
            one step with that check; an expired holder is fenced off.

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db") as ckpt:
        ...     ckpt.write("a", b"long value")
        ...     ckpt.write({"a": b"1", "b": b"2"})
        ...     ckpt.read(["a", "b"])
        [b'1', b'2']
        """
        checked = _checked_sections(key_or_sections, data, self.attributes)
        with self._lock:
            self._ensure_open()
            if checked:
                self._put(checked, self._guard(exclusive))

    @overload
    def read(self, keys: str) -> bytes: ...  # type: ignore[overload-overlap]
    @overload
    def read(self, keys: Sequence[str]) -> list[bytes]: ...
    def read(self, keys: str | Sequence[str]) -> bytes | list[bytes]:
        """Read one section's value, or several values in the order of ``keys``.

        Raises :class:`~arrowtap.errors.CheckpointNotFoundError` naming a missing key.

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db") as ckpt:
        ...     ckpt.write({"a": b"1", "b": b"2"})
        ...     ckpt.read("a"), ckpt.read(["b", "a"])
        (b'1', [b'2', b'1'])
        """
        wanted = [keys] if isinstance(keys, str) else list(keys)
        for key in wanted:
            if not isinstance(key, str):
                raise TypeError(f"section id must be a str, not {type(key).__name__}")
        with self._lock:
            self._ensure_open()
            found = self._fetch(wanted) if wanted else {}
        for key in wanted:
            if key not in found:
                raise CheckpointNotFoundError(
                    f"checkpoint {self.name!r} at {self._location} has no section {_short(key)}"
                )
        return found[keys] if isinstance(keys, str) else [found[k] for k in wanted]

    def get(self, key: str, default: bytes | None = None) -> bytes | None:
        """Return the value of ``key``, or ``default`` when it is absent.

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db") as ckpt:
        ...     ckpt.get("nope", b"0")
        b'0'
        """
        try:
            return self.read(key)
        except CheckpointNotFoundError:
            return default

    def keys(self) -> list[str]:
        """Return every section id, sorted.

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db") as ckpt:
        ...     ckpt.write({"b": b"", "a": b""})
        ...     ckpt.keys()
        ['a', 'b']
        """
        with self._lock:
            self._ensure_open()
            return self._list_keys()

    def delete(self, key: str) -> None:
        """Delete a section; deleting a missing one is not an error.

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db") as ckpt:
        ...     ckpt.write("a", b"1")
        ...     ckpt.delete("a")
        ...     ckpt.delete("a")
        ...     ckpt.keys()
        []
        """
        if not isinstance(key, str):
            raise TypeError(f"section id must be a str, not {type(key).__name__}")
        with self._lock:
            self._ensure_open()
            self._remove(key, self._guard())

    def synchronize(self) -> None:
        """Wait until the other replicas hold what this handle wrote.

        A no-op for ``ALL_REPLICAS``; backends whose writes are durable and
        visible when :meth:`write` returns have nothing to wait for either.

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db") as ckpt:
        ...     ckpt.synchronize()
        """
        with self._lock:
            self._ensure_open()

    def activate(self) -> None:
        """Make this handle the active replica; the previous one is fenced off.

        A no-op for ``ALL_REPLICAS``.

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> attrs = CheckpointAttributes(write_mode=WriteMode.ACTIVE_REPLICA)
        >>> with tempfile.TemporaryDirectory() as t, open_checkpoint(f"{t}/o.db", "c", attrs) as c:
        ...     before = c.is_active
        ...     c.activate()
        ...     before, c.is_active
        (False, True)
        """
        with self._lock:
            self._ensure_open()
            if self._fenced:
                self._claim()

    @property
    def is_active(self) -> bool:
        """Whether this handle may write (always ``True`` for ``ALL_REPLICAS``).

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db") as ckpt:
        ...     ckpt.is_active
        True
        """
        with self._lock:
            self._ensure_open()
            return not self._fenced or self._holds_claim()

    def write_json(self, sections: Mapping[str, object], *, exclusive: bool = False) -> None:
        """Write JSON-able values atomically, encoded by :func:`encode_json`.

        ``exclusive`` is as for :meth:`write`.

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db") as ckpt:
        ...     ckpt.write_json({"ch1": {"t": 5}})
        ...     ckpt.read("ch1")
        b'{"t":5}'
        """
        self.write({k: encode_json(k, v) for k, v in sections.items()}, exclusive=exclusive)

    def read_json(self, key: str, default: object = None) -> object:
        """Read a JSON value written by :meth:`write_json`, or ``default`` if absent.

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db") as ckpt:
        ...     ckpt.write_json({"ch1": [1, 2]})
        ...     ckpt.read_json("ch1"), ckpt.read_json("ch2", 0)
        ([1, 2], 0)
        """
        data = self.get(key)
        return default if data is None else decode_json(key, data)

    def close(self) -> None:
        """Close the handle (releasing a lease it holds); closing again does nothing.

        Examples
        --------
        >>> import tempfile
        >>> from arrowtap.checkpoint import open_checkpoint
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     ckpt = open_checkpoint(f"{tmp}/o.db")
        ...     ckpt.close()
        ...     ckpt.close()
        """
        if self._lease is not None:
            self._lease.release()
        with self._lock:
            if not self._closed:
                self._closed = True
                self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<{type(self).__name__} name={self.name!r} location={self._location!r}{state}>"
