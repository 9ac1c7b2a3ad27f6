"""Public functions for the Cassandra PV Archiver's administrative API (port 4812)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import httpx
import pandas as pd

from arrowtap import _checks as checks
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.pvarchiver.admin_views import check_admin
from arrowtap.connectors.pvarchiver.admin_write import ServerId
from arrowtap.connectors.pvarchiver.wire import admin, admin_endpoints, admin_tables
from arrowtap.errors import InvalidArgumentError, InvalidTypeError, SinkError
from arrowtap.io.contract import project
from arrowtap.io.frames import to_pandas

__all__ = [
    "export_archive_config",
    "import_archive_config",
    "read_archive_channel",
    "read_archive_server_status",
]


def read_archive_channel(
    url: str,
    name: str,
    server_id: ServerId | None = None,
    *,
    columns: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read one channel's configuration and status (a one-row frame).

    Parameters
    ----------
    url, client, retry
        As in :func:`arrowtap.read_archive_channels`.
    name : str
        The exact channel name.
    server_id : str or uuid.UUID, optional
        Only if the channel belongs to this server (else :class:`ChannelNotFoundError`).
    columns : list of str, optional
        Only these of the columns below, in this order.

    Returns
    -------
    pandas.DataFrame
        ``channel``, ``server_id``, ``server_name``, ``control_system_type``,
        ``control_system_name``, ``enabled``, ``decimation_levels`` (list),
        ``retention`` (map of decimation period to retention, seconds, 0 =
        forever), ``options`` (map), ``state`` (lower case, e.g. ``ok``),
        ``error_message``, ``total_samples_dropped``,
        ``total_samples_skipped_back``, ``total_samples_written`` (Int64; the
        status is null when the owning server is offline), ``channel_data_id``.

    Raises
    ------
    ChannelNotFoundError
        No such channel (on that server).

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     row = read_archive_channel(fake.admin_url, "retention:ai").iloc[0]
    >>> row["state"], row["decimation_levels"], dict(row["retention"])
    ('ok', [0, 30, 900], {0: 1800, 30: 7200, 900: 0})
    """
    check_admin(url, client, retry)
    checks.name("name", name, system=admin.SYSTEM)
    wanted = project(admin_tables.CHANNEL_DETAIL_SCHEMA, columns).names
    sid = None if server_id is None else admin.server_id_str(server_id)
    with admin.open_admin_session(url, client, retry) as session:
        item = admin_endpoints.get_channel(session, name, sid)
    return to_pandas(admin_tables.channel_detail_table([item]).select(wanted))


