"""Every public function and constructor, given hostile values one parameter at a time.

The only outcomes allowed are a result, an :class:`~arrowtap.errors.ArrowtapError`
(including its ``TypeError`` and ``ValueError`` subclasses) or the ``TypeError``
Python raises itself when a call names an argument that does not exist. Anything
else (an ``AttributeError``, an ``OverflowError``, an httpx or OS error, a bare
``TypeError``) fails, and so does a call that does not return within
:data:`BOUND` seconds. The other arguments are valid ones (:mod:`hostile_cases`),
pointing at fakes started once for this module.
"""

from __future__ import annotations

import inspect
import math
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import hypothesis.strategies as st
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings

import arrowtap
import arrowtap.dask
import arrowtap.harperdb
from arrowtap.checkpoint import Checkpoint
from arrowtap.errors import (
    ArrowtapError,
    ArrowtapWarning,
    CheckpointError,
    InvalidArgumentError,
    InvalidTypeError,
    TransportError,
)
from arrowtap.io.reading import Increment
from arrowtap.testing.pvarchiver.admin_state import THIS_SERVER_ID

from .hostile_cases import CASES, CONSTRUCTORS, END, START, World, started_world

BOUND = 30.0
"""Seconds a call may take: the fakes answer in milliseconds, so more is a hang."""


class Opaque:
    """An object of no type any argument takes."""

    def __repr__(self) -> str:
        return "Opaque()"


FIXED: tuple[Any, ...] = (
    None, "", " ", "x" * 70_000, "a\x00b", "naïve—€😀", "http://[::1", "http://h\x00st:1",
    "ftp://host/x", "10", "-1", "nan", 0, -1, 1, 2**63, -(2**63), 10**100, True, False,
    0.5, -0.0, math.nan, math.inf, -math.inf, b"\x00bytes", bytearray(b"b"), [], [None],
    ["x" * 70_000], [1, 2], ("a", 3), {}, {"c": 5}, {"insert": None}, set(), Opaque(),
    Opaque, len,
)  # fmt: skip
"""Wrong types, edge numbers, huge and broken strings, malformed URLs."""

GENERATED = st.one_of(
    # Small or huge: a valid middle value (a page size of 7000) only makes a call slow.
    st.integers(-3, 3) | st.integers(min_value=2**31) | st.integers(max_value=-(2**31)),
    st.floats(-2.0, 2.0) | st.floats(min_value=1e7) | st.floats(max_value=-1e7),
    st.text(max_size=12),
    st.binary(max_size=8),
    st.lists(st.none() | st.integers(-2, 2) | st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=4), st.none() | st.integers(-2, 2) | st.text(max_size=4),
                    max_size=2),
)  # fmt: skip
HOSTILE = st.sampled_from(FIXED) | GENERATED
"""Half the draws from :data:`FIXED`, half generated."""


def endless(parameter: str, value: Any) -> bool:
    """A valid value that means "run until stopped": not a hang to report."""
    return parameter == "follow" and value is True


def public_callables() -> dict[str, Callable[..., Any]]:
    """Every public function of the facades, and the public classes built from arguments."""
    found: dict[str, Callable[..., Any]] = {}
    for module in (arrowtap, arrowtap.dask, arrowtap.harperdb):
        for name in module.__all__:
            value = getattr(module, name)
            dotted = f"{module.__name__}.{name}"
            if inspect.isfunction(value) or dotted in CONSTRUCTORS:
                found[dotted] = value
    return found


def settle(result: Any) -> None:
    """Consume what a call returned, so that errors deferred to reading show too."""
    if isinstance(result, Increment):
        result = result.data
    if isinstance(result, pa.RecordBatchReader):
        result.read_all()
    elif isinstance(result, Checkpoint):
        result.close()
    elif hasattr(result, "dask") and hasattr(result, "compute"):
        result.compute(scheduler="sync")
    elif isinstance(result, arrowtap.MonitorStream):
        result.close()
    elif isinstance(result, arrowtap.KineticaTableMonitor):
        with result:
            pass


def bounded(function: Callable[..., Any], kwargs: dict[str, Any]) -> BaseException | None:
    """Call and settle in a thread; what it raised, ``None``, or a failure after :data:`BOUND`."""
    box: list[BaseException] = []

    def run() -> None:
        try:
            settle(function(**kwargs))
        except BaseException as exc:
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(BOUND)
    if thread.is_alive():
        pytest.fail(f"no answer within {BOUND} s: {shown(kwargs)}")
    return box[0] if box else None


def shown(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r:.60}" for k, v in kwargs.items())


def acceptable(exc: BaseException | None) -> bool:
    """A result, a typed arrowtap error or warning, or Python refusing the call's own signature."""
    if exc is None or isinstance(exc, ArrowtapError | ArrowtapWarning):
        return True
    binding = ("unexpected keyword argument", "missing", "positional argument")
    tb = exc.__traceback__
    frames = 0
    while tb is not None:
        frames, tb = frames + 1, tb.tb_next
    return type(exc) is TypeError and frames <= 2 and any(b in str(exc) for b in binding)


