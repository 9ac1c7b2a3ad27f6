"""One real HarperDB server on loopback, in its own directory, always stopped.

HarperDB is not faked: the npm package ``harperdb`` is installed once (``make
test`` does it in ``servers/harperdb``) and each :class:`HarperDBServer` runs
``harperdb install`` then ``harperdb run`` with its own ``HOME`` and
``ROOTPATH`` in a fresh temporary directory, in dev mode (plain HTTP
operations API, one thread, inspector off), on free loopback ports.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Self

import httpx

from arrowtap.io.process import die_with_parent, stop_process

__all__ = ["HARPERDB_VERSION", "HarperDBServer", "find_harperdb"]

HARPERDB_VERSION = "4.7.29"
_ENTRY = Path("node_modules", "harperdb", "bin", "harperdb.js")
_PORTS = ("ops", "http", "mqtt", "mqtts", "replication", "replication_secure")


def find_harperdb() -> Path:
    """The ``harperdb.js`` entry point of the installed npm package.

    ``ARROWTAP_HARPERDB`` (the file, or a directory holding ``node_modules``)
    wins; otherwise ``servers/harperdb`` of this source tree or of the
    current directory.

    Examples
    --------
    >>> find_harperdb().name
    'harperdb.js'
    """
    candidates = []
    if env := os.environ.get("ARROWTAP_HARPERDB"):
        path = Path(env)
        candidates.append(path if path.suffix == ".js" else path / _ENTRY)
    else:
        tree = Path(__file__).resolve().parents[4]
        for base in (tree, Path.cwd()):
            candidates.append(base / "servers" / "harperdb" / _ENTRY)
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"HarperDB {HARPERDB_VERSION} is not installed"
        f" (looked for {', '.join(map(str, candidates))}); run"
        " `npm install --prefix servers/harperdb --no-save` (make test does)"
        " or set ARROWTAP_HARPERDB"
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HarperDBServer:
    """A HarperDB server of its own, on loopback, for tests and notebooks.

    Parameters
    ----------
    node_name : str
        The replication host name of this node.
    username, password : str
        The super user created at install.
    harperdb_js : pathlib.Path, optional
        The entry point; :func:`find_harperdb` by default.
    startup_timeout : float
        Seconds to wait for the operations API to answer.

    Examples
    --------
    >>> with HarperDBServer() as server:  # doctest: +SKIP
    ...     server.operation({"operation": "cluster_status"})["node_name"]
    'node1'
    """

    def __init__(
        self,
        node_name: str = "node1",
        *,
        username: str = "admin",
        password: str = "arrowtap-test-password",
        harperdb_js: Path | None = None,
        startup_timeout: float = 90.0,
    ) -> None:
        self.node_name = node_name
        self.username = username
        self.password = password
        self.harperdb_js = harperdb_js or find_harperdb()
        self.startup_timeout = startup_timeout
        self.ports = {name: free_port() for name in _PORTS}
        self.url = f"http://127.0.0.1:{self.ports['ops']}"
        self.replication_url = f"ws://127.0.0.1:{self.ports['replication']}"
        self.directory = Path(tempfile.mkdtemp(prefix=f"arrowtap-harperdb-{node_name}-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self._installed = False

    def __repr__(self) -> str:
        return f"HarperDBServer({self.node_name!r}, url={self.url!r})"

    @property
    def log(self) -> Path:
        """The server's output (stdout and stderr)."""
        return self.directory / "run.log"

    def _env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("HDB_")}
        env.update(
            HOME=str(self.directory / "home"),
            ROOTPATH=str(self.directory / "root"),
            TC_AGREEMENT="yes",
            HDB_ADMIN_USERNAME=self.username,
            HDB_ADMIN_PASSWORD=self.password,
            DEFAULTS_MODE="dev",
            THREADS_COUNT="1",
            THREADS_DEBUG="false",
            LOGGING_STDSTREAMS="false",
            REPLICATION_HOSTNAME=self.node_name,
            REPLICATION_URL=self.replication_url,
            OPERATIONSAPI_NETWORK_PORT=str(self.ports["ops"]),
            HTTP_PORT=str(self.ports["http"]),
            MQTT_NETWORK_PORT=str(self.ports["mqtt"]),
            MQTT_NETWORK_SECUREPORT=str(self.ports["mqtts"]),
            REPLICATION_PORT=str(self.ports["replication"]),
            REPLICATION_SECUREPORT=str(self.ports["replication_secure"]),
        )
        return env

    def _node(self, *args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            ["node", str(self.harperdb_js), *args],
            cwd=self.directory,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
            **kwargs,
        )

    def start(self) -> Self:
        """Install (the first time) and run the server; return once it answers."""
        if self._proc is not None and self._proc.poll() is None:
            return self
        (self.directory / "home").mkdir(exist_ok=True)
        with self.log.open("ab") as out:
            if not self._installed:
                install = self._node("install", stdout=out, stderr=subprocess.STDOUT)
                if install.wait(self.startup_timeout) != 0:
                    raise RuntimeError(f"harperdb install failed; see {self.log}")
                self._installed = True
            self._proc = self._node("run", stdout=out, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"harperdb exited with {self._proc.returncode}; see {self.log}")
            try:
                self.operation({"operation": "registration_info"}, timeout=2.0)
                return
            except (httpx.TransportError, httpx.HTTPStatusError):
                time.sleep(0.2)
        self.stop()
        raise TimeoutError(
            f"harperdb did not answer within {self.startup_timeout} s; see {self.log}"
        )

    def operation(self, body: dict[str, Any], timeout: float = 30.0) -> Any:
        """POST one operation with the super user's credentials; the decoded JSON answer."""
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        response = httpx.post(
            self.url,
            content=json.dumps(body),
            headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"},
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        """Stop the server process (its data stays until :meth:`close`)."""
        if self._proc is not None:
            stop_process(self._proc)
            self._proc = None

    def restart(self) -> None:
        """Stop and start again, with the same data and configuration."""
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def close(self) -> None:
        """Stop the server and delete its directory."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc: object) -> None:
        self.close()
