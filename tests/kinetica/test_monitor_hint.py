"""A table monitor that cannot reach the ZMQ publisher says what to pass: ``monitor_url=`` and
the address the server advertises (its ``conf.set_monitor_port``)."""

from __future__ import annotations

import re
import socket

import pytest

from arrowtap.connectors.kinetica.wire.client import KineticaClient
from arrowtap.connectors.kinetica.wire.monitor import MonitorConnection
from arrowtap.errors import TransportError
from arrowtap.testing.kinetica import FakeKinetica


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_no_zmq_connection_names_monitor_url_and_the_advertised_address() -> None:
    wrong = f"tcp://127.0.0.1:{_closed_port()}"
    with FakeKinetica() as fake, KineticaClient(fake.url) as client:
        fake.create_table("t", [("id", "long")])
        conn = MonitorConnection(client, "t", ["insert"], wrong, connect_timeout=0.3)
        said = re.escape(f"pass monitor_url='{fake.monitor_url}'")
        with pytest.raises(TransportError, match=f"no ZMQ connection to {wrong} .*{said}"):
            conn.open(lambda ids: None)
        assert fake.monitors == {}  # the monitors it made are cleared
