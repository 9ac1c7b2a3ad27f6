"""Table types remembered per process: a small read is one ``/get/records`` request.

A table's records decode only under its record type, which ``/show/table`` tells. Every
``/get/records`` answer names that type too: its ``type_name`` is the type's id
(``kinetica.md`` §2.1), and an id stands for one definition with its properties
(identical definitions share it; a table altered, or recreated with other columns, has
another). So the type last described for a (server, table) is remembered, and the first
page of a read is asked for before the type (:func:`first_page`): when the answer's type
id is the remembered one, the page decodes under it; otherwise (first use, or the type
changed) the table is described again and that same answer decodes under the new type.
A changed table is never decoded under a stale type, and the common small read sends one
request.

The memory is per process, shared by threads, and bounded: the least recently used
tables are forgotten first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from arrowtap.connectors.kinetica.wire import tables
from arrowtap.connectors.kinetica.wire.client import KineticaClient
from arrowtap.connectors.kinetica.wire.cursor import Cursor
from arrowtap.connectors.kinetica.wire.pages import RecordsPage, read_records_page
from arrowtap.connectors.kinetica.wire.tables import TableInfo
from arrowtap.errors import DecodeError

__all__ = ["KNOWN", "KnownTypes", "describe", "first_page", "records_type_id"]


class KnownTypes:
    """The last described type of each (server URL, table), the most recent `size` of them.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
    >>> known = KnownTypes(size=1)
    >>> ktype = KineticaType((KineticaColumn("i", "int"),))
    >>> known.put("http://k:9191", TableInfo("t", "7", ktype))
    >>> known.get("http://k:9191", "t").type_id, known.get("http://k:9191", "u")
    ('7', None)
    >>> known.put("http://k:9191", TableInfo("u", "8", ktype))
    >>> known.get("http://k:9191", "t"), len(known)
    (None, 1)
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._types: OrderedDict[tuple[str, str], TableInfo] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._types)

    def get(self, url: str, table: str) -> TableInfo | None:
        """What was last described of `table` at `url`, if still remembered."""
        with self._lock:
            info = self._types.get((url, table))
            if info is not None:
                self._types.move_to_end((url, table))
            return info

    def put(self, url: str, info: TableInfo) -> None:
        """Remember `info` (``/show/table`` of ``info.name`` at `url`)."""
        with self._lock:
            self._types[(url, info.name)] = info
            self._types.move_to_end((url, info.name))
            while len(self._types) > self.size:
                self._types.popitem(last=False)


KNOWN = KnownTypes()
"""The types this process has described."""


def describe(client: KineticaClient, table: str) -> TableInfo:
    """``/show/table`` of `table`, remembered in :data:`KNOWN`.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake, KineticaClient(fake.url) as client:
    ...     _ = fake.create_table("t", [("x", "double")])
    ...     info = describe(client, "t")
    ...     KNOWN.get(client.url, "t") == info
    True
    """
    info = tables.describe(client, table)
    KNOWN.put(client.url, info)
    return info


def records_type_id(data: memoryview, table: str) -> str:
    r"""The type id (``type_name``) of a ``get_records_response`` record.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.cursor import avro_string
    >>> records_type_id(memoryview(avro_string("t") + avro_string("42")), "t")
    '42'
    """
    cursor = Cursor(data, what=f"reply from /get/records (table {table!r})")
    cursor.read_string()  # table_name
    return cursor.read_string()


def first_page(client: KineticaClient, table: str, body: bytes) -> tuple[TableInfo, RecordsPage]:
    """The ``/get/records`` page that `body` asks for, and the table's type it decodes under.

    One request when the answer's type is the one remembered for the table; else the
    table is described (``/show/table``) and the same answer decoded under its type.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.pages import get_records_request
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake, KineticaClient(fake.url) as client:
    ...     _ = fake.create_table("t", [("x", "double")])
    ...     fake.insert("t", [{"x": 0.5}])
    ...     for _ in range(3):
    ...         info, page = first_page(client, "t", get_records_request("t", 0, 10))
    ...     sent = dict(fake.requests)
    >>> page.wire.to_pylist(), sent["/get/records"], sent["/show/table"]
    ([{'x': 0.5}], 3, 1)
    """
    known = KNOWN.get(client.url, table)

    def parse(data: memoryview) -> tuple[str, RecordsPage | memoryview]:
        type_id = records_type_id(data, table)
        if known is not None and type_id == known.type_id:
            return type_id, read_records_page(data, known.ktype, table)
        return type_id, data  # decoded once the type is known

    type_id, got = client.call_binary("/get/records", body, parse, table=table)
    if isinstance(got, RecordsPage):
        assert known is not None
        return known, got
    info = describe(client, table)
    if info.type_id == type_id:
        try:
            return info, read_records_page(got, info.ktype, table)
        except DecodeError:
            pass  # a damaged body: asked again below, under the retry policy
    # (Or the type changed again between the two calls: the page is asked again, and
    # its decoding checks that its records are of the type just described.)
    page = client.call_binary(
        "/get/records", body, lambda data: read_records_page(data, info.ktype, table), table=table
    )
    return info, page
