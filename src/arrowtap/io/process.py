"""Child processes that never outlive the Python process that started them."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys

__all__ = ["die_with_parent", "stop_process"]


def die_with_parent() -> None:
    """In a child (``preexec_fn``): get SIGTERM when the parent dies, even by SIGKILL.

    Linux only; elsewhere a no-op.

    Examples
    --------
    >>> import subprocess, sys
    >>> subprocess.run([sys.executable, "-c", "pass"], preexec_fn=die_with_parent).returncode
    0
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stop_process(proc: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = 10.0) -> int:
    """SIGTERM ``proc``, SIGKILL it if it is still running after ``grace`` seconds; its exit code.

    Examples
    --------
    >>> import subprocess, sys
    >>> proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    >>> stop_process(proc) != 0
    True
    """
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()
