"""The fake servers of the benchmarks, each a process of its own: started, then stopped.

A fake prints one ``READY ...`` line once it listens (``--port 0``: a free port);
:func:`start` waits for it, :func:`stop` ends the process whatever happened.
"""

from __future__ import annotations

import subprocess
import sys

__all__ = ["module", "start", "stop"]


def module(name: str, *args: str) -> list[str]:
    """The command of a fake run as ``python -m name --port 0 args...``."""
    return [sys.executable, "-m", name, "--port", "0", *args]


def start(command: list[str], ready: str = "READY ") -> tuple[subprocess.Popen[str], str]:
    """Run ``command``; the process and its READY line (without the newline)."""
    fake = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    line = fake.stdout.readline().strip()
    if not line.startswith(ready):
        stop(fake)
        raise SystemExit(f"{' '.join(command[1:4])} did not start: {line!r}")
    return fake, line


def stop(fake: subprocess.Popen[str], grace: float = 10) -> None:
    """End the fake: SIGTERM, then SIGKILL if it has not ended within ``grace`` seconds."""
    fake.terminate()
    try:
        fake.communicate(timeout=grace)  # its output read to the end: no pipe left full
    except subprocess.TimeoutExpired:
        fake.kill()
        fake.wait()
