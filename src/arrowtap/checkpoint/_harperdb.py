"""Parts of the HarperDB checkpoint backend: locations, record ids, tables, replication waits.

:mod:`arrowtap.checkpoint.harperdb` builds the checkpoint from these; only
:func:`ensure_tables` and :class:`Replicas` send requests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from arrowtap.connectors.harperdb.wire.client import HarperDBClient
from arrowtap.errors import (
    BadRequestError,
    CheckpointError,
    InvalidArgumentError,
    NotFoundError,
    ProtocolError,
)

__all__ = [
    "DEFAULT_DATABASE",
    "HANDLES",
    "LEASES",
    "METADATA",
    "SECTIONS",
    "Location",
    "checkpoint_id",
    "count_sections",
    "decode_value",
    "encode_value",
    "ensure_tables",
    "parse_location",
    "section_id",
]

DEFAULT_DATABASE = "arrowtap"
METADATA = "checkpoints"  # one record per checkpoint: name, attributes, active replica
SECTIONS = "checkpoint_sections"  # one record per section
HANDLES = "checkpoint_handles"  # one record per open handle (for retention)
LEASES = "checkpoint_leases"  # one record per checkpoint ever leased: token and holder

# Schema-defined tables: only the ``checkpoint`` columns are indexed (for the
# listings); an indexed ``value`` would copy every offset into the index.
_TABLES: dict[str, list[dict[str, Any]]] = {
    METADATA: [
        {"name": "id", "type": "String"},
        {"name": "name", "type": "String"},
        {"name": "attributes", "type": "String"},
        {"name": "active", "type": "String"},
        {"name": "last_close", "type": "Float"},
    ],
    SECTIONS: [
        {"name": "id", "type": "String"},
        {"name": "checkpoint", "type": "String", "indexed": True},
        {"name": "key", "type": "String"},
        {"name": "value", "type": "String"},
    ],
    HANDLES: [
        {"name": "id", "type": "String"},
        {"name": "checkpoint", "type": "String", "indexed": True},
        {"name": "opened", "type": "Float"},
        {"name": "synchronized", "type": "Float"},
    ],
    LEASES: [
        {"name": "id", "type": "String"},
        {"name": "token", "type": "Long"},
        {"name": "writer", "type": "String"},
        {"name": "host", "type": "String"},
        {"name": "pid", "type": "Long"},
        {"name": "since", "type": "Float"},
        {"name": "expires", "type": "Float"},
    ],
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(frozen=True)
class Location:
    """Where a HarperDB checkpoint lives: an operations API and a database.

    ``url`` and ``display`` never carry credentials.
    """

    url: str
    database: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def display(self) -> str:
        """The location as shown in messages and reprs.

        Examples
        --------
        >>> Location("http://h:9925/", "pipes").display
        'harperdb+http://h:9925/pipes'
        """
        return f"harperdb+{self.url.rstrip('/')}/{self.database}"


def check_database(database: object) -> str:
    """Return ``database`` if it is a plain identifier (it is quoted into SQL counts).

    Examples
    --------
    >>> check_database("pipes_1")
    'pipes_1'
    """
    if not isinstance(database, str) or not _IDENTIFIER.fullmatch(database):
        raise InvalidArgumentError(
            f"HarperDB checkpoint: database must be a name of letters, digits and _ "
            f"(not starting with a digit, at most 63), not {database!r}"
        )
    return database


def parse_location(url: str, database: str | None = None) -> Location:
    """Split ``harperdb+http(s)://[user:password@]host:port[/database]`` (or ``http(s)://``).

    The database comes from the path, else ``database``, else ``arrowtap``.

    Examples
    --------
    >>> loc = parse_location("harperdb+http://admin:s3cret@127.0.0.1:9925/pipes")
    >>> loc.display, loc.username
    ('harperdb+http://127.0.0.1:9925/pipes', 'admin')
    >>> parse_location("http://127.0.0.1:9925").database
    'arrowtap'
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    scheme = parsed.scheme if parsed is not None else ""
    transport = scheme.removeprefix("harperdb+")
    if parsed is None or transport not in ("http", "https") or not parsed.host:
        # Only the scheme: the rest may carry credentials.
        raise InvalidArgumentError(
            f"HarperDB checkpoint location must be harperdb+http(s)://[user:password@]host:port"
            f"[/database] (scheme {scheme!r})"
        )
    if parsed.query or parsed.fragment:
        raise InvalidArgumentError(
            f"HarperDB checkpoint location {_bare(parsed, transport)!r} takes no query or fragment"
        )
    path = parsed.path.strip("/")
    if path and database is not None and path != database:
        raise InvalidArgumentError(
            f"HarperDB checkpoint location names database {path!r} but database={database!r}"
        )
    chosen = check_database(path or (database if database is not None else DEFAULT_DATABASE))
    return Location(
        _bare(parsed, transport),
        chosen,
        parsed.username or None,
        parsed.password or None,
    )


