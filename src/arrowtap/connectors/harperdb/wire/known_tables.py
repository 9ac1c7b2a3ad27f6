"""Table descriptions remembered per process: a small read is one request.

A table is read under the layout its ``describe_table`` answer gives. That answer is
remembered per (operations URL without credentials, user, database, table): users
may be granted different attributes. Every description asked anywhere is remembered
(:func:`describe`), and a plain read of the whole table begins with its first page
under the remembered one (see :mod:`~arrowtap.connectors.harperdb.first_page`), which
the page itself confirms or refutes:

- only a *dynamic* table's description is trusted without asking: it holds no types,
  only names and the primary key, and a search asking ``get_attributes: ["*"]``
  answers every record with every attribute of the table, in the order
  ``describe_table`` lists them (the primary key first, absent values ``null``);
  :func:`confirms` compares those names. A new attribute (an upsert or
  ``create_attribute``), a dropped one, another primary key (a table dropped and
  re-created) or a table re-created with a defined schema (whose records carry
  only their own attributes, in their own order) change them;
- an empty answer confirms nothing, nor does a refusal (an unknown attribute), nor
  a value that does not decode: the table is described again.

A table with a defined schema carries types that no record shows, so it is
described on every read (one request more); so is a read of some ``columns=``.

The memory is shared by the threads of a process and bounded (least recently used
first out); it holds no connection, so a forked child keeps it (with a new lock).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from arrowtap.connectors.harperdb.wire.client import HarperDBClient

__all__ = ["KNOWN", "KnownTables", "confirms", "describe", "is_dynamic", "remembered"]

Key = tuple[str, str | None, str, str]


class KnownTables:
    """The last ``describe_table`` answer of each table, the most recent ``size`` of them.

    Examples
    --------
    >>> known = KnownTables(size=1)
    >>> ann, bob = ("http://h:9925/", "ann", "db", "t"), ("http://h:9925/", "bob", "db", "t")
    >>> known.put(ann, {"hash_attribute": "id"})
    >>> known.get(ann), known.get(bob)
    ({'hash_attribute': 'id'}, None)
    >>> known.put(("http://h:9925/", "ann", "db", "u"), {"hash_attribute": "k"})
    >>> known.get(ann), len(known)
    (None, 1)
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._answers: OrderedDict[Key, Any] = OrderedDict()
        self._lock = threading.Lock()

    def after_fork(self) -> None:
        """In a forked child: a new lock (a thread of the parent may have held it)."""
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)

    def get(self, key: Key) -> Any:
        """The answer remembered under ``key``, or ``None``."""
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: Key, answer: Any) -> None:
        """Remember ``answer`` under ``key`` (the most recent)."""
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)


KNOWN = KnownTables()
"""The descriptions this process has asked for."""

os.register_at_fork(after_in_child=KNOWN.after_fork)


def _key(client: HarperDBClient, database: str, table: str) -> Key:
    return client.url, client.username, database, table  # client.url holds no credentials


def describe(client: HarperDBClient, database: str, table: str) -> Any:
    """``describe_table`` of ``database.table``, remembered in :data:`KNOWN`.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> answer = {"hash_attribute": "id", "attributes": [{"attribute": "id"}]}
    >>> hdb = HarperDBClient("http://h:9925", client=canned_client({"describe_table": answer}))
    >>> describe(hdb, "db", "t") == remembered(hdb, "db", "t") == answer
    True
    """
    answer = client.operation("describe_table", database=database, table=table)
    KNOWN.put(_key(client, database, table), answer)
    return answer


def remembered(client: HarperDBClient, database: str, table: str) -> Any:
    """The description of ``database.table`` last asked by this process as this user, or None.

    Examples
    --------
    >>> remembered(HarperDBClient("http://h:9925", username="nobody"), "db", "none") is None
    True
    """
    return KNOWN.get(_key(client, database, table))


def _names(describe: Any) -> list[Any] | None:
    attributes = describe.get("attributes") if isinstance(describe, Mapping) else None
    if not isinstance(attributes, list):
        return None
    return [a.get("attribute") for a in attributes if isinstance(a, Mapping)]


def is_dynamic(describe: Any) -> bool:
    """Whether a description is of a table without a defined schema (no attribute has a type).

    Examples
    --------
    >>> is_dynamic({"schema_defined": False, "attributes": [{"attribute": "id"}]})
    True
    >>> is_dynamic({"schema_defined": True, "attributes": [{"attribute": "id", "type": "ID"}]})
    False
    """
    attributes = describe.get("attributes") if isinstance(describe, Mapping) else None
    return (
        isinstance(attributes, list)
        and describe.get("schema_defined") is False
        and all(isinstance(a, Mapping) and "type" not in a for a in attributes)
    )


def confirms(describe: Any, records: Sequence[Mapping[str, Any]]) -> bool:
    """Whether records asked with ``get_attributes: ["*"]`` show exactly the described attributes.

    Examples
    --------
    >>> described = {"schema_defined": False, "attributes": [
    ...     {"attribute": "id", "is_primary_key": True}, {"attribute": "v"}]}
    >>> confirms(described, [{"id": 1, "v": None}])
    True
    >>> confirms(described, [{"id": 1, "v": None, "w": 2}]), confirms(described, [])
    (False, False)
    """
    names = _names(describe)
    if not records or names is None:
        return False
    # Every record of a dynamic table carries the same names: the ends stand for all.
    return list(records[0]) == names and list(records[-1]) == names
