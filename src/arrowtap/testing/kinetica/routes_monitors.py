"""Table-monitor endpoints of the fake Kinetica (``kinetica.md`` §4.1).

``/create/tablemonitor`` (option ``event``: ``insert`` by default, ``update`` or
``delete``; ``monitor_id`` to choose the topic) answers the topic id and the schema
its messages decode with: the table type for inserts, the count record for updates
and deletes, plus ``info`` keys ``<event>_topic_id`` and ``<event>_type_schema``.
``/clear/tablemonitor`` stops publishing; ``/alter/tablemonitor`` keeps its updates as
options; ``/show/tablemonitors`` lists monitors (all when ``monitor_ids`` is empty).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arrowtap.testing.kinetica.monitors import COUNT_SCHEMA, EVENTS
from arrowtap.testing.kinetica.store import KineticaFault

if TYPE_CHECKING:
    from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["ROUTES"]

Request = dict[str, Any]
Response = dict[str, Any]


def create_table_monitor(fake: FakeKinetica, req: Request) -> Response:
    """Start a monitor on a table for one event."""
    table = fake.store.table(req["table_name"])
    opts = dict(req["options"])
    event = opts.get("event", "insert").strip().lower() or "insert"
    if event not in EVENTS:
        raise KineticaFault(f"Invalid event '{event}' for /create/tablemonitor: one of {EVENTS}")
    schema = table.definition if event == "insert" else COUNT_SCHEMA
    if opts.get("monitor_id") in fake.publisher.monitors:
        raise KineticaFault(f"Table monitor '{opts['monitor_id']}' already exists")
    monitor = fake.publisher.add(table.name, event, schema, opts)
    return {
        "topic_id": monitor.topic_id,
        "table_name": req["table_name"],
        "type_schema": schema,
        "info": {
            "ttl": "-1",
            f"{event}_topic_id": monitor.topic_id,
            f"{event}_type_schema": schema,
        },
    }


def clear_table_monitor(fake: FakeKinetica, req: Request) -> Response:
    """Stop a monitor."""
    if fake.publisher.remove(req["topic_id"]) is None:
        raise KineticaFault(f"Table monitor '{req['topic_id']}' does not exist")
    return {"topic_id": req["topic_id"]}


def alter_table_monitor(fake: FakeKinetica, req: Request) -> Response:
    """Record monitor updates (``schema_name``, ``notifications``, ...)."""
    monitor = fake.publisher.monitors.get(req["topic_id"])
    if monitor is None:
        raise KineticaFault(f"Table monitor '{req['topic_id']}' does not exist")
    monitor.options.update(req["monitor_updates_map"])
    return {"topic_id": req["topic_id"]}


def show_table_monitors(fake: FakeKinetica, req: Request) -> Response:
    """Describe monitors."""
    wanted = req["monitor_ids"]
    known = fake.publisher.monitors
    missing = [m for m in wanted if m not in known and m != "*"]
    if missing:
        raise KineticaFault(f"Table monitor '{missing[0]}' does not exist")
    monitors = list(known.values()) if not wanted or "*" in wanted else [known[m] for m in wanted]
    n = len(monitors)
    return {
        "monitor_ids": [m.topic_id for m in monitors],
        "table_names": [m.table_name for m in monitors],
        "events": [m.event for m in monitors],
        "increasing_columns": [m.options.get("increasing_column", "") for m in monitors],
        "filter_expressions": [m.options.get("expression", "") for m in monitors],
        "join_table_names": [""] * n,
        "join_column_names": [""] * n,
        "join_expressions": [""] * n,
        "refresh_method": [m.options.get("refresh_method", "on_change") for m in monitors],
        "refresh_period": [m.options.get("refresh_period", "") for m in monitors],
        "refresh_start_time": [m.options.get("refresh_start_time", "") for m in monitors],
        "datasink_names": [m.options.get("datasink_name", "") for m in monitors],
        "max_consecutive_failures": [
            int(m.options.get("max_consecutive_failures", "0")) for m in monitors
        ],
        "failed_notifications_table_names": [""] * n,
        "statuses": ["active"] * n,
        "additional_info": [
            {"type_schema": m.type_schema, "published": str(m.published)} for m in monitors
        ],
    }


ROUTES = {
    "/create/tablemonitor": create_table_monitor,
    "/clear/tablemonitor": clear_table_monitor,
    "/alter/tablemonitor": alter_table_monitor,
    "/show/tablemonitors": show_table_monitors,
}
