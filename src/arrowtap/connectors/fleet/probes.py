"""The fleet as a source: one partition per system asked, one page of rows each.

A :class:`Probe` names what to ask (a FinSpace environment, a HarperDB node, a PV
Archiver cluster, a Kinetica server): the system, the cluster label, the URL (it
may carry credentials: it is never shown) and, for a failure found while planning,
the failure itself. :class:`FleetSource` asks it and turns the answer into rows of
:data:`~arrowtap.connectors.fleet.rows.FLEET_SCHEMA`; with ``errors="report"``
a system that cannot be asked becomes a row saying so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy, redact
from arrowtap.connectors.fleet import rows
from arrowtap.errors import ArrowtapError, InvalidArgumentError
from arrowtap.io.contract import Offset, Page, Partition

__all__ = ["FleetSource", "Probe"]

Errors = Literal["report", "raise"]


@dataclass(frozen=True)
class Probe(Partition):
    """One system to ask, as a partition of the fleet.

    Parameters
    ----------
    system : str
        ``finspace``, ``harperdb``, ``pvarchiver`` or ``kinetica``.
    cluster : str
        The cluster label (a FinSpace environment id).
    node : str or None
        What a failure row names as the node (the URL's ``host:port``, redacted).
    url : str
        Where to ask (none for FinSpace); it may carry credentials: never shown.
    name : str, optional
        A FinSpace environment's name.
    failure : tuple of str, optional
        ``(status, message, error type)`` of a failure met while planning.
    """

    system: str = ""
    cluster: str = ""
    node: str | None = None
    url: str = field(default="", repr=False)
    name: str | None = None
    failure: tuple[str, str, str] | None = None


@dataclass
class FleetSource:
    """Asks each :class:`Probe` and returns its rows (a page per probe).

    Parameters
    ----------
    errors : {"report", "raise"}
        What a probe that fails gives: a row saying so, or its error.
    finspace_options : mapping
        Keyword options of the FinSpace listings (``region``, ``credentials``, ...).
    client : httpx.Client, optional
        The HTTP client of the HarperDB, PV Archiver and Kinetica requests;
        never sent along when the source travels.
    retry : RetryPolicy, optional
        Retry budget of each request.
    """

    errors: Errors = "report"
    finspace_options: Mapping[str, Any] = field(default_factory=dict, repr=False)
    client: httpx.Client | None = field(default=None, repr=False)
    retry: RetryPolicy | None = None

    schema = rows.FLEET_SCHEMA

    def __getstate__(self) -> dict[str, object]:
        # The source travels (to processes, workers) without live clients.
        options = {k: v for k, v in self.finspace_options.items() if k != "client"}
        return {**self.__dict__, "client": None, "finspace_options": options}

    def close(self) -> None:
        """Nothing to close: each probe opens and closes its own connection."""

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """The rows of one probe, as one page (a snapshot: ``offset`` is no resume point)."""
        if not isinstance(partition, Probe):
            raise InvalidArgumentError(f"fleet: not a fleet partition: {partition!r}")
        try:
            table = self._ask(partition)
        except ArrowtapError as exc:
            if self.errors == "raise":
                raise
            table = rows.error_rows(partition.system, partition.cluster, partition.node, exc)
        batches = table.combine_chunks().to_batches()
        batch = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=self.schema)
        yield Page(batch, None)

    def _ask(self, probe: Probe) -> pa.Table:
        if probe.failure is not None:  # only planned with errors="report"
            status, message, kind = probe.failure
            return rows.failure_rows(probe.system, probe.cluster, probe.node, status, message, kind)
        ask = {
            "finspace": self._finspace,
            "pvarchiver": self._pvarchiver,
            "harperdb": self._harperdb,
            "kinetica": self._kinetica,
        }[probe.system]
        return ask(probe)

    def _finspace(self, probe: Probe) -> pa.Table:
        from arrowtap.connectors.finspace.listings import scan_finspace_clusters

        clusters = scan_finspace_clusters(probe.cluster, **self.finspace_options).read_all()
        environment = {"environmentId": probe.cluster, "name": probe.name}
        return rows.finspace_rows(clusters, environment)

    def _pvarchiver(self, probe: Probe) -> pa.Table:
        from arrowtap.connectors.pvarchiver.admin_sources import scan_archive_cluster_status

        reader = scan_archive_cluster_status(probe.url, client=self.client, retry=self.retry)
        return rows.pvarchiver_rows(reader.read_all(), probe.cluster, redact(probe.url))

    def _harperdb(self, probe: Probe) -> pa.Table:
        from arrowtap.connectors.harperdb.wire.client import HarperDBClient
        from arrowtap.connectors.harperdb.wire.views import cluster_status_table

        with HarperDBClient(probe.url, client=self.client, retry=self.retry) as harperdb:
            status = harperdb.operation("cluster_status")
        sockets = cluster_status_table(status)
        return rows.harperdb_rows(status, sockets, probe.cluster, redact(probe.url))

    def _kinetica(self, probe: Probe) -> pa.Table:
        from arrowtap.connectors.kinetica.wire.client import KineticaClient

        parsed = httpx.URL(probe.url)
        with KineticaClient(
            redact(probe.url),
            username=parsed.username or None,
            password=parsed.password or None,
            client=self.client,
            retry=self.retry,
        ) as kinetica:
            answer = kinetica.call("/show/system/status", {"options": {}})
        return rows.kinetica_rows(answer["status_map"], probe.cluster, redact(probe.url))
