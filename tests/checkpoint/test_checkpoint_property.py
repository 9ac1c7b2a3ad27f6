"""Property: any sequence of writes, deletes and multi-writes behaves like a bounded dict."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from arrowtap.checkpoint import CheckpointAttributes, open_checkpoint
from arrowtap.errors import CheckpointInvalidParamError, CheckpointNoSpaceError

ATTRS = CheckpointAttributes(max_sections=4, max_section_size=6, max_section_id_size=3)
keys = st.text(alphabet="abé", min_size=0, max_size=3)  # "é" is 2 bytes: some keys too long
values = st.binary(max_size=8)  # some values too long
operations = st.one_of(
    st.tuples(st.just("write"), keys, values),
    st.tuples(st.just("delete"), keys),
    st.tuples(st.just("multi"), st.dictionaries(keys, values, max_size=4)),
)


def valid(key: str, value: bytes = b"") -> bool:
    return 0 < len(key.encode()) <= 3 and len(value) <= 6


def apply(model: dict[str, bytes], batch: dict[str, bytes]) -> str | None:
    """Apply ``batch`` to ``model`` all or nothing; return the expected error's name."""
    if not all(valid(k, v) for k, v in batch.items()):
        return "invalid"
    if len(model.keys() | batch.keys()) > ATTRS.max_sections and batch.keys() - model.keys():
        return "nospace"
    model.update(batch)
    return None


@settings(max_examples=60, deadline=None)
@given(st.lists(operations, max_size=25))
def test_matches_dict_model(ops: list[tuple[object, ...]]) -> None:
    model: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "o.db"
        with open_checkpoint(path, "p", ATTRS) as ckpt:
            for op in ops:
                if op[0] == "delete":
                    key = str(op[1])
                    ckpt.delete(key)
                    model.pop(key, None)
                    continue
                batch = {str(op[1]): op[2]} if op[0] == "write" else op[1]
                assert isinstance(batch, dict)
                expected = apply(model, batch)
                try:
                    if op[0] == "write":
                        ckpt.write(str(op[1]), op[2])  # type: ignore[call-overload]
                    else:
                        ckpt.write(batch)
                    error = None
                except CheckpointInvalidParamError:
                    error = "invalid"
                except CheckpointNoSpaceError:
                    error = "nospace"
                assert error == expected
                assert ckpt.keys() == sorted(model)
        with open_checkpoint(path, "p") as again:
            assert dict(zip(again.keys(), again.read(again.keys()), strict=True)) == model