def _bare(parsed: httpx.URL, transport: str) -> str:
    port = f":{parsed.port}" if parsed.port is not None else ""
    return f"{transport}://{parsed.host}{port}/"


def checkpoint_id(name: str) -> str:
    """The record id of a checkpoint (ids are at most 250 bytes in HarperDB; names are not).

    Examples
    --------
    >>> len(checkpoint_id("job"))
    64
    """
    try:
        data = name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"checkpoint name {name!r} is not valid UTF-8") from None
    return hashlib.sha256(data).hexdigest()


def section_id(checkpoint: str, key: str) -> str:
    """The record id of section ``key`` of the checkpoint with id ``checkpoint``.

    ``checkpoint`` has a fixed length, so the id is unique per (checkpoint, key).

    Examples
    --------
    >>> section_id(checkpoint_id("a"), "k") != section_id(checkpoint_id("b"), "k")
    True
    """
    return hashlib.sha256((checkpoint + key).encode("utf-8")).hexdigest()


def count_sections(client: HarperDBClient, database: str, checkpoint: str, where: str) -> int:
    """How many sections the checkpoint with id ``checkpoint`` holds (an SQL count)."""
    # The database is an identifier and the id hexadecimal: nothing to escape.
    sql = f"SELECT COUNT(*) AS n FROM `{database}`.`{SECTIONS}` WHERE `checkpoint` = '{checkpoint}'"
    rows = client.operation("sql", sql=sql)
    try:
        return int(rows[0]["n"])
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"HarperDB: sql count on {where}: {rows!r}") from exc


def encode_value(data: bytes) -> str:
    """Bytes as they are stored (base64: JSON has no bytes).

    Examples
    --------
    >>> encode_value(b"offset")
    'b2Zmc2V0'
    """
    return base64.b64encode(data).decode("ascii")


def decode_value(key: str, text: object) -> bytes:
    """Bytes of a stored value; a record not written by this backend raises.

    Examples
    --------
    >>> decode_value("k", "b2Zmc2V0")
    b'offset'
    """
    if not isinstance(text, str):
        raise CheckpointError(f"section {key!r}: stored value is {type(text).__name__}, not base64")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise CheckpointError(f"section {key!r}: stored value is not base64: {exc}") from exc


def ensure_tables(client: HarperDBClient, database: str) -> bool:
    """Create the database and the tables where missing; tell whether any was created.

    Creating concurrently from several processes is fine: "already exists" is success.
    """
    try:
        present = set(client.operation("describe_database", database=database))
    except NotFoundError:
        present = set()
        _create(client, "create_database", database=database)
    created = False
    for table, attributes in _TABLES.items():
        if table not in present:
            _create(
                client,
                "create_table",
                database=database,
                table=table,
                primary_key="id",
                attributes=attributes,
            )
            created = True
    return created


def _create(client: HarperDBClient, operation: str, **fields: Any) -> None:
    try:
        client.operation(operation, **fields)
    except BadRequestError as exc:
        if "already exists" not in str(exc):
            raise
