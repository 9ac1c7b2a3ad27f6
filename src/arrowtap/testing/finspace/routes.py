"""The listing operations of the fake, driven by the service model.

Routes, URI labels, query parameter names and result keys come from the
model; inputs are validated as AWS's front end does (every constraint of the
input shapes, reported together in one ``ValidationException``); pages are
cut after the last key of the previous page, so a token stays valid while
items come and go. Tokens are opaque base64 (``+``, ``/`` and ``=`` included)
and bound to their listing by an HMAC.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from arrowtap.connectors.finspace.wire.model import LISTINGS, Listing, listing, shape
from arrowtap.testing.finspace.data import Item, World

__all__ = ["DEFAULT_PAGE_SIZE", "Reply", "error_reply", "resolve"]

DEFAULT_PAGE_SIZE = 10
"""Items per page when the request sets no (or a zero) ``maxResults``."""
_KEY = b"arrowtap-fake-finspace"


@dataclass(frozen=True)
class Reply:
    """An answer: status, body and, for errors, the ``x-amzn-ErrorType`` code."""

    status: int
    body: bytes
    code: str | None = None
    operation: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(status: int, code: str, message: str, operation: str | None = None) -> Reply:
    """An AWS rest-json error answer."""
    return Reply(status, json.dumps({"message": message}).encode(), code, operation)


def _route(spec: Listing) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(spec.uri))
    return re.compile(f"^{pattern}$")


_ROUTES = [(_route(listing(op)), listing(op)) for op in LISTINGS]


def _violations(shape_name: str, raw: str, where: str) -> list[str]:
    spec = shape(shape_name)
    value: Any = raw
    said = f"Value '{raw}' at '{where}' failed to satisfy constraint: Member must"
    if spec["type"] in ("integer", "long"):
        try:
            value = int(raw)
        except ValueError:
            return [f"{said} be an integer"]
        found = []
        if "min" in spec and value < spec["min"]:
            found.append(f"{said} have value greater than or equal to {spec['min']}")
        if "max" in spec and value > spec["max"]:
            found.append(f"{said} have value less than or equal to {spec['max']}")
        return found
    found = []
    if "enum" in spec and value not in spec["enum"]:
        found.append(f"{said} satisfy enum value set: [{', '.join(spec['enum'])}]")
    if len(value) < spec.get("min", 0):
        found.append(f"{said} have length greater than or equal to {spec['min']}")
    if "max" in spec and len(value) > spec["max"]:
        found.append(f"{said} have length less than or equal to {spec['max']}")
    if "pattern" in spec and re.search(spec["pattern"], value) is None:
        found.append(f"{said} satisfy regular expression pattern: {spec['pattern']}")
    return found


def _token(key: str, after: str) -> str:
    mac = hmac.new(_KEY, f"{key}\n{after}".encode(), hashlib.sha256).digest()[:12]
    return base64.b64encode(mac + after.encode()).decode()


def _after(key: str, token: str) -> str | None:
    try:
        raw = base64.b64decode(token, validate=True)
        after = raw[12:].decode()
    except ValueError:
        return None
    return after if hmac.compare_digest(_token(key, after), token) else None


def _collection(world: World, spec: Listing, params: dict[str, str]) -> dict[str, Item] | Reply:
    env = params.get("environmentId")
    if spec.operation == "ListKxEnvironments":
        return world.environments
    assert env is not None
    if env not in world.environments:
        return error_reply(404, "ResourceNotFoundException", f"Environment {env} not found.")
    if spec.operation == "ListKxClusters":
        clusters = world.clusters[env]
        wanted = params.get("clusterType")
        if wanted is None:
            return clusters
        return {k: v for k, v in clusters.items() if v["clusterType"] == wanted}
    if spec.operation == "ListKxClusterNodes":
        name = params["clusterName"]
        if name not in world.clusters[env]:
            return error_reply(404, "ResourceNotFoundException", f"Cluster {name} not found.")
        return world.nodes(env, name)
    if spec.operation == "ListKxDatabases":
        return world.databases[env]
    database = params["databaseName"]
    if database not in world.databases[env]:
        return error_reply(404, "ResourceNotFoundException", f"Database {database} not found.")
    return world.changesets[(env, database)]


def resolve(world: World, method: str, raw_path: str) -> Reply:
    """Answer one request (authentication already checked) from ``world``."""
    path, _, query = raw_path.partition("?")
    for pattern, spec in _ROUTES:
        found = pattern.match(path)
        if found and method == spec.method:
            break
    else:
        return error_reply(404, "UnknownOperationException", "Unknown operation")
    labels = found.groupdict()
    params = {m.name: unquote(labels[m.location_name]) for m in spec.path_members}
    by_location = {m.location_name: m for m in spec.members if m.location == "querystring"}
    for part in query.split("&") if query else ():
        name, _, value = part.partition("=")
        member = by_location.get(unquote(name))
        if member is not None:  # AWS ignores unknown query parameters
            params[member.name] = unquote(value)
    errors: list[str] = []
    for name, value in params.items():
        errors += _violations(spec.member(name).shape, value, name)
    if errors:
        count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: "
        return error_reply(400, "ValidationException", count + "; ".join(errors), spec.operation)
    return _page(world, spec, params)


def _page(world: World, spec: Listing, params: dict[str, str]) -> Reply:
    size = int(params.get("maxResults") or 0)
    size = DEFAULT_PAGE_SIZE if size <= 0 else min(size, 100)
    key = spec.operation + "".join(
        f":{k}={v}" for k, v in sorted(params.items()) if k not in ("maxResults", "nextToken")
    )
    with world.lock:
        items = _collection(world, spec, params)
        if isinstance(items, Reply):
            return Reply(items.status, items.body, items.code, spec.operation)
        names = sorted(items)
        start = 0
        if "nextToken" in params:
            after = _after(key, params["nextToken"])
            if after is None:
                return error_reply(400, "ValidationException", "Invalid nextToken.", spec.operation)
            start = bisect_right(names, after)
        chosen = names[start : start + size]
        body: dict[str, Any] = {spec.result_key: [items[n] for n in chosen]}
        if start + size < len(names):
            body["nextToken"] = _token(key, chosen[-1])
        data = json.dumps(body, separators=(",", ":")).encode()
    return Reply(200, data, None, spec.operation)
