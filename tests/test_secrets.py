"""No secret anywhere: not in a log record, an error, a chain, a repr, the CLI's output or a file.

Each test runs a connector's success and failure paths (connection refused, refused
credentials, bad URL) with secrets in every place a user puts them (a URL's userinfo,
``password=``, ``token=``, AWS credentials), while a :class:`Witness` keeps every log
record of every logger (a root handler at DEBUG: httpx, httpcore and botocore included),
everything an error says along its chain, the reprs of what was returned, and the bytes
of every file written; then no form of any secret may appear in any of it.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import pickle
import socket
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner

import arrowtap
from arrowtap.cli import main
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb.wire.client import HarperDBClient
from arrowtap.connectors.kinetica.wire.client import KineticaClient
from arrowtap.connectors.pvarchiver.wire.archive import open_session
from arrowtap.errors import (
    ArrowtapError,
    AuthenticationError,
    InvalidArgumentError,
    NotFoundError,
    TransportError,
)
from arrowtap.testing.finspace import EXPIRED_CREDENTIALS, SESSION_CREDENTIALS, FakeFinSpace
from arrowtap.testing.harperdb import HarperDBServer
from arrowtap.testing.kinetica import FakeKinetica
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.admin_state import THIS_SERVER_ID

ONCE = RetryPolicy(attempts=1)
URL_PW = "Url-Pa55w0rd:x"  # percent-encoded in URLs (the ":" must be)
ADMIN_PW = "Adm1n-Pa55w0rd"
KIN_PW, KIN_TOKEN = "K1n-Pa55w0rd", "K1n-T0ken-0123456789"
WRONG_PW = "Wr0ng-Pa55w0rd"
EVERYTHING = (0, 2**62)  # start, end: every sample of the fake archive


def userinfo(url: str, user: str, password: str) -> str:
    return url.replace("://", f"://{user}:{quote(password, safe='')}@", 1)


def closed_url() -> str:
    with socket.socket() as sock:  # a port just free: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def forms(secret: str, user: str | None = None) -> set[str]:
    """The texts that would give ``secret`` away: itself, percent-encoded, in a Basic header."""
    found = {secret, quote(secret, safe="")}
    if user is not None:
        found.add(base64.b64encode(f"{user}:{secret}".encode()).decode())
    return found


def said(exc: BaseException) -> Iterator[str]:
    """All an error says: str, repr, args, notes, attributes, along its whole chain."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield from (str(e), repr(e), repr(e.args), *getattr(e, "__notes__", []))
        yield from (f"{k}={v!r} {v}" for k, v in getattr(e, "__dict__", {}).items())
        todo += [e.__cause__, e.__context__]
    yield "".join(traceback.format_exception(exc))


