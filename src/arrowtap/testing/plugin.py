"""The pytest plugin arrowtap ships (entry point ``pytest11``): fixtures for offline tests.

Fixtures
--------
crash_injector
    A factory of :class:`arrowtap.testing.crash.CrashInjector`: run a command
    and SIGKILL it at a named crash point or at a random moment.
fake_archiver
    A started :class:`arrowtap.testing.pvarchiver.FakeArchiver` with the
    default channels, stopped after the test (even when it fails).
fake_finspace
    A started :class:`arrowtap.testing.finspace.FakeFinSpace` (25 clusters,
    3 environments), stopped after the test; pass ``**fake_finspace.options``
    to the ``read_finspace_*`` functions. Needs botocore (``arrowtap[aws]``).
fake_kinetica
    A started :class:`arrowtap.testing.kinetica.FakeKinetica` (REST on one
    free loopback port, table monitors on ZMQ on another), stopped after the
    test. Needs fastavro and pyzmq (``arrowtap[kinetica]``).
harperdb_server
    A real :class:`arrowtap.testing.harperdb.HarperDBServer` on loopback,
    started once per test session (about 10 s) and stopped at its end; tests
    keep apart by using databases of their own. Needs the npm package
    (``npm install --prefix servers/harperdb --no-save``; see :func:`find_harperdb`).
harperdb_cluster
    A :class:`arrowtap.testing.harperdb.HarperDBCluster` of two replicating
    nodes, once per test session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import pytest

from arrowtap.testing.crash import CrashInjector
from arrowtap.testing.harperdb import HarperDBCluster, HarperDBServer
from arrowtap.testing.pvarchiver import FakeArchiver

if TYPE_CHECKING:
    from arrowtap.testing.finspace import FakeFinSpace
    from arrowtap.testing.kinetica import FakeKinetica


@pytest.fixture
def crash_injector() -> Callable[..., CrashInjector]:
    """Make crash injectors: ``crash_injector(command, env=None, timeout=120)``."""

    def make(
        command: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 120.0
    ) -> CrashInjector:
        return CrashInjector(command, env, timeout)

    return make


@pytest.fixture
def fake_archiver() -> Iterator[FakeArchiver]:
    """Serve the default fake archive on a free loopback port for one test."""
    with FakeArchiver() as fake:
        yield fake


@pytest.fixture
def fake_finspace() -> Iterator[FakeFinSpace]:
    """Serve a fake AWS FinSpace on a free loopback port for one test."""
    # Imported here: the fake verifies signatures with botocore, an optional extra.
    from arrowtap.testing.finspace import FakeFinSpace

    with FakeFinSpace() as fake:
        yield fake


@pytest.fixture
def fake_kinetica() -> Iterator[FakeKinetica]:
    """Serve a fake Kinetica (REST and ZMQ table monitors) on free loopback ports for one test."""
    # Imported here: the fake needs fastavro and pyzmq, an optional extra.
    from arrowtap.testing.kinetica import FakeKinetica

    with FakeKinetica() as fake:
        yield fake


@pytest.fixture(scope="session")
def harperdb_server() -> Iterator[HarperDBServer]:
    """One real HarperDB server for the test session, always stopped."""
    with HarperDBServer("solo") as server:
        yield server


@pytest.fixture(scope="session")
def harperdb_cluster() -> Iterator[HarperDBCluster]:
    """Two real HarperDB nodes replicating to each other, for the test session."""
    with HarperDBCluster(2) as cluster:
        yield cluster