def attack(world: World, name: str, parameter: str, value: Any) -> BaseException | None:
    """The call of ``name`` with valid arguments but ``parameter=value``; what it raised."""
    kwargs = CASES[name](world) | {parameter: value}
    return bounded(public_callables()[name], kwargs)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # Relative paths (a "to" of "10") land in a directory of this module's own.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("cwd"))
        yield from started_world()


def test_every_public_callable_has_a_case() -> None:
    assert sorted(public_callables()) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_valid_case_succeeds(world: World, name: str) -> None:
    # The cases are valid, so that a hostile value is the one thing wrong with a call.
    error = bounded(public_callables()[name], CASES[name](world))
    if name == "arrowtap.HarperDBCheckpoint":  # a store needs a server: it points at a closed port
        assert isinstance(error, TransportError), repr(error)
    else:
        assert error is None, repr(error)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_values_raise_typed_errors(world: World, name: str) -> None:
    parameters = list(CASES[name](world))

    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(data=st.data())
    def drive(data: st.DataObject) -> None:
        for parameter in parameters:
            value = data.draw(HOSTILE.filter(lambda v, p=parameter: not endless(p, v)), parameter)
            error = attack(world, name, parameter, value)
            assert acceptable(error), f"{name}({parameter}={value!r:.80}): {error!r:.300}"

    drive()


# -- the cases the fuzzer found, one by one: a typed error, before any request --------------


class Recorder:
    """An httpx client that records what it would send, and answers nothing useful."""

    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self._answer))

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return httpx.Response(500)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recording = Recorder()
    yield recording
    recording.client.close()


MALFORMED = ["http://[::1", "http://ho\x00st:9812", "http://host:9812/" + "x" * 70_000]
URL_TAKERS: dict[str, Callable[[str, httpx.Client], Any]] = {
    "find_archive_channels": lambda url, c: arrowtap.find_archive_channels(url, "*", client=c),
    "read_archive_samples": lambda url, c: arrowtap.read_archive_samples(url, "*", 0, client=c),
    "read_archive_channels": lambda url, c: arrowtap.read_archive_channels(url, client=c),
    "read_kinetica": lambda url, c: arrowtap.read_kinetica(url, "t", client=c),
    "read_harperdb": lambda url, c: arrowtap.read_harperdb(url, "db", "t", client=c),
    "read_harperdb_routes": lambda url, c: arrowtap.read_harperdb_routes(url, client=c),
    "add_node": lambda url, c: arrowtap.harperdb.add_node(url, "ws://n2:9933", client=c),
    "read_finspace_clusters": lambda url, c: arrowtap.read_finspace_clusters(
        "env", endpoint_url=url, region="us-east-1", client=c
    ),
    "read_fleet": lambda url, c: arrowtap.read_fleet(kinetica=url, client=c),
}


@pytest.mark.parametrize("url", MALFORMED, ids=["bracket", "nul", "70000"])
@pytest.mark.parametrize("function", sorted(URL_TAKERS))
def test_malformed_url_is_refused_before_any_request(
    function: str, url: str, recorder: Recorder
) -> None:
    with pytest.raises(InvalidArgumentError, match=r"url|kinetica") as caught:
        URL_TAKERS[function](url, recorder.client)
    assert recorder.sent == []
    assert len(str(caught.value)) < 500  # the 70,000 characters are cut


def test_malformed_checkpoint_url_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="checkpoint"):
        arrowtap.read_archive_samples("http://a:9812", ["x"], 0, checkpoint="harperdb+http://[::1")


@pytest.mark.parametrize(
    "call",
    [
        lambda c: arrowtap.find_archive_channels("http://a:9812", "x" * 70_000, client=c),
        lambda c: arrowtap.find_archive_channels("http://a:9812", regexp="x" * 70_000, client=c),
        lambda c: arrowtap.read_archive_samples("http://a:9812", "x" * 70_000, 0, client=c),
        lambda c: arrowtap.read_archive_channel("http://a:4812", "x" * 70_000, client=c),
        lambda c: arrowtap.read_kinetica("http://k:9191", "x" * 70_000, client=c),
        lambda c: arrowtap.read_harperdb("http://h:9925", "db", "x" * 70_000, client=c),
    ],
    ids=["glob", "regexp", "channels", "channel", "table", "harperdb-table"],
)
def test_very_long_names_and_patterns_are_refused(
    call: Callable[[httpx.Client], Any], recorder: Recorder
) -> None:
    with pytest.raises(InvalidArgumentError, match="at most"):
        call(recorder.client)
    assert recorder.sent == []


