"""The pytest plugin arrowtap ships (entry point ``pytest11``): fixtures for offline tests.

Fixtures
--------
crash_injector
    A factory of :class:`arrowtap.testing.crash.CrashInjector`: run a command
    and SIGKILL it at a named crash point or at a random moment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pytest

from arrowtap.testing.crash import CrashInjector


@pytest.fixture
def crash_injector() -> Callable[..., CrashInjector]:
    """Make crash injectors: ``crash_injector(command, env=None, timeout=120)``."""

    def make(
        command: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 120.0
    ) -> CrashInjector:
        return CrashInjector(command, env, timeout)

    return make
