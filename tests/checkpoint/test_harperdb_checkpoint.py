"""The HarperDB backend on one real server: the checkpoint rules, atomicity, fencing, errors.

The backend-independent tests of ``test_checkpoint_api.py`` that use only the
``ckpt`` fixture run here too, against HarperDB (their functions are imported
below and collected with this module's ``ckpt``).
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowtap.checkpoint import Checkpoint, CheckpointAttributes, open_checkpoint
from arrowtap.checkpoint.harperdb import HarperDBCheckpoint
from arrowtap.errors import (
    CheckpointExistsError,
    CheckpointInvalidParamError,
    CheckpointNoSpaceError,
)
from arrowtap.testing.harperdb import HarperDBServer

DATABASE = "ckpt_tests"


def _sibling(module: str) -> ModuleType:
    path = Path(__file__).with_name(f"{module}.py")
    spec = importlib.util.spec_from_file_location(f"_harperdb_reuses_{module}", path)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


_api = _sibling("test_checkpoint_api")
test_write_replaces_and_shrinks = _api.test_write_replaces_and_shrinks
test_missing_key = _api.test_missing_key
test_delete_is_idempotent = _api.test_delete_is_idempotent
test_bad_key = _api.test_bad_key
test_oversize_value_names_key_not_value = _api.test_oversize_value_names_key_not_value
test_write_argument_errors = _api.test_write_argument_errors
test_read_and_delete_type_errors = _api.test_read_and_delete_type_errors
_model = _sibling("test_checkpoint_property")


def location(server: HarperDBServer, database: str = DATABASE, password: str | None = None) -> str:
    secret = quote(server.password if password is None else password, safe="")
    host = server.url.removeprefix("http://")
    return f"harperdb+http://{server.username}:{secret}@{host}/{database}"


@pytest.fixture(scope="module")
def url(harperdb_server: HarperDBServer) -> str:
    return location(harperdb_server)


@pytest.fixture
def name() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def ckpt(url: str, name: str) -> Iterator[Checkpoint]:
    attrs = CheckpointAttributes(max_sections=10, max_section_size=8, max_section_id_size=4)
    with open_checkpoint(url, name, attrs) as handle:
        yield handle


def records(server: HarperDBServer, table: str, attribute: str, value: str) -> list[Any]:
    """The records of ``table`` whose ``attribute`` equals ``value``, read directly."""
    condition = {"search_attribute": attribute, "search_type": "equals", "search_value": value}
    rows: list[dict[str, Any]] = server.operation(
        {
            "operation": "search_by_conditions",
            "database": DATABASE,
            "table": table,
            "operator": "and",
            "get_attributes": ["*"],
            "conditions": [condition],
        }
    )
    return rows


def test_values_are_lossless(url: str, name: str) -> None:
    values = {"all": bytes(range(256)), "empty": b"", "big": os.urandom(65_536)}
    with open_checkpoint(url, name) as ckpt:
        ckpt.write(values)
    with open_checkpoint(url, name) as again:
        assert again.read(list(values)) == list(values.values())


def test_layout_and_durability(url: str, name: str, harperdb_server: HarperDBServer) -> None:
    with open_checkpoint(url, name) as one, open_checkpoint(url, name) as two:
        assert isinstance(one, HarperDBCheckpoint)
        one.write({"k1": b"1", "k2": b"2"})
        assert two.read(["k2", "k1"]) == [b"2", b"1"]
        two.write("k1", b"one")
        two.delete("k2")
        assert one.keys() == ["k1"]
    with open_checkpoint(url, name) as again:
        assert again.read("k1") == b"one"
    [meta] = records(harperdb_server, "checkpoints", "name", name)
    assert CheckpointAttributes.from_json(meta["attributes"]) == CheckpointAttributes()
    [section] = records(harperdb_server, "checkpoint_sections", "checkpoint", meta["id"])
    assert (section["key"], section["value"]) == ("k1", "b25l")  # base64 of b"one"
    table = harperdb_server.operation(
        {"operation": "describe_table", "database": DATABASE, "table": "checkpoint_sections"}
    )
    indexed = {a["attribute"] for a in table["attributes"] if a.get("indexed")}
    assert indexed == {"checkpoint"}  # values are not copied into an index
    assert records(harperdb_server, "checkpoint_handles", "checkpoint", meta["id"]) == []


def test_many_checkpoints_in_one_database(url: str, name: str) -> None:
    with (
        open_checkpoint(url, name + "a", CheckpointAttributes(max_sections=1)) as a,
        open_checkpoint(url, name + "b") as b,
    ):
        a.write("k", b"a")
        b.write({"k": b"b", "j": b"b"})
        assert a.read("k") == b"a"
        assert a.keys() == ["k"]
        assert b.keys() == ["j", "k"]
        assert b.attributes == CheckpointAttributes()


def test_reopen_with_other_attributes_conflicts(
    url: str, name: str, harperdb_server: HarperDBServer
) -> None:
    attrs = CheckpointAttributes(max_sections=5, retention=datetime.timedelta(hours=1))
    with open_checkpoint(url, name, attrs) as ckpt:
        ckpt.write("k", b"v")
        with pytest.raises(CheckpointExistsError) as info:
            open_checkpoint(url, name, CheckpointAttributes(max_sections=6, max_section_size=9))
        message = str(info.value)
        assert "max_sections (stored 5, requested 6)" in message
        assert "max_section_size" in message
        assert "retention" in message
        assert "write_mode" not in message
        assert harperdb_server.password not in message
        with open_checkpoint(url, name, attrs) as same, open_checkpoint(url, name) as reader:
            assert reader.attributes == attrs
            assert same.read("k") == reader.read("k") == b"v"
    # The refused handle left no record behind.
    [meta] = records(harperdb_server, "checkpoints", "name", name)
    assert records(harperdb_server, "checkpoint_handles", "checkpoint", meta["id"]) == []


def test_concurrent_creation_has_one_winner(url: str, name: str) -> None:
    choices = [CheckpointAttributes(max_sections=n) for n in (3, 4, 3, 4, 5, 3)]
    barrier = threading.Barrier(len(choices))
    outcomes: list[CheckpointAttributes | None] = [None] * len(choices)

    def open_one(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            with open_checkpoint(url, name, choices[i]) as handle:
                outcomes[i] = handle.attributes
        except CheckpointExistsError:
            pass

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(len(choices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open_checkpoint(url, name) as ckpt:
        winner = ckpt.attributes
    assert outcomes == [c if c == winner else None for c in choices]


def test_no_space_counts_new_keys_only(url: str, name: str) -> None:
    with open_checkpoint(url, name, CheckpointAttributes(max_sections=3)) as ckpt:
        ckpt.write({"a": b"1", "b": b"1", "c": b"1"})
        with pytest.raises(CheckpointNoSpaceError, match="max_sections=3"):
            ckpt.write("d", b"1")
        ckpt.write("a", b"2")  # updates work at the limit
        ckpt.write({"a": b"3", "b": b"3", "c": b"3"})
        ckpt.delete("c")
        # The update of "a" comes before the overflowing new keys: nothing is written.
        with pytest.raises(CheckpointNoSpaceError):
            ckpt.write({"a": b"new", "c": b"new", "d": b"new"})
        assert ckpt.read(["a", "b"]) == [b"3", b"3"]
        ckpt.write({"a": b"4", "d": b"4"})  # one new key fits
        assert ckpt.read(["a", "b", "d"]) == [b"4", b"3", b"4"]


def test_one_upsert_is_one_transaction(
    url: str, name: str, harperdb_server: HarperDBServer
) -> None:
    """What atomic multi-section writes rest on: a failing record rolls back the others."""
    with open_checkpoint(url, name) as ckpt:
        ckpt.write("a", b"old")
        [meta] = records(harperdb_server, "checkpoints", "name", name)
        [row] = records(harperdb_server, "checkpoint_sections", "checkpoint", meta["id"])
        good = {**row, "value": "bmV3"}  # b"new"
        with pytest.raises(httpx.HTTPStatusError):
            harperdb_server.operation(
                {
                    "operation": "upsert",
                    "database": DATABASE,
                    "table": "checkpoint_sections",
                    "records": [good, {"id": {"not": "a key"}, "checkpoint": row["checkpoint"]}],
                }
            )
        assert ckpt.read("a") == b"old"


def test_readers_never_see_half_a_write(url: str, name: str) -> None:
    keys = [f"k{i}" for i in range(10)]
    with open_checkpoint(url, name) as writer, open_checkpoint(url, name) as reader:
        writer.write(dict.fromkeys(keys, b"0"))
        done = threading.Event()
        seen: list[set[bytes]] = []

        def read_until_done() -> None:
            while not done.is_set():
                seen.append(set(reader.read(keys)))

        thread = threading.Thread(target=read_until_done)
        thread.start()
        try:
            for generation in range(1, 30):
                writer.write(dict.fromkeys(keys, str(generation).encode()))
        finally:
            done.set()
            thread.join()
    assert seen
    assert all(len(values) == 1 for values in seen)


@settings(max_examples=12, deadline=None)
@given(st.lists(_model.operations, max_size=12))
def test_matches_dict_model(url: str, ops: list[tuple[Any, ...]]) -> None:
    """The property of ``test_checkpoint_property.py``, on HarperDB (fewer, shorter runs)."""
    model: dict[str, bytes] = {}
    name = f"p-{uuid.uuid4().hex}"
    with open_checkpoint(url, name, _model.ATTRS) as ckpt:
        for op in ops:
            if op[0] == "delete":
                ckpt.delete(op[1])
                model.pop(op[1], None)
                continue
            batch = {op[1]: op[2]} if op[0] == "write" else dict(op[1])
            expected = _model.apply(model, batch)
            try:
                ckpt.write(batch)
                error = None
            except CheckpointInvalidParamError:
                error = "invalid"
            except CheckpointNoSpaceError:
                error = "nospace"
            assert error == expected
            assert ckpt.keys() == sorted(model)
    with open_checkpoint(url, name) as again:
        assert dict(zip(again.keys(), again.read(again.keys()), strict=True)) == model
