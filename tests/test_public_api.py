"""The public API: its names, a cheap ``import arrowtap``, docstrings, the exception tree."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import pickle
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import arrowtap
import arrowtap.dask
import arrowtap.errors

EXPECTED_ALL = {
    "ArrowtapError",
    "ArrowtapWarning",
    "AuthenticationError",
    "BadRequestError",
    "CallbackKind",
    "ChannelNotFoundError",
    "Checkpoint",
    "CheckpointAheadWarning",
    "CheckpointAttributes",
    "CheckpointError",
    "CheckpointExistsError",
    "CheckpointInvalidParamError",
    "CheckpointNoSpaceError",
    "CheckpointNotActiveError",
    "CheckpointNotFoundError",
    "DecodeError",
    "DecodeFailed",
    "Deleted",
    "DeltaSink",
    "DestinationHeldError",
    "HarperDBCheckpoint",
    "HarperDBWriteError",
    "Increment",
    "Inserted",
    "Interrupted",
    "InvalidArgumentError",
    "InvalidTypeError",
    "KineticaInsertError",
    "KineticaTableMonitor",
    "MonitorStream",
    "NoMatchWarning",
    "NotFoundError",
    "NotSupportedError",
    "ParquetDatasetSink",
    "PartialOperationError",
    "ProtocolError",
    "RetryPolicy",
    "SAMPLE_SCHEMA",
    "SchemaDriftError",
    "ServerError",
    "SinkError",
    "SourceInfo",
    "SyncSummary",
    "TableAltered",
    "TableDropped",
    "TransportError",
    "UnavailableError",
    "Updated",
    "WriteMode",
    "compact",
    "diff_finspace_clusters",
    "export_archive_config",
    "find_archive_channels",
    "import_archive_config",
    "monitor_kinetica",
    "open_checkpoint",
    "pivot_samples",
    "read_archive_channel",
    "read_archive_channels",
    "read_archive_cluster_status",
    "read_archive_samples",
    "read_archive_server_status",
    "read_finspace_changesets",
    "read_finspace_cluster_nodes",
    "read_finspace_clusters",
    "read_finspace_databases",
    "read_finspace_environments",
    "read_fleet",
    "read_harperdb",
    "read_harperdb_cluster_status",
    "read_harperdb_nodes",
    "read_harperdb_routes",
    "read_kinetica",
    "read_kinetica_sql",
    "scan_archive_channels",
    "scan_archive_cluster_status",
    "scan_archive_samples",
    "scan_finspace_changesets",
    "scan_finspace_cluster_nodes",
    "scan_finspace_clusters",
    "scan_finspace_databases",
    "scan_finspace_environments",
    "scan_fleet",
    "scan_harperdb",
    "scan_harperdb_cluster_status",
    "scan_kinetica",
    "scan_kinetica_sql",
    "sources",
    "sync_archive_channels",
    "sync_archive_cluster_status",
    "sync_archive_samples",
    "sync_finspace_changesets",
    "sync_finspace_cluster_nodes",
    "sync_finspace_clusters",
    "sync_finspace_databases",
    "sync_finspace_environments",
    "sync_fleet",
    "sync_harperdb",
    "sync_harperdb_cluster_status",
    "sync_kinetica",
    "sync_kinetica_monitor",
    "sync_kinetica_sql",
    "write_archive_channels",
    "write_harperdb",
    "write_kinetica",
}

# -- (a) the names ---------------------------------------------------------------------------


def test_all_is_the_intended_set() -> None:
    assert len(arrowtap.__all__) == len(set(arrowtap.__all__)), "duplicates in __all__"
    assert set(arrowtap.__all__) == EXPECTED_ALL


@pytest.mark.parametrize("name", sorted(EXPECTED_ALL))
def test_public_name_resolves(name: str) -> None:
    value = getattr(arrowtap, name)
    assert value is not None
    assert name in dir(arrowtap)


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = arrowtap.no_such_name  # type: ignore[attr-defined]


# -- (b) import arrowtap stays cheap ---------------------------------------------------------

LAZY_MODULES = (
    "arrowtap.connectors.finspace",
    "arrowtap.connectors.harperdb",
    "arrowtap.connectors.kinetica",
    "arrowtap.connectors.pvarchiver",
    "arrowtap.io",
    "arrowtap.testing",
    "dask",
    "httpx",
)


def test_import_loads_no_connector_io_or_dask(tmp_path: Any) -> None:
    code = "import json, sys, arrowtap; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(proc.stdout.splitlines()[-1])
    eager = sorted(
        name
        for name in loaded
        for lazy in LAZY_MODULES
        if name == lazy or name.startswith(lazy + ".")
    )
    assert eager == [], f"import arrowtap loaded {eager}"


# -- (c) numpydoc docstrings with examples ---------------------------------------------------

# numpydoc's sections, in the order numpydoc requires.
NUMPYDOC_SECTIONS = (
    "Parameters",
    "Returns",
    "Yields",
    "Receives",
    "Other Parameters",
    "Raises",
    "Warns",
    "Warnings",
    "See Also",
    "Notes",
    "References",
    "Examples",
)


# "name : type", "name" or "a, b : type" at the start of a line of a Parameters section.
PARAMETER_LINE = re.compile(r"\*{0,2}\w+(, \*{0,2}\w+)*( : .*)?")


def _public_functions() -> list[tuple[str, Callable[..., Any]]]:
    functions = [
        (f"arrowtap.{name}", getattr(arrowtap, name))
        for name in sorted(arrowtap.__all__)
        if inspect.isfunction(getattr(arrowtap, name))
    ]
    functions += [
        (f"arrowtap.dask.{name}", getattr(arrowtap.dask, name)) for name in arrowtap.dask.__all__
    ]
    return functions


def test_every_reader_takes_columns_and_every_row_writer_an_index_flag() -> None:
    functions = dict(_public_functions())
    readers = [n for n in functions if n.split(".")[-1].startswith(("read_", "scan_"))]
    assert [n for n in readers if "columns" not in inspect.signature(functions[n]).parameters] == []
    # Rows in, as pandas' to_sql: a frame's index is data unless index=False.
    for name in ("arrowtap.write_kinetica", "arrowtap.write_harperdb"):
        assert inspect.signature(functions[name]).parameters["index"].default is None


def _sections(doc: str) -> dict[str, list[str]]:
    """Split a cleaned docstring into ``{header: body lines}``; the summary is under ``""``."""
    lines = doc.splitlines()
    sections: dict[str, list[str]] = {"": []}
    current = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        underline = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"-{3,}", underline):
            current = line.strip()
            assert len(underline) == len(current), f"underline of {current!r} has the wrong length"
            assert current not in sections, f"section {current!r} appears twice"
            sections[current] = []
            i += 2
            continue
        sections[current].append(line)
        i += 1
    return sections


def test_public_functions_are_the_expected_ones() -> None:
    names = {name for name, _ in _public_functions()}
    assert names == {
        "arrowtap.compact",
        "arrowtap.dask.read_archive_samples",
        "arrowtap.dask.read_finspace_changesets",
        "arrowtap.dask.read_finspace_cluster_nodes",
        "arrowtap.dask.read_finspace_clusters",
        "arrowtap.dask.read_finspace_databases",
        "arrowtap.dask.read_harperdb",
        "arrowtap.dask.read_kinetica",
        "arrowtap.dask.read_kinetica_sql",
        "arrowtap.dask.sync_archive_samples",
        "arrowtap.dask.sync_harperdb",
        "arrowtap.dask.sync_kinetica",
        "arrowtap.diff_finspace_clusters",
        "arrowtap.export_archive_config",
        "arrowtap.find_archive_channels",
        "arrowtap.import_archive_config",
        "arrowtap.monitor_kinetica",
        "arrowtap.open_checkpoint",
        "arrowtap.pivot_samples",
        "arrowtap.read_archive_channel",
        "arrowtap.read_archive_channels",
        "arrowtap.read_archive_cluster_status",
        "arrowtap.read_archive_samples",
        "arrowtap.read_archive_server_status",
        "arrowtap.read_finspace_changesets",
        "arrowtap.read_finspace_cluster_nodes",
        "arrowtap.read_finspace_clusters",
        "arrowtap.read_finspace_databases",
        "arrowtap.read_finspace_environments",
        "arrowtap.read_fleet",
        "arrowtap.read_harperdb",
        "arrowtap.read_harperdb_cluster_status",
        "arrowtap.read_harperdb_nodes",
        "arrowtap.read_harperdb_routes",
        "arrowtap.read_kinetica",
        "arrowtap.read_kinetica_sql",
        "arrowtap.scan_archive_channels",
        "arrowtap.scan_archive_cluster_status",
        "arrowtap.scan_archive_samples",
        "arrowtap.scan_finspace_changesets",
        "arrowtap.scan_finspace_cluster_nodes",
        "arrowtap.scan_finspace_clusters",
        "arrowtap.scan_finspace_databases",
        "arrowtap.scan_finspace_environments",
        "arrowtap.scan_fleet",
        "arrowtap.scan_harperdb",
        "arrowtap.scan_harperdb_cluster_status",
        "arrowtap.scan_kinetica",
        "arrowtap.scan_kinetica_sql",
        "arrowtap.sources",
        "arrowtap.sync_archive_channels",
        "arrowtap.sync_archive_cluster_status",
        "arrowtap.sync_archive_samples",
        "arrowtap.sync_finspace_changesets",
        "arrowtap.sync_finspace_cluster_nodes",
        "arrowtap.sync_finspace_clusters",
        "arrowtap.sync_finspace_databases",
        "arrowtap.sync_finspace_environments",
        "arrowtap.sync_fleet",
        "arrowtap.sync_harperdb",
        "arrowtap.sync_harperdb_cluster_status",
        "arrowtap.sync_kinetica",
        "arrowtap.sync_kinetica_monitor",
        "arrowtap.sync_kinetica_sql",
        "arrowtap.write_archive_channels",
        "arrowtap.write_harperdb",
        "arrowtap.write_kinetica",
    }


@pytest.mark.parametrize(
    ("name", "function"), _public_functions(), ids=[name for name, _ in _public_functions()]
)
def test_public_function_has_numpydoc_docstring_with_examples(
    name: str, function: Callable[..., Any]
) -> None:
    doc = inspect.getdoc(function)
    assert doc, f"{name} has no docstring"
    summary = doc.splitlines()[0]
    assert summary.strip(), f"{name}: the docstring does not start with a summary line"
    assert summary.endswith("."), f"{name}: summary line {summary!r} is not a sentence"
    sections = _sections(doc)
    headers = [h for h in sections if h]
    unknown = [h for h in headers if h not in NUMPYDOC_SECTIONS]
    assert not unknown, f"{name}: not numpydoc sections: {unknown}"
    assert headers == sorted(headers, key=NUMPYDOC_SECTIONS.index), f"{name}: order {headers}"
    assert "Examples" in sections, f"{name} has no Examples section"
    assert any(line.startswith(">>> ") for line in sections["Examples"]), (
        f"{name}: its Examples section has no doctest"
    )
    # Documented parameters exist ("a, b : type" documents several at once; prose is skipped).
    signature = set(inspect.signature(function).parameters)
    documented = {
        part.strip().lstrip("*")
        for line in sections.get("Parameters", []) + sections.get("Other Parameters", [])
        if PARAMETER_LINE.fullmatch(line)
        for part in line.split(" : ")[0].split(",")
    }
    assert documented <= signature, f"{name} documents unknown parameters {documented - signature}"


# -- (d) the exception tree ------------------------------------------------------------------

# error: (its arrowtap parent, the builtins it is documented to inherit), per arrowtap.errors.
ERROR_TREE: dict[str, tuple[str | None, tuple[type[BaseException], ...]]] = {
    "ArrowtapError": (None, (Exception,)),
    "InvalidArgumentError": ("ArrowtapError", (ValueError,)),
    "InvalidTypeError": ("InvalidArgumentError", (ValueError, TypeError)),
    "ProtocolError": ("ArrowtapError", ()),
    "DecodeError": ("ProtocolError", (ValueError,)),
    "TransportError": ("ArrowtapError", (ConnectionError,)),
    "ServerError": ("ArrowtapError", ()),
    "BadRequestError": ("ServerError", (ValueError,)),
    "NotSupportedError": ("BadRequestError", (ValueError,)),
    "AuthenticationError": ("ServerError", (PermissionError,)),
    "NotFoundError": ("ServerError", (LookupError,)),
    "ChannelNotFoundError": ("NotFoundError", (LookupError,)),
    "UnavailableError": ("ServerError", ()),
    "PartialOperationError": ("ServerError", ()),
    "CheckpointError": ("ArrowtapError", ()),
    "CheckpointExistsError": ("CheckpointError", ()),
    "CheckpointNoSpaceError": ("CheckpointError", ()),
    "CheckpointInvalidParamError": ("CheckpointError", (ValueError,)),
    "CheckpointNotFoundError": ("CheckpointError", (KeyError,)),
    "CheckpointNotActiveError": ("CheckpointError", ()),
    "DestinationHeldError": ("CheckpointError", ()),
    "SinkError": ("ArrowtapError", ()),
    "KineticaInsertError": ("SinkError", ()),
    "HarperDBWriteError": ("SinkError", ()),
    "SchemaDriftError": ("SinkError", ()),
}


WARNINGS = {"ArrowtapWarning": UserWarning, "NoMatchWarning": "ArrowtapWarning",
            "CheckpointAheadWarning": "ArrowtapWarning"}  # fmt: skip


def test_every_error_is_in_the_documented_tree() -> None:
    assert set(arrowtap.errors.__all__) == set(ERROR_TREE) | {"Interrupted"} | set(WARNINGS)
    for name, parent in WARNINGS.items():
        base = parent if isinstance(parent, type) else getattr(arrowtap.errors, parent)
        assert issubclass(getattr(arrowtap, name), base)
        assert not issubclass(getattr(arrowtap, name), arrowtap.ArrowtapError)
        assert name in (arrowtap.errors.__doc__ or "")
    assert issubclass(arrowtap.Interrupted, KeyboardInterrupt)
    assert not issubclass(arrowtap.Interrupted, arrowtap.ArrowtapError)
    assert set(ERROR_TREE) <= set(arrowtap.__all__)


def _builtin_bases(cls: type) -> set[type]:
    return {
        base
        for base in cls.__mro__
        if base.__module__ == "builtins" and base not in (object, BaseException, Exception)
    }


@pytest.mark.parametrize("name", sorted(ERROR_TREE))
def test_error_inherits_documented_builtins(name: str) -> None:
    parent, builtins = ERROR_TREE[name]
    cls = getattr(arrowtap.errors, name)
    assert getattr(arrowtap, name) is cls
    assert issubclass(cls, arrowtap.ArrowtapError)
    if parent is not None:
        assert issubclass(cls, getattr(arrowtap.errors, parent))
    for builtin in builtins:
        assert issubclass(cls, builtin), f"{name} should be a {builtin.__name__}"
    # ... and no other builtin: ``except ValueError`` must not catch a ProtocolError.
    expected = set().union(*(_builtin_bases(b) | {b} for b in builtins)) - {Exception}
    assert _builtin_bases(cls) == expected


# Values for the keyword arguments of the errors' constructors.
ERROR_FIELDS: dict[str, Any] = {
    "status": 418,
    "url": "http://host/x",
    "code": "TeapotException",
    "server_message": "short and stout",
    "request_id": "req-1",
    "retry_after": 1.5,
    "node": "ws://peer:9933",
    "reason": "connect ECONNREFUSED",
    "errors": {3: "duplicate key"},
    "rows_written": 7,
    "batches_written": 2,
    "host": "node-7",
    "pid": 4242,
    "since": dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
    "expires": dt.datetime(2024, 5, 1, 0, 0, 30, tzinfo=dt.UTC),
    "column": "v",
    "before": "int32",
    "after": "string",
}


@pytest.mark.parametrize("name", sorted(ERROR_TREE))
def test_error_attributes_are_declared_set_and_survive_pickling(name: str) -> None:
    cls = getattr(arrowtap.errors, name)
    # Classes without an __init__ of their own take a message only.
    own_init = next(k for k in cls.__mro__ if "__init__" in vars(k))
    accepted = inspect.signature(cls).parameters if own_init.__module__ == cls.__module__ else {}
    error = cls("boom", **{k: v for k, v in ERROR_FIELDS.items() if k in accepted})
    declared = {
        attribute
        for klass in cls.__mro__
        if klass.__module__ == "arrowtap.errors"
        for attribute in vars(klass).get("__annotations__", {})
    }
    assert set(vars(error)) == declared, "every attribute declared on the class, set by __init__"
    assert all(getattr(error, k) == ERROR_FIELDS[k] for k in declared if k in accepted)
    copy = pickle.loads(pickle.dumps(error))  # Dask sends a worker's errors to the client
    assert (type(copy), str(copy), vars(copy)) == (cls, str(error), vars(error))


def test_interrupted_survives_pickling() -> None:
    stop = pickle.loads(pickle.dumps(arrowtap.Interrupted("3 pages", 15)))
    assert (stop.summary, stop.signal) == ("3 pages", 15)
