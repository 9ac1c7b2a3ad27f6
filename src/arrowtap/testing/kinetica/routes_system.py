"""System endpoints of the fake Kinetica: status, properties, shards.

``GPUdb()`` calls ``/show/system/status`` and ``/show/system/properties`` on
construction (``kinetica.md`` §1.5). The properties name the fake's own URL as rank 0
of ``conf.worker_http_server_urls``, one host, no HA, no multi-head ingest, and the
version the fake claims (7.2.x, the client's major.minor).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["ROUTES"]

Request = dict[str, Any]
Response = dict[str, Any]


def show_system_status(fake: FakeKinetica, req: Request) -> Response:
    """``status_map.system`` is a JSON text whose ``status`` is ``running``."""
    system = {"status": "running", "version": fake.version, "cluster_leader": fake.url}
    ha = {"drained": "not_drained"}
    return {"status_map": {"system": json.dumps(system), "ha_status": json.dumps(ha)}}


def show_system_properties(fake: FakeKinetica, req: Request) -> Response:
    """The properties the official client reads, and a few more."""
    parts = urlsplit(fake.url)
    return {
        "property_map": {
            "version.gpudb_core_version": fake.version,
            "version.gpudb_version": fake.version,
            "conf.enable_ha": "FALSE",
            "conf.ha_ring_head_nodes_full": "",
            "conf.enable_httpd_proxy": "FALSE",
            "conf.use_https": "FALSE",
            "conf.enable_worker_http_servers": "FALSE",
            "conf.worker_http_server_urls": fake.url,
            "conf.worker_http_server_ports": str(parts.port),
            "conf.number_of_hosts": "1",
            "conf.host0_public_urls": f"{parts.scheme}://{parts.hostname}",
            "conf.number_of_ranks": "1",
            "conf.set_monitor_port": str(fake.monitor_port),
            "conf.max_get_records_size": str(fake.max_get_records_size),
            "conf.enable_authorization": "TRUE" if fake.credentials.required else "FALSE",
        }
    }


def admin_show_shards(fake: FakeKinetica, req: Request) -> Response:
    """One rank holding every shard."""
    return {"version": 1, "rank": [1] * 16, "tom": [0] * 16}


ROUTES = {
    "/show/system/status": show_system_status,
    "/show/system/properties": show_system_properties,
    "/admin/show/shards": admin_show_shards,
}
