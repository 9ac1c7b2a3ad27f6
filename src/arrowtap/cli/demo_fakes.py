"""The systems ``arrowtap demo`` syncs: the fakes of ``arrowtap.testing``, each its own process.

Each fake runs as a real server would, in a process of its own
(``python -m arrowtap.testing.<system>``) bound to 127.0.0.1 on a free port; the
library never imports the testing package. Both start at once and are always
stopped, whatever ends the demo (Ctrl-C, SIGTERM, an error); a fake also gets
SIGTERM if the demo itself dies.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator

from arrowtap.errors import ArrowtapError
from arrowtap.io.process import die_with_parent, stop_process

__all__ = ["TIMEOUT", "Fakes", "ready_fields", "start_fakes"]

TIMEOUT = 60.0
"""Seconds the fakes together may take to start."""

_ARCHIVER = ("arrowtap.testing.pvarchiver", "--host", "127.0.0.1", "--port", "0", "--live")
_KINETICA = (
    "arrowtap.testing.kinetica",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--monitor-port",
    "0",
)


@dataclasses.dataclass(frozen=True)
class Fakes:
    """The URLs of the running fakes.

    Examples
    --------
    >>> Fakes("http://127.0.0.1:1/archive-access/api/1.0", "http://127.0.0.1:2").kinetica
    'http://127.0.0.1:2'
    """

    archiver: str
    """The archive-access base URL of the fake live Cassandra PV Archiver."""
    kinetica: str
    """The HTTP URL of the fake Kinetica."""


@contextlib.contextmanager
def _process(module_and_args: tuple[str, ...]) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", *module_and_args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,
    )
    try:
        yield proc
    finally:
        stop_process(proc)
        if proc.stdout is not None:
            proc.stdout.close()


def ready_fields(line: str) -> dict[str, str]:
    """The ``key=value`` fields of a fake's ``READY`` line (empty if it is not one).

    Examples
    --------
    >>> ready_fields("READY http=http://127.0.0.1:9191 zmq=tcp://127.0.0.1:9002")["http"]
    'http://127.0.0.1:9191'
    >>> ready_fields("Traceback (most recent call last):")
    {}
    """
    words = line.split()
    if not words or words[0] != "READY":
        return {}
    return dict(word.split("=", 1) for word in words[1:] if "=" in word)


def _wait_ready(proc: subprocess.Popen[str], name: str, deadline: float) -> dict[str, str]:
    """The fields of ``proc``'s READY line, waiting until ``deadline`` (monotonic) at most."""
    assert proc.stdout is not None
    # Raw reads, not readline(): a text file's buffer could hold the READY line unseen by select.
    fd = proc.stdout.fileno()
    said = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0 and selector.select(left):
            chunk = os.read(fd, 4096)
            if not chunk:  # the process ended before it was ready
                break
            said += chunk
            for line in said.decode(errors="replace").splitlines()[: said.count(b"\n")]:
                if fields := ready_fields(line):
                    return fields
    code = proc.poll()
    why = f"exited with code {code}" if code is not None else "did not say READY in time"
    raise ArrowtapError(f"demo: the fake {name} {why}; its own error, if any, is above")


@contextlib.contextmanager
def start_fakes(timeout: float = TIMEOUT) -> Iterator[Fakes]:
    """Start the fake live archiver and the fake Kinetica; yield their URLs; always stop both.

    Parameters
    ----------
    timeout : float
        Seconds both together may take to say they are serving.

    Yields
    ------
    Fakes
        Their URLs.

    Raises
    ------
    ArrowtapError
        A fake did not start (its own error goes to stderr).
    """
    deadline = time.monotonic() + timeout
    with _process(_ARCHIVER) as archiver, _process(_KINETICA) as kinetica:
        archive_url = _wait_ready(archiver, f"archiver ({_ARCHIVER[0]})", deadline)["archive"]
        kinetica_url = _wait_ready(kinetica, f"Kinetica ({_KINETICA[0]})", deadline)["http"]
        yield Fakes(archive_url, kinetica_url)
