"""Creation attributes of a checkpoint, the limit checks and the JSON value helpers.

Backend-independent; :mod:`arrowtap.checkpoint.api` re-exports the public names.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from collections.abc import Mapping
from typing import Any

from arrowtap import _checks as checks
from arrowtap.errors import CheckpointError, CheckpointInvalidParamError, InvalidArgumentError

__all__ = ["CheckpointAttributes", "WriteMode", "decode_json", "encode_json"]


class WriteMode(enum.Enum):
    """How writes reach the replicas (``SA_CKPT_WR_*``).

    ``ALL_REPLICAS`` acknowledges a write once every replica has it; every
    handle may write. In the ``ACTIVE_REPLICA`` modes only the handle that
    called :meth:`Checkpoint.activate` last may write (fencing).
    """

    ALL_REPLICAS = "all_replicas"
    ACTIVE_REPLICA = "active_replica"
    ACTIVE_REPLICA_WEAK = "active_replica_weak"


_MAXIMA = {"max_sections": 2**31 - 1, "max_section_size": 2**30, "max_section_id_size": 2**16}
"""Past these a store could not hold what the attribute allows (SQLite blobs stop at 1 GB)."""


@dataclasses.dataclass(frozen=True)
class CheckpointAttributes:
    """Creation attributes of a checkpoint, fixed for its lifetime.

    Parameters
    ----------
    max_sections : int
        Most sections the checkpoint holds; creating one more raises
        :class:`~arrowtap.errors.CheckpointNoSpaceError`.
    max_section_size : int
        Most bytes of one value.
    max_section_id_size : int
        Most bytes (UTF-8) of one key.
    retention : datetime.timedelta or None
        How long the checkpoint survives after its last handle closed;
        ``None`` retains it forever.
    write_mode : WriteMode or str
        See :class:`WriteMode`.

    Examples
    --------
    >>> CheckpointAttributes(max_sections=10).max_sections
    10
    >>> CheckpointAttributes(write_mode="active_replica").write_mode
    <WriteMode.ACTIVE_REPLICA: 'active_replica'>
    """

    max_sections: int = 100_000
    max_section_size: int = 65_536
    max_section_id_size: int = 256
    retention: datetime.timedelta | None = None
    write_mode: WriteMode = WriteMode.ALL_REPLICAS

    def __post_init__(self) -> None:
        for name, maximum in _MAXIMA.items():
            value = getattr(self, name)
            checks.positive_int(f"checkpoint attribute {name}", value, maximum=maximum)
            object.__setattr__(self, name, int(value))
        if self.retention is not None and (
            not isinstance(self.retention, datetime.timedelta)
            or self.retention < datetime.timedelta()
        ):
            raise InvalidArgumentError(
                "checkpoint attribute retention must be a timedelta >= 0 or None, "
                f"not {self.retention!r}"
            )
        try:
            object.__setattr__(self, "write_mode", WriteMode(self.write_mode))
        except (ValueError, TypeError):  # TypeError: an unhashable value
            raise InvalidArgumentError(
                f"checkpoint attribute write_mode must be one of {[m.value for m in WriteMode]}, "
                f"not {self.write_mode!r}"
            ) from None

    def to_json(self) -> str:
        """Serialise to the JSON a backend stores; retention as integer microseconds.

        Examples
        --------
        >>> a = CheckpointAttributes(retention=datetime.timedelta(seconds=2))
        >>> CheckpointAttributes.from_json(a.to_json()) == a
        True
        """
        r = self.retention
        return json.dumps(
            {
                "max_sections": self.max_sections,
                "max_section_size": self.max_section_size,
                "max_section_id_size": self.max_section_id_size,
                "retention_us": None
                if r is None
                else (r.days * 86_400 + r.seconds) * 10**6 + r.microseconds,
                "write_mode": self.write_mode.value,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> CheckpointAttributes:
        """Parse what :meth:`to_json` wrote.

        Examples
        --------
        >>> CheckpointAttributes.from_json(CheckpointAttributes().to_json()).retention is None
        True
        """
        raw: dict[str, Any] = json.loads(text)
        us = raw.pop("retention_us")
        return cls(**raw, retention=None if us is None else datetime.timedelta(microseconds=us))

    def differences(self, other: CheckpointAttributes) -> list[str]:
        """Describe each attribute where ``self`` (stored) and ``other`` (requested) differ.

        Examples
        --------
        >>> CheckpointAttributes(max_sections=5).differences(CheckpointAttributes(max_sections=6))
        ['max_sections (stored 5, requested 6)']
        """
        return [
            f"{f.name} (stored {getattr(self, f.name)!r}, requested {getattr(other, f.name)!r})"
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        ]


def encode_json(key: str, value: object) -> bytes:
    """Encode one JSON section value canonically (sorted keys, no spaces, no NaN).

    Examples
    --------
    >>> encode_json("k", {"b": 1, "a": [1, 2]})
    b'{"a":[1,2],"b":1}'
    """
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(
            f"section {key!r}: value is not JSON-serialisable: {exc}"
        ) from exc
    return text.encode()


def decode_json(key: str, data: bytes) -> object:
    """Decode one section value written by :func:`encode_json`.

    Examples
    --------
    >>> decode_json("k", b'{"t":1}')
    {'t': 1}
    """
    try:
        return json.loads(data)
    except ValueError as exc:
        raise CheckpointError(f"section {key!r} ({len(data)} bytes) is not valid JSON") from exc


def _short(key: str) -> str:
    return repr(key if len(key) <= 64 else key[:64] + "...")


def _check_key(key: object, attributes: CheckpointAttributes) -> str:
    if not isinstance(key, str):
        raise TypeError(f"section id must be a str, not {type(key).__name__}")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise CheckpointInvalidParamError(f"section id {_short(key)} is not valid UTF-8") from None
    if size == 0 or size > attributes.max_section_id_size:
        raise CheckpointInvalidParamError(
            f"section id {_short(key)} is {size} bytes; allowed 1..{attributes.max_section_id_size}"
        )
    return key


def _check_value(key: str, value: object, attributes: CheckpointAttributes) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(
            f"value of section {_short(key)} must be bytes, not {type(value).__name__}"
            " (use write_json for JSON values)"
        )
    data = bytes(value)
    if len(data) > attributes.max_section_size:
        raise CheckpointInvalidParamError(
            f"value of section {_short(key)} is {len(data)} bytes, more than "
            f"max_section_size={attributes.max_section_size}"
        )
    return data


def _checked_sections(
    key_or_sections: object, data: object, attributes: CheckpointAttributes
) -> dict[str, bytes]:
    """Normalise the arguments of ``Checkpoint.write`` to checked ``{key: value}``."""
    if isinstance(key_or_sections, str):
        if data is None:
            raise InvalidArgumentError(f"write({_short(key_or_sections)}, data): data is missing")
        sections: dict[object, object] = {key_or_sections: data}
    elif isinstance(key_or_sections, Mapping):
        if data is not None:
            raise InvalidArgumentError("write(sections) takes no data argument")
        sections = dict(key_or_sections)
    else:
        raise TypeError(f"write() takes a str or a mapping, not {type(key_or_sections).__name__}")
    checked: dict[str, bytes] = {}
    for key, value in sections.items():
        checked[_check_key(key, attributes)] = _check_value(str(key), value, attributes)
    return checked
