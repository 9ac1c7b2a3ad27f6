"""Offsets reach a checkpoint from one module of the engine, arrowtap.io.offsets, only.

Read from the source with :mod:`ast`: outside the checkpoint store itself and that
module, no code calls a checkpoint's writing methods. (The conformance suite checks
the same at run time for every source.)
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "arrowtap"
WRITERS = {"write_json", "delete"}
STORE_NAMES = ("store", "ckpt", "checkpoint", "state")


def _calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, ast.unparse(node.func.value)
        # write_json and delete exist only on checkpoints; write() also on files and sinks.
        on_store = any(name in receiver.lower() for name in STORE_NAMES)
        if method in WRITERS or (method == "write" and on_store):
            found.append(f"{path.relative_to(SRC)}:{node.lineno}: {receiver}.{method}()")
    return found


def test_only_io_offsets_writes_to_a_checkpoint() -> None:
    allowed = {SRC / "io" / "offsets.py"}
    paths = [
        p
        for p in SRC.rglob("*.py")
        if p not in allowed
        and "checkpoint" not in p.relative_to(SRC).parts[:1]
        and "testing" not in p.relative_to(SRC).parts[:1]
    ]
    assert [call for path in paths for call in _calls(path)] == []


def test_the_check_sees_a_write() -> None:
    assert _calls(SRC / "io" / "offsets.py")
