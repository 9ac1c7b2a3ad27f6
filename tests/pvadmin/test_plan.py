"""Planning configuration commands from desired rows: pure, no server."""

from __future__ import annotations

from typing import Any

import pytest

from arrowtap.connectors.pvarchiver.wire.admin_commands import COMMAND_TYPES, ChannelConfig
from arrowtap.connectors.pvarchiver.wire.admin_desired import desired_channels
from arrowtap.connectors.pvarchiver.wire.admin_writer import PlannedCommand, plan_commands
from arrowtap.errors import InvalidArgumentError

A = "7cf8f393-cd00-46ae-9343-53e9cb5793fd"
B = "8c6959e2-0388-4854-8ebf-88a752375962"
HAVE = {
    "x": ChannelConfig(
        "x", "channel_access", A, True, {0: 864000, 30: 0}, {"monitorMask": "value"}
    ),
    "y": ChannelConfig("y", "channel_access", A, True, {0: 0}, state="error"),
    "z": ChannelConfig("z", "channel_access", B, False, {0: 0}),
    "old": ChannelConfig("old", "channel_access", A, True, {0: 0, 60: 0}),
}


def plan(rows: list[dict[str, Any]], **options: Any) -> list[PlannedCommand]:
    return plan_commands(desired_channels(rows, A), HAVE, server_id=A, **options)


def summary(planned: list[PlannedCommand]) -> list[tuple[int, str, str]]:
    return [(p.step, p.channel, p.command_type) for p in planned]


def test_nothing_to_do_when_equal() -> None:
    rows = [{"channel": n} for n in ("x", "y", "old")]
    assert plan(rows) == []
    same = {
        "channel": "x",
        "enabled": True,
        "retention": [(0, 864000), (30, 0)],
        "options": {"monitorMask": "value"},
        "decimation_levels": [30, 0],
    }
    assert plan([same]) == []


def test_add_with_defaults_and_numbers_as_strings() -> None:
    rows = [{"channel": "new", "decimation_levels": [30, 900], "retention": {0: 3600, 30: 86400}}]
    [p] = plan(rows)
    assert p.command == {
        "channelName": "new",
        "commandType": "add_channel",
        "controlSystemType": "channel_access",
        "decimationLevels": ["0", "30", "900"],
        "decimationLevelToRetentionPeriod": {"0": "3600", "30": "86400", "900": "0"},
        "enabled": True,
        "options": {},
        "serverId": A,
    }


def test_update_sends_only_the_changes() -> None:
    [p] = plan([{"channel": "x", "enabled": False}])
    assert p.command == {
        "channelName": "x",
        "commandType": "update_channel",
        "expectedControlSystemType": "channel_access",
        "expectedServerId": A,
        "enabled": False,
    }
    [p] = plan([{"channel": "x", "decimation_levels": [30, 300]}])
    # the raw level keeps its retention, the new level gets 0 (forever)
    assert p.command["decimationLevelToRetentionPeriod"] == {"0": "864000", "30": "0", "300": "0"}
    assert "enabled" not in p.command
    assert "options" not in p.command
    [p] = plan([{"channel": "x", "options": {}}])
    assert p.command["options"] == {}


def test_upsert_uses_add_or_update() -> None:
    planned = plan([{"channel": "x", "enabled": False}, {"channel": "new"}], upsert=True)
    assert [p.command_type for p in planned] == ["add_or_update_channel"] * 2
    assert planned[0].command["decimationLevels"] == ["0", "30"]


def test_move_then_update_in_separate_steps() -> None:
    planned = plan([{"channel": "z", "server_id": A, "enabled": True}])
    assert summary(planned) == [(0, "z", "move_channel"), (1, "z", "update_channel")]
    assert planned[0].command == {
        "channelName": "z",
        "commandType": "move_channel",
        "expectedOldServerId": B,
        "newServerId": A,
    }
    assert planned[1].command["expectedServerId"] == A


def test_rename_then_update_and_remove_missing() -> None:
    rows = [{"channel": "new-name", "renamed_from": "old", "enabled": False}, {"channel": "x"}]
    planned = plan(rows, remove_missing=True)
    assert summary(planned) == [
        (0, "y", "remove_channel"),  # on A and not desired; "old" is a rename source; z is on B
        (0, "old", "rename_channel"),
        (1, "new-name", "update_channel"),
    ]
    assert planned[1].command == {
        "commandType": "rename_channel",
        "expectedServerId": A,
        "newChannelName": "new-name",
        "oldChannelName": "old",
    }
    # once renamed, the same rows plan nothing more for it
    done = dict(
        HAVE, **{"new-name": ChannelConfig("new-name", "channel_access", A, False, {0: 0, 60: 0})}
    )
    del done["old"]
    assert plan_commands(desired_channels(rows, A), done, server_id=A) == []


def test_refresh_channels_in_error() -> None:
    assert summary(plan([{"channel": "y"}], refresh_errors=True)) == [(0, "y", "refresh_channel")]
    assert plan([{"channel": "y"}]) == []


def test_no_request_holds_two_commands_for_one_channel() -> None:
    rows = [
        {"channel": "z", "server_id": A, "enabled": True},
        {"channel": "r", "renamed_from": "old", "enabled": False},
        {"channel": "x", "enabled": False},
        {"channel": "new"},
    ]
    planned = plan(rows, remove_missing=True)
    assert {p.command_type for p in planned} <= set(COMMAND_TYPES)
    for step in {p.step for p in planned}:
        names: list[str] = []
        for p in planned:
            if p.step == step:
                names += [
                    p.command.get(k)
                    for k in ("channelName", "oldChannelName", "newChannelName")
                    if k in p.command
                ]
        assert len(names) == len(set(names)), names


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([{"channel": "x", "control_system_type": "other"}], "cannot be changed"),
        ([{"channel": "x", "retention": {0: 0, 30: 60}}], "less than the retention period"),
        ([{"channel": "n", "retention": {0: 100, 30: 50}}], "less than the retention period"),
        ([{"channel": "x"}, {"channel": "x"}], "appears twice"),
        ([{"channel": ""}], "non-empty"),
        ([{"enabled": True}], "channel is missing"),
        ([{"channel": "x", "enabled": "yes"}], "enabled must be a bool"),
        ([{"channel": "x", "decimation_levels": [-30]}], "within"),
        ([{"channel": "x", "decimation_levels": [2**31]}], "within"),
        ([{"channel": "x", "decimation_levels": "30"}], "must be a list"),
        ([{"channel": "x", "decimation_levels": [30], "retention": {60: 1}}], "not in decimation"),
        ([{"channel": "x", "retention": 5}], "mapping"),
        ([{"channel": "x", "options": {"a": 1}}], "map str to str"),
        ([{"channel": "x", "server_id": "nope"}], "UUID"),
        ([{"channel": "old", "renamed_from": "x"}], "renamed_from"),  # both exist
        ([{"channel": "q", "renamed_from": "x"}, {"channel": "x"}], "renamed_from"),
        ([{"channel": "x", "renamed_from": "old"}], "both it and 'old'"),
    ],
)
def test_invalid_rows(rows: list[dict[str, Any]], match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        plan(rows)
