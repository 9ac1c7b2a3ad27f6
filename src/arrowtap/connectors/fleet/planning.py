"""Planning the fleet: one partition per system to ask, every argument checked first.

A FinSpace environment, a HarperDB node, a PV Archiver cluster and a Kinetica
server each become a :class:`~arrowtap.connectors.fleet.probes.Probe`, keyed
``<system>:<cluster>[:<url, redacted>]``; a system given twice is asked once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from arrowtap import _checks as checks
from arrowtap.connectors._http import RetryPolicy, redact
from arrowtap.connectors.fleet import rows
from arrowtap.connectors.fleet.probes import Errors, FleetSource, Probe
from arrowtap.errors import ArrowtapError, InvalidArgumentError, InvalidTypeError
from arrowtap.io.contract import Plan, project
from arrowtap.io.inputs import check_http

__all__ = ["CHECKPOINT_NAME", "FinSpaceEnvironments", "Targets", "plan_fleet"]


CHECKPOINT_NAME = "fleet"
"""The checkpoint of the fleet's syncs: one section per system asked."""

Targets = str | Sequence[str] | Mapping[str, str | Sequence[str]]
FinSpaceEnvironments = bool | str | Sequence[str] | None
_FINSPACE_OPTIONS = ("region", "endpoint_url", "credentials", "page_size", "client", "retry")


def _targets(system: str, targets: Targets | None) -> list[tuple[str, str]]:
    """(cluster label, url) pairs: a mapping labels its URLs; a bare URL is labelled host:port."""
    if targets is None:
        return []
    given: list[tuple[str | None, object]]
    if isinstance(targets, str):
        given = [(None, targets)]
    elif isinstance(targets, Mapping):
        given = [
            (str(label), url)
            for label, urls in targets.items()
            for url in ([urls] if isinstance(urls, str) or not isinstance(urls, Sequence) else urls)
        ]
    elif isinstance(targets, Sequence):
        given = [(None, url) for url in targets]
    else:
        given = [(None, targets)]
    pairs = [(label, url) for label, url in given if isinstance(url, str)]
    if len(pairs) < len(given):
        raise InvalidTypeError(
            f"fleet: {system} must be a URL, a list of URLs or a mapping "
            f"{{cluster: URL or URLs}}, got {checks.shown(targets)}"
        )
    for label, url in pairs:
        checks.url(system, url, system="fleet")
        checks.optional(checks.name, f"the label of {system} {redact(url)}", label, system="fleet")
    return [(rows.httpx_netloc(url) if label is None else label, url) for label, url in pairs]


def _finspace_probes(
    environments: FinSpaceEnvironments, options: Mapping[str, Any], errors: Errors
) -> list[Probe]:
    if environments is None or environments is False:
        return []
    if environments is not True:
        ids = [environments] if isinstance(environments, str) else environments
        if not isinstance(ids, Sequence) or not all(isinstance(e, str) for e in ids):
            raise InvalidTypeError(
                f"fleet: finspace must be True, an environment id or a list of them, "
                f"got {checks.shown(environments)}"
            )
        for env in ids:
            checks.name("finspace", env, system="fleet")
        return [Probe(f"finspace:{env}", "finspace", env) for env in ids]
    from arrowtap.connectors.finspace.listings import scan_finspace_environments

    try:
        columns = ["environmentId", "name"]
        envs = scan_finspace_environments(columns=columns, **options).read_all().to_pylist()
    except ArrowtapError as exc:
        if errors == "raise" or isinstance(exc, InvalidArgumentError):
            raise
        # Listing the environments failed: the fleet says so, in a row of its own.
        failure = rows.failure_of(exc)
        return [Probe("finspace:*", "finspace", "*", failure=failure)]
    return [
        Probe(f"finspace:{e['environmentId']}", "finspace", e["environmentId"], name=e["name"])
        for e in envs
    ]


def _finspace_options(options: object) -> dict[str, Any]:
    """The FinSpace listings' options, checked as the listings check them (nothing sent)."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise InvalidTypeError(
            f"fleet: finspace_options must be a mapping of options, not {checks.shown(options)}"
        )
    unknown = sorted(set(options) - set(_FINSPACE_OPTIONS), key=str)
    if unknown:
        raise InvalidArgumentError(
            f"fleet: finspace_options has no option {unknown[0]!r} (they are {_FINSPACE_OPTIONS})"
        )
    from arrowtap.connectors.finspace.plans import check_listing_options

    check_listing_options(
        "ListKxClusters", region=options.get("region"), endpoint_url=options.get("endpoint_url"),
        page_size=options.get("page_size"), client=options.get("client"),
        retry=options.get("retry"),
    )  # fmt: skip
    return dict(options)


def _url_probes(system: str, targets: Targets | None, node: Callable[[str], str]) -> list[Probe]:
    return [
        Probe(f"{system}:{label}:{redact(url)}", system, label, node(url), url)
        for label, url in _targets(system, targets)
    ]


def plan_fleet(
    *,
    finspace: FinSpaceEnvironments = None,
    finspace_options: Mapping[str, Any] | None = None,
    harperdb: Targets | None = None,
    pvarchiver: Targets | None = None,
    kinetica: Targets | None = None,
    errors: Errors = "report",
    columns: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """Plan a read of the fleet: a snapshot plan of one partition per system to ask.

    The arguments are those of :func:`read_fleet`, checked now. With
    ``finspace=True`` the environments are listed now (a failure becomes a
    partition whose row says so, with ``errors="report"``).

    Returns
    -------
    Plan
        A snapshot plan; partition keys are ``<system>:<cluster>[:<url, redacted>]``.

    Raises
    ------
    InvalidArgumentError
        An argument of the wrong form.

    Examples
    --------
    >>> plan = plan_fleet(pvarchiver={"beamline": "http://archiver:4812"},
    ...                   kinetica=["http://user:pw@kinetica:9191"])
    >>> [part.key for part in plan.partitions]
    ['pvarchiver:beamline:http://archiver:4812', 'kinetica:kinetica:9191:http://kinetica:9191']
    """
    checks.one_of("errors", errors, ("report", "raise"), system="fleet")
    check_http(client, retry, system="fleet")
    options = _finspace_options(finspace_options)
    project(rows.FLEET_SCHEMA, columns)  # checked before anything is asked
    urls = [
        *_url_probes("harperdb", harperdb, rows.httpx_netloc),
        *_url_probes("pvarchiver", pvarchiver, redact),
        *_url_probes("kinetica", kinetica, rows.httpx_netloc),
    ]
    probes = [*_finspace_probes(finspace, options, errors), *urls]
    unique: dict[str, Probe] = {}
    for probe in probes:
        unique.setdefault(probe.key, probe)  # a system given twice is asked once
    source = FleetSource(errors, options, client, retry)
    return Plan(source, list(unique.values()), CHECKPOINT_NAME, snapshot=True, columns=columns)