class Witness(logging.Handler):
    """Everything that left arrowtap during a test, for :meth:`check`."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.blobs: list[bytes] = []
        self.loggers: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.loggers.add(record.name.split(".")[0])
        self.texts += [record.getMessage(), repr(record.args), repr(record.__dict__)]
        if record.exc_info and record.exc_info[1] is not None:
            self.texts += said(record.exc_info[1])

    def ok(self, call: Callable[[], Any]) -> Any:
        value = call()
        self.texts += [repr(value), value.to_string() if isinstance(value, pd.DataFrame) else ""]
        return value

    def error(self, call: Callable[[], Any], kind: type[BaseException] = ArrowtapError) -> Any:
        with pytest.raises(kind) as info:
            call()
        self.texts += said(info.value)
        return info.value

    def files(self, root: Path) -> None:
        paths = [p for p in root.rglob("*") if p.is_file()]
        assert paths, f"nothing written under {root}: the file check would prove nothing"
        self.blobs += [p.read_bytes() for p in paths]
        self.texts += [str(p) for p in paths]

    def check(self, secrets: Iterable[str], *, http: bool = True) -> None:
        # httpx logs every request line, whichever transport sent it (httpcore logs
        # only for a caller's own client: the shared ones send through http.client).
        missing = {"httpx"} - self.loggers if http else set()
        assert not missing, f"no log record from {missing}: the log check would prove nothing"
        for secret in secrets:
            assert not any(secret in text for text in self.texts), secret
            assert not any(secret.encode() in blob for blob in self.blobs), secret


@pytest.fixture
def witness() -> Iterator[Witness]:
    seen = Witness()
    loggers = [logging.getLogger(n) for n in ("", "httpx", "httpcore", "botocore", "arrowtap")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(seen)
    try:
        yield seen
    finally:
        logging.getLogger().removeHandler(seen)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


# -- the one place: no userinfo reaches httpx, the credentials travel as a header -----------


H = userinfo("http://h:9", "ann", URL_PW)  # never contacted: a MockTransport answers


def _kinetica(**credentials: str) -> tuple[Callable[[httpx.Client], Any], Callable[[Any], Any]]:
    return (
        lambda c: KineticaClient(H, client=c, retry=ONCE, **credentials),
        lambda wire: wire.call("/show/table", {"table_name": "t"}),
    )


HEADERS: dict[str, tuple[tuple[Callable[[httpx.Client], Any], Callable[[Any], Any]], str]] = {
    "archive": ((lambda c: open_session(H, c, ONCE), lambda w: w.get_json("/x")), "ann:" + URL_PW),
    "kinetica": (_kinetica(), "ann:" + URL_PW),
    "kinetica-password-wins": (_kinetica(username="bob", password=KIN_PW), "bob:" + KIN_PW),
    "kinetica-token-wins": (_kinetica(token=KIN_TOKEN), KIN_TOKEN),
    "harperdb": (
        (lambda c: HarperDBClient(H, client=c, retry=ONCE), lambda w: w.operation("describe_all")),
        "ann:" + URL_PW,
    ),
}


@pytest.mark.parametrize("case", HEADERS)
def test_userinfo_never_reaches_httpx_and_travels_as_a_header(case: str) -> None:
    (make, call), credentials = HEADERS[case]
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=[])

    client = httpx.Client(transport=httpx.MockTransport(answer))
    with client, contextlib.suppress(ArrowtapError):  # the canned answer may mean nothing
        call(make(client))
    assert [(r.url.userinfo, r.url.host) for r in requests] == [(b"", "h")]
    basic = "Basic " + base64.b64encode(credentials.encode()).decode()
    expected = f"Bearer {KIN_TOKEN}" if credentials == KIN_TOKEN else basic
    assert requests[0].headers["Authorization"] == expected


# -- every connector, success and failure -----------------------------------------------------


def test_archive_samples(fake_archiver: FakeArchiver, witness: Witness, tmp_path: Path) -> None:
    url = userinfo(fake_archiver.url, "ann", URL_PW)
    assert witness.ok(lambda: arrowtap.find_archive_channels(url, "root:*"))
    witness.ok(lambda: arrowtap.read_archive_samples(url, "root:*", *EVERYTHING, unit="ns"))
    ckpt = tmp_path / "offsets.sqlite"
    sync = witness.ok(
        lambda: arrowtap.sync_archive_samples(
            url, "root:*", *EVERYTHING, to=tmp_path / "ds", unit="ns"
        )
    )
    assert sync.rows > 0
    increment = witness.ok(
        lambda: arrowtap.scan_archive_samples(
            url, "root:*", *EVERYTHING, checkpoint=ckpt, unit="ns"
        )
    )
    witness.texts.append(repr(increment.data.read_all().num_rows))
    increment.commit()
    witness.error(
        lambda: arrowtap.read_archive_samples(url, ["no:such"], *EVERYTHING, unit="ns"),
        NotFoundError,
    )
    dead = userinfo(closed_url(), "ann", URL_PW)
    witness.error(lambda: arrowtap.find_archive_channels(dead, "*", retry=ONCE), TransportError)
    witness.files(tmp_path)
    witness.check(forms(URL_PW, "ann"))


def test_archive_admin(witness: Witness) -> None:
    with FakeArchiver(admin=True, admin_users={"admin": ADMIN_PW}) as fake:
        url = fake.admin_url
        witness.ok(lambda: arrowtap.read_archive_channels(url))
        witness.ok(lambda: arrowtap.read_archive_cluster_status(url))
        write = arrowtap.write_archive_channels
        rows = [{"channel": "secret:test"}]
        creds = {"server_id": THIS_SERVER_ID, "username": "admin"}
        witness.ok(lambda: write(url, rows, **creds, password=ADMIN_PW))
        other = [{"channel": "secret:other"}]  # a change: a POST, refused
        witness.error(lambda: write(url, other, **creds, password=WRONG_PW), AuthenticationError)
        witness.error(
            lambda: arrowtap.read_archive_channels(userinfo(url, "admin", ADMIN_PW)),
            InvalidArgumentError,
        )
        dead = closed_url()
        witness.error(lambda: write(dead, rows, **creds, password=ADMIN_PW, retry=ONCE))
    witness.check(forms(ADMIN_PW, "admin") | forms(WRONG_PW, "admin"))


def test_kinetica(witness: Witness, tmp_path: Path) -> None:
    table = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"]})
    with FakeKinetica(username="ann", password=KIN_PW) as fake:
        url = userinfo(fake.url, "ann", KIN_PW)
        witness.ok(lambda: arrowtap.write_kinetica(table, url, "t", primary_key=["id"]))
        assert len(witness.ok(lambda: arrowtap.read_kinetica(url, "t"))) == 3
        wrong, mine = userinfo(fake.url, "ann", WRONG_PW), {"username": "ann", "password": KIN_PW}
        witness.ok(lambda: arrowtap.read_kinetica(wrong, "t", **mine))  # the arguments win
        witness.ok(lambda: arrowtap.read_kinetica_sql(url, "SELECT * FROM t"))
        to = tmp_path / "ds"
        witness.ok(lambda: arrowtap.sync_kinetica(url, "t", to=to, increasing_column="id"))
        witness.ok(lambda: arrowtap.read_fleet(kinetica=[url, wrong]))  # an error row for wrong
        witness.error(lambda: arrowtap.read_kinetica(wrong, "t"), AuthenticationError)
        witness.error(lambda: arrowtap.write_kinetica(table, wrong, "t"), AuthenticationError)
        witness.error(lambda: arrowtap.read_kinetica(url, "t", password=WRONG_PW, username="ann"))
    with FakeKinetica(token=KIN_TOKEN) as fake:
        fake.create_table("t", [("id", "long", "primary_key")])
        witness.ok(lambda: arrowtap.read_kinetica(fake.url, "t", token=KIN_TOKEN))
        witness.error(lambda: arrowtap.read_kinetica(fake.url, "t", token=KIN_TOKEN + "x"))
    dead = userinfo(closed_url(), "ann", KIN_PW)
    witness.error(lambda: arrowtap.read_kinetica(dead, "t", retry=ONCE), TransportError)
    witness.files(tmp_path)
    witness.check(set().union(forms(KIN_PW, "ann"), forms(WRONG_PW, "ann"), forms(KIN_TOKEN)))


def test_finspace(witness: Witness, tmp_path: Path) -> None:
    wrong = SESSION_CREDENTIALS | {"aws_secret_access_key": WRONG_PW * 3}
    with FakeFinSpace(clusters=3) as fake:
        options = fake.options | {"credentials": SESSION_CREDENTIALS, "retry": ONCE}
        env, read = fake.environment_id, arrowtap.read_finspace_clusters
        witness.ok(lambda: read(env, **options))
        witness.ok(lambda: arrowtap.sync_finspace_clusters(env, to=tmp_path / "ds", **options))
        for credentials in (wrong, EXPIRED_CREDENTIALS):
            refused = options | {"credentials": credentials}
            witness.error(lambda o=refused: read(env, **o), AuthenticationError)
        for endpoint in (closed_url(), userinfo(fake.url, "ann", URL_PW)):
            witness.error(lambda o=options | {"endpoint_url": endpoint}: read(env, **o))
    witness.files(tmp_path)
    keys = ("aws_secret_access_key", "aws_session_token")
    secrets = {c[k] for c in (SESSION_CREDENTIALS, EXPIRED_CREDENTIALS, wrong) for k in keys}
    witness.check(set().union(*map(forms, secrets)) | forms(URL_PW, "ann"))


def test_harperdb_and_its_checkpoint(
    harperdb_server: HarperDBServer, witness: Witness, tmp_path: Path
) -> None:
    server, db = harperdb_server, f"secrets_{uuid.uuid4().hex[:8]}"
    url = userinfo(server.url, server.username, server.password)
    offsets = f"harperdb+{url}/{db}_offsets"
    rows = pd.DataFrame({"id": [1, 2], "v": ["x", "y"]})
    witness.ok(lambda: arrowtap.write_harperdb(rows, url, db, "t"))
    assert len(witness.ok(lambda: arrowtap.read_harperdb(url, db, "t"))) == 2
    witness.ok(lambda: arrowtap.read_harperdb_cluster_status(url))
    witness.ok(lambda: arrowtap.sync_harperdb(url, db, "t", to=tmp_path, checkpoint=offsets))
    with witness.ok(lambda: arrowtap.open_checkpoint(offsets, "job")) as store:
        store.write_json({"k": 1})
    wrong = userinfo(server.url, server.username, WRONG_PW)
    witness.error(lambda: arrowtap.read_harperdb(wrong, db, "t"), AuthenticationError)
    witness.error(lambda: arrowtap.write_harperdb(rows, wrong, db, "t"), AuthenticationError)
    witness.error(lambda: arrowtap.open_checkpoint(f"harperdb+{wrong}", "j"), AuthenticationError)
    dead = userinfo(closed_url(), "admin", server.password)
    witness.error(lambda: arrowtap.read_harperdb_nodes(dead, retry=ONCE), TransportError)
    dead_offsets = f"harperdb+{dead}"
    witness.error(lambda: arrowtap.open_checkpoint(dead_offsets, "j", retry=ONCE), TransportError)
    witness.files(tmp_path)
    witness.check(forms(server.password, "admin") | forms(WRONG_PW, "admin"))


def test_cli_sync_with_a_harperdb_checkpoint(
    fake_archiver: FakeArchiver, harperdb_server: HarperDBServer, witness: Witness, tmp_path: Path
) -> None:
    server, db = harperdb_server, f"cli_{uuid.uuid4().hex[:8]}"
    checkpoint = userinfo(server.url.replace("http", "harperdb+http", 1), "admin", server.password)
    source = userinfo(fake_archiver.url, "ann", URL_PW)

    def sync(url: str, ckpt: str) -> Any:
        args = ["sync", "archive", url, "--channels", "root:*", "--start", "1970-01-01T00:00Z"]
        result = CliRunner().invoke(main, [*args, "--to", str(tmp_path), "--checkpoint", ckpt])
        witness.texts += [result.output, result.stdout, result.stderr]
        witness.texts += said(result.exception) if result.exception is not None else []
        return result

    first, again = sync(source, f"{checkpoint}/{db}"), sync(source, f"{checkpoint}/{db}")
    assert (first.exit_code, again.exit_code) == (0, 0), first.output + again.output
    assert "rows=0 pages=0" in again.output  # the HarperDB checkpoint kept the offsets
    wrong = userinfo(server.url.replace("http", "harperdb+http", 1), "admin", WRONG_PW)
    failed = [
        sync(source, f"{wrong}/{db}"),
        sync(userinfo(closed_url(), "ann", URL_PW), checkpoint),
    ]
    assert [(r.exit_code, r.output.split(":")[1].strip()) for r in failed] == [
        (1, "AuthenticationError"),
        (1, "TransportError"),
    ]
    witness.files(tmp_path)
    witness.check(forms(server.password, "admin") | forms(WRONG_PW, "admin") | forms(URL_PW, "ann"))


# -- bad URLs: refused, naming the URL without its credentials -------------------------------

BAD_URLS = [f"ann:{URL_PW}@127.0.0.1:9", f"http://ann:{URL_PW}/x@h", f"http://ann:{URL_PW}@[::1"]
CALLS: dict[str, Callable[[str], Any]] = {
    "archive": lambda u: arrowtap.read_archive_samples(u, "*", 0),
    "archive-admin": lambda u: arrowtap.read_archive_channels(u),
    "kinetica": lambda u: arrowtap.read_kinetica(u, "t"),
    "harperdb": lambda u: arrowtap.read_harperdb(u, "db", "t"),
    # "harperdb+ann:pw@host" must not become the name of an SQLite file.
    "checkpoint": lambda u: arrowtap.open_checkpoint(f"harperdb+{u}", "job"),
    "finspace": lambda u: arrowtap.read_finspace_clusters(
        "env", region="us-east-1", endpoint_url=u, credentials=SESSION_CREDENTIALS
    ),
}


@pytest.mark.parametrize("system", CALLS)
def test_bad_urls_are_refused_without_the_password(system: str, witness: Witness) -> None:
    for bad in BAD_URLS:
        witness.error(lambda u=bad: CALLS[system](u), InvalidArgumentError)
    witness.check(forms(URL_PW, "ann"), http=False)


# -- reprs and pickles of what holds credentials ----------------------------------------------

PLANS: dict[str, Callable[[Callable[..., Any], str], Any]] = {
    "archive_samples": lambda plan, url: plan(url, "root:*", 0),
    "kinetica": lambda plan, url: plan(url, "t"),
    "kinetica_sql": lambda plan, url: plan(url, "SELECT * FROM t"),
    "kinetica_monitor": lambda plan, url: plan(url, "t", increasing_column="id"),
    "harperdb_cluster_status": lambda plan, url: plan(url),
}


@pytest.mark.parametrize("name", PLANS)
def test_plans_and_sources_hold_no_secret_in_reprs(name: str, fake_archiver: FakeArchiver) -> None:
    info = next(i for i in arrowtap.sources() if i.name == name)
    with FakeKinetica() as kinetica:
        kinetica.create_table("t", [("id", "long", "primary_key")])
        # The cluster status is planned without a request: any node will do.
        url = {"archive_samples": fake_archiver.url, "harperdb_cluster_status": "http://h:9925"}
        where = userinfo(url.get(name, kinetica.url), "ann", URL_PW)
        planned = PLANS[name](info.entry_point("plan"), where)
        travelled = pickle.loads(pickle.dumps(planned.source)) if info.dask_read else None
        shown = f"{planned!r} {travelled!r} {info!r}"
        planned.source.close()
    assert "127.0.0.1" in shown or "h:9925" in shown, shown
    assert not any(form in shown for form in forms(URL_PW, "ann")), shown


def test_clients_and_sessions_hold_no_secret_in_reprs() -> None:
    url = userinfo("http://127.0.0.1:9", "ann", URL_PW)
    with (
        open_session(url) as session,
        KineticaClient(url, password=KIN_PW, token=KIN_TOKEN) as kinetica,
        HarperDBClient(url, password=WRONG_PW) as harperdb,
    ):
        shown = f"{session!r} {kinetica!r} {harperdb!r}"
    assert shown.count("127.0.0.1:9") == 3
    secrets = forms(URL_PW, "ann") | forms(KIN_PW) | forms(KIN_TOKEN) | forms(WRONG_PW)
    assert not any(secret in shown for secret in secrets)
