"""Crash injection: run a command and SIGKILL it at a crash point or a random moment.

A run either names a crash point of :mod:`arrowtap.io.crashpoints`
(``"after_commit:3"``: killed on the third commit), or a delay after which the
parent kills it, or neither (it runs to its end). Every run is bounded in time.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["CrashInjector", "CrashRun"]


@dataclass(frozen=True)
class CrashRun:
    """How one run ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        """Whether the run died of SIGKILL."""
        return self.returncode == -signal.SIGKILL


class CrashInjector:
    """Run ``command`` repeatedly, killing it where told.

    Parameters
    ----------
    command : sequence of str
        The program and its arguments.
    env : mapping, optional
        Extra environment variables.
    timeout : float
        Seconds a single run may take before the test fails.

    Examples
    --------
    >>> import sys
    >>> run = CrashInjector([sys.executable, "-c", "print('ok')"]).run()
    >>> (run.returncode, run.stdout.strip(), run.killed)
    (0, 'ok', False)
    """

    def __init__(
        self,
        command: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.command = list(command)
        self.env = dict(env or {})
        self.timeout = timeout

    def run(self, crashpoint: str | None = None, kill_after: float | None = None) -> CrashRun:
        """Run once; SIGKILL at ``crashpoint`` (``name:n``) or after ``kill_after`` seconds."""
        env = {**os.environ, **self.env}
        env.pop("ARROWTAP_CRASHPOINT", None)
        if crashpoint is not None:
            env["ARROWTAP_CRASHPOINT"] = crashpoint
        proc = subprocess.Popen(
            self.command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            try:
                out, err = proc.communicate(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                out, err = proc.communicate(timeout=self.timeout)
            return CrashRun(proc.returncode, out, err)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
