"""Backend-independent rules: attributes, validation, the section operations, JSON helpers."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import arrowtap.checkpoint
from arrowtap.checkpoint import (
    Checkpoint,
    CheckpointAttributes,
    SQLiteCheckpoint,
    WriteMode,
    decode_json,
    encode_json,
    open_checkpoint,
)
from arrowtap.errors import (
    CheckpointError,
    CheckpointInvalidParamError,
    CheckpointNotFoundError,
    InvalidArgumentError,
)


@pytest.fixture
def ckpt(tmp_path: Path) -> Iterator[Checkpoint]:
    attrs = CheckpointAttributes(max_sections=10, max_section_size=8, max_section_id_size=4)
    with open_checkpoint(tmp_path / "o.db", "t", attrs) as handle:
        yield handle


def test_public_names() -> None:
    assert sorted(arrowtap.checkpoint.__all__) == [
        "Checkpoint",
        "CheckpointAttributes",
        "CheckpointLike",
        "Lease",
        "SQLiteCheckpoint",
        "WriteMode",
        "decode_json",
        "encode_json",
        "open_checkpoint",
        "opened",
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_sections", 0),
        ("max_sections", -1),
        ("max_section_size", 1.5),
        ("max_section_id_size", True),
        ("retention", datetime.timedelta(seconds=-1)),
        ("retention", 5),
        ("write_mode", "sometimes"),
    ],
)
def test_attributes_rejected(field: str, value: object) -> None:
    with pytest.raises(InvalidArgumentError, match=field):
        CheckpointAttributes(**{field: value})  # type: ignore[arg-type]


def test_attributes_normalise_and_round_trip() -> None:
    attrs = CheckpointAttributes(
        retention=datetime.timedelta(days=1, microseconds=7),
        write_mode="active_replica_weak",  # type: ignore[arg-type]
    )
    assert attrs.write_mode is WriteMode.ACTIVE_REPLICA_WEAK
    assert CheckpointAttributes.from_json(attrs.to_json()) == attrs
    assert CheckpointAttributes().differences(attrs) == [
        "retention (stored None, requested datetime.timedelta(days=1, microseconds=7))",
        "write_mode (stored <WriteMode.ALL_REPLICAS: 'all_replicas'>, "
        "requested <WriteMode.ACTIVE_REPLICA_WEAK: 'active_replica_weak'>)",
    ]


def test_write_replaces_and_shrinks(ckpt: Checkpoint) -> None:
    ckpt.write("a", b"abcdef")
    ckpt.write("a", b"xy")
    assert ckpt.read("a") == b"xy"
    ckpt.write({"a": b"1", "b": b""})
    assert ckpt.read(["b", "a", "b"]) == [b"", b"1", b""]
    assert ckpt.read([]) == []
    ckpt.write("c", bytearray(b"ba"))  # type: ignore[call-overload]  # bytes-like accepted
    assert ckpt.read("c") == b"ba"
    assert ckpt.keys() == ["a", "b", "c"]


def test_missing_key(ckpt: Checkpoint) -> None:
    ckpt.write("a", b"1")
    with pytest.raises(CheckpointNotFoundError, match="'zz'") as info:
        ckpt.read(["a", "zz"])
    assert isinstance(info.value, KeyError)
    assert ckpt.get("zz") is None
    assert ckpt.get("zz", b"d") == b"d"
    assert ckpt.get("a") == b"1"


def test_delete_is_idempotent(ckpt: Checkpoint) -> None:
    ckpt.write("a", b"1")
    ckpt.delete("a")
    ckpt.delete("a")
    ckpt.delete("never")
    assert ckpt.keys() == []


@pytest.mark.parametrize("key", ["", "abcde", "ééé", "\udc80"])
def test_bad_key(ckpt: Checkpoint, key: str) -> None:
    with pytest.raises(CheckpointInvalidParamError, match="section id"):
        ckpt.write(key, b"v")
    with pytest.raises(CheckpointInvalidParamError):
        ckpt.write({"ok": b"", key: b"v"})
    assert ckpt.keys() == []


def test_oversize_value_names_key_not_value(ckpt: Checkpoint) -> None:
    with pytest.raises(CheckpointInvalidParamError) as info:
        ckpt.write("k", b"SECRET123")
    message = str(info.value)
    assert "'k'" in message
    assert "9 bytes" in message
    assert "SECRET" not in message
    ckpt.write("k", b"12345678")  # exactly the limit


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("k", "text"), TypeError),
        (("k", None), InvalidArgumentError),
        (({"k": 1},), TypeError),
        (({"k": b""}, b""), InvalidArgumentError),
        (({1: b""},), TypeError),
        ((["k"],), TypeError),
    ],
)
def test_write_argument_errors(ckpt: Checkpoint, args: tuple[object, ...], error: type) -> None:
    with pytest.raises(error):
        ckpt.write(*args)  # type: ignore[call-overload]
    assert ckpt.keys() == []


def test_read_and_delete_type_errors(ckpt: Checkpoint) -> None:
    with pytest.raises(TypeError):
        ckpt.read([b"k"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ckpt.delete(1)  # type: ignore[arg-type]


def test_json_helpers(tmp_path: Path) -> None:
    ckpt = open_checkpoint(tmp_path / "o.db", "j")
    ckpt.write_json({"a": {"z": 1, "y": [1.5, None]}, "b": "s"})
    assert ckpt.read("a") == b'{"y":[1.5,null],"z":1}'
    assert ckpt.read_json("a") == {"y": [1.5, None], "z": 1}
    assert ckpt.read_json("nope") is None
    assert ckpt.read_json("nope", {}) == {}
    ckpt.write("raw", b"{bad")
    with pytest.raises(CheckpointError, match="'raw'"):
        ckpt.read_json("raw")
    with pytest.raises(InvalidArgumentError, match="'n'"):
        ckpt.write_json({"n": float("nan")})
    with pytest.raises(InvalidArgumentError, match="'o'"):
        ckpt.write_json({"o": object()})
    ckpt.close()
    assert encode_json("k", [1]) == b"[1]"
    assert decode_json("k", b"[1]") == [1]


def test_close_is_idempotent_and_final(tmp_path: Path) -> None:
    handle = open_checkpoint(tmp_path / "o.db", "t")
    handle.write("a", b"1")
    handle.close()
    handle.close()
    assert "closed" in repr(handle)
    operations: list[Callable[[], object]] = [
        lambda: handle.write("a", b"1"),
        lambda: handle.read("a"),
        lambda: handle.get("a"),
        handle.keys,
        lambda: handle.delete("a"),
        handle.synchronize,
        handle.activate,
        lambda: handle.is_active,
    ]
    for operation in operations:
        with pytest.raises(CheckpointError, match="closed"):
            operation()


def test_repr_shows_name_and_location_not_values(tmp_path: Path) -> None:
    with open_checkpoint(tmp_path / "o.db", "job") as handle:
        handle.write("k", b"SECRET")
        text = repr(handle)
    assert "job" in text
    assert str(tmp_path / "o.db") in text
    assert "SECRET" not in text


def test_open_checkpoint_dispatch(tmp_path: Path) -> None:
    with open_checkpoint(str(tmp_path / "o.db")) as handle:
        assert isinstance(handle, SQLiteCheckpoint)
        assert handle.name == "default"
        assert handle.attributes == CheckpointAttributes()
    with pytest.raises(InvalidArgumentError, match="'harperdb'") as info:
        open_checkpoint("harperdb://user:pw@host:9925/db")
    assert "pw" not in str(info.value)
    with pytest.raises(InvalidArgumentError, match="'s3'"):
        open_checkpoint("s3://bucket/key")
    with pytest.raises(InvalidArgumentError, match="name"):
        open_checkpoint(tmp_path / "o.db", "")


def test_one_handle_many_threads(tmp_path: Path) -> None:
    with open_checkpoint(tmp_path / "o.db", "t") as handle:

        def work(n: int) -> None:
            for i in range(20):
                handle.write(f"{n}-{i}", b"x")
                handle.write_json({f"{n}-j": i})
                assert handle.read(f"{n}-{i}") == b"x"

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(handle.keys()) == 8 * 21
        assert handle.read_json("3-j") == 19