@pytest.mark.parametrize(
    "call",
    [
        lambda out: arrowtap.read_archive_samples(
            "http://a:9812", "*", 0, max_concurrency=math.nan
        ),
        lambda out: arrowtap.sync_archive_samples(
            "http://a:9812", "*", 0, to=out, max_concurrency=math.nan
        ),
        lambda out: arrowtap.read_fleet(pvarchiver="http://a:4812", max_concurrency=math.nan),
        lambda out: arrowtap.RetryPolicy(attempts=math.nan),
    ],
    ids=["read_archive_samples", "sync_archive_samples", "read_fleet", "RetryPolicy"],
)
def test_nan_counts_are_refused(call: Callable[[str], Any], tmp_path: Path) -> None:
    # Before: no rows without a word, a hang, or retries without end.
    with pytest.raises(InvalidTypeError, match=r"(max_concurrency|attempts) must be .*nan"):
        call(str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda w: arrowtap.sync_kinetica_monitor(
            w.kinetica.url, "t", to=w.fresh(), increasing_column="id", page_size=0,
            monitor_url=w.kinetica.monitor_url), InvalidArgumentError, "page_size"),
        (lambda w: arrowtap.read_kinetica(w.kinetica.url, "t", page_size=2**63),
         InvalidArgumentError, "page_size .* not 9223372036854775808"),
        (lambda w: arrowtap.read_kinetica(w.kinetica.url, "t", page_size="10"),
         InvalidTypeError, "page_size must be a positive int, not str '10'"),
        (lambda w: arrowtap.write_harperdb({"id": [1]}, w.closed, "db", "t", batch_size=2**63),
         InvalidArgumentError, "batch_size"),
        (lambda w: arrowtap.write_archive_channels(
            w.archive.admin_url, [{"channel": "c"}], server_id=THIS_SERVER_ID,
            username="admin", password="p", batch_size=2**63), InvalidArgumentError, "batch_size"),
        (lambda w: arrowtap.read_kinetica(w.kinetica.url, "t", where=3),
         InvalidTypeError, "where must be a filter expression"),
        (lambda w: arrowtap.read_kinetica(w.kinetica.url, "t", retry=5),
         InvalidTypeError, "retry must be a RetryPolicy or None, not int 5"),
        (lambda w: arrowtap.read_kinetica(w.kinetica.url, "t", client="x"),
         InvalidTypeError, "client must be an httpx.Client or None, not str 'x'"),
        (lambda w: arrowtap.HarperDBCheckpoint(w.closed, timeout=math.inf),
         InvalidArgumentError, "timeout must be finite seconds > 0"),
        (lambda w: arrowtap.write_harperdb({"a": 1}, w.closed, "db", "t"),
         InvalidArgumentError, "data is not a table"),
        (lambda w: arrowtap.read_fleet(pvarchiver={"c": 5}),
         InvalidTypeError, "pvarchiver must be a URL, .* got {'c': 5}"),
    ],
    ids=["monitor-page-0", "page-2**63", "page-str", "harperdb-batch", "archive-batch", "where",
         "retry", "client", "timeout-inf", "data-dict", "fleet-targets"],
)  # fmt: skip
def test_bad_options_raise_typed_errors_naming_them(
    world: World, call: Callable[[World], Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        call(world)


def test_a_token_that_cannot_be_a_header_is_refused_unshown(world: World) -> None:
    with pytest.raises(InvalidArgumentError, match="token must be visible ASCII") as caught:
        arrowtap.read_kinetica(world.kinetica.url, "t", token="jéton-s3cret")
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("where", ["", "missing/config.xml", "file/config.xml", "x" * 300])
def test_export_path_is_checked_before_the_export(
    where: str, tmp_path: Path, recorder: Recorder
) -> None:
    (tmp_path / "file").write_text("not a directory")
    path = "" if not where else str(tmp_path / where)
    with pytest.raises(InvalidArgumentError, match="path"):
        arrowtap.export_archive_config(
            "http://a:4812", THIS_SERVER_ID, path, client=recorder.client
        )
    assert recorder.sent == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_export_into_a_read_only_directory_is_refused(tmp_path: Path, recorder: Recorder) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(InvalidArgumentError, match="cannot write"):
            arrowtap.export_archive_config(
                "http://a:4812", THIS_SERVER_ID, tmp_path / "c.xml", client=recorder.client
            )
    finally:
        tmp_path.chmod(0o700)
    assert recorder.sent == []


def test_a_truncated_checkpoint_file_is_an_error_not_a_new_checkpoint(
    world: World, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run = dict(url=world.archive.url, channels=["root:ai1"], start=START, end=END, unit="ns")
    run["to"] = out
    assert arrowtap.sync_archive_samples(**run).rows > 0
    written = sorted(out.rglob("*.parquet"))
    (tmp_path / "out.checkpoint.sqlite").write_bytes(b"")  # truncated: every offset gone
    with pytest.raises(CheckpointError, match="empty file, not a checkpoint"):
        arrowtap.sync_archive_samples(**run)
    assert sorted(out.rglob("*.parquet")) == written  # nothing read again from --start
