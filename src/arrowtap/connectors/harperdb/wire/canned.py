"""An HTTP client answering HarperDB operations from canned answers (examples, unit tests).

The answers are those a real server gives (see the protocol notes); nothing
here pretends to be a server: there is no state unless a callable keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

__all__ = ["canned_client", "canned_table"]

Answer = Any | Callable[[dict[str, Any]], Any]


def canned_client(answers: Mapping[str, Answer]) -> httpx.Client:
    """An :class:`httpx.Client` whose every POST is answered from ``answers``, by operation.

    Parameters
    ----------
    answers : mapping
        Operation name -> its answer: a JSON-able value (HTTP 200), a
        ``(status, value)`` tuple, or a callable of the request body
        returning either. An operation not listed gets HarperDB's
        ``400 {"error": "Operation '<name>' not found"}``.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.client import HarperDBClient
    >>> client = canned_client({"cluster_get_routes": ["ws://10.0.0.2:9933"]})
    >>> HarperDBClient("http://127.0.0.1:9925", client=client).operation("cluster_get_routes")
    ['ws://10.0.0.2:9933']
    """

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        name = body.get("operation")
        if name not in answers:
            return httpx.Response(400, json={"error": f"Operation '{name}' not found"})
        answer = answers[name]
        if callable(answer):
            answer = answer(body)
        status = 200
        if isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[0], int):
            status, answer = answer
        return httpx.Response(status, json=answer)

    return httpx.Client(transport=httpx.MockTransport(handle))


def _matches(record: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    value, wanted = record.get(condition["search_attribute"]), condition["search_value"]
    if value is None:
        return False
    kind = condition["search_type"]
    if kind == "between":
        return bool(wanted[0] <= value <= wanted[1])
    tests: dict[str, Callable[[Any, Any], bool]] = {
        "equals": lambda a, b: a == b,
        "greater_than": lambda a, b: a > b,
        "greater_than_equal": lambda a, b: a >= b,
        "less_than_equal": lambda a, b: a <= b,
    }
    return tests[kind](value, wanted)


def canned_table(
    records: list[dict[str, Any]], *, primary_key: str = "id"
) -> dict[str, Callable[[dict[str, Any]], Any]]:
    """Answers of ``describe_table``, ``search_by_conditions`` and ``upsert`` over ``records``.

    A dynamic table in memory, for examples: ``upsert`` stamps
    ``__createdtime__`` / ``__updatedtime__`` from a counter (1.0, 2.0, ...);
    searches take ``and`` of ``equals``, ``greater_than(_equal)``,
    ``less_than_equal`` and ``between`` conditions, sort and limit, comparing
    in Python's order (a real server compares keys in its index order).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.client import HarperDBClient
    >>> answers = canned_table([])
    >>> hdb = HarperDBClient("http://127.0.0.1:9925", client=canned_client(answers))
    >>> hdb.operation("upsert", database="d", table="t", records=[{"id": "a"}])["message"]
    'upserted 1 of 1 records'
    """
    clock = [0.0]

    def upsert(body: dict[str, Any]) -> Any:
        clock[0] += 1.0
        for new in body["records"]:
            old = next((r for r in records if r[primary_key] == new[primary_key]), None)
            if old is None:
                old = {"__createdtime__": clock[0]}
                records.append(old)
            old.update(new, __updatedtime__=clock[0])
        keys = [r[primary_key] for r in body["records"]]
        return {"message": f"upserted {len(keys)} of {len(keys)} records", "upserted_hashes": keys}

    def describe(body: dict[str, Any]) -> Any:
        names = dict.fromkeys([primary_key, "__createdtime__", "__updatedtime__"])
        names.update(dict.fromkeys(name for record in records for name in record))
        attributes = [
            {"attribute": name, "indexed": True, "is_primary_key": name == primary_key}
            for name in names
        ]
        return {"hash_attribute": primary_key, "schema_defined": False, "attributes": attributes}

    def search(body: dict[str, Any]) -> Any:
        found = [r for r in records if all(_matches(r, c) for c in body["conditions"])]
        sort, keys = body.get("sort"), []
        while sort:
            keys.append(sort["attribute"])
            descending = sort.get("descending", False)
            sort = sort.get("next")
        found.sort(key=lambda r: [r.get(k) for k in keys], reverse=descending)
        wanted = body.get("get_attributes", ["*"])
        rows = [{k: v for k, v in r.items() if "*" in wanted or k in wanted} for r in found]
        return rows[: body.get("limit", len(rows))]

    return {"describe_table": describe, "search_by_conditions": search, "upsert": upsert}
