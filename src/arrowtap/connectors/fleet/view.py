"""``read_fleet``: one frame of every cluster, node and connection across systems."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy, redact
from arrowtap.connectors.fleet import rows as rows
from arrowtap.errors import ArrowtapError, InvalidArgumentError
from arrowtap.io.frames import to_pandas

__all__ = ["read_fleet"]

Targets = str | Sequence[str] | Mapping[str, str | Sequence[str]]
Probe = tuple[str, str, str | None, Callable[[], pa.Table]]


def _targets(system: str, targets: Targets | None) -> list[tuple[str, str]]:
    """(cluster label, url) pairs: a mapping labels its URLs; a bare URL is labelled host:port."""
    if targets is None:
        return []
    if isinstance(targets, str):
        targets = [targets]
    if isinstance(targets, Mapping):
        pairs = []
        for label, urls in targets.items():
            for url in [urls] if isinstance(urls, str) else urls:
                pairs.append((str(label), url))
        return pairs
    if not isinstance(targets, Sequence) or not all(isinstance(u, str) for u in targets):
        raise InvalidArgumentError(
            f"read_fleet: {system} must be a URL, a list of URLs or a mapping "
            f"{{cluster: URL or URLs}}, got {targets!r}"
        )
    return [(httpx.URL(url).netloc.decode() or url, url) for url in targets]


def _finspace_probes(environments: bool | str | Sequence[str] | None, options: Any) -> list[Probe]:
    if environments is None or environments is False:
        return []
    from arrowtap.connectors.finspace import checkpointed as reader

    if environments is True:
        table = reader.read_table("ListKxEnvironments", {}, None, options)
        envs = table.select(["environmentId", "name"]).to_pylist()
    else:
        ids = [environments] if isinstance(environments, str) else list(environments)
        envs = [{"environmentId": env, "name": None} for env in ids]

    def probe(env: dict[str, Any]) -> Callable[[], pa.Table]:
        def run() -> pa.Table:
            params = {"environmentId": env["environmentId"]}
            clusters = reader.read_table("ListKxClusters", params, None, options)
            return rows.finspace_rows(clusters, env)

        return run

    return [("finspace", env["environmentId"], None, probe(env)) for env in envs]


def _pvarchiver_probes(
    targets: Targets | None, client: httpx.Client | None, retry: RetryPolicy | None
) -> list[Probe]:
    from arrowtap.connectors.pvarchiver.wire import admin, admin_endpoints, admin_tables

    def probe(label: str, url: str) -> Callable[[], pa.Table]:
        def run() -> pa.Table:
            with admin.open_admin_session(url, client, retry) as session:
                servers = admin_endpoints.get_cluster_status(session)
            table = admin_tables.cluster_status_table(servers)
            return rows.pvarchiver_rows(table, label, redact(url))

        return run

    return [
        ("pvarchiver", label, redact(url), probe(label, url))
        for label, url in _targets("pvarchiver", targets)
    ]


def _harperdb_probes(
    targets: Targets | None, client: httpx.Client | None, retry: RetryPolicy | None
) -> list[Probe]:
    def probe(label: str, url: str) -> Callable[[], pa.Table]:
        def run() -> pa.Table:
            from arrowtap.connectors.harperdb.wire.client import HarperDBClient
            from arrowtap.connectors.harperdb.wire.views import cluster_status_table

            with HarperDBClient(url, client=client, retry=retry) as harperdb:
                status = harperdb.operation("cluster_status")
            sockets = cluster_status_table(status)
            return rows.harperdb_rows(status, sockets, label, redact(url))

        return run

    return [
        ("harperdb", label, rows.httpx_netloc(url), probe(label, url))
        for label, url in _targets("harperdb", targets)
    ]


def _kinetica_probes(
    targets: Targets | None, client: httpx.Client | None, retry: RetryPolicy | None
) -> list[Probe]:
    def probe(label: str, url: str) -> Callable[[], pa.Table]:
        def run() -> pa.Table:
            from arrowtap.connectors.kinetica.wire.client import KineticaClient

            parsed = httpx.URL(url)
            with KineticaClient(
                redact(url),
                username=parsed.username or None,
                password=parsed.password or None,
                client=client,
                retry=retry,
            ) as kinetica:
                answer = kinetica.call("/show/system/status", {"options": {}})
            return rows.kinetica_rows(answer["status_map"], label, redact(url))

        return run

    return [
        ("kinetica", label, rows.httpx_netloc(url), probe(label, url))
        for label, url in _targets("kinetica", targets)
    ]


def read_fleet(
    *,
    finspace: bool | str | Sequence[str] | None = None,
    finspace_options: Mapping[str, Any] | None = None,
    harperdb: Targets | None = None,
    pvarchiver: Targets | None = None,
    kinetica: Targets | None = None,
    errors: Literal["report", "raise"] = "report",
    max_concurrency: int = 8,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Every cluster, node and connection of several systems in one frame.

    Each system is asked what it knows (concurrently), and its answer becomes
    rows of one schema, so that a fleet spread over AWS FinSpace, HarperDB,
    Cassandra PV Archiver and Kinetica can be filtered, grouped and joined
    like any DataFrame.

    Parameters
    ----------
    finspace : bool, str or list of str, optional
        FinSpace kdb environment ids whose clusters to list; ``True``: every
        environment of the account and region.
    finspace_options : dict, optional
        Keyword options of the FinSpace readers (``region``,
        ``credentials``, ``endpoint_url``, ...; see ``FinSpaceOptions``).
    harperdb : str, list of str or dict, optional
        Operations API URLs of HarperDB nodes
        (``http://[user:password@]host:9925``); a dict maps a cluster label
        to the URLs of its nodes. Each node gives a row of its own and one
        per replication connection it has.
    pvarchiver : str, list of str or dict, optional
        Administrative API URLs of Cassandra PV Archiver servers (one server
        per cluster suffices: it reports every server of its cluster). A dict
        maps cluster labels to URLs; bare URLs are labelled ``host:port``.
    kinetica : str, list of str or dict, optional
        Kinetica server URLs (``http://[user:password@]host:9191``), labelled
        like ``pvarchiver``; one row each, from ``/show/system/status``.
    errors : {"report", "raise"}
        ``"report"`` (default): a system that cannot be asked becomes one
        row with status ``unreachable`` (connection failed) or ``error``
        (anything else) and the reason in ``details``; ``"raise"``: the first
        such error is raised.
    max_concurrency : int
        Systems asked at once.
    client : httpx.Client, optional
        HTTP client for the PV Archiver and HarperDB requests.
    retry : RetryPolicy, optional
        Retry budget of each request.

    Returns
    -------
    pandas.DataFrame
        ``system`` (``finspace``, ``harperdb``, ``pvarchiver``, ``kinetica``),
        ``cluster``, ``node`` (empty for a cluster-level row), ``status``
        (the system's own word, or ``unreachable`` / ``error``),
        ``last_seen`` (``datetime64[ns, UTC]``) and ``details`` (a JSON object
        of what else the system said). Rows come system by system, in the
        order of the arguments.

    Raises
    ------
    InvalidArgumentError
        An argument of the wrong form.
    ArrowtapError
        With ``errors="raise"``, what the first failing system raised.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     fleet = read_fleet(pvarchiver={"beamline": fake.admin_url})
    >>> fleet[["system", "cluster", "status"]].value_counts().sort_index().tolist()
    [1, 1]
    >>> sorted(fleet["status"])
    ['offline', 'online']
    """
    if errors not in ("report", "raise"):
        raise InvalidArgumentError(
            f"read_fleet: errors must be 'report' or 'raise', got {errors!r}"
        )
    if max_concurrency < 1:
        raise InvalidArgumentError(
            f"read_fleet: max_concurrency must be >= 1, got {max_concurrency!r}"
        )
    probes = [
        *_finspace_probes(finspace, dict(finspace_options or {})),
        *_harperdb_probes(harperdb, client, retry),
        *_pvarchiver_probes(pvarchiver, client, retry),
        *_kinetica_probes(kinetica, client, retry),
    ]

    def run(probe: Probe) -> pa.Table:
        system, cluster, node, read = probe
        try:
            return read()
        except ArrowtapError as exc:
            if errors == "raise":
                raise
            return rows.error_rows(system, cluster, node, exc)

    with ThreadPoolExecutor(max_concurrency, thread_name_prefix="arrowtap-fleet") as pool:
        tables = list(pool.map(run, probes))
    fleet = pa.concat_tables(tables) if tables else rows.FLEET_SCHEMA.empty_table()
    return to_pandas(fleet)
