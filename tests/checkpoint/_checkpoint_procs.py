"""Process bodies for the multi-process checkpoint tests (spawned children import this)."""

from __future__ import annotations

import os
from typing import Any

from arrowtap.checkpoint import open_checkpoint


def write_keys(path: str, prefix: str, count: int, barrier: Any) -> None:
    """Open together with the others, write ``count`` keys one transaction each, close."""
    barrier.wait(timeout=30)
    with open_checkpoint(path, "shared") as ckpt:
        for i in range(count):
            ckpt.write(f"{prefix}{i}", str(i).encode())
        ckpt.write({f"{prefix}batch{i}": b"b" for i in range(10)})


def open_and_crash(path: str, name: str) -> None:
    """Open a handle and die without closing it, like a killed process."""
    ckpt = open_checkpoint(path, name)
    ckpt.write("k", b"v")
    os._exit(0)
