"""The administrative views' fetches: picklable, one request each, and their plans.

A view's fetch holds where to ask and how to retry, never a live connection (the
caller's own ``client`` is used where the fetch was made and dropped when it
travels to another process); the engine reads it as a
:class:`~arrowtap.io.views.ViewSource`, one page per snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap.connectors._http import HttpSession, RetryPolicy, redact
from arrowtap.connectors.pvarchiver.wire import admin, admin_endpoints, admin_tables
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.inputs import check_http
from arrowtap.io.views import ViewSource

__all__ = ["ChannelsView", "ClusterStatusView", "check_admin", "checkpoint_name", "plan_view"]


def check_admin(url: object, client: object, retry: object) -> None:
    """Check the arguments every administrative call takes, before any request.

    Examples
    --------
    >>> check_admin("http://archiver:4812", None, None)
    >>> check_admin("http://[::1", None, None)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: pvarchiver-admin: url 'http://[::1' is not a URL: Invalid port: ':1'
    """  # noqa: E501
    checks.url("url", url, system=admin.SYSTEM)
    check_http(client, retry, system=admin.SYSTEM)
    admin.admin_base_url(url)  # type: ignore[arg-type]  # refuses credentials in the URL


def checkpoint_name(url: str) -> str:
    """The checkpoint of the administrative views of the archiver at ``url``.

    Examples
    --------
    >>> checkpoint_name("http://archiver:4812")
    'pvarchiver-admin:http://archiver:4812/admin/api/1.0'
    """
    return f"pvarchiver-admin:{redact(admin.admin_base_url(url))}"


@dataclass
class _View:
    """What every view's fetch holds: where to ask, and how to retry (checked now)."""

    url: str
    retry: RetryPolicy | None = None
    client: httpx.Client | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_admin(self.url, self.client, self.retry)  # before any request

    def __getstate__(self) -> dict[str, object]:
        # A view travels (to a process, a worker) without the caller's live client.
        return {**self.__dict__, "client": None}

    def session(self) -> HttpSession:
        """A session on the administrative API (the caller's client, if one was given)."""
        return admin.open_admin_session(self.url, self.client, self.retry)


@dataclass
class ChannelsView(_View):
    """Fetches the channels of the cluster, or of one server (``server_id``, canonical text).

    ``status_available`` tells, after a fetch of one server's channels, whether
    the server could fill their status (it is online).

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     view = ChannelsView(fake.admin_url, server_id=str(fake.server_id))
    ...     table = view()
    >>> table.schema.names[:3], view.status_available
    (['channel', 'server_id', 'server_name'], True)
    """

    server_id: str | None = None
    status_available: bool | None = field(default=None, init=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.server_id is not None:
            admin.server_id_str(self.server_id)

    @property
    def schema(self) -> pa.Schema:
        """The summary of every channel, or one server's channels in full."""
        if self.server_id is None:
            return admin_tables.CHANNEL_SCHEMA
        return admin_tables.CHANNEL_DETAIL_SCHEMA

    def __call__(self) -> pa.Table:
        """Fetch the view (one request)."""
        with self.session() as session:
            items, available = admin_endpoints.list_channels(session, self.server_id)
        if self.server_id is None:
            return admin_tables.channel_table(items)
        self.status_available = available
        return admin_tables.channel_detail_table(items, self.server_id)


@dataclass
class ClusterStatusView(_View):
    """Fetches the status of every server of the cluster.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     ClusterStatusView(fake.admin_url)().num_rows
    2
    """

    schema = admin_tables.CLUSTER_STATUS_SCHEMA

    def __call__(self) -> pa.Table:
        """Fetch the view (one request)."""
        with self.session() as session:
            return admin_tables.cluster_status_table(admin_endpoints.get_cluster_status(session))


def plan_view(
    key: str,
    view: ChannelsView | ClusterStatusView,
    schema: pa.Schema,
    columns: Sequence[str] | None,
) -> Plan:
    """The snapshot plan of one view (``columns`` projected by the engine).

    Examples
    --------
    >>> plan = plan_view("cluster-status", ClusterStatusView("http://a:4812"),
    ...                  admin_tables.CLUSTER_STATUS_SCHEMA, ["online"])
    >>> plan.snapshot, plan.checkpoint_name, plan.schema.names
    (True, 'pvarchiver-admin:http://a:4812/admin/api/1.0', ['online'])
    """
    name = checkpoint_name(view.url)
    return Plan(ViewSource(schema, view), [Partition(key)], name, snapshot=True, columns=columns)
