"""Public function writing desired Cassandra PV Archiver channel configurations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.pvarchiver.admin_views import check_admin
from arrowtap.connectors.pvarchiver.wire import admin, admin_writer
from arrowtap.errors import InvalidArgumentError
from arrowtap.io.frames import to_pandas

__all__ = ["ServerId", "write_archive_channels"]

ServerId = str | uuid.UUID
"""A server's UUID, as a string or a :class:`uuid.UUID`."""

MAX_BATCH = 100_000
"""Most configuration commands per request (each is a JSON object of the body)."""

_COLUMNS: tuple[str, ...] = ("channel", "control_system_type", "server_id", "enabled")
_COLUMNS += ("decimation_levels", "retention", "options", "renamed_from")


def _plain(value: Any) -> Any:
    """A pandas / numpy value as plain Python; missing values as ``None``."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None
    return value


def _records(desired: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not isinstance(desired, pd.DataFrame) and hasattr(type(desired), "__arrow_c_stream__"):
        # Arrow data (a pyarrow Table, a Polars frame, a DuckDB relation): its rows as pandas'.
        desired = to_pandas(pa.RecordBatchReader.from_stream(desired).read_all())
    if isinstance(desired, pd.DataFrame):
        if "channel" not in desired.columns:
            raise InvalidArgumentError("desired needs a 'channel' column")
        columns = [c for c in _COLUMNS if c in desired.columns]
        rows = desired[columns].itertuples(index=False, name=None)
        return [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]
    if isinstance(desired, str | bytes) or not isinstance(desired, Iterable):
        raise InvalidArgumentError(
            f"desired must be a DataFrame or mappings, got {type(desired).__name__}"
        )
    records = list(desired)
    if not all(isinstance(r, Mapping) for r in records):
        raise InvalidArgumentError("desired must be a DataFrame or an iterable of mappings")
    return [{c: _plain(r.get(c)) for c in _COLUMNS} for r in records]


def write_archive_channels(
    url: str,
    desired: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    server_id: ServerId,
    username: str,
    password: str,
    dry_run: bool = False,
    remove_missing: bool = False,
    upsert: bool = False,
    refresh_errors: bool = False,
    batch_size: int = 100,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Bring the archiver's channel configurations to the ``desired`` ones.

    Reads what the servers have, works out the configuration commands that
    make the difference, and runs them; a channel that already matches gets
    no command, so running it twice changes nothing the second time.

    Parameters
    ----------
    url : str
        The administrative API, e.g. ``http://archiver:4812``.
    desired : pandas.DataFrame, Arrow data or iterable of mappings
        One row per channel (a pyarrow Table or anything with ``__arrow_c_stream__``,
        such as a Polars DataFrame, is read as a frame): ``channel`` (required),
        ``control_system_type`` (default ``channel_access``), ``server_id`` (default ``server_id``),
        ``enabled``, ``decimation_levels`` (seconds), ``retention`` (mapping
        or pairs: decimation period -> retention, seconds, 0 = forever),
        ``options`` (mapping or pairs of str), and ``renamed_from`` (rename
        that channel into this one). A missing column or a null leaves that
        part of an existing channel as it is (a new channel gets the
        default: enabled, raw samples only, kept forever, no options). The
        frames of :func:`read_archive_channels` (with a server) fit; other
        columns are ignored.
    server_id : str or uuid.UUID
        The server configured (and the default of the rows).
    username, password : str
        An archiver user with the admin role (sent only with the commands).
    dry_run : bool
        Only plan: no command is sent, ``success`` is null.
    remove_missing : bool
        Remove the channels of ``server_id`` that no row names (their samples too).
    upsert : bool
        Use ``add_or_update_channel`` with the full configuration instead of
        ``add_channel`` / ``update_channel``: safe when others add channels
        meanwhile, at the cost of replacing their configuration.
    refresh_errors : bool
        Send ``refresh_channel`` for unchanged channels in the ``error`` state.
    batch_size : int
        Commands per request.
    client, retry
        As in :func:`read_archive_channels`; sent commands are never retried.

    Returns
    -------
    pandas.DataFrame
        One row per command, in the order run: ``channel``, ``command_type``,
        ``server_id``, ``success``, ``error_message``, ``command`` (the JSON
        sent). A command the archiver rejects is a row with ``success``
        False; the later commands for that channel are not sent.

    Raises
    ------
    InvalidArgumentError
        An invalid row (e.g. retention shrinking towards coarser levels, or
        another control system type than the existing channel's): nothing is sent.
    AuthenticationError, BadRequestError, UnavailableError
        Credentials refused (403), a malformed request (400), no database (503).

    Examples
    --------
    >>> import pandas as pd
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> want = pd.DataFrame({"channel": ["new:pv", "root:ai1"], "enabled": [True, False]})
    >>> with FakeArchiver(admin=True) as fake:
    ...     done = write_archive_channels(fake.admin_url, want, server_id=fake.server_id,
    ...                                  username="admin", password="admin")
    ...     again = write_archive_channels(fake.admin_url, want, server_id=fake.server_id,
    ...                                   username="admin", password="admin")
    >>> done[["channel", "command_type", "success"]].values.tolist()
    [['new:pv', 'add_channel', True], ['root:ai1', 'update_channel', True]]
    >>> len(again)
    0
    """
    check_admin(url, client, retry)
    sid = admin.server_id_str(server_id)
    checks.secret("username", username, required=True, system=admin.SYSTEM)
    checks.secret("password", password, required=True, system=admin.SYSTEM)
    credentials = admin.Credentials(username, password)
    for arg, value in {
        "dry_run": dry_run, "remove_missing": remove_missing, "upsert": upsert,
        "refresh_errors": refresh_errors,
    }.items():  # fmt: skip
        checks.flag(arg, value, system=admin.SYSTEM)
    checks.positive_int("batch_size", batch_size, maximum=MAX_BATCH, system=admin.SYSTEM)
    rows = _records(desired)
    with admin.open_admin_session(url, client, retry) as session:
        table = admin_writer.write_configs(
            session,
            rows,
            server_id=sid,
            credentials=credentials,
            dry_run=dry_run,
            remove_missing=remove_missing,
            upsert=upsert,
            refresh_errors=refresh_errors,
            batch_size=batch_size,
        )
    return to_pandas(table)
