"""The endpoints of the administrative API: one function per request, answers checked.

Names in paths go through the ``~XX`` codec; server IDs are checked UUIDs.
A 404 becomes :class:`NotFoundError` (:class:`ChannelNotFoundError` for a
channel) naming what was missing.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from arrowtap.connectors._http import HttpSession, redact
from arrowtap.connectors.pvarchiver.wire.admin import SYSTEM, Credentials, get_json, post_json
from arrowtap.connectors.pvarchiver.wire.admin_codec import encode_name
from arrowtap.errors import (
    ChannelNotFoundError,
    DecodeError,
    InvalidArgumentError,
    NotFoundError,
    ProtocolError,
    ServerError,
)

__all__ = [
    "export_config",
    "get_channel",
    "get_cluster_status",
    "get_server_status",
    "import_config",
    "list_channels",
    "run_commands",
]


def _object(value: Any, what: str, key: str | None = None) -> Any:
    if not isinstance(value, dict) or (key is not None and key not in value):
        wanted = f"a JSON object with {key!r}" if key else "a JSON object"
        raise ProtocolError(f"{SYSTEM}: {what}: expected {wanted}, got {str(value)[:80]!r}")
    return value if key is None else value[key]


def _server_json(session: HttpSession, server_id: str, tail: str, what: str) -> Any:
    """GET ``/channels/by-server/<id><tail>``; a 404 means the cluster has no such server."""
    try:
        return get_json(session, f"/channels/by-server/{server_id}{tail}", what)
    except NotFoundError as exc:
        raise NotFoundError(
            f"{SYSTEM}: no server {server_id} in the cluster", status=exc.status, url=exc.url
        ) from exc


def list_channels(
    session: HttpSession, server_id: str | None = None
) -> tuple[list[dict[str, Any]], bool | None]:
    """The channel items of the cluster or of one server, and ``statusAvailable``."""
    if server_id is None:
        what = "list all channels"
        items = _object(get_json(session, "/channels/all", what), what, "channels")
        status = None
    else:
        what = f"list the channels of server {server_id}"
        body = _server_json(session, server_id, "", what)
        items = _object(body, what, "channels")
        status = body.get("statusAvailable")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ProtocolError(f"{SYSTEM}: {what}: 'channels' is not a list of objects")
    return items, status if isinstance(status, bool) else None


def get_channel(session: HttpSession, name: str, server_id: str | None = None) -> dict[str, Any]:
    """The configuration and status of one channel (owned by ``server_id`` if given)."""
    if not isinstance(name, str) or not name:
        raise InvalidArgumentError(f"{SYSTEM}: channel name must be a non-empty str: {name!r}")
    prefix = "/channels/all" if server_id is None else f"/channels/by-server/{server_id}"
    what = f"channel {name!r}"
    try:
        body = get_json(session, f"{prefix}/by-name/{encode_name(name)}", what)
    except NotFoundError as exc:
        where = "" if server_id is None else f" owned by server {server_id}"
        raise ChannelNotFoundError(
            f"{SYSTEM}: no channel {name!r}{where}", status=exc.status, url=exc.url
        ) from exc
    return dict(_object(body, what))


def get_cluster_status(session: HttpSession) -> list[dict[str, Any]]:
    """The server items of ``/cluster-status``."""
    what = "cluster status"
    servers = _object(get_json(session, "/cluster-status", what), what, "servers")
    if not isinstance(servers, list) or not all(isinstance(s, dict) for s in servers):
        raise ProtocolError(f"{SYSTEM}: {what}: 'servers' is not a list of objects")
    return servers


def get_server_status(session: HttpSession) -> dict[str, Any]:
    """The status of the server the session talks to."""
    what = "server status"
    return dict(_object(get_json(session, "/server-status/this-server", what), what))


def export_config(session: HttpSession, server_id: str) -> bytes:
    """The XML configuration file of a server, as the server exports it."""
    what = f"export the configuration of server {server_id}"
    body = _server_json(session, server_id, "/export", what)
    encoded = _object(body, what, "configurationFile")
    try:
        return base64.b64decode(str(encoded).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise DecodeError(f"{SYSTEM}: {what}: configurationFile is not base64") from exc


def import_config(
    session: HttpSession,
    server_id: str,
    xml: bytes,
    credentials: Credentials,
    *,
    add: bool,
    remove: bool,
    update: bool,
    simulate: bool,
) -> dict[str, Any]:
    """Import an XML configuration file; the server's answer (failures included)."""
    if not xml:
        raise InvalidArgumentError(f"{SYSTEM}: the configuration file is empty")
    body = {
        "addChannels": add,
        "configurationFile": base64.b64encode(xml).decode("ascii"),
        "removeChannels": remove,
        "simulate": simulate,
        "updateChannels": update,
    }
    what = f"import a configuration for server {server_id}"
    answer = _object(
        post_json(session, f"/channels/by-server/{server_id}/import", body, credentials, what),
        what,
    )
    if answer.get("errorMessage"):
        raise ServerError(
            f"{SYSTEM}: {what}: {answer['errorMessage']}", status=500, url=redact(session.base_url)
        )
    return dict(answer)


def run_commands(
    session: HttpSession, commands: list[dict[str, Any]], credentials: Credentials
) -> list[dict[str, Any]]:
    """Run configuration commands; one result object per command, in order."""
    what = f"run {len(commands)} archive configuration command(s)"
    path = "/run-archive-configuration-commands"
    answer = _object(post_json(session, path, {"commands": commands}, credentials, what), what)
    results = answer.get("results")
    if answer.get("errorMessage") or not isinstance(results, list):
        raise ProtocolError(
            f"{SYSTEM}: {what}: no results (errorMessage {answer.get('errorMessage')!r})"
        )
    if len(results) != len(commands) or not all(isinstance(r, dict) for r in results):
        raise ProtocolError(
            f"{SYSTEM}: {what}: {len(results)} results for {len(commands)} commands"
        )
    return results
