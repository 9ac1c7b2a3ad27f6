"""The configuration writer: desired channel configurations -> the commands that reach them.

:func:`plan_commands` is pure. Each desired channel gets a short chain of
commands, in steps: ``rename_channel`` (a row whose ``renamed_from`` channel
exists), ``move_channel`` (the channel lives on another server), then one
``add_channel`` / ``update_channel`` (or ``add_or_update_channel`` with
``upsert``) when the configuration differs, or ``refresh_channel`` for a
channel in the ``error`` state when asked. ``remove_channel`` removes
channels of the target server that no row names. Commands of one step go in
the same requests, so no request holds two commands for the same channel; a
step is sent only for channels whose previous step succeeded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa

from arrowtap.connectors._http import HttpSession
from arrowtap.connectors.pvarchiver.wire import admin, admin_endpoints
from arrowtap.connectors.pvarchiver.wire import admin_commands as cmd
from arrowtap.connectors.pvarchiver.wire.admin_commands import ChannelConfig
from arrowtap.connectors.pvarchiver.wire.admin_desired import (
    DesiredChannel,
    desired_channels,
    resolve,
)
from arrowtap.errors import InvalidArgumentError, NotFoundError

__all__ = ["WRITE_RESULT_SCHEMA", "PlannedCommand", "plan_commands", "write_configs"]

WRITE_RESULT_SCHEMA = pa.schema(
    [
        pa.field("channel", pa.string(), nullable=False),
        pa.field("command_type", pa.string(), nullable=False),
        pa.field("server_id", pa.string()),
        pa.field("success", pa.bool_()),
        pa.field("error_message", pa.string()),
        pa.field("command", pa.string(), nullable=False),
    ],
    metadata={b"arrowtap.source": b"pvarchiver.admin.write-result"},
)
"""One row per planned command; ``success`` is null in a dry run. ``command`` is its JSON."""

_NOT_SENT = "not sent: an earlier command for this channel failed"


@dataclass(frozen=True)
class PlannedCommand:
    """One command, the channel chain it belongs to (``key``) and its ``step`` in that chain."""

    key: tuple[str, str]
    step: int
    channel: str
    server_id: str | None
    command: dict[str, Any]

    @property
    def command_type(self) -> str:
        """The ``commandType``."""
        return str(self.command["commandType"])


def _differs(a: ChannelConfig, b: ChannelConfig) -> bool:
    """Whether two configurations differ in what an update can change."""
    return (a.enabled, dict(a.retention), dict(a.options)) != (
        b.enabled,
        dict(b.retention),
        dict(b.options),
    )


def _chain(
    want: DesiredChannel,
    existing: Mapping[str, ChannelConfig],
    *,
    upsert: bool,
    refresh_errors: bool,
) -> list[tuple[str, str | None, dict[str, Any]]]:
    """The commands, in order, that bring one channel to ``want``: (channel, server, command)."""
    steps: list[tuple[str, str | None, dict[str, Any]]] = []
    current = existing.get(want.name)
    old = existing.get(want.renamed_from) if want.renamed_from else None
    if old is not None:
        if current is not None:
            raise InvalidArgumentError(
                f"{admin.SYSTEM}: channel {want.name!r}: both it and {old.name!r} (renamed_from) "
                "exist; remove one of them or drop renamed_from"
            )
        steps.append(
            (old.name, old.server_id, cmd.rename_channel(old.name, want.name, old.server_id))
        )
        current = replace(old, name=want.name)
    config = resolve(want, current)
    if current is None:
        steps.append((want.name, want.server_id, cmd.add_channel(config, upsert=upsert)))
        return steps
    if config.control_system_type != current.control_system_type:
        raise InvalidArgumentError(
            f"{admin.SYSTEM}: channel {want.name!r} has control system type "
            f"{current.control_system_type!r}, not {config.control_system_type!r}: the type "
            "cannot be changed; remove the channel and add it again (its samples are lost)"
        )
    if current.server_id != want.server_id:
        move = cmd.move_channel(want.name, want.server_id, current.server_id)
        steps.append((want.name, want.server_id, move))
        current = replace(current, server_id=want.server_id)
    if _differs(config, current):
        command = (
            cmd.add_channel(config, upsert=True) if upsert else cmd.update_channel(config, current)
        )
        steps.append((want.name, want.server_id, command))
    elif refresh_errors and not steps and current.state == "error":
        steps.append((want.name, want.server_id, cmd.refresh_channel(want.name, want.server_id)))
    return steps


def plan_commands(
    desired: Sequence[DesiredChannel],
    existing: Mapping[str, ChannelConfig],
    *,
    server_id: str,
    remove_missing: bool = False,
    upsert: bool = False,
    refresh_errors: bool = False,
) -> list[PlannedCommand]:
    """Plan the commands that turn ``existing`` (every channel by name) into ``desired``.

    Examples
    --------
    >>> sid = "7cf8f393-cd00-46ae-9343-53e9cb5793fd"
    >>> have = {"a": ChannelConfig("a", "channel_access", sid, True, {0: 0})}
    >>> want = desired_channels([{"channel": "a", "enabled": False}, {"channel": "b"}], sid)
    >>> [(p.channel, p.command_type) for p in plan_commands(want, have, server_id=sid)]
    [('a', 'update_channel'), ('b', 'add_channel')]
    """
    names = {d.name for d in desired}
    sources = [d.renamed_from for d in desired if d.renamed_from]
    if len(set(sources)) != len(sources) or names & set(sources):
        raise InvalidArgumentError(
            f"{admin.SYSTEM}: a renamed_from names another row's channel or appears twice"
        )
    planned: list[PlannedCommand] = []
    if remove_missing:
        keep = names | set(sources)
        for name in sorted(existing):
            if existing[name].server_id == server_id and name not in keep:
                command = cmd.remove_channel(name, server_id)
                planned.append(PlannedCommand(("remove", name), 0, name, server_id, command))
    for want in desired:
        chain = _chain(want, existing, upsert=upsert, refresh_errors=refresh_errors)
        for step, (channel, server, command) in enumerate(chain):
            planned.append(PlannedCommand(("desired", want.name), step, channel, server, command))
    return sorted(planned, key=lambda p: p.step)  # stable: plan order within a step


def _existing(
    session: HttpSession, desired: Sequence[DesiredChannel], server_id: str
) -> dict[str, ChannelConfig]:
    """The configuration of every channel the plan may touch, read from the servers."""
    summary, _ = admin_endpoints.list_channels(session)
    owner = {str(i.get("channelName")): str(i.get("serverId")) for i in summary}
    servers = {server_id} | {d.server_id for d in desired}
    servers |= {owner[n] for d in desired for n in (d.name, d.renamed_from) if n in owner}
    existing: dict[str, ChannelConfig] = {}
    for sid in sorted(servers):
        try:
            items, _ = admin_endpoints.list_channels(session, sid)
        except NotFoundError:
            continue  # an unknown server without channels: nothing there yet
        existing.update((str(i["channelName"]), cmd.current_config(i, sid)) for i in items)
    return existing


def _row(p: PlannedCommand, success: bool | None, message: str | None) -> dict[str, Any]:
    return {
        "channel": p.channel,
        "command_type": p.command_type,
        "server_id": p.server_id,
        "success": success,
        "error_message": message,
        "command": json.dumps(p.command, separators=(",", ":"), ensure_ascii=False),
    }


def _execute(
    session: HttpSession,
    planned: Sequence[PlannedCommand],
    credentials: admin.Credentials,
    batch_size: int,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    failed: set[tuple[str, str]] = set()
    for step in sorted({p.step for p in planned}):
        todo = [p for p in planned if p.step == step]
        send = [p for p in todo if p.key not in failed]
        outcome: dict[int, tuple[bool, str | None]] = {}
        for at in range(0, len(send), batch_size):
            batch = send[at : at + batch_size]
            try:
                results = admin_endpoints.run_commands(
                    session, [p.command for p in batch], credentials
                )
            except Exception as exc:
                exc.add_note(f"{len(rows) + len(outcome)} earlier command(s) had been run")
                raise
            for p, result in zip(batch, results, strict=True):
                ok = result.get("success") is True
                message = result.get("errorMessage")
                outcome[id(p)] = (ok, message if isinstance(message, str) else None)
                if not ok:
                    failed.add(p.key)
        for p in todo:
            rows.append(_row(p, *outcome.get(id(p), (False, _NOT_SENT))))
    return rows


def write_configs(
    session: HttpSession,
    rows: Sequence[Mapping[str, Any]],
    *,
    server_id: str,
    credentials: admin.Credentials,
    dry_run: bool = False,
    remove_missing: bool = False,
    upsert: bool = False,
    refresh_errors: bool = False,
    batch_size: int = 100,
) -> pa.Table:
    """Plan the commands for desired ``rows`` and run them (unless ``dry_run``)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidArgumentError(f"{admin.SYSTEM}: batch_size must be an int >= 1")
    desired = desired_channels(rows, server_id)
    existing = _existing(session, desired, server_id)
    planned = plan_commands(
        desired,
        existing,
        server_id=server_id,
        remove_missing=remove_missing,
        upsert=upsert,
        refresh_errors=refresh_errors,
    )
    if dry_run:
        out = [_row(p, None, None) for p in planned]
    else:
        out = _execute(session, planned, credentials, batch_size)
    return pa.Table.from_pylist(out, schema=WRITE_RESULT_SCHEMA)
