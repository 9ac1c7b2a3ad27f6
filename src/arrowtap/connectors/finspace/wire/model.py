"""The FinSpace service model (``finspace`` 2021-03-12) and the checks it implies.

arrowtap carries a copy of the model botocore shipped (``models/``, Apache-2.0,
see ``models/NOTICE``): current botocore no longer does. Everything about a
listing comes from it: the URI template, the query parameter names, the result
key, the item shape and the constraints on each input (length, pattern, range,
enum). Inputs are checked before a request is sent, so a bad value fails with
an :class:`~arrowtap.errors.InvalidArgumentError` naming it instead of a
round trip.

Model patterns are ECMAScript regular expressions and, as in Smithy, not
anchored unless they say so: a value matches when the pattern is found in it.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arrowtap.errors import InvalidArgumentError

__all__ = ["LISTINGS", "Listing", "Member", "check_value", "listing", "service_model", "shape"]

SYSTEM = "finspace"
MODEL_PATH = Path(__file__).parent / "models" / "finspace" / "2021-03-12" / "service-2.json.gz"
LISTINGS = (
    "ListKxEnvironments",
    "ListKxClusters",
    "ListKxDatabases",
    "ListKxChangesets",
    "ListKxClusterNodes",
)
"""The list operations arrowtap reads, each paginated with ``nextToken``."""


@functools.cache
def service_model() -> dict[str, Any]:
    """The whole service model as JSON, loaded once.

    Examples
    --------
    >>> service_model()["metadata"]["signingName"]
    'finspace'
    """
    with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as handle:
        model: dict[str, Any] = json.load(handle)
    return model


def shape(name: str) -> dict[str, Any]:
    """The model's shape ``name``.

    Examples
    --------
    >>> shape("MaxResults")["max"]
    100
    """
    found: dict[str, Any] = service_model()["shapes"][name]
    return found


@dataclass(frozen=True)
class Member:
    """One input member of an operation: where it travels and what it must satisfy."""

    name: str
    shape: str
    location: str | None
    location_name: str
    required: bool


@dataclass(frozen=True)
class Listing:
    """A list operation as the model describes it.

    Examples
    --------
    >>> ops = listing("ListKxClusters")
    >>> ops.uri, ops.result_key, ops.item_shape
    ('/kx/environments/{environmentId}/clusters', 'kxClusterSummaries', 'KxCluster')
    >>> [m.name for m in ops.path_members]
    ['environmentId']
    """

    operation: str
    method: str
    uri: str
    members: tuple[Member, ...]
    result_key: str
    item_shape: str
    errors: tuple[str, ...]

    @property
    def path_members(self) -> tuple[Member, ...]:
        """Members that fill ``{labels}`` of the URI, in template order."""
        labels = re.findall(r"\{(\w+)\+?\}", self.uri)
        by_name = {m.location_name: m for m in self.members if m.location == "uri"}
        return tuple(by_name[label] for label in labels)

    def member(self, name: str) -> Member:
        """The input member ``name``."""
        for candidate in self.members:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def check_input(self, params: Mapping[str, object]) -> None:
        """Check ``params`` (member name -> value; ``None`` = absent) against the model.

        Raises
        ------
        InvalidArgumentError
            A required member is missing, a member is unknown, or a value breaks
            its shape's constraints; the message names the value.

        Examples
        --------
        >>> try:
        ...     listing("ListKxClusters").check_input({"environmentId": "abc", "maxResults": 101})
        ... except InvalidArgumentError as exc:
        ...     print(exc)
        finspace: ListKxClusters: maxResults 101 is above the maximum 100
        """
        names = {m.name for m in self.members}
        unknown = sorted(set(params) - names)
        if unknown:
            raise InvalidArgumentError(
                f"{SYSTEM}: {self.operation} has no parameter {unknown[0]!r}"
            )
        for member in self.members:
            value = params.get(member.name)
            if value is None:
                if member.required:
                    raise InvalidArgumentError(
                        f"{SYSTEM}: {self.operation}: {member.name} is required"
                    )
                continue
            check_value(member.shape, value, f"{self.operation}: {member.name}")


@functools.cache
def listing(operation: str) -> Listing:
    """The :class:`Listing` of ``operation`` (one of :data:`LISTINGS`)."""
    if operation not in LISTINGS:
        raise InvalidArgumentError(f"{SYSTEM}: not a supported listing: {operation!r}")
    op = service_model()["operations"][operation]
    request = shape(op["input"]["shape"])
    required = set(request.get("required", ()))
    members = tuple(
        Member(
            name=name,
            shape=spec["shape"],
            location=spec.get("location"),
            location_name=spec.get("locationName", name),
            required=name in required,
        )
        for name, spec in request["members"].items()
    )
    output = shape(op["output"]["shape"])["members"]
    (result_key,) = (name for name in output if name != "nextToken")
    return Listing(
        operation=operation,
        method=op["http"]["method"],
        uri=op["http"]["requestUri"],
        members=members,
        result_key=result_key,
        item_shape=shape(output[result_key]["shape"])["member"]["shape"],
        errors=tuple(e["shape"] for e in op.get("errors", ())),
    )


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        pass
    # ECMAScript reads "[\w-\/]" as \w, "-", "/"; Python calls it a bad range.
    try:
        return re.compile(re.sub(r"(\\[wdsWDS])-", r"\1\\-", pattern))
    except re.error:  # pragma: no cover - no such pattern in the model today
        return None


def check_value(shape_name: str, value: object, where: str) -> None:
    """Check ``value`` against shape ``shape_name``, recursing into lists and structures.

    Raises
    ------
    InvalidArgumentError
        Naming ``where`` (e.g. ``"ListKxClusters: environmentId"``) and the value.

    Examples
    --------
    >>> check_value("KxClusterType", "HDB", "clusterType")
    >>> try:
    ...     check_value("KxEnvironmentId", "Not-Valid", "environmentId")
    ... except InvalidArgumentError as exc:
    ...     print(exc)
    finspace: environmentId 'Not-Valid' does not match ^[a-z0-9]+$
    """
    spec = shape(shape_name)
    kind = spec["type"]
    fail = functools.partial(_fail, where, value)
    if kind == "string":
        if not isinstance(value, str):
            fail(f"must be a str, not {type(value).__name__}")
        assert isinstance(value, str)
        if "enum" in spec and value not in spec["enum"]:
            fail(f"is not one of {', '.join(spec['enum'])}")
        if len(value) < spec.get("min", 0):
            fail(f"is shorter than {spec['min']} characters")
        if len(value) > spec.get("max", len(value)):
            fail(f"is longer than {spec['max']} characters")
        pattern = spec.get("pattern")
        compiled = _compiled(pattern) if pattern else None
        if compiled is not None and compiled.search(value) is None:
            fail(f"does not match {pattern}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"must be an int, not {type(value).__name__}")
        assert isinstance(value, int)
        if "min" in spec and value < spec["min"]:
            fail(f"is below the minimum {spec['min']}")
        if "max" in spec and value > spec["max"]:
            fail(f"is above the maximum {spec['max']}")
    elif kind == "list":
        if not isinstance(value, list):
            fail(f"must be a list, not {type(value).__name__}")
        assert isinstance(value, list)
        if not spec.get("min", 0) <= len(value) <= spec.get("max", len(value)):
            fail(f"has {len(value)} elements, outside {spec.get('min', 0)}..{spec.get('max')}")
        for i, item in enumerate(value):
            check_value(spec["member"]["shape"], item, f"{where}[{i}]")
    elif kind == "structure":
        if not isinstance(value, dict):
            fail(f"must be a dict, not {type(value).__name__}")
        assert isinstance(value, dict)
        for name in spec.get("required", ()):
            if value.get(name) is None:
                fail(f"lacks the required member {name!r}")
        for name, item in value.items():
            if name not in spec["members"]:
                fail(f"has the unknown member {name!r}")
            if item is not None:
                check_value(spec["members"][name]["shape"], item, f"{where}.{name}")


def _fail(where: str, value: object, problem: str) -> None:
    shown = repr(value) if len(repr(value)) <= 120 else repr(value)[:117] + "..."
    raise InvalidArgumentError(f"{SYSTEM}: {where} {shown} {problem}")