def read_archive_server_status(
    url: str,
    *,
    columns: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read the status of the server at ``url`` (a one-row frame).

    ``columns`` picks some of those below, in its order; ``client`` and ``retry``
    are as in :func:`arrowtap.read_archive_channels`.

    Returns
    -------
    pandas.DataFrame
        ``server_id``, ``server_name``, ``server_online``,
        ``server_last_online_time`` (ms precision, UTC; the epoch if never
        online), ``cassandra_cluster_name``, ``cassandra_keyspace_name``,
        ``cassandra_error``, ``channels_total``, ``channels_disconnected``,
        ``channels_error``, ``total_samples_written``,
        ``total_samples_dropped`` (Int64; counters restart with the server).

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     status = read_archive_server_status(fake.admin_url).iloc[0]
    >>> bool(status["server_online"]), int(status["channels_disconnected"])
    (True, 1)
    """
    check_admin(url, client, retry)
    wanted = project(admin_tables.SERVER_STATUS_SCHEMA, columns).names
    with admin.open_admin_session(url, client, retry) as session:
        status = admin_endpoints.get_server_status(session)
    return to_pandas(admin_tables.server_status_table(status).select(wanted))


def export_archive_config(
    url: str,
    server_id: ServerId,
    path: str | os.PathLike[str] | None = None,
    *,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> bytes:
    r"""Export a server's channel configuration file (XML, as the archiver writes it).

    Parameters
    ----------
    url, client, retry
        As in :func:`arrowtap.read_archive_channels`.
    server_id : str or uuid.UUID
        The server whose configuration is exported.
    path : str or os.PathLike, optional
        Also write the file there.

    Returns
    -------
    bytes
        The XML file (UTF-8, CRLF line ends), which :func:`import_archive_config` takes back.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     xml = export_archive_config(fake.admin_url, fake.server_id)
    >>> xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\r\n')
    True
    """
    check_admin(url, client, retry)
    sid = admin.server_id_str(server_id)
    target = None if path is None else _file_to_write(path)
    with admin.open_admin_session(url, client, retry) as session:
        data = admin_endpoints.export_config(session, sid)
    if target is not None:
        try:
            target.write_bytes(data)
        except OSError as exc:  # checked writable above: a full disk, a race
            raise SinkError(f"{admin.SYSTEM}: cannot write {str(target)!r}: {exc}") from exc
    return data


def _file_to_write(path: object) -> Path:
    # Checked before the export is asked for, so that a typo costs no request.
    target = Path(checks.path("path", path, system=admin.SYSTEM))
    folder = target.parent
    problem = (
        "is a directory" if target.is_dir()
        else f"is in {str(folder)!r}, which is not a directory" if not folder.is_dir()
        else f"is in {str(folder)!r}, where this process cannot write"
        if not os.access(folder, os.W_OK | os.X_OK) else None
    )  # fmt: skip
    if problem:
        raise InvalidArgumentError(f"{admin.SYSTEM}: path {str(target)!r} {problem}")
    return target


def _xml_bytes(xml: bytes | str | os.PathLike[str]) -> bytes:
    if isinstance(xml, bytes | bytearray | memoryview):
        return bytes(xml)
    if isinstance(xml, str) and xml.lstrip("\ufeff \t\r\n").startswith("<"):
        return xml.encode("utf-8")
    if isinstance(xml, str | os.PathLike):
        source = Path(checks.path("xml", xml, system=admin.SYSTEM))
        try:
            return source.read_bytes()
        except OSError as exc:
            raise InvalidArgumentError(
                f"{admin.SYSTEM}: xml: cannot read the file {str(source)!r}: {exc.strerror}"
            ) from None
    raise InvalidTypeError(
        f"xml must be the file's bytes, its text or a path, got {type(xml).__name__}"
    )


def import_archive_config(
    url: str,
    server_id: ServerId,
    xml: bytes | str | os.PathLike[str],
    *,
    username: str,
    password: str,
    dry_run: bool = False,
    add: bool = True,
    remove: bool = False,
    update: bool = True,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Import a channel configuration file into a server.

    Parameters
    ----------
    url : str
        The administrative API, e.g. ``http://archiver:4812``.
    server_id : str or uuid.UUID
        The server whose configuration is imported.
    xml : bytes, str or os.PathLike
        The file: its bytes, its text (a str starting with ``<``) or its path.
    username, password : str
        An archiver user with the admin role (sent only with this request).
    dry_run : bool
        Only report what would be done (every channel listed as succeeded): the
        server's ``simulate`` mode.
    add, update, remove : bool
        Add the file's channels missing on the server; update those present;
        remove the server's channels missing from the file. Without ``add``,
        only existing channels are updated (new ones fail), and vice versa.
    client, retry
        As in :func:`arrowtap.read_archive_channels`; a sent import is never retried.

    Returns
    -------
    pandas.DataFrame
        One row per channel touched: ``channel``, ``operation``
        (``add_or_update`` or ``remove``), ``success``, ``error_message``.
        Failing channels are rows, not exceptions.

    Raises
    ------
    AuthenticationError, BadRequestError, UnavailableError
        Credentials refused (403), a file that does not parse (400), no database (503).

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver(admin=True) as fake:
    ...     xml = export_archive_config(fake.admin_url, fake.server_id)
    ...     result = import_archive_config(fake.admin_url, fake.server_id, xml, dry_run=True,
    ...                               username="admin", password="admin")
    >>> bool(result["success"].all()), set(result["operation"])
    (True, {'add_or_update'})
    """
    check_admin(url, client, retry)
    sid = admin.server_id_str(server_id)
    data = _xml_bytes(xml)
    checks.secret("username", username, required=True, system=admin.SYSTEM)
    checks.secret("password", password, required=True, system=admin.SYSTEM)
    credentials = admin.Credentials(username, password)
    flags = {"add": add, "remove": remove, "update": update, "simulate": dry_run}
    for arg, value in {"add": add, "remove": remove, "update": update, "dry_run": dry_run}.items():
        checks.flag(arg, value, system=admin.SYSTEM)
    with admin.open_admin_session(url, client, retry) as session:
        answer = admin_endpoints.import_config(session, sid, data, credentials, **flags)
    return to_pandas(admin_tables.import_result_table(answer))
