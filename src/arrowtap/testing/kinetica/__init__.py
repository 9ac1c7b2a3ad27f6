"""A protocol-faithful fake Kinetica: the REST API (Avro or JSON) and table monitors on ZMQ.

:class:`FakeKinetica` answers the endpoints a reader and writer use
(``kinetica.md`` §2): types and tables, ``/get/records`` paging (``offset``/``limit``,
``-9999``, ``has_more_records``, filters and sorting), ``/get/records/bycolumn`` and
``/execute/sql`` with dynamic-schema pages (``SELECT`` runs on SQLite, see
:mod:`arrowtap.testing.kinetica.engine`), ``/insert/records`` with upserts and per-record
errors, ``/update/records``, ``/delete/records``, the system endpoints ``GPUdb()`` calls
on construction, and the table-monitor endpoints with a ZMQ PUB socket publishing one
multipart message per operation. Values are checked against the column properties, and
array values kept in the form Kinetica's documentation shows (:mod:`.arrays`).
Optional Basic or bearer authentication; faults (503, resets, delays, lost monitor
messages) by rate or on demand. It keeps every ``/get/records`` request it answered and
has a gate that holds them back (:mod:`~arrowtap.testing.kinetica.reads`). The official
``gpudb`` client works against it.

>>> with FakeKinetica() as fake:
...     table = fake.create_table("t", [("x", "double")])
...     fake.url.startswith("http://127.0.0.1:"), fake.monitor_url.startswith("tcp://")
(True, True)

It also runs as a process: ``python -m arrowtap.testing.kinetica --port 0
--monitor-port 0`` prints ``READY http=<url> zmq=<url>`` once serving and exits
cleanly on SIGTERM.
"""

from __future__ import annotations

from arrowtap.testing.kinetica.auth import Credentials
from arrowtap.testing.kinetica.fake import FakeKinetica
from arrowtap.testing.kinetica.faults import FAULT_KINDS, Faults
from arrowtap.testing.kinetica.monitors import COUNT_SCHEMA, Monitor
from arrowtap.testing.kinetica.reads import Gate, RecordsRequest
from arrowtap.testing.kinetica.store import KineticaFault
from arrowtap.testing.kinetica.table import Table

__all__ = [
    "COUNT_SCHEMA",
    "FAULT_KINDS",
    "Credentials",
    "FakeKinetica",
    "Faults",
    "Gate",
    "KineticaFault",
    "Monitor",
    "RecordsRequest",
    "Table",
]
